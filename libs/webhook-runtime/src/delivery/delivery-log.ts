import type { IndexSpec, ReadStore, Scalar, StoredDoc } from '@partner-ledger/read-store';
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
/** How long an attempt waits in `record`'s buffer for others to be written with it, at most… */
export const LOG_FLUSH_MS = 5;
/** …and how many attempts fill the buffer (written at once). */
export const LOG_FLUSH_RECORDS = 256;

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
  /** The partner the body is about (`partnerOfPayload`); null for payouts, tests and deliveries logged before it was kept. */
  partnerId: string | null;
  /** pending: not yet delivered; delivered: a 2xx came back; dead: no more retries; event: the endpoint's circuit changed (no attempts). */
  status: (typeof DELIVERY_STATUSES)[number];
  body: string;
  attempts: Attempt[];
  createdAt: string;
  updatedAt: string;
}

const fromDoc = ({ _id: _i, pos: _p, ...rest }: StoredDoc) => rest as unknown as DeliveryRecord;

type RecordBase = Omit<DeliveryRecord, 'attempts' | 'status' | 'createdAt' | 'updatedAt'>;

interface Buffered {
  base: RecordBase;
  attempt: Attempt;
  status: DeliveryRecord['status'];
  done: () => void;
  fail: (error: unknown) => void;
}

/** A delivery's record after one more attempt (`current`: the record so far, if any). */
function withAttempt(current: DeliveryRecord | null, { base, attempt, status }: Pick<Buffered, 'base' | 'attempt' | 'status'>): DeliveryRecord {
  const attempts = [...(current?.attempts ?? []), attempt];
  const kept = attempts.length > MAX_ATTEMPTS_KEPT ? [...attempts.slice(0, 5), ...attempts.slice(-(MAX_ATTEMPTS_KEPT - 5))] : attempts;
  // The partner as first recorded (a record from before it was kept has none: the worker's reading of the body).
  const partnerId = current && current.partnerId !== undefined ? current.partnerId : base.partnerId;
  return { ...base, partnerId, status, attempts: kept, createdAt: current?.createdAt ?? attempt.at, updatedAt: attempt.at };
}

/**
 * Every attempt of every delivery, in the read store's config namespace. Attempts are written in
 * batches (`record`): what the attempts of up to LOG_FLUSH_MS (or LOG_FLUSH_RECORDS of them) add
 * to their deliveries' records is computed from one read of those records (`getMany`) and written
 * in one go (one SQLite transaction; parallel writes on MongoDB), instead of a read and a commit
 * per attempt.
 */
export class DeliveryLog {
  private indexed: Promise<void> | undefined;
  private buffer: Buffered[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly store: ReadStore) {}

  static idOf(endpointId: string, webhookId: string) {
    return `${endpointId}.${webhookId}`;
  }

  async get(id: string): Promise<DeliveryRecord | null> {
    const doc = await this.store.get(CONFIG_NAMESPACE, DELIVERIES, id);
    return doc ? fromDoc(doc) : null;
  }

  /**
   * Adds an attempt to its delivery's record. Resolves once it is written (the worker acks the bus
   * message only then, so an attempt whose write a crash lost is redelivered and attempted again),
   * at most LOG_FLUSH_MS after the call plus the write itself.
   */
  record(base: RecordBase, attempt: Attempt, status: DeliveryRecord['status']): Promise<void> {
    return new Promise((done, fail) => {
      if (this.buffer.push({ base, attempt, status, done, fail }) >= LOG_FLUSH_RECORDS) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), LOG_FLUSH_MS);
    });
  }

  /** Writes the buffered attempts: one read of their records, one write of each record. */
  private async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length === 0) return;
    try {
      const stored = await this.store.getMany(CONFIG_NAMESPACE, DELIVERIES, [...new Set(batch.map((b) => b.base.id))]);
      const records = new Map<string, DeliveryRecord>();
      for (const b of batch) {
        const doc = stored.get(b.base.id);
        records.set(b.base.id, withAttempt(records.get(b.base.id) ?? (doc ? fromDoc(doc) : null), b));
      }
      // Requested together: the SQLite store writes them in one transaction.
      await Promise.all([...records].map(([id, record]) => this.store.put(CONFIG_NAMESPACE, DELIVERIES, { _id: id, pos: 0, ...record })));
    } catch (error) {
      for (const b of batch) b.fail(error);
      return;
    }
    for (const b of batch) b.done();
  }

  /** Writes an entry about the endpoint itself (`status: event`, no attempts) among its deliveries, at `at`. */
  async note(base: Omit<RecordBase, 'partnerId'>, at: string): Promise<void> {
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
