import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { forbidden } from '@partner-ledger/domain';
import { CLOCK, type Clock } from '@partner-ledger/platform';
import type { WebhookEndpoint } from '@partner-ledger/webhook-runtime';
import { expandTopics } from '@partner-ledger/webhooks';
import { decodeCursor, parseLimit } from '../queries/read-models.js';
import { ApiController, problem } from '../shared/http.js';
import { Lookups } from '../shared/lookups.js';
import { INCOMING_OPTIONS, type IncomingWebhookOptions } from '../incoming-webhooks/incoming-webhook.service.js';
import { DeliverySearchQuery } from '../webhook-endpoints/deliveries.controller.js';
import { ResendResultDto, TestDeliveryDto } from '../webhook-endpoints/deliveries.dto.js';
import { deliveryView, endpointView, EndpointOperations, parseSearch } from '../webhook-endpoints/endpoint-operations.js';
import { RotatedSecretDto, RotateSecretDto } from '../webhook-endpoints/webhook-endpoint.dto.js';
import { PORTAL_OPTIONS, type PortalOptions } from './portal.controller.js';
import { CreatePortalLinkDto, PortalLinkDto } from './portal.dto.js';
import { mintPortalLink, type PortalGrant, portalGrantOf } from './portal-links.js';
import { WebhookEndpointPortalViewDto } from './webhook-endpoint-portal.dto.js';

const REFUSED = problem('no token, an altered or foreign token, a partner portal token (`invalid_portal_token`), or an expired one (`portal_link_expired`)');
const CLOSED = problem('the endpoint has since been deleted (`portal_closed`)');

/** A program (or the admin) mints a link to one webhook endpoint's consumer portal. */
@ApiController('portal')
export class WebhookEndpointPortalLinksController {
  constructor(
    @Inject(PORTAL_OPTIONS) private readonly options: PortalOptions,
    @Inject(INCOMING_OPTIONS) private readonly incoming: IncomingWebhookOptions,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly lookups: Lookups,
    private readonly operations: EndpointOperations,
  ) {}

  @Post('programs/:pid/webhook-endpoints/:id/portal-links')
  @HttpCode(201)
  @ApiOperation({
    summary: "A signed, expiring link to one webhook endpoint's consumer portal: its deliveries and attempts, resend, test event and secret rotation",
    description:
      'For the developer receiving the webhooks. The link is the only credential: anyone holding it works on that endpoint (and no other) until it expires. Nothing is stored; deleting the endpoint closes its portal.',
  })
  @ApiResponse({ status: 201, type: PortalLinkDto })
  @ApiResponse({ status: 400, ...problem('expiresInSeconds out of range') })
  @ApiResponse({ status: 403, ...problem("another program's key") })
  @ApiResponse({ status: 404, ...problem('no such program or endpoint (`webhook_endpoint_not_found`)') })
  async create(@Param('pid') pid: string, @Param('id') id: string, @Body() body: CreatePortalLinkDto, @Req() request: FastifyRequest): Promise<PortalLinkDto> {
    await this.lookups.requireProgram(pid);
    await this.operations.endpoint(pid, id);
    return mintPortalLink(
      this.options.secret,
      'webhook-endpoint',
      { programId: pid, id },
      { now: this.clock.now(), expiresInSeconds: body.expiresInSeconds, publicUrl: this.incoming.publicUrl, request },
    );
  }
}

/**
 * The consumer portal's API: the program's endpoint routes narrowed to the endpoint of the link,
 * chosen by the token alone (no key, no id in the path to alter). A delivery of another endpoint
 * is not found through it.
 */
