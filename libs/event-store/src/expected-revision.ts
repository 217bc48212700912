/**
 * Optimistic concurrency for appends, in one place: what a caller may expect of a stream, the rule
 * that says whether the stream's current revision satisfies it, and the error raised when it does
 * not. Every adapter (SQLite, EventStoreDB, dry run) checks through `assertExpectedRevision` or, when
 * the server checks for it, maps the server's refusal to `WrongExpectedRevisionError`.
 */

/** `bigint` n = the stream's last revision must be exactly n (revisions start at 0). */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

/** The stream's last revision, or 'no_stream' when it has no event. */
export type ActualRevision = bigint | 'no_stream';

/** Thrown by appendToStream when the expected revision does not hold. */
export class WrongExpectedRevisionError extends Error {
  readonly code = 'wrong_expected_revision';
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    readonly actual: ActualRevision,
  ) {
    super(`wrong expected revision on ${streamName}: expected ${String(expected)}, actual ${String(actual)}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

/** True when a stream whose last revision is `actual` satisfies `expected`. */
export function satisfiesExpectedRevision(expected: ExpectedRevision, actual: ActualRevision): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return actual === 'no_stream';
    case 'stream_exists':
      return actual !== 'no_stream';
    default:
      return actual === expected;
  }
}

/** Throws `WrongExpectedRevisionError` unless `actual` (undefined = no stream) satisfies `expected`. */
export function assertExpectedRevision(streamName: string, expected: ExpectedRevision, actual: ActualRevision | undefined): void {
  const current = actual ?? 'no_stream';
  if (!satisfiesExpectedRevision(expected, current)) throw new WrongExpectedRevisionError(streamName, expected, current);
}
