/**
 * Server-side cursors with mongod's batching: a first batch of `batchSize` documents (101 when not
 * given, for find and aggregate), then `getMore` batches of `batchSize` (unbounded when not given),
 * every batch also capped at 16 MiB but never empty while documents remain. The id is a random
 * int64, reported as 0 once the cursor is exhausted or closed. A cursor holds the result set as it
 * was when the command ran; mongod cursors may see later writes (see README).
 */
import { randomBytes } from 'node:crypto';
import { BSON, Long } from 'bson';
import type { Doc } from './bson-values.js';
import { CommandError } from './errors.js';

const MAX_BATCH_BYTES = 16 * 1024 * 1024;
/** mongod's `cursorTimeoutMillis` default: idle cursors are reaped after ten minutes. */
const IDLE_TIMEOUT_MS = 10 * 60 * 1000;

interface OpenCursor {
  ns: string;
  docs: Doc[];
  next: number;
  lsid: string | undefined;
  noTimeout: boolean;
  lastUsed: number;
}

export interface CursorBatch {
  id: Long;
  ns: string;
  batch: Doc[];
}

export class Cursors {
  private readonly open = new Map<bigint, OpenCursor>();

  /** Answers the command's first batch and keeps the rest for getMore. */
  first(ns: string, docs: Doc[], opts: { batchSize?: number; singleBatch?: boolean; lsid?: string; noTimeout?: boolean }): CursorBatch {
    this.reap();
    const cursor: OpenCursor = { ns, docs, next: 0, lsid: opts.lsid, noTimeout: opts.noTimeout ?? false, lastUsed: Date.now() };
    const batch = takeBatch(cursor, opts.batchSize);
    if (cursor.next >= docs.length || opts.singleBatch) return { id: Long.ZERO, ns, batch };
    const id = this.newId();
    this.open.set(id, cursor);
    return { id: Long.fromBigInt(id), ns, batch };
  }

  more(id: bigint, ns: string, batchSize: number | undefined): CursorBatch {
    this.reap();
    const cursor = this.open.get(id);
    if (!cursor) throw CommandError.of('CursorNotFound', `cursor id ${id} not found`);
    if (cursor.ns !== ns) {
      throw CommandError.of('Unauthorized', `Requested getMore on namespace '${ns}', but cursor belongs to a different namespace ${cursor.ns}`);
    }
    cursor.lastUsed = Date.now();
    const batch = takeBatch(cursor, batchSize);
    if (cursor.next >= cursor.docs.length) {
      this.open.delete(id);
      return { id: Long.ZERO, ns, batch };
    }
    return { id: Long.fromBigInt(id), ns, batch };
  }

  kill(ids: bigint[]): { killed: bigint[]; notFound: bigint[] } {
    const killed: bigint[] = [];
    const notFound: bigint[] = [];
    for (const id of ids) (this.open.delete(id) ? killed : notFound).push(id);
    return { killed, notFound };
  }

  /** Drop and dropDatabase kill the cursors reading what they remove; endSessions those of the session. */
  killWhere(match: (ns: string, lsid: string | undefined) => boolean): void {
    for (const [id, c] of this.open) if (match(c.ns, c.lsid)) this.open.delete(id);
  }

  private newId(): bigint {
    for (;;) {
      const id = randomBytes(8).readBigInt64LE() & 0x7fffffffffffffffn;
      if (id !== 0n && !this.open.has(id)) return id;
    }
  }

  private reap(): void {
    const now = Date.now();
    for (const [id, c] of this.open) if (!c.noTimeout && now - c.lastUsed > IDLE_TIMEOUT_MS) this.open.delete(id);
  }
}

function takeBatch(cursor: OpenCursor, batchSize: number | undefined): Doc[] {
  const batch: Doc[] = [];
  let bytes = 0;
  while (cursor.next < cursor.docs.length && (batchSize === undefined || batch.length < batchSize)) {
    const doc = cursor.docs[cursor.next];
    const size = BSON.calculateObjectSize(doc);
    if (batch.length > 0 && bytes + size > MAX_BATCH_BYTES) break;
    batch.push(doc);
    bytes += size;
    cursor.next++;
  }
  return batch;
}
