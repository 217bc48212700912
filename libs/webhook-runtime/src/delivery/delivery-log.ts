import type { ReadStore, StoredDoc } from '@partner-ledger/read-store';
import { CONFIG_NAMESPACE } from '../endpoints/endpoint-repository.js';

export const DELIVERIES = 'webhook_deliveries';
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
  /** pending: not yet delivered; delivered: a 2xx came back; dead: no more retries. */
  status: 'pending' | 'delivered' | 'dead';
  body: string;
  attempts: Attempt[];
  createdAt: string;
  updatedAt: string;
}

const fromDoc = ({ _id: _i, pos: _p, ...rest }: StoredDoc) => rest as unknown as DeliveryRecord;

/** Every attempt of every delivery, in the read store's config namespace. */
export class DeliveryLog {
  constructor(private readonly store: ReadStore) {}

  static idOf(endpointId: string, webhookId: string) {
    return `${endpointId}.${webhookId}`;
  }

  async get(id: string): Promise<DeliveryRecord | null> {
    const doc = await this.store.get(CONFIG_NAMESPACE, DELIVERIES, id);
    return doc ? fromDoc(doc) : null;
  }

  async record(base: Omit<DeliveryRecord, 'attempts' | 'status' | 'createdAt' | 'updatedAt'>, attempt: Attempt, status: DeliveryRecord['status']): Promise<void> {
    const current = await this.get(base.id);
    const attempts = [...(current?.attempts ?? []), attempt];
    const kept = attempts.length > MAX_ATTEMPTS_KEPT ? [...attempts.slice(0, 5), ...attempts.slice(-(MAX_ATTEMPTS_KEPT - 5))] : attempts;
    const record: DeliveryRecord = { ...base, status, attempts: kept, createdAt: current?.createdAt ?? attempt.at, updatedAt: attempt.at };
    await this.store.put(CONFIG_NAMESPACE, DELIVERIES, { _id: base.id, pos: 0, ...record });
  }

  async page(endpointId: string, after: (string | number | boolean | null)[] | undefined, limit: number): Promise<DeliveryRecord[]> {
    const docs = await this.store.find(CONFIG_NAMESPACE, DELIVERIES, { where: { endpointId }, orderBy: [{ field: 'createdAt', direction: 'desc' }], after, limit });
    return docs.map(fromDoc);
  }
}
