import { type EventStore, pagesOfAll, type RecordedEvent } from '@partner-ledger/event-store';
import {
  APPROVAL_DUE,
  COMMISSION_DAILY,
  COMMISSION_TOTALS,
  CONVERSIONS,
  CUSTOMERS,
  PARTNERS,
  PAYOUT_LINES,
  PAYOUTS,
  PROGRAM_TOTALS,
  PROJECTIONS,
  type Projection,
  ProjectionRunner,
} from './index.js';
import type { ReadStore, StoredDoc } from '@partner-ledger/read-store';
import { WriteBehindStore } from './write-behind-store.js';

/** Every read-model collection, for comparisons (each is written by exactly one projection). */
export const READ_MODEL_COLLECTIONS = [PARTNERS, CUSTOMERS, CONVERSIONS, COMMISSION_TOTALS, PROGRAM_TOTALS, PAYOUTS, PAYOUT_LINES, APPROVAL_DUE, COMMISSION_DAILY] as const;

/**
 * The collections each projection owns. A projection rebuilt on its own needs the others carried
 * over from the active namespace: these lists say which documents to copy. A projection missing
 * here cannot be carried over, so a rebuild always replays it from position 0.
 */
export const PROJECTION_COLLECTIONS: Readonly<Record<string, readonly string[]>> = {
  partners: [PARTNERS, CUSTOMERS],
  conversions: [CONVERSIONS, COMMISSION_TOTALS, PROGRAM_TOTALS],
  'approval-due': [APPROVAL_DUE],
  payouts: [PAYOUTS, PAYOUT_LINES],
  'commission-daily': [COMMISSION_DAILY],
};

export interface RebuildOptions {
  /**
   * Projections to replay from position 0 (default: all). The others are carried over from the
   * active namespace (documents and checkpoint) and caught up from their checkpoint, so the new
   * namespace is always complete.
   */
  projections?: string[];
  /** Events read and folded per commit (default 1000). */
  batchSize?: number;
  /**
   * Called after each batch: `done` is the global position reached and `total` the position of the
   * last event in the log when the pass started (both grow while the engine keeps appending).
   * `events` counts the events read so far.
   */
  onProgress?: (done: number, total: number, info: { events: number; phase: 'replay' | 'catch-up' }) => void;
  /** Drop the previous namespace after the swap (default false: keep it to compare or roll back). */
  dropOld?: boolean;
  /** The projection set (default: PROJECTIONS, what the engine runs). */
  available?: readonly Projection[];
  /** Test hook: runs after the replay, before the final catch-up and the swap. */
  beforeSwap?: () => Promise<void>;
}

export interface RebuildResult {
  /** The namespace built and activated. */
  namespace: string;
  /** The namespace that was active before. */
  previous: string;
  /** Projections replayed from position 0. */
  replayed: string[];
  /** Projections carried over from `previous` and caught up. */
  carried: string[];
  /** Events read from the log (all passes). */
  events: number;
  /** Global position every projection of `namespace` had reached at the swap; null for an empty log. */
  position: bigint | null;
  droppedPrevious: boolean;
  durationMs: number;
}

export class RebuildError extends Error {}

/** `rm<N>` with N one above every `rm<number>` namespace there is (and the active one). */
export async function nextNamespace(store: ReadStore): Promise<string> {
  const names = new Set([...(await store.listNamespaces()), await store.activeNamespace()]);
  let highest = 0;
  for (const name of names) {
    const m = /^rm(\d+)$/.exec(name);
    if (m) highest = Math.max(highest, Number(m[1]));
  }
  return `rm${highest + 1}`;
}

/** Position of the last event in `$all`, null when the log is empty. */
export async function headPosition(events: EventStore): Promise<bigint | null> {
  const [last] = await events.readAll({ direction: 'backwards', fromPosition: 'end', maxCount: 1 });
  return last?.position ?? null;
}

/**
 * Rebuild = a fresh namespace filled from the log, then one atomic swap (`activate`). Queries and a
 * running engine keep using the active namespace the whole time; the engine's read side notices
 * the swap on its next query and restarts its projections on the new namespace from the
 * checkpoints written here (so events appended after the final catch-up are not lost).
 *
 * Steps: pick `rm<N+1>`; carry over the projections not asked for (checkpoint first, then their
 * documents: a document newer than the checkpoint is harmless, the runner skips events already
 * folded into it by its `pos`); replay the log from position 0 in pages through
 * `ProjectionRunner.applyBatch` (each page: documents and checkpoint committed together) until the
 * head; catch up once more for what was appended meanwhile; check nobody else swapped; activate.
 * One rebuild at a time: two concurrent rebuilds could pick the same name.
 */
