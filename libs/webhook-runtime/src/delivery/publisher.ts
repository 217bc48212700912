import type { Logger } from 'pino';
import type { Bus } from '@partner-ledger/bus';
import type { EventStore, EventSubscription } from '@partner-ledger/event-store';
import { batchesOf } from '@partner-ledger/event-store';
import type { ReadStore } from '@partner-ledger/read-store';
import { CONFIG_NAMESPACE, EndpointRepository } from '../endpoints/endpoint-repository.js';
import { publishLoop } from './publish-loop.js';

export const PUBLISHER_CHECKPOINT = 'webhook-publisher';

/**
 * Events → topics → one bus message per (event, subscribed endpoint). The payload comes from the
 * publisher's own view, folded from the start of the log in order, so it shows the data as of its
 * event. The checkpoint (in the config namespace) moves only after the bus has made the batch
 * durable; after a crash the events past it are published again (at least once; the receiver
 * deduplicates by `webhook-id`).
 */
export class WebhookPublisher {
  private subscription: EventSubscription | null = null;
  private loop: Promise<void> | null = null;
  private published: bigint | null = null;
  private failure: Error | null = null;

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
    this.published = (await this.store.getCheckpoint(CONFIG_NAMESPACE, PUBLISHER_CHECKPOINT)).position;
    // The view is rebuilt from the start on every start; only events past the checkpoint are sent.
    const subscription = this.events.subscribeToAll({ fromPosition: 'start' });
    this.subscription = subscription;
    this.loop = this.run(subscription).catch((error: Error) => {
      this.failure = error;
      this.options.logger?.error({ err: error }, 'webhook publisher stopped on an error');
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
    await this.loop;
    this.loop = null;
    this.subscription = null;
  }

  private async run(subscription: EventSubscription): Promise<void> {
    const endpoints = new EndpointRepository(this.store);
    await publishLoop(batchesOf(subscription, this.options.batchSize ?? 200), {
      bus: this.bus,
      after: this.published,
      recipients: async (event, payload) => {
        const programId = (event.data as { programId?: string }).programId;
        return programId ? endpoints.subscribers(programId, payload.topic) : [];
      },
      published: async (position) => {
        await this.store.commit(CONFIG_NAMESPACE, PUBLISHER_CHECKPOINT, [], position);
        this.published = position;
      },
    });
  }
}
