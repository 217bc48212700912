import { subscribesTo, type Topic } from '@partner-ledger/webhooks';
import type { EndpointRepository, WebhookEndpoint } from '../endpoints/endpoint-repository.js';

/**
 * A program's enabled endpoints read once per batch, not once per event: at full speed a batch
 * holds tens of a program's events, and the read (a query of the endpoints and their documents
 * parsed) was 10 % of the publishing thread's busy time under the bench's ingest. A batch is
 * published as of the endpoints when its first event of the program was looked at, as each event
 * was before as of its own look-up: a change made meanwhile reaches the next batch.
 */
export class BatchEndpoints {
  private batch: readonly unknown[] | null = null;
  private readonly enabled = new Map<string, Promise<WebhookEndpoint[]>>();

  constructor(private readonly endpoints: EndpointRepository) {}

  async subscribers(batch: readonly unknown[], programId: string, topic: Topic): Promise<WebhookEndpoint[]> {
    if (batch !== this.batch) {
      this.batch = batch;
      this.enabled.clear();
    }
    let enabled = this.enabled.get(programId);
    if (!enabled) this.enabled.set(programId, (enabled = this.endpoints.enabled(programId)));
    return (await enabled).filter((e) => subscribesTo(e.topics, topic));
  }
}
