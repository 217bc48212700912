import { Body, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { invalid, notFound } from '@partner-ledger/domain';
import { EndpointRepository, type ReplayJob, ReplayJobs } from '@partner-ledger/webhook-runtime';
import { parseTopics } from '@partner-ledger/webhooks';
import { decodeCursor, encodeCursor, parseLimit, parseTime } from '../queries/read-models.js';
import { ApiController } from '../shared/http.js';
import { Lookups } from '../shared/lookups.js';
import { ReplayDto, ReplayJobDto, ReplayJobPageDto } from './replay-job.dto.js';

/** The program is in the path already; the owner and the heartbeat are the runner's bookkeeping. */
const view = ({ programId: _p, owner: _o, updatedAt: _u, ...job }: ReplayJob) => job;

/** Backfill as background jobs: queue a replay of history to one endpoint, follow it, cancel it. */
@ApiController('webhook-endpoints')
export class ReplayJobsController {
  constructor(
    private readonly endpoints: EndpointRepository,
    private readonly jobs: ReplayJobs,
    private readonly lookups: Lookups,
  ) {}

  @Post('programs/:pid/webhook-endpoints/:id/replay')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Backfill: queue a job sending this endpoint every past event of its topics created in [from, to), in the payloads they had then',
    description: 'Answers at once; follow the job at `Location`. One job at a time per endpoint.',
  })
  @ApiResponse({ status: 202, type: ReplayJobDto, description: 'The job, queued; `Location` is its URL', headers: { Location: { description: 'The job', schema: { type: 'string' } } } })
  @ApiResponse({ status: 409, description: '`replay_in_progress`: a job of this endpoint is queued or running (the detail names it)' })
  async replay(@Param('pid') pid: string, @Param('id') id: string, @Body() body: ReplayDto = {}, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.lookups.requireProgram(pid);
    const endpoint = await this.endpoints.get(pid, id);
    if (!endpoint) throw notFound('webhook_endpoint_not_found', `webhook endpoint ${id} not found`);
    const from = parseTime(body?.from, 'from') ?? null;
    const to = parseTime(body?.to, 'to') ?? null;
    if (from && to && from >= to) throw invalid('invalid_range', 'from must be before to', 'from');
    const topics = body?.topics ? parseTopics(body.topics) : endpoint.topics;
    const job = await this.jobs.submit(endpoint, { from, to, topics });
    void reply.header('location', `/v1/programs/${pid}/replay-jobs/${job.id}`);
    return view(job);
  }

  @Get('programs/:pid/replay-jobs')
  @ApiOperation({ summary: "The program's replay jobs, newest first" })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false })
  @ApiResponse({ status: 200, type: ReplayJobPageDto })
  async list(@Param('pid') pid: string, @Query('cursor') cursor?: string, @Query('limit') limit?: string) {
    await this.lookups.requireProgram(pid);
    const n = parseLimit(limit);
    const found = await this.jobs.page(pid, decodeCursor(cursor), n + 1);
    const items = found.slice(0, n);
    const last = items.at(-1);
    return { items: items.map(view), nextCursor: found.length > n && last ? encodeCursor([last.createdAt, last.id]) : null };
  }

  @Get('programs/:pid/replay-jobs/:jobId')
  @ApiOperation({ summary: 'One replay job: its status and progress' })
  @ApiResponse({ status: 200, type: ReplayJobDto })
  async get(@Param('pid') pid: string, @Param('jobId') jobId: string) {
    await this.lookups.requireProgram(pid);
    const job = await this.jobs.get(pid, jobId);
    if (!job) throw notFound('replay_job_not_found', `replay job ${jobId} not found`);
    return view(job);
  }

  @Post('programs/:pid/replay-jobs/:jobId/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a queued or running replay job: it stops at its next batch; what it queued stays queued' })
  @ApiResponse({ status: 200, type: ReplayJobDto, description: 'The job, cancelled' })
  @ApiResponse({ status: 409, description: '`replay_job_finished`: the job had already succeeded, failed or been cancelled' })
  async cancel(@Param('pid') pid: string, @Param('jobId') jobId: string) {
    await this.lookups.requireProgram(pid);
    return view(await this.jobs.cancel(pid, jobId));
  }
}
