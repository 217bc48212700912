import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { randomBytes } from 'node:crypto';
import { Counter, type Registry } from 'prom-client';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { EventStore } from '@partner-ledger/event-store';
import { CLOCK, type Clock, METRICS_REGISTRY } from '@partner-ledger/platform';
import { type Problem, toProblem } from '@partner-ledger/platform';
import { DomainError, invalid, unprocessable, withoutCredentials } from '@partner-ledger/domain';
import { type IncomingRequest, type IncomingWebhook, IncomingWebhookRepository, type RequestOutcome } from '@partner-ledger/webhook-runtime';
import { listPaths, type PathInfo } from '@partner-ledger/webhooks';
import { extract, type FieldIssue, type Mapping } from '@partner-ledger/webhooks';
import { parseToken, secretsMatch, type UrlKind } from '@partner-ledger/webhooks';
import type { CommandContext } from '../shared/command-context.js';
import { Lookups } from '../shared/lookups.js';
import { EVENT_STORE } from '../shared/tokens.js';
import { dryRunPorts, realPorts } from './command-ports.js';
import { runAction } from './run-action.js';

export const INCOMING_OPTIONS = Symbol('INCOMING_OPTIONS');

export interface IncomingWebhookOptions {
  /** INCOMING_WEBHOOK_RATE_LIMIT: requests per second per URL token. */
  ratePerSecond: number;
  /** PUBLIC_URL: how senders reach this API; unset → the scheme and Host of the admin's request. */
  publicUrl?: string;
}

export const DEFAULT_INCOMING_RATE_PER_SECOND = 50;

/** What a mapped payload would do at the production URL: the events and the answer, or the refusal. */
export interface DryRun {
  wouldSucceed: boolean;
  /** The production URL's status for this payload. */
  status: number;
  result?: Record<string, unknown>;
  /** The problem the production URL would answer. */
  error?: Problem;
  events: { stream: string; type: string; data: unknown }[];
}

export interface Received {
  status: number;
  body: Record<string, unknown>;
  retryAfterSeconds?: number;
}

/** Paths across the kept samples, newest sample first: a path seen only in an older one still shows. */
export function pathsOf(webhook: IncomingWebhook): { paths: PathInfo[]; truncated: boolean } {
  const seen = new Map<string, PathInfo>();
  let truncated = false;
  for (const sample of webhook.samples) {
    const listed = listPaths(sample.body);
    truncated ||= listed.truncated;
    for (const p of listed.paths) if (!seen.has(p.path)) seen.set(p.path, p);
  }
  return { paths: [...seen.values()], truncated };
}

/**
 * What happens to a POST at a test or production URL. The token finds the webhook; the test URL
 * keeps the sample and, once a mapping is saved, dry-runs it; the production URL extracts, checks
 * the whole action in a dry run (so a refusal leaves nothing half-written, e.g. a customer without
 * its sale), then runs it through the CommandBus. Every request that reached a webhook is logged.
 */
@Injectable()
export class IncomingWebhookService {
  private readonly limiter: RateLimiterMemory;
  private readonly requests: Counter<'url' | 'outcome'>;

  constructor(
    private readonly webhooks: IncomingWebhookRepository,
    private readonly commands: CommandBus,
    private readonly lookups: Lookups,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(INCOMING_OPTIONS) readonly options: IncomingWebhookOptions,
    @Inject(METRICS_REGISTRY) registry: Registry,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.limiter = new RateLimiterMemory({ points: options.ratePerSecond, duration: 1 });
    this.requests = new Counter({
      name: 'incoming_webhook_requests_total',
      help: 'Requests at incoming-webhook URLs that reached a webhook, by URL kind and outcome',
      labelNames: ['url', 'outcome'],
      registers: [registry],
    });
  }

  /** The webhook a token opens, or null; a wrong secret and an unknown id look the same. */
  async open(token: string): Promise<{ webhook: IncomingWebhook; kind: UrlKind } | null> {
    const parsed = parseToken(token);
    if (!parsed) return null;
    const webhook = await this.webhooks.byId(parsed.webhookId);
    if (!webhook) return null;
    const stored = parsed.kind === 'test' ? webhook.testSecret : webhook.productionSecret;
    return secretsMatch(parsed.secret, stored) ? { webhook, kind: parsed.kind } : null;
  }

