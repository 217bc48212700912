/**
 * Logical sessions as far as retryable writes need them. The driver tags each retryable write
 * (insert, single-document update/delete, findAndModify) with the session's `lsid` and a rising
 * `txnNumber`, and after a network error sends the same command again with the same pair. mongod
 * then answers from its record instead of writing twice; so does the double, which keeps the reply
 * of the latest `txnNumber` per session. A command runs to completion before its reply is written,
 * so a retry always finds the whole command recorded: mongod's per-statement bookkeeping (which
 * re-runs statements that failed) is not needed for that.
 */
import { Binary } from 'bson';
import { binaryBytes, isPlainObject, numeric, type Doc } from './bson-values.js';
import { CommandError } from './errors.js';

/** mongod's `logicalSessionTimeoutMinutes` default, announced in hello. */
export const SESSION_TIMEOUT_MINUTES = 30;

interface SessionRecord {
  lastUsed: number;
  txnNumber: bigint | null;
  reply: Doc | null;
}

export class Sessions {
  private readonly byId = new Map<string, SessionRecord>();

  /** A stable key for an `lsid` document (`{id: UUID}`), or undefined when the command has none. */
  keyOf(lsid: unknown): string | undefined {
    if (!isPlainObject(lsid)) return undefined;
    const id = lsid.id;
    if (!(id instanceof Binary)) throw CommandError.of('TypeMismatch', "BSON field 'lsid.id' is the wrong type, expected type 'binData'");
    return Buffer.from(binaryBytes(id)).toString('hex');
  }

  touch(key: string): void {
    this.reap();
    const record = this.byId.get(key);
    if (record) record.lastUsed = Date.now();
    else this.byId.set(key, { lastUsed: Date.now(), txnNumber: null, reply: null });
  }

  /** Runs a retryable write once per (session, txnNumber); a repeat gets the first reply. */
  retryable(key: string, txn: unknown, run: () => Doc): Doc {
    const n = numeric(txn);
    if (!n || n.kind === 'double' || n.kind === 'decimal') throw CommandError.of('TypeMismatch', "BSON field 'txnNumber' is the wrong type, expected type 'long'");
    const txnNumber = n.big ?? BigInt(n.approx);
    this.touch(key);
    const record = this.byId.get(key)!;
    if (record.txnNumber !== null) {
      if (txnNumber === record.txnNumber && record.reply) return record.reply;
      if (txnNumber < record.txnNumber) {
        throw CommandError.of(
          'TransactionTooOld',
          `Retryable write with txnNumber ${txnNumber} is prohibited on session ${key} because a newer retryable write with txnNumber ${record.txnNumber} has already started on this session.`,
        );
      }
    }
    record.txnNumber = txnNumber;
    record.reply = null;
    const reply = run();
    record.reply = reply;
    return reply;
  }

  end(keys: string[]): void {
    for (const k of keys) this.byId.delete(k);
  }

  private reap(): void {
    const cutoff = Date.now() - SESSION_TIMEOUT_MINUTES * 60 * 1000;
    for (const [k, r] of this.byId) if (r.lastUsed < cutoff) this.byId.delete(k);
  }
}
