import { Get } from '@nestjs/common';
import { ApiOperation, ApiResponse } from '@nestjs/swagger';
import { ProjectionStatusDto } from './projections.dto.js';
import { AdminOnly } from '../../auth/auth.guard.js';
import { ApiController } from '../../shared/http.js';
import { ReadModels } from '../read-models.js';

@ApiController('projections')
export class ProjectionQueriesController {
  constructor(private readonly read: ReadModels) {}

  @Get('projections')
  @AdminOnly()
  @ApiResponse({ status: 200, type: ProjectionStatusDto })
  @ApiOperation({ summary: 'Each projection: applied position, events and seconds behind the log (admin key)' })
  async status() {
    const namespace = await this.read.readSide.activeNamespace();
    const lag = await this.read.readSide.lag();
    const failures = this.read.readSide.failures.map((f) => ({ projection: f.projection, error: f.error.message }));
    return { namespace, items: lag, failures };
  }
}
