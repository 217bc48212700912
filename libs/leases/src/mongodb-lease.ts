import { type Collection, MongoClient, MongoServerError } from 'mongodb';
import { dbNameFromUrl } from '@partner-ledger/read-store';
import type { LeaseRecord, LeaseStore } from './lease.port.js';

/** Outside every `<ns>.<collection>` name, so no namespace listing or drop ever sees it. */
export const LEASES_COLLECTION = '_leases';

/** A lease as stored: the record, keyed by its name. */
type LeaseDoc = Omit<LeaseRecord, 'name'> & { _id: string };

const toRecord = (doc: LeaseDoc | null): LeaseRecord | null =>
  doc
    ? {
        name: doc._id,
        holder: doc.holder,
        token: Number(doc.token),
        version: Number(doc.version),
        ttlMs: Number(doc.ttlMs),
        renewedAt: new Date(doc.renewedAt),
        released: doc.released === true,
      }
    : null;

/**
 * Leases in the read models' MongoDB database. Every operation is one single-document write whose
 * filter is the compare part of the compare-and-set, which MongoDB applies atomically; the first
 * acquisition is an insert, and a concurrent one loses on the `_id` unique index (E11000).
 */
export class MongoLeaseStore implements LeaseStore {
  readonly kind = 'mongodb' as const;
  private closed = false;

  static async connect(url: string, options: { dbName?: string } = {}): Promise<MongoLeaseStore> {
    const client = new MongoClient(url);
    await client.connect();
    return new MongoLeaseStore(client, client.db(options.dbName ?? dbNameFromUrl(url)).collection<LeaseDoc>(LEASES_COLLECTION));
  }

  private constructor(
    private readonly client: MongoClient,
    private readonly leases: Collection<LeaseDoc>,
  ) {}

  async read(name: string): Promise<LeaseRecord | null> {
    return toRecord(await this.leases.findOne({ _id: name }));
  }

  async acquire(name: string, holder: string, seenVersion: number | null, ttlMs: number): Promise<LeaseRecord | null> {
    const renewedAt = new Date();
    if (seenVersion === null) {
      const doc: LeaseDoc = { _id: name, holder, token: 1, version: 1, ttlMs, renewedAt, released: false };
      try {
        await this.leases.insertOne(doc);
        return toRecord(doc);
      } catch (error) {
        if (error instanceof MongoServerError && error.code === 11000) return null;
        throw error;
      }
    }
    const doc = await this.leases.findOneAndUpdate(
      { _id: name, version: seenVersion },
      { $set: { holder, ttlMs, renewedAt, released: false }, $inc: { token: 1, version: 1 } },
      { returnDocument: 'after' },
    );
    return toRecord(doc);
  }

  async renew(name: string, holder: string, token: number): Promise<LeaseRecord | null> {
    const doc = await this.leases.findOneAndUpdate({ _id: name, holder, token, released: false }, { $set: { renewedAt: new Date() }, $inc: { version: 1 } }, { returnDocument: 'after' });
    return toRecord(doc);
  }

  async release(name: string, holder: string, token: number): Promise<boolean> {
    const result = await this.leases.updateOne({ _id: name, holder, token, released: false }, { $set: { released: true, renewedAt: new Date() }, $inc: { version: 1 } });
    return result.modifiedCount === 1;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.close();
  }
}
