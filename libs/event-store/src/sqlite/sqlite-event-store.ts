import Database from 'better-sqlite3';
import { StatementCache } from './statement-cache.js';
import { checkpointInBackground, lockWrites, threadSignal } from '@partner-ledger/config';
import { newEventId } from '../event-id.js';
import { EventEmitter } from 'node:events';
import {
  type AppendOptions,
  type AppendResult,
  type CountAllOptions,
  type CountAllResult,
  type EventStore,
  type EventSubscription,
  type NewEvent,
  type PagesOfAllOptions,
  type ReadAllOptions,
  type ReadRevision,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
} from '../event-store.port.js';
import { assertExpectedRevision, type ExpectedRevision } from '../expected-revision.js';
import { type EventRow, toRecorded } from './event-row.js';
import { readAhead } from './read-ahead.js';
import { pagesOfAll } from '../batches.js';
import { EVENT_COLUMNS, type EventStoreMigrationLogger, migrateEventStore } from './schema.js';
import { SqliteSubscription } from './sqlite-subscription.js';
import { planStreamPrefixes, prefixQuery, prefixUpperBound } from './stream-prefix-query.js';

/**
 * "Events up to position P were appended to file F", for the subscriptions of every thread of the
 * process (the engine's webhook thread reads the log the main thread writes); other processes poll.
 */
const appendedSignal = threadSignal('sqlite-events-appended');

export interface SqliteEventStoreOptions {
  /** How often a live subscription looks for events appended by another process (ms). */
  pollIntervalMs?: number;
  /** Told of a one-time upgrade of an older file, with how long it took. */
  logger?: EventStoreMigrationLogger;
}

/** What `groupCommits()` answers: sums since the connection opened. */
export interface GroupCommitStats {
  /** Transactions written by the group commit (a failed one included). */
  commits: number;
  /** Appends they carried. */
  appends: number;
  /** Time spent in them, in seconds. */
  seconds: number;
}

/** An append waiting for the next group commit. */
interface QueuedAppend {
  streamName: string;
  events: NewEvent[];
  expected: ExpectedRevision;
  alsoExpected: readonly ReadRevision[];
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/**
 * The embedded event store: one SQLite file (WAL), shared with the read store and the queue.
 * better-sqlite3 is synchronous, so an append is atomic with respect to this process without locks;
 * BEGIN IMMEDIATE makes it so against other processes on the same file too.
 *
 * Group commit: with synchronous=FULL every commit costs an fsync, the largest single cost of a
 * command. Appends requested while the event loop is busy are queued and written at the next turn
 * in ONE transaction, each in its own savepoint with its own expected-revision check, in call order;
 * each is answered only after that commit, so an acknowledged append is as durable as before. A
 * read waits for the appends queued before it, so a caller still reads every append it was told
 * about and every append requested before its read.
 */
export class SqliteEventStore implements EventStore {
  readonly kind = 'sqlite' as const;
  private readonly appended = new EventEmitter();
  private readonly stopListening: () => void;
  private readonly subscriptions = new Set<SqliteSubscription>();
  private readonly statements;
  private readonly prepared: StatementCache;
  private readonly appendTx;
  private readonly snapshotTx;
  private readonly groupTx;
  private queue: QueuedAppend[] = [];
  private readonly commits: GroupCommitStats = { commits: 0, appends: 0, seconds: 0 };
  /** Resolves once the scheduled group commit has run; null when none is scheduled. */
  private committed: Promise<void> | null = null;
  private closed = false;
  /** Stops the read-ahead threads (`readAllAhead`) on close. */
  private readonly closing = new AbortController();
  /** Each read-ahead thread's end, waited for on close: its connection to the file closes first. */
  private readonly readersEnded = new Set<Promise<void>>();

  static open(filename: string, options: SqliteEventStoreOptions = {}): SqliteEventStore {
    const db = new Database(filename);
    return new SqliteEventStore(db, options, true);
  }

  /** Uses a connection owned by someone else (the embedded engine shares one file). */
  static onDatabase(db: Database.Database, options: SqliteEventStoreOptions = {}): SqliteEventStore {
    return new SqliteEventStore(db, options, false);
  }

