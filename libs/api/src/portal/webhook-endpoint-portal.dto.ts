import { ApiProperty } from '@nestjs/swagger';
import { WebhookEndpointDto } from '../webhook-endpoints/webhook-endpoint.dto.js';

class PortalProgramDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
}

/** `GET /v1/portal/webhook-endpoint`: the endpoint of the link, for the developer receiving its webhooks. */
export class WebhookEndpointPortalViewDto {
  @ApiProperty({ type: PortalProgramDto, description: 'The program sending the webhooks' }) program!: PortalProgramDto;
  @ApiProperty({ type: WebhookEndpointDto, description: 'The endpoint (never its secret: a rotation shows the new one once)' }) endpoint!: WebhookEndpointDto;
  @ApiProperty({ type: [String], description: 'The topics the endpoint receives (`ALL` spelled out), for searching its deliveries' }) subscribedTopics!: string[];
  @ApiProperty({ description: 'When the link stops working' }) expiresAt!: string;
}
