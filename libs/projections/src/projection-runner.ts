import type { Logger } from 'pino';
import type { EventStore, EventSubscription, RecordedEvent } from '@partner-ledger/event-store';
import type { DocumentWrite, ProjectionCommit, StoredDoc } from '@partner-ledger/read-store';
import { batchesOf } from '@partner-ledger/event-store';
import { contextOfTraceparent, inSpan, linkOfTraceparent, tracingEnabled } from '@partner-ledger/platform';
import { type Lag, lagOf } from './lag.js';
import type { RunnerStore } from './write-behind-store.js';
import { LEDGER_EVENT_TYPES } from '@partner-ledger/domain';
import { type Doc, type DocRef, type Projection, type RecordedLedgerEvent, REMOVE } from './projection.js';

/** A document of a batch being folded: as folded so far, the position last folded in, as stored; `changed`: its ref, once the batch changed it. */
interface Held {
  doc: Doc | null;
  pos: number;
  stored: StoredDoc | null;
  changed: DocRef | null;
}

export interface RunnerOptions {
  namespace: string;
  /** Most events folded per commit. */
  batchSize?: number;
  logger?: Logger;
  /** Test hook: called for every event before it is folded (throw to inject a crash). */
  beforeApply?: (event: RecordedEvent) => void;
}

/**
 * Feeds one projection from `$all`, in order, from its checkpoint: catch-up then live on the same
 * subscription. Events are taken in batches of whatever has arrived (large while catching up, small
 * when live); each batch is folded per document in memory and committed with the checkpoint at the
 * batch's last position. The subscription is unfiltered so the checkpoint follows the head of the
 * log even through events this projection ignores, which is what lets a query wait for a position.
 */
export class ProjectionRunner {
  private subscription: EventSubscription | null = null;
  private loop: Promise<void> | null = null;
  private applied: bigint | null = null;
  private waiters: { position: bigint; resolve: () => void }[] = [];
  private failure: Error | null = null;
  private readonly types: Set<string>;

  constructor(
    private readonly events: EventStore,
    private readonly store: RunnerStore,
    readonly projection: Projection,
    private readonly options: RunnerOptions,
  ) {
    // Only domain events' types: a batch is then filtered with one look-up per event (a rebuild's
    // five runners see every event of the log).
    this.types = new Set(projection.eventTypes.filter((type) => (LEDGER_EVENT_TYPES as ReadonlySet<string>).has(type)));
  }

  get name() {
    return this.projection.name;
  }

  get appliedPosition(): bigint | null {
    return this.applied;
  }

  get error(): Error | null {
    return this.failure;
  }

  /** Runs this projection on a subscription of its own (a ProjectionFeed runs several on one). */
  async start(): Promise<void> {
    if (this.loop) return;
    const checkpoint = await this.open();
    const subscription = this.events.subscribeToAll({ fromPosition: checkpoint ?? 'start' });
    this.subscription = subscription;
    this.loop = this.run(subscription).catch((error: Error) => this.fail(error));
  }

  /** Reads the checkpoint this projection resumes after (null: from the start of the log). */
  async open(): Promise<bigint | null> {
    this.applied = (await this.store.getCheckpoint(this.options.namespace, this.name)).position;
    return this.applied;
  }

  get namespace(): string {
    return this.options.namespace;
  }

  /**
   * A batch from a feed shared with other projections: the events after this projection's
   * checkpoint, folded; the feed commits what it answers together with the other projections'
   * (`commitAll`), then calls `committed`. Null when there is nothing to commit, or when this
   * projection failed (now or before: it takes nothing more, the others go on).
   */
  async offer(batch: RecordedEvent[]): Promise<ProjectionCommit | null> {
    if (this.failure) return null;
    const applied = this.applied;
    const after = applied === null ? batch : batch.filter((e) => e.position > applied);
    if (after.length === 0) return null;
    try {
      return await this.traced(after, () => this.fold(after));
    } catch (error) {
      this.fail(error as Error);
      return null;
    }
  }

  /** What `offer` answered is written: the projection stands at `position`. */
  committed(position: bigint): void {
    this.applied = position;
    const ready = this.waiters.filter((w) => w.position <= position);
    this.waiters = this.waiters.filter((w) => w.position > position);
    for (const w of ready) w.resolve();
  }

  /** Stops this projection on `error` (its own, or its feed's): reported by `error` and /health. */
  fail(error: Error) {
    this.failure = error;
    this.options.logger?.error({ err: error, projection: this.name }, 'projection stopped on an error');
  }

  /** Stops after the batch in hand is committed, so the checkpoint is saved. */
  async stop(): Promise<void> {
    await this.subscription?.close();
    await this.loop;
    this.loop = null;
    this.subscription = null;
  }