  private constructor(
    readonly db: Database.Database,
    private readonly options: SqliteEventStoreOptions,
    private readonly ownsDb: boolean,
  ) {
    lockWrites(db);
    this.prepared = new StatementCache(db);
    db.pragma('journal_mode = WAL');
    checkpointInBackground(db);
    // NORMAL is durable against process crashes in WAL mode; FULL adds an fsync per commit for
    // power loss. We choose FULL: an acknowledged command must survive the machine going down.
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    db.defaultSafeIntegers(true);
    migrateEventStore(db, options.logger);
    this.appended.setMaxListeners(0);
    // Every connection to this file in the process, on any thread, wakes its subscriptions on an append.
    this.stopListening = appendedSignal.on((payload) => {
      const at = payload.lastIndexOf('\u0000');
      if (payload.slice(0, at) === db.name) this.appended.emit('append', BigInt(payload.slice(at + 1)));
    });
    this.statements = {
      // The last entry of the stream's (stream, revision) range in the unique index: one seek.
      streamRevision: db.prepare<[string], { revision: bigint }>('SELECT revision FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1'),
      insertEvent: db.prepare('INSERT INTO events (id, stream, revision, type, data, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      lastPosition: db.prepare<[], { position: bigint | null }>('SELECT MAX(position) AS position FROM events'),
      // Another group between the prefix and its upper bound: the prefix spans more than one group.
      otherGroup: db.prepare<[string, string]>('SELECT 1 FROM events INDEXED BY events_stream_group WHERE stream_group > ? AND stream_group < ? LIMIT 1'),
    };
    // Built once: db.transaction() makes a new wrapper (with its four variants) on every call.
    this.appendTx = db.transaction((streamName: string, events: NewEvent[], expected: ExpectedRevision, alsoExpected: readonly ReadRevision[], written: EventRow[] | null) =>
      this.appendRows(streamName, events, expected, alsoExpected, written),
    );
    this.snapshotTx = db.transaction((fn: () => unknown) => fn());
    // Inside it, appendTx runs as a savepoint: a refused append rolls back alone.
    this.groupTx = db.transaction((batch: QueuedAppend[], written: EventRow[] | null) =>
      batch.map((a): AppendResult | { refused: unknown } => {
        try {
          return this.appendTx(a.streamName, a.events, a.expected, a.alsoExpected, written);
        } catch (error) {
          return { refused: error };
        }
      }),
    );
  }

  async appendToStream(streamName: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    this.assertOpen();
    const expected = options.expectedRevision ?? 'any';
    const alsoExpected = options.alsoExpected ?? [];
    return new Promise((resolve, reject) => {
      this.queue.push({ streamName, events, expected, alsoExpected, resolve, reject });
      void this.scheduleCommit();
    });
  }

  private scheduleCommit(): Promise<void> {
    this.committed ??= new Promise((resolve) =>
      setImmediate(() => {
        this.committed = null;
        this.commitQueued();
        resolve();
      }),
    );
    return this.committed;
  }

  /** Writes every queued append in one transaction, then answers each; never throws. */
  private commitQueued(): void {
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    let results: (AppendResult | { refused: unknown })[];
    const started = performance.now();
    // The rows this commit writes, kept for this connection's live subscriptions (see 'rows' below).
    const written: EventRow[] | null = this.subscriptions.size > 0 ? [] : null;
    try {
      // A group of one (every append when they come one at a time) needs no savepoint: its own
      // transaction is all there is to roll back, and SAVEPOINT/RELEASE cost ~10% of its time.
      results = batch.length === 1 ? [this.appendAlone(batch[0], written)] : this.groupTx.immediate(batch, written);
    } catch (error) {
      // BEGIN or COMMIT failed (busy beyond busy_timeout, disk full…): nothing of the group was written.
      for (const a of batch) a.reject(error);
      return;
    } finally {
      this.count(batch.length, started);
    }
    let last = -1n;
    batch.forEach((a, i) => {
      const result = results[i];
      if ('refused' in result) return a.reject(result.refused);
      if (a.events.length > 0 && result.position > last) last = result.position;
      a.resolve(result);
    });
    // Committed: this connection's subscriptions may take these rows as they are instead of
    // reading them back (SqliteSubscription.take), before the signal below wakes them.
    if (written?.length) this.appended.emit('rows', written);
    if (last >= 0n) appendedSignal.emit(`${this.db.name}\u0000${last}`);
  }

  private count(appends: number, started: number): void {
    this.commits.commits++;
    this.commits.appends += appends;
    this.commits.seconds += (performance.now() - started) / 1000;
  }

  /**
   * The group commits of this connection so far: how many, how many appends they carried, and how
   * long the committing thread spent in them (BEGIN to COMMIT, the fsync and the write lock's wait
   * included). Plain sums, read at each scrape by `registerGroupCommitMetrics`.
   */
  groupCommits(): Readonly<GroupCommitStats> {
    return this.commits;
  }

  /** One append in a transaction of its own; refused or failed, the append alone is rejected. */
  private appendAlone(a: QueuedAppend, written: EventRow[] | null): AppendResult | { refused: unknown } {
    try {
      return this.appendTx.immediate(a.streamName, a.events, a.expected, a.alsoExpected, written);
    } catch (error) {
      return { refused: error };
    }
  }

  /** Reads wait for the appends requested before them (read-your-writes within the process). */
  private async settled(): Promise<void> {
    if (this.queue.length > 0) await this.scheduleCommit();
  }

  /** `written`, when given, receives the rows once all of them are in (a refused append adds none). */
  private appendRows(streamName: string, events: NewEvent[], expected: ExpectedRevision, alsoExpected: readonly ReadRevision[], written: EventRow[] | null): AppendResult {
    const { streamRevision, insertEvent, lastPosition } = this.statements;
    // Inside the write transaction (BEGIN IMMEDIATE): no process can move these streams before the commit.
    for (const read of alsoExpected) assertExpectedRevision(read.streamName, read.revision, streamRevision.get(read.streamName)?.revision);
    const current = streamRevision.get(streamName)?.revision;
    assertExpectedRevision(streamName, expected, current);
    if (events.length === 0) {
      return {
        nextExpectedRevision: current ?? -1n,
        position: lastPosition.get()?.position ?? 0n,
      };
    }
    let revision = current ?? -1n;
    let position = 0n;
    const now = Date.now();
    const rows: EventRow[] = [];
    for (const event of events) {
      revision += 1n;
      const row = {
        position: 0n,
        id: event.id ?? newEventId(),
        stream: streamName,
        revision,
        type: event.type,
        data: JSON.stringify(event.data ?? {}),
        metadata: JSON.stringify(event.metadata ?? {}),
        created: now,
      };
      position = row.position = BigInt(insertEvent.run(row.id, streamName, revision, row.type, row.data, row.metadata, now).lastInsertRowid);
      rows.push(row);
    }
    written?.push(...rows);
    return { nextExpectedRevision: revision, position };
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    await this.settled();
    const backwards = options.direction === 'backwards';
    const from = options.fromRevision ?? (backwards ? 'end' : 'start');
    const limit = limitOf(options.maxCount);
    let rows: EventRow[];
    if (backwards) {
      const upTo = from === 'end' ? Number.MAX_SAFE_INTEGER : from === 'start' ? 0n : from;
      rows = this.prepared.get(`SELECT ${EVENT_COLUMNS} FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`).all(streamName, upTo, limit) as EventRow[];
    } else {
      if (from === 'end') return [];
      const start = from === 'start' ? 0n : from;
      rows = this.prepared.get(`SELECT ${EVENT_COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision ASC LIMIT ?`).all(streamName, start, limit) as EventRow[];
    }
    return rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    await this.settled();
    return this.readAllSync(options);
  }

  /**
   * A filtered read plans its query per page (stream prefixes), and a database in memory cannot be
   * opened by a second connection: both page with `readAll` here. The rest is read on a thread.
   */
  readAllAhead(options: PagesOfAllOptions): AsyncIterable<RecordedEvent[]> {
    this.assertOpen();
    if (options.filter || this.db.memory || this.db.name === '') return pagesOfAll(this, options);
    return this.readOnThread(options);
  }

  private async *readOnThread(options: PagesOfAllOptions): AsyncGenerator<RecordedEvent[]> {
    // Read-your-writes, as `readAll`: the appends already requested are committed first.
    await this.settled();
    yield* readAhead({
      file: this.db.name,
      after: options.after ?? null,
      pageSize: options.pageSize,
      signal: this.closing.signal,
      onThread: (ended) => {
        this.readersEnded.add(ended);
        void ended.then(() => this.readersEnded.delete(ended));
      },
    });
  }

  /** Exposed to the subscription, which pages through `$all` with it. */
  readAllSync(options: ReadAllOptions): RecordedEvent[] {
    const backwards = options.direction === 'backwards';
    const from = options.fromPosition ?? (backwards ? 'end' : 'start');
    const limit = limitOf(options.maxCount);
    if (from === (backwards ? 'start' : 'end')) return [];
    const position = from === 'start' || from === 'end' ? null : { op: backwards ? ('<' as const) : ('>=' as const), value: from };
    const filter = options.filter ?? {};
    if (filter.streamPrefixes?.length) {
      const prefixes = filter.streamPrefixes;
      // The probes and the read see one snapshot, so a group created in between cannot be missed.
      return this.snapshot(() => {
        const { sql, params } = prefixQuery(
          planStreamPrefixes(prefixes, (p) => this.onlyGroup(p)),
          filter,
          position,
          backwards,
          limit,
        );
        return (this.prepared.get(sql).all(...params) as EventRow[]).map(toRecorded);
      });
    }
    const where: string[] = [];
    const params: unknown[] = [];
    if (position) {
      where.push(`position ${position.op} ?`);
      params.push(position.value);
    }
    if (filter.eventTypes?.length) {
      where.push(`type IN (${filter.eventTypes.map(() => '?').join(', ')})`);
      params.push(...filter.eventTypes);
    }
    const sql = `SELECT ${EVENT_COLUMNS} FROM events ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY position ${backwards ? 'DESC' : 'ASC'} LIMIT ?`;
    params.push(limit);
    return (this.prepared.get(sql).all(...params) as EventRow[]).map(toRecorded);
  }

  /** True when no stream group other than `prefix` itself starts with `prefix` (one index probe). */
  private onlyGroup(prefix: string): boolean {
    const upper = prefixUpperBound(prefix);
    return upper !== null && this.statements.otherGroup.get(prefix, upper) === undefined;
  }

  lastPositionSync(): bigint {
    return this.statements.lastPosition.get()?.position ?? 0n;
  }

  snapshot<T>(fn: () => T): T {
    return this.snapshotTx.deferred(fn) as T;
  }

  /** Counted on the primary key without reading a row's columns: cheap enough for every /health and scrape. */
  async countAll(options: CountAllOptions): Promise<CountAllResult> {
    this.assertOpen();
    await this.settled();
    const from = options.fromPosition === 'start' ? 0 : options.fromPosition;
    return this.snapshot(() => {
      const row = this.prepared.get('SELECT count(*) AS n FROM (SELECT 1 FROM events WHERE position >= ? LIMIT ?)').get(from, Math.max(0, options.limit)) as { n: number | bigint };
      const n = Number(row.n);
      const first = n ? (this.prepared.get('SELECT created FROM events WHERE position >= ? ORDER BY position LIMIT 1').get(from) as { created: number | bigint }) : undefined;
      return { count: n, firstCreated: first ? new Date(Number(first.created)) : null };
    });
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): EventSubscription {
    this.assertOpen();
    const subscription = new SqliteSubscription(this, this.appended, options, this.options.pollIntervalMs ?? 250, () => this.subscriptions.delete(subscription));
    this.subscriptions.add(subscription);
    return subscription;
  }

  async ping(): Promise<void> {
    this.assertOpen();
    this.prepared.get('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Appends accepted before close are written (and answered) before the file is closed.
    this.commitQueued();
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    this.closing.abort();
    await Promise.all(this.readersEnded);
    this.stopListening();
    if (this.ownsDb) this.db.close();
  }

  private assertOpen() {
    if (this.closed) throw new Error('event store is closed');
  }
}

function limitOf(maxCount: number | undefined): number {
  return maxCount === undefined ? -1 : Math.max(0, maxCount);
}
