import type { Logger } from 'pino';
import type { Bus } from '@partner-ledger/bus';
import type { EventStore, EventSubscription } from '@partner-ledger/event-store';
import { batchesOf } from '@partner-ledger/event-store';
import type { ReadStore } from '@partner-ledger/read-store';
import { CONFIG_NAMESPACE, EndpointRepository } from '../endpoints/endpoint-repository.js';
import { BatchEndpoints } from './batch-endpoints.js';
import { PersistedPublisherView } from './persisted-view.js';
import { PublisherSequencer } from '../ordering/sequencer.js';
import { publishLoop } from './publish-loop.js';
import { upgradeView } from './view-upgrade.js';
import { upgradeViewShape } from './view-shape.js';

export const PUBLISHER_CHECKPOINT = 'webhook-publisher';

/**
 * Events → topics → one bus message per (event, subscribed endpoint). The payload comes from the
 * publisher's own view, persisted in the read store beside its checkpoint (`persisted-view.ts`),
 * so it shows the data as of its event and a start reads the log only from the checkpoint. Per
 * batch: load the documents the events touch, fold, publish, and once the bus has made the
 * messages durable commit the documents with the checkpoint. After a crash the events past the
 * checkpoint are published again (at least once; the receiver deduplicates by `webhook-id`).
 */
export class WebhookPublisher {
  private subscription: EventSubscription | null = null;
  private loop: Promise<void> | null = null;
  private published: bigint | null = null;
  private failure: Error | null = null;
  private stopping = false;

  constructor(
    private readonly events: EventStore,
    private readonly bus: Bus,
    private readonly store: ReadStore,
    private readonly options: { logger?: Logger; batchSize?: number } = {},
  ) {}

  get position(): bigint | null {
    return this.published;
  }

  get error(): Error | null {
    return this.failure;
  }

  async start(): Promise<void> {
    if (this.loop) return;
    this.stopping = false;
    this.published = (await this.store.getCheckpoint(CONFIG_NAMESPACE, PUBLISHER_CHECKPOINT)).position;
    this.loop = this.run().catch((error: Error) => {
      this.failure = error;
      this.options.logger?.error({ err: error }, 'webhook publisher stopped on an error');
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.subscription?.close();
    await this.loop;
    this.loop = null;
    this.subscription = null;
  }

  private async run(): Promise<void> {
    const view = new PersistedPublisherView(this.store, CONFIG_NAMESPACE);
    const checkpoint = this.published;
    let folded = await view.foldedPosition();
    // A fresh view is folded by this version throughout; an older one is brought to its shape first,
    // before anything folded now could be taken for what the older version left.
    if (folded === null) await view.markShape();
    else await upgradeViewShape(this.events, view, { upTo: folded, stopping: () => this.stopping, logger: this.options.logger });
    if (this.stopping) return;
    // A checkpoint from a version that kept the view in memory: build the view up to it, once.
    if (checkpoint !== null && (folded === null || folded < checkpoint)) {
      await upgradeView(this.events, view, { checkpoint: PUBLISHER_CHECKPOINT, position: checkpoint, from: folded, stopping: () => this.stopping, logger: this.options.logger });
      folded = checkpoint;
    }
    if (this.stopping) return;
    const subscription = this.events.subscribeToAll({ fromPosition: checkpoint ?? 'start' });
    this.subscription = subscription;
    const endpoints = new BatchEndpoints(new EndpointRepository(this.store));
    const commit = async (position: bigint) => {
      await view.commit(PUBLISHER_CHECKPOINT, position, position);
      this.published = position;
    };
    await publishLoop(batchesOf(subscription, this.options.batchSize ?? 200), {
      bus: this.bus,
      // The view is committed only after its batch was published, so a view ahead of the
      // checkpoint (MongoDB, a crash between the documents and the checkpoint) was published up to
      // its position: those events are folded again (each document skips what it already has) but
      // not sent again.
      after: folded !== null && (checkpoint === null || folded > checkpoint) ? folded : checkpoint,
      view,
      recipients: async (event, payload, batch) => {
        const programId = (event.data as { programId?: string }).programId;
        return programId ? endpoints.subscribers(batch, programId, payload.topic) : [];
      },
      // Numbers the payloads about a partner per endpoint, committed before the batch is published.
      sequencer: new PublisherSequencer(this.store),
      published: commit,
      folded: commit,
    });
  }
}
