import { threadSignal } from '@partner-ledger/config';
import { DURABLE, type ReadStore, type StoredDoc } from '@partner-ledger/read-store';
import { newWebhookSecret, type PayloadFilter, subscribesTo, type Topic, type TopicSelection } from '@partner-ledger/webhooks';

/** Configuration lives outside the rebuildable read-model namespaces: a rebuild never touches it. */
export const CONFIG_NAMESPACE = 'config';
export const ENDPOINTS = 'webhook_endpoints';
/** One document per endpoint: its rate-limit window, pause and circuit, shared by the workers (endpoint-gate.ts). */
export const ENDPOINT_GATES = 'webhook_endpoint_gates';

/**
 * How deliveries to an endpoint are ordered. `none` (the default): each goes out on its own, in any
 * order. `partner`: those about one partner go one at a time in `sequence` order, a failing one
 * holding back only its partner's later ones (`ordering/ordering-gate.ts`).
 */
export const ENDPOINT_ORDERINGS = ['none', 'partner'] as const;
export type EndpointOrdering = (typeof ENDPOINT_ORDERINGS)[number];

export interface EndpointSecret {
  secret: string;
  createdAt: string;
  /** Set on the old secret at rotation: it keeps signing until then, so receivers can switch over. */
  expiresAt: string | null;
}

export interface WebhookEndpoint {
  id: string;
  programId: string;
  url: string;
  /** Topic names, or ['ALL']. */
  topics: TopicSelection;
  description: string | null;
  /**
   * A query over the body (`endpoint-filter.ts`): only bodies it matches are queued for this
   * endpoint. Null or absent (endpoints saved before filters): everything subscribed.
   */
  filter?: PayloadFilter | null;
  /**
   * Deliveries per second at most, counted across every delivery worker (`endpoint-gate.ts`).
   * Null or absent (endpoints saved before it): unlimited.
   */
  rateLimit?: number | null;
  /** Absent (endpoints saved before ordering): `none`. */
  ordering?: EndpointOrdering;
  enabled: boolean;
  disabledReason: string | null;
  /** Newest first. */
  secrets: EndpointSecret[];
  /** Start of the current run of failed deliveries (auto-disable after 5 days). */
  failingSince: string | null;
  createdAt: string;
  updatedAt: string;
}

/** An endpoint as it is created: enabled, one signing secret (a new one unless given), no failures. */
export function newWebhookEndpoint(
  fields: Pick<WebhookEndpoint, 'id' | 'programId' | 'url' | 'topics'> & {
    description?: string | null;
    filter?: PayloadFilter | null;
    rateLimit?: number | null;
    ordering?: EndpointOrdering;
    secret?: string;
    now?: Date;
  },
): WebhookEndpoint {
  const now = (fields.now ?? new Date()).toISOString();
  return {
    id: fields.id,
    programId: fields.programId,
    url: fields.url,
    topics: fields.topics,
    description: fields.description ?? null,
    filter: fields.filter ?? null,
    rateLimit: fields.rateLimit ?? null,
    ordering: fields.ordering ?? 'none',
    enabled: true,
    disabledReason: null,
    secrets: [{ secret: fields.secret ?? newWebhookSecret(), createdAt: now, expiresAt: null }],
    failingSince: null,
    createdAt: now,
    updatedAt: now,
  };
}

const toDoc = (e: WebhookEndpoint): StoredDoc => ({ _id: e.id, pos: 0, ...e });
const fromDoc = ({ _id: _ignored, pos: _pos, ...rest }: StoredDoc) => rest as unknown as WebhookEndpoint;

const endpointChanges = threadSignal('endpoint-changed');

/**
 * Calls `listener` with the id of every endpoint saved or deleted in this process, on any of its
 * threads (through any store: endpoint ids are unique, so another store's change only costs a
 * listener a re-read). The delivery workers' endpoint caches follow it (endpoint-cache.ts), also
 * the engine's webhook threads. Answers the unsubscribe.
 */
export function onEndpointChange(listener: (id: string) => void): () => void {
  return endpointChanges.on(listener);
}

/** Tells the listeners an endpoint changed; whoever writes an endpoint document calls it once written. */
export function endpointChanged(id: string): void {
  endpointChanges.emit(id);
}

/** Endpoints in the read store's config namespace (SQLite file or MongoDB, like the read models). */
export class EndpointRepository {
  constructor(private readonly store: ReadStore) {}

  async get(programId: string, id: string): Promise<WebhookEndpoint | null> {
    const doc = await this.store.get(CONFIG_NAMESPACE, ENDPOINTS, id);
    const endpoint = doc ? fromDoc(doc) : null;
    return endpoint && endpoint.programId === programId ? endpoint : null;
  }

  async save(endpoint: WebhookEndpoint): Promise<void> {
    await this.store.put(CONFIG_NAMESPACE, ENDPOINTS, toDoc(endpoint), DURABLE);
    endpointChanged(endpoint.id);
  }

  async delete(programId: string, id: string): Promise<boolean> {
    if (!(await this.get(programId, id))) return false;
    await this.store.delete(CONFIG_NAMESPACE, ENDPOINT_GATES, id);
    const deleted = await this.store.delete(CONFIG_NAMESPACE, ENDPOINTS, id, DURABLE);
    endpointChanged(id);
    return deleted;
  }

  async page(programId: string, after: (string | number | boolean | null)[] | undefined, limit: number): Promise<WebhookEndpoint[]> {
    const docs = await this.store.find(CONFIG_NAMESPACE, ENDPOINTS, { where: { programId }, orderBy: [{ field: 'createdAt', direction: 'asc' }], after, limit });
    return docs.map(fromDoc);
  }

  /** Every enabled endpoint of a program subscribed to `topic`. */
  async subscribers(programId: string, topic: Topic): Promise<WebhookEndpoint[]> {
    return (await this.enabled(programId)).filter((e) => subscribesTo(e.topics, topic));
  }

  /** Every enabled endpoint of a program, whatever its topics. */
  async enabled(programId: string): Promise<WebhookEndpoint[]> {
    const docs = await this.store.find(CONFIG_NAMESPACE, ENDPOINTS, { where: { programId, enabled: true }, orderBy: [], limit: 10_000 });
    return docs.map(fromDoc);
  }
}
