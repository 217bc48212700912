/**
 * Transaction-file positions as the server compares them (`TFPos` / `Position`): commit first, then
 * prepare. Every event the double writes is "self-committed" (one prepare record, no commit record),
 * so its commit and prepare positions are equal, as on the real server.
 */
export interface TfPos {
  commit: bigint;
  prepare: bigint;
}

export const UINT64_MAX = (1n << 64n) - 1n;
export const INT64_MAX = (1n << 63n) - 1n;

/** `Position.End` on the wire; the server turns it into (-1, -1) internally. */
export const END: TfPos = { commit: UINT64_MAX, prepare: UINT64_MAX };
/** `TFPos(-1, -1)`: "before everything" for a subscription from the start. */
export const BEFORE_START: TfPos = { commit: -1n, prepare: -1n };

export const at = (position: bigint): TfPos => ({ commit: position, prepare: position });

export function compare(a: TfPos, b: TfPos): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

export const isBefore = (a: TfPos, b: TfPos) => compare(a, b) < 0;
export const isAfter = (a: TfPos, b: TfPos) => compare(a, b) > 0;

/** `Position.FromInt64`: -1 means End (uint64 max) on the wire. */
export function toWire(position: TfPos): { commit: string; prepare: string } {
  return {
    commit: (position.commit === -1n ? UINT64_MAX : position.commit).toString(),
    prepare: (position.prepare === -1n ? UINT64_MAX : position.prepare).toString(),
  };
}

/**
 * The client's `Position` → the server's: the constructor refuses commit < prepare and values above
 * int64 other than End (an unhandled exception on the server, i.e. status UNKNOWN).
 */
export function fromWire(commit: string, prepare: string): TfPos {
  const c = BigInt(commit);
  const p = BigInt(prepare);
  if (c < p) throw new Error('The commit position cannot be less than the prepare position');
  if ((c > INT64_MAX && c !== UINT64_MAX) || (p > INT64_MAX && p !== UINT64_MAX)) {
    throw new Error('position out of range');
  }
  return { commit: c, prepare: p };
}

export const isEnd = (position: TfPos) => position.commit === UINT64_MAX && position.prepare === UINT64_MAX;

/** .NET ticks (100 ns) since the Unix epoch, as the server writes the `created` metadata entry. */
export function ticksSinceEpoch(date: Date): bigint {
  return BigInt(date.getTime()) * 10_000n;
}

/**
 * `new StreamRevision(value).ToInt64()`: uint64 max is `End`, i.e. -1 (which, as an expected
 * version, means "no stream"); other values above int64 are rejected by the constructor.
 */
export function streamRevisionToInt64(text: string): bigint {
  const value = BigInt(text);
  if (value === UINT64_MAX) return -1n;
  if (value > INT64_MAX) throw new Error("Specified argument was out of the range of valid values. (Parameter 'value')");
  return value;
}
