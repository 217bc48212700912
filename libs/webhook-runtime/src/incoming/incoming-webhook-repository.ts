import { DURABLE, type ReadStore, type Scalar, type StoredDoc } from '@partner-ledger/read-store';
import { CONFIG_NAMESPACE } from '../endpoints/endpoint-repository.js';
import type { Mapping } from '@partner-ledger/webhooks';

export const INCOMING_WEBHOOKS = 'incoming_webhooks';
export const INCOMING_REQUESTS = 'incoming_webhook_requests';
/** Samples kept per webhook: a mapping may bind a path that only some of them carry. */
export const SAMPLES_KEPT = 5;
/** Requests kept in each webhook's log; older ones are pruned as new ones arrive. */
export const REQUESTS_KEPT = 1000;

export interface Sample {
  receivedAt: string;
  body: unknown;
}

export interface IncomingWebhook {
  id: string;
  programId: string;
  name: string;
  testSecret: string;
  productionSecret: string;
  mapping: Mapping | null;
  /** Newest first. */
  samples: Sample[];
  createdAt: string;
  updatedAt: string;
}

export type RequestOutcome = 'sampled' | 'dry_run' | 'created' | 'existing' | 'refused';

export interface IncomingRequest {
  id: string;
  webhookId: string;
  programId: string;
  at: string;
  url: 'test' | 'production';
  outcome: RequestOutcome;
  status: number;
  bytes: number;
  /** Ids the request created or found (production), or would have (dry run). */
  result: Record<string, unknown> | null;
  error: { code: string; detail: string; errors?: unknown[] } | null;
  durationMs: number;
}

const strip = ({ _id: _i, pos: _p, ...rest }: StoredDoc) => rest;

/** Incoming webhooks and their request logs, in the read store's config namespace (never rebuilt). */
export class IncomingWebhookRepository {
  private writesSincePrune = new Map<string, number>();

  constructor(private readonly store: ReadStore) {}

  async get(programId: string, id: string): Promise<IncomingWebhook | null> {
    const webhook = await this.byId(id);
    return webhook && webhook.programId === programId ? webhook : null;
  }

  async byId(id: string): Promise<IncomingWebhook | null> {
    const doc = await this.store.get(CONFIG_NAMESPACE, INCOMING_WEBHOOKS, id);
    return doc ? (strip(doc) as unknown as IncomingWebhook) : null;
  }

  async save(webhook: IncomingWebhook): Promise<void> {
    await this.store.put(CONFIG_NAMESPACE, INCOMING_WEBHOOKS, { _id: webhook.id, pos: 0, ...webhook }, DURABLE);
  }

  async delete(programId: string, id: string): Promise<boolean> {
    if (!(await this.get(programId, id))) return false;
    const deleted = await this.store.delete(CONFIG_NAMESPACE, INCOMING_WEBHOOKS, id, DURABLE);
    for (;;) {
      const batch = await this.store.find(CONFIG_NAMESPACE, INCOMING_REQUESTS, { where: { webhookId: id }, orderBy: [], limit: 500 });
      if (batch.length === 0) break;
      for (const doc of batch) await this.store.delete(CONFIG_NAMESPACE, INCOMING_REQUESTS, doc._id);
    }
    return deleted;
  }

  async page(programId: string, after: Scalar[] | undefined, limit: number): Promise<IncomingWebhook[]> {
    const docs = await this.store.find(CONFIG_NAMESPACE, INCOMING_WEBHOOKS, { where: { programId }, orderBy: [{ field: 'createdAt', direction: 'asc' }], after, limit });
    return docs.map((d) => strip(d) as unknown as IncomingWebhook);
  }

  async addSample(webhook: IncomingWebhook, sample: Sample): Promise<IncomingWebhook> {
    // Re-read so two samples arriving together both land (the save is last-write-wins).
    const current = (await this.byId(webhook.id)) ?? webhook;
    const next = { ...current, samples: [sample, ...current.samples].slice(0, SAMPLES_KEPT), updatedAt: sample.receivedAt };
    await this.save(next);
    return next;
  }

  async logRequest(entry: IncomingRequest): Promise<void> {
    await this.store.put(CONFIG_NAMESPACE, INCOMING_REQUESTS, { _id: entry.id, pos: 0, ...entry });
    const writes = (this.writesSincePrune.get(entry.webhookId) ?? 0) + 1;
    this.writesSincePrune.set(entry.webhookId, writes);
    // Counting is a query: do it every 100 writes, so the log overshoots its cap by at most that.
    if (writes >= 100) {
      this.writesSincePrune.set(entry.webhookId, 0);
      await this.prune(entry.webhookId);
    }
  }

  /** Deletes all but the newest `keep` requests of a webhook; answers how many went. */
  async prune(webhookId: string, keep = REQUESTS_KEPT): Promise<number> {
    const byAge = { where: { webhookId }, orderBy: [{ field: 'at', direction: 'desc' as const }] };
    const kept = await this.store.find(CONFIG_NAMESPACE, INCOMING_REQUESTS, { ...byAge, limit: keep });
    const boundary = kept.at(-1);
    if (kept.length < keep || !boundary) return 0;
    let removed = 0;
    for (;;) {
      const older = await this.store.find(CONFIG_NAMESPACE, INCOMING_REQUESTS, { ...byAge, after: [boundary.at as string, boundary._id], limit: 500 });
      for (const doc of older) await this.store.delete(CONFIG_NAMESPACE, INCOMING_REQUESTS, doc._id);
      removed += older.length;
      if (older.length < 500) return removed;
    }
  }

  async requests(webhookId: string, after: Scalar[] | undefined, limit: number): Promise<IncomingRequest[]> {
    const docs = await this.store.find(CONFIG_NAMESPACE, INCOMING_REQUESTS, { where: { webhookId }, orderBy: [{ field: 'at', direction: 'desc' }], after, limit });
    return docs.map((d) => strip(d) as unknown as IncomingRequest);
  }
}