  /** Resolves true once every event up to `position` is applied, false after `timeoutMs`. */
  waitFor(position: bigint, timeoutMs: number): Promise<boolean> {
    if (this.applied !== null && this.applied >= position) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = { position, resolve: () => resolve(true) };
      this.waiters.push(waiter);
      setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs).unref();
    });
  }

  lag(): Promise<Lag> {
    return lagOf(this.events, this.name, this.applied);
  }

  private async run(subscription: EventSubscription): Promise<void> {
    for await (const batch of batchesOf(subscription, this.options.batchSize ?? 500)) await this.applyBatch(batch);
  }

  /** Folds a batch per document and commits it with the checkpoint; public for rebuilds and tests. */
  async applyBatch(batch: RecordedEvent[]): Promise<void> {
    if (batch.length === 0) return;
    await this.traced(batch, async () => {
      const { writes, position } = await this.fold(batch);
      await this.store.commit(this.options.namespace, this.name, writes, position);
    });
    this.committed(batch[batch.length - 1].position);
  }

  private traced<T>(batch: RecordedEvent[], work: () => Promise<T>): Promise<T> {
    if (!tracingEnabled()) return work();
    // One span per batch: the child of the first traced event's append, linked to the others' (a
    // batch can serve several traces).
    const traced = batch.filter((e) => typeof e.metadata.traceparent === 'string');
    const links = traced.slice(1).flatMap((e) => linkOfTraceparent(e.metadata.traceparent) ?? []);
    return inSpan(
      `project ${this.name}`,
      { parent: traced.length ? contextOfTraceparent(traced[0]!.metadata.traceparent) : undefined, links, attributes: { 'projection.name': this.name, 'projection.events': batch.length } },
      work,
    );
  }

  /** The batch folded per document: what a commit of it writes, up to its last position. */
  private async fold(batch: RecordedEvent[]): Promise<ProjectionCommit> {
    const ns = this.options.namespace;
    const relevant = batch.filter((e): e is RecordedLedgerEvent => this.types.has(e.type));
    const refs = relevant.map((e) => ({ event: e, refs: this.projection.touches(e) }));
    const byCollection = new Map<string, Set<string>>();
    for (const { refs: rs } of refs) for (const r of rs) (byCollection.get(r.collection) ?? byCollection.set(r.collection, new Set()).get(r.collection)!).add(r.id);
    // Per document: what the projection folds and the position last folded into it. The document
    // is the stored one as it is (its `_id` and `pos` ride along: a projection builds its next state
    // by spreading the last, and the runner sets both again on the way out), and the stored form is
    // finished once per changed document at the end of the batch. Copying each document on the way
    // in and again on the way out was the largest part of the runner's own time in a rebuild, where
    // the write-behind store hands the same hot documents to every batch.
    // By collection, then id: no key string is built per event (a rebuild folds millions).
    const docs = new Map<string, Map<string, Held>>();
    for (const [collection, ids] of byCollection) {
      const found = await this.store.getMany(ns, collection, [...ids]);
      const held = new Map<string, Held>();
      for (const id of ids) {
        const stored = found.get(id) ?? null;
        held.set(id, stored ? { doc: stored as Doc, pos: stored.pos, stored, changed: null } : { doc: null, pos: -1, stored: null, changed: null });
      }
      docs.set(collection, held);
    }
    // The documents changed, in the order of their first change.
    const changed: Held[] = [];
    for (const { event, refs: rs } of refs) {
      this.options.beforeApply?.(event);
      const pos = Number(event.position);
      for (const ref of rs) {
        const current = docs.get(ref.collection)!.get(ref.id)!;
        // Already folded in (a re-delivered batch after a crash between document writes and
        // checkpoint, on MongoDB): skip, so nothing counts twice.
        if (current.doc && current.pos >= pos) continue;
        const next = this.projection.apply(ref, current.doc, event);
        if (next === REMOVE) {
          if (!current.doc) continue;
          current.doc = null;
        } else {
          if (!next) continue;
          // A new document without its id gets it here, in place (the projection made it for this fold).
          if (next._id !== ref.id) next._id = ref.id;
          current.doc = next;
        }
        current.pos = pos;
        if (!current.changed) changed.push(current);
        current.changed = ref;
      }
    }
    const writes: DocumentWrite[] = [];
    for (const { doc, pos, stored, changed: ref } of changed) {
      if (!doc) writes.push({ collection: ref!.collection, doc: { _id: ref!.id, pos }, remove: true });
      // A document the projection made in this batch is the runner's to finish in place; the one the
      // store handed over (returned unchanged) is the store's, and is copied.
      else if (doc === stored) writes.push({ collection: ref!.collection, doc: { ...doc, _id: ref!.id, pos } });
      else {
        const out = doc as StoredDoc;
        out._id = ref!.id;
        out.pos = pos;
        writes.push({ collection: ref!.collection, doc: out });
      }
    }
    return { projection: this.name, writes, position: batch[batch.length - 1].position };
  }
}