export async function rebuildReadModels(events: EventStore, store: ReadStore, options: RebuildOptions = {}): Promise<RebuildResult> {
  const started = Date.now();
  const available = options.available ?? PROJECTIONS;
  const byName = new Map(available.map((p) => [p.name, p]));
  const asked = options.projections?.length ? [...new Set(options.projections)] : available.map((p) => p.name);
  const unknown = asked.filter((name) => !byName.has(name));
  if (unknown.length) {
    throw new RebuildError(`unknown projection ${unknown.join(', ')} (known: ${available.map((p) => p.name).join(', ')})`);
  }
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RebuildError('batchSize must be a positive integer');

  const previous = await store.activeNamespace();
  const namespace = await nextNamespace(store);
  // Carried over: a projection not asked for, whose collections we know and which has a checkpoint
  // in the active namespace. Everything else is replayed from position 0.
  const replayed: string[] = [];
  const carried: { name: string; checkpoint: bigint }[] = [];
  for (const p of available) {
    const checkpoint = asked.includes(p.name) || !PROJECTION_COLLECTIONS[p.name] ? null : (await store.getCheckpoint(previous, p.name)).position;
    if (checkpoint === null) replayed.push(p.name);
    else carried.push({ name: p.name, checkpoint });
  }

  let eventsRead = 0;
  const report = (position: bigint, head: bigint, phase: 'replay' | 'catch-up') => options.onProgress?.(Number(position), Number(head), { events: eventsRead, phase });

  // Carry over: the checkpoint was read first, the documents now. A document the engine updated in
  // between is newer than the checkpoint, which is harmless: the catch-up skips, by `pos`, the
  // events already folded into it.
  for (const { name, checkpoint } of carried) {
    for (const collection of PROJECTION_COLLECTIONS[name]) {
      let chunk: StoredDoc[] = [];
      const flush = async () => {
        await store.commit(
          namespace,
          name,
          chunk.map((doc) => ({ collection, doc })),
          checkpoint,
        );
        chunk = [];
      };
      for await (const doc of store.all(previous, collection)) {
        chunk.push(doc);
        if (chunk.length >= batchSize) await flush();
      }
      if (chunk.length) await flush();
    }
    await store.commit(namespace, name, [], checkpoint);
  }

  // Each runner is fed the events after its own starting point: all of them when replayed.
  const after = new Map<string, bigint>(carried.map((c) => [c.name, c.checkpoint]));
  // The runners fold into memory and write in bulk (write-behind-store.ts): the namespace is read
  // by nobody until it is activated, after the last flush.
  const buffered = new WriteBehindStore(store, namespace, { fresh: new Set(replayed.flatMap((name) => PROJECTION_COLLECTIONS[name] ?? [])) });
  const runners = available.map((p) => new ProjectionRunner(events, buffered, p, { namespace, batchSize }));
  let position: bigint | null = null;

  // Reads from where the last pass stopped to the head as it is when this pass starts. The store
  // reads each page while the runners fold the one before (`readAhead`: the SQLite store on a thread
  // of its own): reading was a quarter of a rebuild's time on its one thread.
  const pass = async (phase: 'replay' | 'catch-up') => {
    const head = await headPosition(events);
    if (head === null || (position !== null && position >= head)) return;
    for await (const page of pagesOfAll(events, { pageSize: batchSize, after: position, readAhead: true })) {
      eventsRead += page.length;
      for (const runner of runners) {
        const from = after.get(runner.name);
        await runner.applyBatch(from === undefined ? page : page.filter((e: RecordedEvent) => e.position > from));
      }
      position = page[page.length - 1].position;
      report(position, head > position ? head : position, phase);
      if (position >= head) break;
    }
  };

  await pass('replay');
  await buffered.flush();
  await options.beforeSwap?.();
  await pass('catch-up');
  await buffered.flush();

  const active = await store.activeNamespace();
  if (active !== previous) {
    throw new RebuildError(`the active namespace changed from ${previous} to ${active} during the rebuild; ${namespace} was built but not activated`);
  }
  await store.activate(namespace);
  let droppedPrevious = false;
  if (options.dropOld && previous !== namespace) {
    await store.dropNamespace(previous);
    droppedPrevious = true;
  }
  return { namespace, previous, replayed, carried: carried.map((c) => c.name), events: eventsRead, position, droppedPrevious, durationMs: Date.now() - started };
}

// ---------------------------------------------------------------------------------------------
// Comparison

export interface NamespaceDifference {
  collection: string;
  id: string;
  kind: 'only-in-a' | 'only-in-b' | 'different';
  /** Top-level fields whose values differ (for `different`). */
  fields?: string[];
  a?: StoredDoc;
  b?: StoredDoc;
}

