import { Get, Inject, Param, Query, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOperation, ApiProduces, ApiQuery, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { FeedEventDto } from './events.dto.js';
import type { FastifyReply } from 'fastify';
import { invalid, programStreamPrefixes, withoutCredentials } from '@partner-ledger/domain';
import { forbiddenProgramStream } from './program-streams.js';
import type { EventStore } from '@partner-ledger/event-store';
import { ApiController } from '../../shared/http.js';
import { Lookups } from '../../shared/lookups.js';
import { EVENT_STORE } from '../../shared/tokens.js';
import { parsePosition } from '../read-models.js';

const DEFAULT_EVENTS = 1000;
const MAX_EVENTS = 10_000;
const PAGE = 500;

@ApiController('events')
export class EventQueriesController {
  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    private readonly lookups: Lookups,
  ) {}

  @Get('programs/:pid/events')
  @ApiOperation({
    summary: "The program's events in order, as NDJSON (one JSON object per line)",
    description:
      'Resume with `fromPosition` = last position + 1. `stream` is a stream-name prefix inside the program, e.g. `partner-<pid>.`. `direction=backwards` answers the newest first, from `fromPosition` (inclusive) or the end of the log down.',
  })
  @ApiProduces('application/x-ndjson')
  @ApiExtraModels(FeedEventDto)
  @ApiResponse({
    status: 200,
    description: 'One event per line (newline-delimited JSON), each of this schema',
    content: { 'application/x-ndjson': { schema: { $ref: getSchemaPath(FeedEventDto) } } },
  })
  @ApiQuery({ name: 'stream', required: false })
  @ApiQuery({ name: 'type', required: false, description: 'event types, comma-separated' })
  @ApiQuery({ name: 'fromPosition', required: false, description: 'inclusive' })
  @ApiQuery({ name: 'limit', required: false, description: `1-${MAX_EVENTS}, default ${DEFAULT_EVENTS}` })
  @ApiQuery({ name: 'direction', required: false, enum: ['forwards', 'backwards'], description: 'default forwards' })
  async stream(
    @Param('pid') pid: string,
    @Res() reply: FastifyReply,
    @Query('stream') stream?: string,
    @Query('type') type?: string,
    @Query('fromPosition') fromPosition?: string,
    @Query('limit') limit?: string,
    @Query('direction') direction?: string,
  ) {
    await this.lookups.requireProgram(pid);
    const prefixes = programStreamPrefixes(pid);
    if (stream !== undefined && !prefixes.some((p) => stream.startsWith(p))) {
      throw forbiddenProgramStream(stream);
    }
    const max = limit === undefined ? DEFAULT_EVENTS : Number(limit);
    if (!Number.isInteger(max) || max < 1 || max > MAX_EVENTS) throw invalid('invalid_limit', `limit must be an integer from 1 to ${MAX_EVENTS}`, 'limit');
    const types = type
      ?.split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    if (direction !== undefined && direction !== 'forwards' && direction !== 'backwards') throw invalid('invalid_direction', 'direction must be forwards or backwards', 'direction');
    const backwards = direction === 'backwards';
    const at = parsePosition(fromPosition, 'fromPosition');
    // The store reads backwards from before its position: one past the asked one makes it inclusive.
    let from: bigint | 'start' | 'end' = at === undefined ? (backwards ? 'end' : 'start') : backwards ? at + 1n : at;
    const filter = { streamPrefixes: stream !== undefined ? [stream] : prefixes, eventTypes: types?.length ? types : undefined };

    reply.raw.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'x-correlation-id': String(reply.request.id) });
    let sent = 0;
    // Paged so a large history streams with bounded memory; the client's pace sets ours.
    while (sent < max) {
      const wanted = Math.min(PAGE, max - sent);
      const page = await this.events.readAll({ fromPosition: from, maxCount: wanted, filter, direction: backwards ? 'backwards' : 'forwards' });
      for (const e of page) {
        const line = JSON.stringify({
          position: String(e.position),
          stream: e.streamName,
          revision: String(e.revision),
          type: e.type,
          created: e.created.toISOString(),
          // Credential material (a program key's hash) never leaves through the feed.
          data: withoutCredentials(e.type, e.data),
          metadata: e.metadata,
        });
        if (!reply.raw.write(line + '\n')) await new Promise((resolve) => reply.raw.once('drain', resolve));
      }
      sent += page.length;
      if (page.length < wanted) break;
      const last = page[page.length - 1].position;
      if (backwards && last <= 1n) break;
      from = backwards ? last : last + 1n;
    }
    reply.raw.end();
  }
}
