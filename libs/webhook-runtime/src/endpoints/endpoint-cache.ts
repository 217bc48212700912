import type { ReadStore } from '@partner-ledger/read-store';
import { CONFIG_NAMESPACE, ENDPOINTS, onEndpointChange, type WebhookEndpoint } from './endpoint-repository.js';

/** WEBHOOK_ENDPOINT_REFRESH's default: how long a worker uses an endpoint it read before reading it again. */
export const DEFAULT_ENDPOINT_REFRESH_MS = 1_000;

/**
 * A delivery worker's endpoints, held in memory so a delivery does not read its endpoint from the
 * store. An endpoint is read again once it is older than `maxAgeMs` (WEBHOOK_ENDPOINT_REFRESH), and
 * at once when it is saved or deleted in this process (the API of the engine, the worker's own
 * saves: `onEndpointChange`). So a change made elsewhere (a PATCH served by another process:
 * disabled, deleted, a new URL, rate limit or rotated secret) reaches deliveries within
 * `maxAgeMs`, and a change made in this process reaches the next delivery. A missing endpoint is
 * not remembered (its deliveries are rare: they are acked unsent). Reads of one endpoint at once
 * share one store read.
 */
export class EndpointCache {
  private readonly entries = new Map<string, { endpoint: Promise<WebhookEndpoint | null>; readAt: number }>();
  /** Set while open: only then are endpoints kept (closed, every `get` reads the store). */
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly store: ReadStore,
    private readonly maxAgeMs: number = DEFAULT_ENDPOINT_REFRESH_MS,
  ) {}

  /** Starts keeping endpoints, and following this process's changes to them. */
  open(): void {
    this.unsubscribe ??= onEndpointChange((id) => this.entries.delete(id));
  }

  /** Stops keeping endpoints (the worker stopped). */
  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.entries.clear();
  }

  get(id: string): Promise<WebhookEndpoint | null> {
    const now = Date.now();
    const cached = this.entries.get(id);
    if (cached && now - cached.readAt < this.maxAgeMs) return cached.endpoint;
    const entry = { endpoint: this.read(id), readAt: now };
    if (this.unsubscribe && this.maxAgeMs > 0) this.entries.set(id, entry);
    // A failed read or a missing endpoint is not kept: the next delivery reads again.
    void entry.endpoint.then(
      (endpoint) => endpoint === null && this.entries.get(id) === entry && this.entries.delete(id),
      () => this.entries.get(id) === entry && this.entries.delete(id),
    );
    return entry.endpoint;
  }

  private async read(id: string): Promise<WebhookEndpoint | null> {
    const doc = await this.store.get(CONFIG_NAMESPACE, ENDPOINTS, id);
    return doc ? (doc as unknown as WebhookEndpoint) : null;
  }
}