export interface NamespaceComparison {
  /** Every document of every collection is the same in both, field by field (pos included). */
  equal: boolean;
  /** Documents compared per collection (the union of both sides). */
  documents: Record<string, number>;
  /** Total number of differences; `differences` lists at most `maxDifferences` of them. */
  differenceCount: number;
  differences: NamespaceDifference[];
  /** Checkpoint position of each projection on each side; equal documents need aligned checkpoints. */
  checkpoints: Record<string, { a: string | null; b: string | null }>;
}

/**
 * Compares two namespaces document by document: both sides are read in `_id` order and merged.
 * Everything is compared, `pos`, `createdAt` and `updatedAt` included: a projection is a pure fold
 * whose timestamps come from the events (`created`), and the runner sets `pos` to the position of
 * the last event that touched the document whatever the batching, so a faithful rebuild reproduces
 * them exactly; a different `pos` would reveal a divergence in which events reached a document.
 * Only the checkpoints' wall-clock `updatedAt` is not compared (checkpoint positions are reported:
 * comparing a namespace still catching up with one at the head shows differences that are lag).
 */
export async function compareNamespaces(
  store: ReadStore,
  a: string,
  b: string,
  collections: readonly string[] = READ_MODEL_COLLECTIONS,
  options: { maxDifferences?: number; projections?: readonly string[] } = {},
): Promise<NamespaceComparison> {
  const maxDifferences = options.maxDifferences ?? 100;
  const differences: NamespaceDifference[] = [];
  let differenceCount = 0;
  const documents: Record<string, number> = {};
  const note = (d: NamespaceDifference) => {
    differenceCount += 1;
    if (differences.length < maxDifferences) differences.push(d);
  };
  for (const collection of collections) {
    let n = 0;
    const left = store.all(a, collection)[Symbol.asyncIterator]();
    const right = store.all(b, collection)[Symbol.asyncIterator]();
    let x = await left.next();
    let y = await right.next();
    while (!x.done || !y.done) {
      n += 1;
      const order = x.done ? 1 : y.done ? -1 : compareIds(x.value._id, y.value._id);
      if (order < 0) {
        note({ collection, id: x.value!._id, kind: 'only-in-a', a: x.value! });
        x = await left.next();
      } else if (order > 0) {
        note({ collection, id: y.value!._id, kind: 'only-in-b', b: y.value! });
        y = await right.next();
      } else {
        const fields = differingFields(x.value!, y.value!);
        if (fields.length) note({ collection, id: x.value!._id, kind: 'different', fields, a: x.value!, b: y.value! });
        x = await left.next();
        y = await right.next();
      }
    }
    documents[collection] = n;
  }
  const checkpoints: NamespaceComparison['checkpoints'] = {};
  for (const projection of options.projections ?? PROJECTIONS.map((p) => p.name)) {
    const [ca, cb] = await Promise.all([store.getCheckpoint(a, projection), store.getCheckpoint(b, projection)]);
    checkpoints[projection] = { a: ca.position === null ? null : String(ca.position), b: cb.position === null ? null : String(cb.position) };
  }
  return { equal: differenceCount === 0, documents, differenceCount, differences, checkpoints };
}

/**
 * Both adapters return `all()` in byte order of the UTF-8 id (SQLite's BINARY collation, MongoDB's
 * default string comparison), which differs from JS's UTF-16 order beyond the BMP: merge by it.
 */
function compareIds(x: string, y: string): number {
  return Buffer.compare(Buffer.from(x, 'utf8'), Buffer.from(y, 'utf8'));
}

function differingFields(x: StoredDoc, y: StoredDoc): string[] {
  const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].sort();
  return keys.filter((k) => !deepEqual(x[k], y[k]));
}

/** Structural equality of JSON values; object key order does not matter (MongoDB may reorder). */
export function deepEqual(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (x === null || y === null || typeof x !== 'object' || typeof y !== 'object') return false;
  if (Array.isArray(x) !== Array.isArray(y)) return false;
  if (Array.isArray(x)) {
    const ys = y as unknown[];
    return x.length === ys.length && x.every((v, i) => deepEqual(v, ys[i]));
  }
  const xo = x as Record<string, unknown>;
  const yo = y as Record<string, unknown>;
  // undefined and absent are the same in stored JSON
  const xk = Object.keys(xo).filter((k) => xo[k] !== undefined);
  const yk = Object.keys(yo).filter((k) => yo[k] !== undefined);
  return xk.length === yk.length && xk.every((k) => Object.prototype.hasOwnProperty.call(yo, k) && deepEqual(xo[k], yo[k]));
}
