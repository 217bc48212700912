import type { RecordedEvent } from '@partner-ledger/event-store';
import type { DocumentWrite, ReadStore, StoredDoc } from '@partner-ledger/read-store';
import { foldIntoView, linkedRefsOf, payloadFromView, type ViewEntities, type ViewKind, type ViewRef, type ViewTables, viewRefsOf, type WebhookPayload } from '@partner-ledger/webhooks';

/*
 * The publisher's view kept in the read store, one document per entity (collections
 * `publisher-view.<kind>` of the publisher's namespace), so that the publisher holds only what one
 * batch touches and resumes from its checkpoint instead of refolding the log. Each document carries
 * `pos`, the position of the last event folded into it: on MongoDB a batch committed again after a
 * crash is then skipped document by document. `publisher-view.meta/folded` records the position
 * the whole view was last committed at: the upgrade path and the resume point read it.
 */

const collectionOf = (kind: ViewKind) => `publisher-view.${kind}`;
export const VIEW_META_COLLECTION = 'publisher-view.meta';
const META_ID = 'folded';
/**
 * What the view's documents hold, `publisher-view.meta/shape`: bumped when the fold starts keeping
 * something that documents folded before lack and that cannot be read as a default, with its upgrade
 * in view-shape.ts. 1 (no shape document): before payments; 2: conversions carry `paidBy`.
 */
export const VIEW_SHAPE = 2;
const SHAPE_ID = 'shape';
// Program ids are generated (`prg_…`, no '/'), so "<programId>/<id>" is unambiguous.
const docIdOf = (ref: ViewRef) => (ref.kind === 'programs' ? ref.programId : `${ref.programId}/${ref.id}`);
const keyOf = (ref: ViewRef) => `${ref.kind}\u0000${docIdOf(ref)}`;

// Dates are stored as ISO strings (SQLite keeps JSON, MongoDB would keep BSON dates): one form on both.
const DATE_FIELDS: Partial<Record<ViewKind, readonly string[]>> = { partners: ['lastConversionAt'], conversions: ['created', 'updated'] };

function toStored(kind: ViewKind, value: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...value };
  for (const field of DATE_FIELDS[kind] ?? []) if (out[field] instanceof Date) out[field] = (out[field] as Date).toISOString();
  return out;
}
function fromStored<K extends ViewKind>(kind: K, doc: StoredDoc): ViewEntities[K] {
  const { _id, pos, ...value } = doc;
  void _id;
  void pos;
  for (const field of DATE_FIELDS[kind] ?? []) if (value[field] !== null && value[field] !== undefined) value[field] = new Date(value[field] as string);
  return value as unknown as ViewEntities[K];
}

interface Entry {
  ref: ViewRef;
  value: ViewEntities[ViewKind] | undefined;
  /** Position last folded into the entity; -1 when it does not exist yet. */
  pos: number;
  changed: boolean;
}

/** The entities one batch loaded. Writes for an event already folded into an entity are dropped. */
class BatchTables implements ViewTables {
  readonly entries = new Map<string, Entry>();
  /** Position of the event being folded. */
  at = 0;

  get<K extends ViewKind>(kind: K, programId: string, id: string): ViewEntities[K] | undefined {
    return this.entry({ kind, programId, id }).value as ViewEntities[K] | undefined;
  }
  set<K extends ViewKind>(kind: K, programId: string, id: string, value: ViewEntities[K]): void {
    const entry = this.entry({ kind, programId, id });
    if (entry.pos >= this.at) return;
    Object.assign(entry, { value, pos: this.at, changed: true });
  }
  private entry(ref: ViewRef): Entry {
    const entry = this.entries.get(keyOf(ref));
    // The fold reads only what viewRefsOf/linkedRefsOf named; anything else is a bug in those.
    if (!entry) throw new Error(`publisher view: ${ref.kind} ${docIdOf(ref)} was not loaded for this batch`);
    return entry;
  }
}

export class PersistedPublisherView {
  private pending: BatchTables | null = null;

  constructor(
    private readonly store: ReadStore,
    private readonly namespace: string,
  ) {}

  /** The position the view was last committed at, or null for a view never persisted. */
  async foldedPosition(): Promise<bigint | null> {
    const meta = await this.store.get(this.namespace, VIEW_META_COLLECTION, META_ID);
    return meta ? BigInt(meta.pos) : null;
  }

  /** The shape of the documents (see VIEW_SHAPE); 1 for a view persisted before shapes were recorded. */
  async shape(): Promise<number> {
    const doc = await this.store.get(this.namespace, VIEW_META_COLLECTION, SHAPE_ID);
    return typeof doc?.shape === 'number' ? doc.shape : 1;
  }

  /** Records that every document now has the current shape. */
  async markShape(shape = VIEW_SHAPE): Promise<void> {
    await this.store.put(this.namespace, VIEW_META_COLLECTION, { _id: SHAPE_ID, pos: 0, shape });
  }

