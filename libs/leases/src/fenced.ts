import type { Bus, OutgoingMessage } from '@partner-ledger/bus';
import type { Checkpoint, DocumentWrite, IndexSpec, ProjectionCommit, Query, ReadStore, StoredDoc, WriteOptions } from '@partner-ledger/read-store';
import type { Fence } from './single-active.js';

/**
 * The read store as a single-active role sees it: every write first passes the fence (the lease's
 * token, checked against the store, and the holder's own deadline), so the checkpoint of an
 * instance that lost the lease is never written again once it knows, or once its deadline passed.
 *
 * The check is a read before the write, not one atomic write, so a process frozen for longer than
 * the lease's safety margin between the two can still write once. That stale write is harmless by
 * construction of the roles, which is the argument this design rests on:
 * - projections: each document is replaced only by a higher `pos` (`commit`'s guard), and a
 *   document at `pos` p is a pure fold of the log up to p, so a stale writer can only write what
 *   the current one wrote or will write; a checkpoint written back makes the next start re-apply
 *   events that change nothing;
 * - the webhook publisher: a stale publish or checkpoint makes messages go out again with the same
 *   `webhook-id` and body, which is the at-least-once delivery the receivers already deduplicate.
 */
export class FencedReadStore implements ReadStore {
  readonly kind: ReadStore['kind'];

  constructor(
    private readonly inner: ReadStore,
    private readonly fence: Fence,
  ) {
    this.kind = inner.kind;
  }

  activeNamespace(): Promise<string> {
    return this.inner.activeNamespace();
  }
  async activate(namespace: string): Promise<void> {
    await this.fence.check();
    return this.inner.activate(namespace);
  }
  async dropNamespace(namespace: string): Promise<void> {
    await this.fence.check();
    return this.inner.dropNamespace(namespace);
  }
  listNamespaces(): Promise<string[]> {
    return this.inner.listNamespaces();
  }
  getCheckpoint(namespace: string, projection: string): Promise<Checkpoint> {
    return this.inner.getCheckpoint(namespace, projection);
  }
  getMany(namespace: string, collection: string, ids: string[]): Promise<Map<string, StoredDoc>> {
    return this.inner.getMany(namespace, collection, ids);
  }
  async commit(namespace: string, projection: string, writes: DocumentWrite[], position: bigint): Promise<void> {
    await this.fence.check();
    return this.inner.commit(namespace, projection, writes, position);
  }
  async commitAll(namespace: string, commits: readonly ProjectionCommit[]): Promise<void> {
    await this.fence.check();
    return this.inner.commitAll(namespace, commits);
  }
  async put(namespace: string, collection: string, doc: StoredDoc, options?: WriteOptions): Promise<void> {
    await this.fence.check();
    return this.inner.put(namespace, collection, doc, options);
  }
  async replaceIf(namespace: string, collection: string, doc: StoredDoc, expectedPos: number | null): Promise<boolean> {
    await this.fence.check();
    return this.inner.replaceIf(namespace, collection, doc, expectedPos);
  }
  async delete(namespace: string, collection: string, id: string, options?: WriteOptions): Promise<boolean> {
    await this.fence.check();
    return this.inner.delete(namespace, collection, id, options);
  }
  get(namespace: string, collection: string, id: string): Promise<StoredDoc | null> {
    return this.inner.get(namespace, collection, id);
  }
  /** Not fenced: an index changes no document, and declaring it twice is harmless. */
  ensureIndex(namespace: string, collection: string, index: IndexSpec): Promise<void> {
    return this.inner.ensureIndex(namespace, collection, index);
  }
  find(namespace: string, collection: string, query: Query): Promise<StoredDoc[]> {
    return this.inner.find(namespace, collection, query);
  }
  count(namespace: string, collection: string): Promise<number> {
    return this.inner.count(namespace, collection);
  }
  all(namespace: string, collection: string): AsyncIterable<StoredDoc> {
    return this.inner.all(namespace, collection);
  }
  ping(): Promise<void> {
    return this.inner.ping();
  }
  /** The process owns the store and closes it; a tenure only stops using it. */
  async close(): Promise<void> {}
}

/** The bus as the single-active publisher sees it: a publish passes the fence first. */
export class FencedBus implements Bus {
  readonly kind: Bus['kind'];
  readonly retrySchedule: readonly number[];

  constructor(
    private readonly inner: Bus,
    private readonly fence: Fence,
  ) {
    this.kind = inner.kind;
    this.retrySchedule = inner.retrySchedule;
  }

  async publish(messages: OutgoingMessage[]): Promise<void> {
    await this.fence.check();
    return this.inner.publish(messages);
  }
  consume(...args: Parameters<Bus['consume']>): ReturnType<Bus['consume']> {
    return this.inner.consume(...args);
  }
  deadLetters(...args: Parameters<Bus['deadLetters']>): ReturnType<Bus['deadLetters']> {
    return this.inner.deadLetters(...args);
  }
  requeueDeadLetter(...args: Parameters<Bus['requeueDeadLetter']>): ReturnType<Bus['requeueDeadLetter']> {
    return this.inner.requeueDeadLetter(...args);
  }
  stats(): ReturnType<Bus['stats']> {
    return this.inner.stats();
  }
  ping(): Promise<void> {
    return this.inner.ping();
  }
  /** The process owns the bus and closes it. */
  async close(): Promise<void> {}
}
