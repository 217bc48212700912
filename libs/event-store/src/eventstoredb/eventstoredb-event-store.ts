// The client is CommonJS; its default export is `module.exports`, which works both under Node's ESM
// loader and Jest's native ESM mode (named imports depend on each loader's CJS export detection).
import esdb from '@eventstore/db-client';
import type { EventStoreDBClient as Client } from '@eventstore/db-client';
import type {
  AppendOptions,
  AppendResult,
  CountAllOptions,
  CountAllResult,
  EventStore,
  EventSubscription,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
} from '../event-store.port.js';
import { appendToStream } from './append.js';
import { collect } from './mappings.js';
import { lastAllPosition, readAll } from './read-all.js';
import { readStream } from './read-stream.js';
import { EventStoreDbSubscription } from './subscribe.js';

const { EventStoreDBClient, END, BACKWARDS } = esdb;

/**
 * The event store port on EventStoreDB / KurrentDB. Each operation lives in its own module
 * (append, read-stream, read-all, subscribe); this class holds the client, tracks the open
 * subscriptions and refuses work once closed.
 */
export class EventStoreDbEventStore implements EventStore {
  readonly kind = 'eventstoredb' as const;
  private readonly subscriptions = new Set<EventStoreDbSubscription>();
  private closed = false;

  /** No RPC happens here: the client connects lazily on the first operation. */
  static connect(connectionString: string): EventStoreDbEventStore {
    return new EventStoreDbEventStore(EventStoreDBClient.connectionString(connectionString));
  }

  constructor(private readonly client: Client) {}

  // async, so that a closed store rejects rather than throws, as the port's other adapters do.
  async appendToStream(streamName: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    this.assertOpen();
    return appendToStream(this.client, streamName, events, options.expectedRevision ?? 'any', options.alsoExpected);
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    return readStream(this.client, streamName, options);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    return readAll(this.client, options);
  }

  /** EventStoreDB has no count of `$all`: the events are read (one page, up to the limit) and counted. */
  async countAll(options: CountAllOptions): Promise<CountAllResult> {
    const page = await this.readAll({ fromPosition: options.fromPosition, maxCount: options.limit });
    return { count: page.length, firstCreated: page[0]?.created ?? null };
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): EventSubscription {
    this.assertOpen();
    const subscription: EventStoreDbSubscription = new EventStoreDbSubscription(
      this.client,
      options,
      () => lastAllPosition(this.client),
      () => this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async ping(): Promise<void> {
    this.assertOpen();
    await collect(this.client.readAll({ maxCount: 1, direction: BACKWARDS, fromPosition: END }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.client.dispose();
  }

  private assertOpen() {
    if (this.closed) throw new Error('event store is closed');
  }
}
