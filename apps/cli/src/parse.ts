import { InvalidArgumentError } from 'commander';

/** Commander argument parsers: each throws InvalidArgumentError, which commander reports (exit 2). */

export function position(value: string): bigint {
  if (!/^\d{1,20}$/.test(value)) throw new InvalidArgumentError('must be a non-negative integer (a global position)');
  return BigInt(value);
}

export function isoTime(value: string): Date {
  const time = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(time)) {
    throw new InvalidArgumentError('must be an ISO 8601 time, e.g. 2026-03-01T12:00:00Z');
  }
  return new Date(time);
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

export function nonEmpty(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('must not be empty');
  return value;
}

/** For repeatable options: `--type A --type B` → ['A', 'B']. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, nonEmpty(value)];
}
