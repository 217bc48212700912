import type { IndexSpec, ReadStore, Scalar, StoredDoc } from '@partner-ledger/read-store';
import { partnerOfBody } from '@partner-ledger/webhooks';
import { CONFIG_NAMESPACE } from '../endpoints/endpoint-repository.js';

export const DELIVERIES = 'webhook_deliveries';
/** `event`: not a delivery but a change of the endpoint's own state (its circuit opened or closed: circuit-events.ts). */
export const DELIVERY_STATUSES = ['pending', 'delivered', 'dead', 'event'] as const;

/** What a search of one endpoint's deliveries may narrow on; every field optional. */
export interface DeliverySearch {
  status?: DeliveryRecord['status'];
  topic?: string;
  partnerId?: string;
  eventId?: string;
  /** ISO 8601, first attempt at or after. */
  from?: string;
  /** ISO 8601, first attempt before. */
  to?: string;
}

const NEWEST_FIRST = { field: 'createdAt', direction: 'desc' } as const;
/**
 * The log's indexes, each an endpoint's deliveries newest first: all of them (the plain list, a
 * time range, and a topic, which is not selective enough to index: it reads this one and skips),
 * or only one status (the rare dead ones), one partner, one event. The store's planner picks
 * the one matching most of a search's equalities.
 */
const INDEXES: IndexSpec[] = [
  { name: 'by_event', fields: [{ field: 'endpointId', direction: 'asc' }, { field: 'eventId', direction: 'asc' }, NEWEST_FIRST] },
  { name: 'by_partner', fields: [{ field: 'endpointId', direction: 'asc' }, { field: 'partnerId', direction: 'asc' }, NEWEST_FIRST] },
  { name: 'by_status', fields: [{ field: 'endpointId', direction: 'asc' }, { field: 'status', direction: 'asc' }, NEWEST_FIRST] },
  { name: 'by_endpoint', fields: [{ field: 'endpointId', direction: 'asc' }, NEWEST_FIRST] },
];

/** Attempts kept per delivery: the first ones and the latest ones tell the story. */
const MAX_ATTEMPTS_KEPT = 20;

export interface Attempt {
  at: string;
  attempt: number;
  /** HTTP status, or null when no response came (timeout, refused, SSRF). */
  status: number | null;
  latencyMs: number;
  /** First 1 KiB of the response body, or the error. */
  response: string;
  error: string | null;
}

export interface DeliveryRecord {
  id: string;
  programId: string;
  endpointId: string;
  eventId: string;
  webhookId: string;
  topic: string;
  /** The partner the body is about (`partnerOfBody`); null for payouts, tests and deliveries logged before it was kept. */
  partnerId: string | null;
  /** pending: not yet delivered; delivered: a 2xx came back; dead: no more retries; event: the endpoint's circuit changed (no attempts). */
  status: (typeof DELIVERY_STATUSES)[number];
  body: string;
  attempts: Attempt[];
  createdAt: string;
  updatedAt: string;
}

const fromDoc = ({ _id: _i, pos: _p, ...rest }: StoredDoc) => rest as unknown as DeliveryRecord;

/** Every attempt of every delivery, in the read store's config namespace. */
export class DeliveryLog {
  private indexed: Promise<void> | undefined;

  constructor(private readonly store: ReadStore) {}

  static idOf(endpointId: string, webhookId: string) {
    return `${endpointId}.${webhookId}`;
  }

  async get(id: string): Promise<DeliveryRecord | null> {
    const doc = await this.store.get(CONFIG_NAMESPACE, DELIVERIES, id);
    return doc ? fromDoc(doc) : null;
  }

  async record(base: Omit<DeliveryRecord, 'attempts' | 'status' | 'createdAt' | 'updatedAt' | 'partnerId'>, attempt: Attempt, status: DeliveryRecord['status']): Promise<void> {
    const current = await this.get(base.id);
    const attempts = [...(current?.attempts ?? []), attempt];
    const kept = attempts.length > MAX_ATTEMPTS_KEPT ? [...attempts.slice(0, 5), ...attempts.slice(-(MAX_ATTEMPTS_KEPT - 5))] : attempts;
    // The body is parsed once per delivery, at its first attempt (a record from before kept none).
    const partnerId = current && current.partnerId !== undefined ? current.partnerId : partnerOfBody(base.topic, base.body);
    const record: DeliveryRecord = { ...base, partnerId, status, attempts: kept, createdAt: current?.createdAt ?? attempt.at, updatedAt: attempt.at };
    await this.store.put(CONFIG_NAMESPACE, DELIVERIES, { _id: base.id, pos: 0, ...record });
  }

  /** Writes an entry about the endpoint itself (`status: event`, no attempts) among its deliveries, at `at`. */
  async note(base: Omit<DeliveryRecord, 'attempts' | 'status' | 'createdAt' | 'updatedAt' | 'partnerId'>, at: string): Promise<void> {
    const record: DeliveryRecord = { ...base, partnerId: null, status: 'event', attempts: [], createdAt: at, updatedAt: at };
    await this.store.put(CONFIG_NAMESPACE, DELIVERIES, { _id: base.id, pos: 0, ...record });
  }

  /** One endpoint's deliveries matching `search`, newest first (by first attempt), in keyset pages. */
  async page(endpointId: string, search: DeliverySearch, after: Scalar[] | undefined, limit: number): Promise<DeliveryRecord[]> {
    await (this.indexed ??= this.ensureIndexes());
    const where: Record<string, Scalar> = { endpointId };
    for (const field of ['eventId', 'partnerId', 'status', 'topic'] as const) if (search[field] !== undefined) where[field] = search[field];
    const range = search.from !== undefined || search.to !== undefined ? { field: 'createdAt', gte: search.from, lt: search.to } : undefined;
    const docs = await this.store.find(CONFIG_NAMESPACE, DELIVERIES, { where, range, orderBy: [NEWEST_FIRST], after, limit });
    return docs.map(fromDoc);
  }

  /** The keyset cursor values after `record` in `page`'s order. */
  static cursorOf(record: DeliveryRecord): Scalar[] {
    return [record.createdAt, record.id];
  }

  private async ensureIndexes(): Promise<void> {
    try {
      for (const index of INDEXES) await this.store.ensureIndex(CONFIG_NAMESPACE, DELIVERIES, index);
    } catch (error) {
      this.indexed = undefined; // try again at the next search
      throw error;
    }
  }
}