@ApiTags('portal')
@ApiBearerAuth()
@Controller('v1/portal/webhook-endpoint')
export class WebhookEndpointPortalController {
  constructor(
    @Inject(PORTAL_OPTIONS) private readonly options: PortalOptions,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly lookups: Lookups,
    private readonly operations: EndpointOperations,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The endpoint of the link: send its token as `Authorization: Bearer <token>`' })
  @ApiResponse({ status: 200, type: WebhookEndpointPortalViewDto })
  @ApiResponse({ status: 401, ...REFUSED })
  @ApiResponse({ status: 403, ...CLOSED })
  async view(@Headers('authorization') authorization: string | undefined): Promise<WebhookEndpointPortalViewDto> {
    const { grant, endpoint } = await this.open(authorization);
    const program = await this.lookups.program(grant.programId);
    return {
      program: { id: grant.programId, name: program?.name ?? grant.programId },
      endpoint: endpointView(endpoint) as WebhookEndpointPortalViewDto['endpoint'],
      subscribedTopics: expandTopics(endpoint.topics),
      expiresAt: new Date(grant.exp * 1000).toISOString(),
    };
  }

  @Get('deliveries')
  @ApiOperation({ summary: "The endpoint's deliveries, newest first, each with its attempts; searched as the program's deliveries route is" })
  @DeliverySearchQuery()
  @ApiResponse({ status: 401, ...REFUSED })
  @ApiResponse({ status: 403, ...CLOSED })
  async deliveries(
    @Headers('authorization') authorization: string | undefined,
    @Query('status') status?: string,
    @Query('topic') topic?: string,
    @Query('partnerId') partnerId?: string,
    @Query('eventId') eventId?: string,
    @Query('from') from?: string,
    @Query('to') to?: string,
    @Query('cursor') cursor?: string,
    @Query('limit') limit?: string,
  ) {
    const { endpoint } = await this.open(authorization);
    const search = parseSearch({ status, topic, partnerId, eventId, from, to });
    return this.operations.page(endpoint.id, search, decodeCursor(cursor), parseLimit(limit), deliveryView);
  }

  @Post('deliveries/:deliveryId/resend')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send one of the endpoint’s deliveries again (same webhook-id and body)' })
  @ApiResponse({ status: 202, type: ResendResultDto })
  @ApiResponse({ status: 401, ...REFUSED })
  @ApiResponse({ status: 403, ...CLOSED })
  @ApiResponse({ status: 404, ...problem('no such delivery of this endpoint (`delivery_not_found`)') })
  async resend(@Headers('authorization') authorization: string | undefined, @Param('deliveryId') deliveryId: string) {
    const { grant, endpoint } = await this.open(authorization);
    return this.operations.resend(grant.programId, deliveryId, endpoint.id);
  }

  @Post('test')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a signed test delivery (`"test": true`) to the endpoint' })
  @ApiResponse({ status: 202, type: TestDeliveryDto })
  @ApiResponse({ status: 401, ...REFUSED })
  @ApiResponse({ status: 403, ...CLOSED })
  async test(@Headers('authorization') authorization: string | undefined) {
    const { endpoint } = await this.open(authorization);
    return this.operations.sendTest(endpoint);
  }

  @Post('rotate-secret')
  @HttpCode(200)
  @ApiOperation({ summary: 'A new signing secret, shown once; the old one keeps signing beside it for the overlap (default a day)' })
  @ApiResponse({ status: 200, type: RotatedSecretDto })
  @ApiResponse({ status: 400, ...problem('overlapSeconds out of range') })
  @ApiResponse({ status: 401, ...REFUSED })
  @ApiResponse({ status: 403, ...CLOSED })
  async rotate(@Headers('authorization') authorization: string | undefined, @Body() body: RotateSecretDto = {}) {
    const { endpoint } = await this.open(authorization);
    return this.operations.rotate(endpoint, body?.overlapSeconds);
  }

  /** The link's grant and its endpoint: 401 for a bad or expired token, 403 once the endpoint is gone. */
  private async open(authorization: string | undefined): Promise<{ grant: PortalGrant; endpoint: WebhookEndpoint }> {
    const grant = portalGrantOf(this.options.secret, 'webhook-endpoint', authorization, this.clock.now());
    const endpoint = await this.operations.find(grant.programId, grant.id);
    if (!endpoint) throw forbidden('portal_closed', 'the webhook endpoint of this link has been deleted: its portal is closed');
    return { grant, endpoint };
  }
}