  /** Seconds until the token may send again, or 0 when this request is within its rate. */
  async throttle(webhookId: string, kind: UrlKind): Promise<number> {
    try {
      await this.limiter.consume(`${webhookId}:${kind}`);
      return 0;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        this.requests.inc({ url: kind, outcome: 'rate_limited' });
        return Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      }
      throw rejection;
    }
  }

  async receive(webhook: IncomingWebhook, kind: UrlKind, payload: unknown, bytes: number, correlationId: string): Promise<Received> {
    const started = Date.now();
    const requestId = `iwr_${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;
    const ctx: CommandContext = { correlationId, causationId: requestId, source: 'incoming-webhook', actor: { type: 'INCOMING_WEBHOOK', id: webhook.id } };
    let received: Received;
    let outcome: RequestOutcome;
    let result: Record<string, unknown> | null = null;
    try {
      if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
        throw invalid('body_not_object', 'the body must be a JSON object, e.g. {"order": {"id": "ORD-789"}}');
      }
      if (kind === 'test') {
        ({ received, outcome, result } = await this.test(webhook, payload, ctx));
      } else {
        ({ received, outcome, result } = await this.production(webhook, payload, ctx));
      }
      received.body = { requestId, ...received.body };
    } catch (error) {
      const { problem, unexpected } = toProblem(error, { url: `/v1/incoming/${kind}` });
      if (unexpected) throw error;
      outcome = 'refused';
      received = { status: problem.status, body: { ...problem, requestId } };
    }
    const body = received.body as { code?: string; detail?: string; errors?: unknown[] };
    const entry: IncomingRequest = {
      id: requestId,
      webhookId: webhook.id,
      programId: webhook.programId,
      at: new Date(started).toISOString(),
      url: kind,
      outcome,
      status: received.status,
      bytes,
      result,
      error: outcome === 'refused' ? { code: String(body.code), detail: String(body.detail), ...(body.errors ? { errors: body.errors } : {}) } : null,
      durationMs: Date.now() - started,
    };
    await this.webhooks.logRequest(entry);
    this.requests.inc({ url: kind, outcome });
    return received;
  }

  private async test(webhook: IncomingWebhook, payload: object, ctx: CommandContext) {
    const updated = await this.webhooks.addSample(webhook, { receivedAt: new Date().toISOString(), body: payload });
    const { paths, truncated } = pathsOf({ ...updated, samples: updated.samples.slice(0, 1) });
    const answer: Record<string, unknown> = {
      received: true,
      created: false,
      note: updated.mapping
        ? 'sample stored; nothing was written: dryRun shows what the production URL would do'
        : 'sample stored; nothing was written. Map these paths with PUT …/incoming-webhooks/:id/mapping',
      paths,
      pathsTruncated: truncated,
    };
    if (!updated.mapping) return { received: { status: 200, body: answer }, outcome: 'sampled' as const, result: null };
    answer.dryRun = await this.dryRun(updated.programId, updated.mapping, payload, ctx);
    return { received: { status: 200, body: answer }, outcome: 'dry_run' as const, result: answer.dryRun as unknown as Record<string, unknown> };
  }

  /**
   * The production path without writing: the events it would append, or the refusal it would get.
   * For the test URL's answer (the saved mapping) and for a mapping not saved yet
   * (`POST …/mapping/dry-run`, on a kept sample).
   */
  async dryRun(programId: string, mapping: Mapping, payload: object, ctx: CommandContext): Promise<DryRun> {
    try {
      const { values, issues } = extract(mapping, payload);
      if (issues.length > 0) throw missingValues(issues);
      const { ports, store } = dryRunPorts(this.events, this.clock);
      const outcome = await runAction(ports, programId, mapping, values, ctx);
      return {
        wouldSucceed: true,
        status: outcome.created ? 201 : 200,
        result: outcome.result,
        events: store.events.map((e) => ({ stream: e.streamName, type: e.type, data: withoutCredentials(e.type, e.data) })),
      };
    } catch (error) {
      const { problem, unexpected } = toProblem(error, { url: '/v1/incoming/test' });
      if (unexpected) throw error;
      return { wouldSucceed: false, status: problem.status, error: problem, events: [] };
    }
  }

  private async production(webhook: IncomingWebhook, payload: object, ctx: CommandContext) {
    if (!webhook.mapping) {
      throw unprocessable('mapping_not_configured', 'this incoming webhook has no mapping yet: send a sample to its test URL, then save a mapping');
    }
    const { values, issues } = extract(webhook.mapping, payload);
    if (issues.length > 0) throw missingValues(issues);
    // The dry run refuses whatever the real run would refuse for this payload, before anything is
    // written; only a change made by someone else in between can still fail the real run midway.
    await runAction(dryRunPorts(this.events, this.clock).ports, webhook.programId, webhook.mapping, values, ctx);
    const outcome = await runAction(realPorts(this.commands, this.lookups), webhook.programId, webhook.mapping, values, ctx);
    const status = outcome.created ? 201 : 200;
    return {
      received: { status, body: { action: webhook.mapping.action, outcome: outcome.created ? 'created' : 'existing', ...outcome.result, position: outcome.position } },
      outcome: outcome.created ? ('created' as const) : ('existing' as const),
      result: outcome.result,
    };
  }
}

/** A payload's refused values; the problem's code is the first issue's (each issue keeps its own). */
function missingValues(issues: FieldIssue[]) {
  return new DomainError('unprocessable', issues[0].code, issues.map((i) => i.reason).join('; '), undefined, issues);
}
