import { invalid } from '@partner-ledger/domain';

/** The highest `rateLimit` an endpoint may have: deliveries per second. */
export const MAX_RATE_LIMIT = 10_000;

/**
 * An endpoint's `rateLimit` as a client sent it: a positive number of deliveries per second (a
 * fraction below 1 means one per 1/rate seconds; above 1 it is rounded down), at most 10,000, or
 * null for none. Throws a validation `DomainError` naming the field otherwise.
 */
export function parseRateLimit(value: unknown, field = 'rateLimit'): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_RATE_LIMIT) {
    throw invalid(
      'invalid_rate_limit',
      `${field} must be a positive number of deliveries per second (at most ${MAX_RATE_LIMIT}), or null for no limit; got ${JSON.stringify(value) ?? String(value)}`,
      field,
    );
  }
  return value;
}
