/**
 * The read store port: namespaced collections of JSON documents kept by projections, plus each
 * projection's checkpoint. Documents carry `pos`, the global position of the last event folded into
 * them, which is what makes re-applying a batch harmless (see `commit`).
 *
 * A namespace is one complete generation of read models: a rebuild fills a fresh namespace from
 * position 0 while queries keep reading the active one, then `activate` swaps them in one step.
 */

export type Scalar = string | number | boolean | null;

export interface StoredDoc {
  /** Unique within its collection. */
  _id: string;
  /** Global position of the last event folded into this document. */
  pos: number;
  [field: string]: unknown;
}

/** One projection's batch: its folded documents and the checkpoint they take it to (see `commit`). */
export interface ProjectionCommit {
  projection: string;
  writes: DocumentWrite[];
  position: bigint;
}

export interface DocumentWrite {
  collection: string;
  /** The document after folding; `pos` must be the position of the last event folded into it. */
  doc: StoredDoc;
  /**
   * The fold removed the document (a read model that keeps only open work): it is deleted when its
   * stored `pos` is below `doc.pos`, like an upsert; `doc` needs only `_id` and `pos`.
   */
  remove?: boolean;
}

export interface Checkpoint {
  /** Position of the last event the projection has applied; null = none yet. */
  position: bigint | null;
  updatedAt: Date;
}

export type SortDirection = 'asc' | 'desc';

export interface Query {
  /** Equality on top-level or dotted fields. */
  where?: Record<string, Scalar>;
  /** Half-open range on one field (ISO strings and numbers compare as themselves). */
  range?: { field: string; gte?: Scalar; lt?: Scalar };
  /**
   * Sort keys; `_id` is always appended as the last tie-breaker so the order is total. Sort fields
   * must hold non-null values of one type: SQL and MongoDB order nulls and mixed types differently.
   */
  orderBy: { field: string; direction: SortDirection }[];
  /** Keyset pagination: the sort-key values of the last document of the previous page. */
  after?: Scalar[];
  limit: number;
}

/** How a `put` or `delete` outside the projections is made durable. */
export interface WriteOptions {
  /**
   * Answer only once the write is on disk: for what a user was told is saved (an endpoint, an
   * incoming webhook, a replay job) and cannot be rebuilt from the log. SQLite commits it with
   * `synchronous = FULL` (an fsync of the WAL) on a connection that otherwise commits NORMAL;
   * MongoDB sends it with `writeConcern: { j: true }`. Without it a write survives a crash of the
   * process but may be lost with the machine (power, kernel) until the file's next fsync; that is
   * kept for the high-volume logs (deliveries, incoming requests), whose loss costs a line of
   * history, not a setting.
   */
  durable?: boolean;
}

export const DURABLE: WriteOptions = Object.freeze({ durable: true });

/** A secondary index: equality fields first, then the sort fields in a find's `orderBy` directions. */
export interface IndexSpec {
  /** Unique per collection; letters, digits and `_`. */
  name: string;
  fields: { field: string; direction: SortDirection }[];
}

export interface ReadStore {
  readonly kind: 'sqlite' | 'mongodb';

  /** The namespace queries read; created on first use as `rm1`. */
  activeNamespace(): Promise<string>;
  /** Makes `namespace` the one queries read, in one step. */
  activate(namespace: string): Promise<void>;
  /** Removes a namespace's documents and checkpoints (never the active one). */
  dropNamespace(namespace: string): Promise<void>;
  listNamespaces(): Promise<string[]>;

  getCheckpoint(namespace: string, projection: string): Promise<Checkpoint>;
  /** Current documents by id, for folding a batch onto them. */
  getMany(namespace: string, collection: string, ids: string[]): Promise<Map<string, StoredDoc>>;
  /**
   * Writes the folded documents of one batch and moves the projection's checkpoint to `position`.
   * Effect is exactly once: a document whose stored `pos` is already ≥ its new `pos` is left alone,
   * so a batch applied again after a crash changes nothing. SQLite does it all in one transaction;
   * MongoDB guards each document by `pos` and writes the checkpoint last.
   */
  commit(namespace: string, projection: string, writes: DocumentWrite[], position: bigint): Promise<void>;
  /**
   * Several projections' `commit`s at once, each with the same guard (the live feed's batch, one
   * commit per projection fed). SQLite writes them all in one transaction: the engine folds every
   * group commit of the log into five projections, and five transactions (five turns of the write
   * lock, five WAL commits rewriting the checkpoints' page) cost about half again what one does.
   * MongoDB runs them concurrently, each as `commit` does.
   */
  commitAll(namespace: string, commits: readonly ProjectionCommit[]): Promise<void>;

  /**
   * Writes one document unconditionally (last write wins). For state that is not a projection of
   * the log (webhook endpoint configuration, delivery logs), kept in a namespace no rebuild touches.
   */
  put(namespace: string, collection: string, doc: StoredDoc, options?: WriteOptions): Promise<void>;
  /**
   * Compare-and-set of one document (for small shared state several processes update, e.g. a
   * webhook endpoint's throttle): writes `doc` only if the stored document's `pos` is still
   * `expectedPos` (null: only if there is no document yet), and answers whether it did. Callers use
   * `pos` as the document's version: read it, write the next with `pos + 1` and the read `pos`
   * expected, and read again when the answer is false. Atomic across processes on both adapters.
   */
  replaceIf(namespace: string, collection: string, doc: StoredDoc, expectedPos: number | null): Promise<boolean>;
  /** Removes one document; true when it existed. */
  delete(namespace: string, collection: string, id: string, options?: WriteOptions): Promise<boolean>;

  get(namespace: string, collection: string, id: string): Promise<StoredDoc | null>;
  /**
   * Declares an index (idempotent; call it at start), so a `find` whose `where` covers the leading
   * fields and whose `orderBy` continues with the rest reads a range of it instead of every
   * document of the collection. `_id` ascending is appended, as `find` appends it to every order.
   * SQLite: a partial expression index over the collection's rows; MongoDB: a compound index.
   */
  ensureIndex(namespace: string, collection: string, index: IndexSpec): Promise<void>;
  find(namespace: string, collection: string, query: Query): Promise<StoredDoc[]>;
  /** Number of documents, for a rebuild's document-by-document comparison and for stats. */
  count(namespace: string, collection: string): Promise<number>;
  /** Every document of a collection in `_id` order (comparisons, exports). */
  all(namespace: string, collection: string): AsyncIterable<StoredDoc>;

  ping(): Promise<void>;
  close(): Promise<void>;
}
