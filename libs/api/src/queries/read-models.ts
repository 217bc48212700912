import { Inject, Injectable } from '@nestjs/common';
import { DomainError, formatAmount, invalid } from '@partner-ledger/domain';
import type { Scalar, StoredDoc } from '@partner-ledger/read-store';
import { type Bucket, type ReadSide, totalsOf } from '@partner-ledger/projections';
import { READ_SIDE } from '../shared/tokens.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;
/** Longest a query waits for the projections to reach `minPosition`. */
export const MAX_WAIT_MS = 10_000;

export interface Page {
  items: unknown[];
  nextCursor: string | null;
}

/** Cursor = the sort-key values of a page's last document; opaque to clients. */
export const encodeCursor = (values: Scalar[]) => Buffer.from(JSON.stringify(values)).toString('base64url');

export function decodeCursor(cursor: string | undefined): Scalar[] | undefined {
  if (cursor === undefined) return undefined;
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(values) && values.every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v))) return values;
  } catch {
    /* fall through */
  }
  throw invalid('invalid_cursor', 'cursor is not one this API returned', 'cursor');
}

export function parseLimit(limit: string | undefined): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  const n = Number(limit);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) throw invalid('invalid_limit', `limit must be an integer from 1 to ${MAX_LIMIT}`, 'limit');
  return n;
}

export function parsePosition(value: string | undefined, field: string): bigint | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,20}$/.test(value)) throw invalid('invalid_position', `${field} must be a non-negative integer`, field);
  return BigInt(value);
}

export function parseTime(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(time)) throw invalid('invalid_time', `${field} must be an ISO 8601 time`, field);
  return new Date(time).toISOString();
}

/**
 * Queries over the read models of the active namespace, with read-your-writes: a query given
 * `minPosition` (a command response's `position`) waits, bounded, until every projection has
 * applied it.
 */
@Injectable()
export class ReadModels {
  constructor(@Inject(READ_SIDE) readonly readSide: ReadSide) {}

  async consistent(minPosition: string | undefined, waitMs = 5_000): Promise<string> {
    const position = parsePosition(minPosition, 'minPosition');
    if (position !== undefined && !(await this.readSide.waitFor(position, Math.min(waitMs, MAX_WAIT_MS)))) {
      throw new DomainError('unavailable', 'read_model_behind', `the read models have not reached position ${position} yet; retry shortly`);
    }
    return this.readSide.activeNamespace();
  }

  async page(
    namespace: string,
    collection: string,
    query: { where: Record<string, Scalar>; range?: { field: string; gte?: Scalar; lt?: Scalar }; orderBy: { field: string; direction: 'asc' | 'desc' }[] },
    cursor: string | undefined,
    limit: number,
    view: (doc: StoredDoc) => unknown,
  ): Promise<Page> {
    const docs = await this.readSide.store.find(namespace, collection, { ...query, after: decodeCursor(cursor), limit: limit + 1 });
    const items = docs.slice(0, limit);
    const last = items.at(-1);
    const nextCursor = docs.length > limit && last ? encodeCursor([...query.orderBy.filter((k) => k.field !== '_id').map((k) => fieldOf(last, k.field)), last._id]) : null;
    return { items: items.map(view), nextCursor };
  }
}

function fieldOf(doc: StoredDoc, path: string): Scalar {
  return path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], doc) as Scalar;
}

/** Read-model documents → the response shapes of docs/http-api.md. */
export const views = {
  partner: (d: StoredDoc) => ({
    id: d.partnerId,
    key: d.key,
    email: d.email,
    name: d.name,
    status: d.status,
    referringPartnerId: d.referringPartnerId,
    details: d.details,
    referralCount: d.referralCount,
    customerCount: d.customerCount,
    conversionCount: d.conversionCount,
    lastConversionAt: d.lastConversionAt,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  }),
  customer: (d: StoredDoc) => ({
    id: d.customerId,
    key: d.key,
    email: d.email,
    name: d.name,
    partnerId: d.partnerId,
    referringCustomerId: d.referringCustomerId,
    createdAt: d.createdAt,
  }),
  /** A conversion's customer as a list row names it; null when the customers read model has no such customer. */
  customerRef: (d: StoredDoc | undefined) => (d ? { id: d.customerId, key: d.key, email: d.email, name: d.name } : null),
  conversion: (d: StoredDoc) => {
    const currency = d.currency as string;
    const lines = d.commissions as { partnerId: string; level: number; amountMinor: number; reversedMinor: number }[];
    return {
      id: d.conversionId,
      status: d.status,
      transactionKey: d.transactionKey,
      partnerId: d.partnerId,
      customerId: d.customerId,
      amount: formatAmount(d.amountMinor as number, currency),
      refunded: formatAmount(d.refundedMinor as number, currency),
      currency,
      commissions: lines.map((l) => ({
        partnerId: l.partnerId,
        level: l.level,
        amount: formatAmount(l.amountMinor - l.reversedMinor, currency),
        reversed: formatAmount(l.reversedMinor, currency),
      })),
      ...(d.reason ? { reason: d.reason } : {}),
      // Documents projected before flags existed have none (a rebuild of `conversions` adds them).
      flags: d.flags ?? [],
      flagReasons: d.flagReasons ?? [],
      ...(d.approval ? { approval: d.approval } : {}),
      createdAt: d.createdAt,
      updatedAt: d.updatedAt,
    };
  },
  totals: (d: Record<string, unknown>) => {
    const currency = d.currency as string;
    // Either stored form (see the conversions projection); a document written before payouts existed has no `paid`.
    const totals = totalsOf(d);
    const bucket = (b: Bucket) => ({ count: b.count, amount: formatAmount(b.amount, currency) });
    return {
      ...(d.partnerId ? { partnerId: d.partnerId } : {}),
      currency,
      pending: bucket(totals.pending),
      approved: bucket(totals.approved),
      denied: bucket(totals.denied),
      reversed: bucket(totals.reversed),
      paid: bucket(totals.paid),
      // Approved is net of refunds, so a refund after payment shows here as a negative balance.
      balance: formatAmount(totals.approved.amount - totals.paid.amount, currency),
    };
  },
};