  /** The program ids the view holds, `after` the given one, in id order: the shape upgrade's unit of work. */
  async programIds(after: string | null, limit: number): Promise<string[]> {
    const docs = await this.store.find(this.namespace, collectionOf('programs'), { orderBy: [{ field: '_id', direction: 'asc' }], ...(after !== null ? { after: [after] } : {}), limit });
    return docs.map((doc) => doc._id);
  }

  /**
   * Folds payout events into the conversions they name whatever position those documents are at,
   * keeping their `pos`: for the shape upgrade only, where the documents were folded past these
   * events by a version that did not keep payments (so nothing newer can be overwritten).
   */
  async refoldPayments(batch: readonly RecordedEvent[]): Promise<void> {
    const entries = new Map<string, { ref: ViewRef; doc: StoredDoc | undefined; value: ViewEntities['conversions'] | undefined; changed: boolean }>();
    const refs = batch.flatMap(viewRefsOf).filter((ref) => ref.kind === 'conversions');
    for (const ref of refs) entries.set(keyOf(ref), { ref, doc: undefined, value: undefined, changed: false });
    const found = await this.store.getMany(
      this.namespace,
      collectionOf('conversions'),
      [...entries.values()].map((e) => docIdOf(e.ref)),
    );
    for (const entry of entries.values()) {
      entry.doc = found.get(docIdOf(entry.ref));
      entry.value = entry.doc ? fromStored('conversions', entry.doc) : undefined;
    }
    const tables: ViewTables = {
      get: <K extends ViewKind>(kind: K, programId: string, id: string) =>
        kind === 'conversions' ? (entries.get(keyOf({ kind, programId, id }))?.value as ViewEntities[K] | undefined) : undefined,
      set: <K extends ViewKind>(kind: K, programId: string, id: string, value: ViewEntities[K]) => {
        const entry = entries.get(keyOf({ kind, programId, id }));
        if (kind === 'conversions' && entry) Object.assign(entry, { value, changed: true });
      },
    };
    for (const event of batch) foldIntoView(tables, event);
    for (const { ref, doc, value, changed } of entries.values()) {
      if (changed && doc && value) await this.store.put(this.namespace, collectionOf('conversions'), { ...toStored('conversions', value), _id: docIdOf(ref), pos: doc.pos });
    }
  }

  /**
   * Folds a batch onto the documents it touches, loaded now, and answers each event's payload as
   * of that event (null when not published or at or before `after`). The folded documents wait for
   * `commit`; the next `fold` starts from the store again.
   */
  async fold(batch: readonly RecordedEvent[], after: bigint | null): Promise<(WebhookPayload | null)[]> {
    const tables = new BatchTables();
    await this.load(tables, batch.flatMap(viewRefsOf));
    // A conversion's body reads its customer, partner and transaction, named only by the conversion.
    const linked = [...tables.entries.values()].filter((e) => e.ref.kind === 'conversions' && e.value).flatMap((e) => linkedRefsOf(e.ref.programId, e.value as ViewEntities['conversions']));
    await this.load(tables, linked);
    this.pending = tables;
    return batch.map((event) => {
      tables.at = Number(event.position);
      foldIntoView(tables, event);
      return after !== null && event.position <= after ? null : payloadFromView(tables, event);
    });
  }

  /** Writes what the last `fold` changed, the view's position `folded` and the checkpoint, in one commit. */
  async commit(checkpoint: string, position: bigint, folded: bigint): Promise<void> {
    const writes: DocumentWrite[] = [];
    for (const { ref, value, pos, changed } of this.pending?.entries.values() ?? []) {
      if (changed && value) writes.push({ collection: collectionOf(ref.kind), doc: { ...toStored(ref.kind, value), _id: docIdOf(ref), pos } });
    }
    writes.push({ collection: VIEW_META_COLLECTION, doc: { _id: META_ID, pos: Number(folded) } });
    await this.store.commit(this.namespace, checkpoint, writes, position);
    this.pending = null;
  }

  private async load(tables: BatchTables, refs: ViewRef[]): Promise<void> {
    const missing = new Map<string, ViewRef>();
    for (const ref of refs) if (!tables.entries.has(keyOf(ref))) missing.set(keyOf(ref), ref);
    const byKind = new Map<ViewKind, ViewRef[]>();
    for (const ref of missing.values()) (byKind.get(ref.kind) ?? byKind.set(ref.kind, []).get(ref.kind)!).push(ref);
    for (const [kind, kindRefs] of byKind) {
      const found = await this.store.getMany(this.namespace, collectionOf(kind), kindRefs.map(docIdOf));
      for (const ref of kindRefs) {
        const doc = found.get(docIdOf(ref));
        tables.entries.set(keyOf(ref), { ref, value: doc ? fromStored(kind, doc) : undefined, pos: doc ? doc.pos : -1, changed: false });
      }
    }
  }
}
