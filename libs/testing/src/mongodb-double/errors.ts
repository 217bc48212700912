/**
 * Server error codes and the error shape the double answers with. Names and numbers are those of
 * mongod's `src/mongo/base/error_codes.yml`; the driver keys its behaviour (retries, `drop()`
 * returning false, duplicate-key handling) on the numbers, applications on `codeName`.
 */

export const ErrorCodes = {
  InternalError: 1,
  BadValue: 2,
  FailedToParse: 9,
  Unauthorized: 13,
  TypeMismatch: 14,
  InvalidLength: 16,
  AuthenticationFailed: 18,
  IllegalOperation: 20,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  PathNotViable: 28,
  ConflictingUpdateOperators: 40,
  CursorNotFound: 43,
  NamespaceExists: 48,
  DollarPrefixedFieldName: 52,
  InvalidIdField: 53,
  NotSingleValueField: 54,
  EmptyFieldName: 56,
  CommandNotFound: 59,
  ImmutableField: 66,
  CannotCreateIndex: 67,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  UnknownReplWriteConcern: 79,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  UnsatisfiableWriteConcern: 100,
  CommandNotSupported: 115,
  QueryPlanKilled: 175,
  CannotIndexParallelArrays: 171,
  ClientMetadataCannotBeMutated: 186,
  InvalidIndexSpecificationOption: 197,
  TransactionTooOld: 225,
  NotImplemented: 238,
  UnsupportedOpQueryCommand: 352,
  DuplicateKey: 11000,
} as const;

export type ErrorCodeName = keyof typeof ErrorCodes;

const NAMES = new Map<number, string>(Object.entries(ErrorCodes).map(([name, code]) => [code, name]));

/** mongod names codes raised from a bare `uassert(<number>, …)` "Location<number>". */
export function codeNameOf(code: number): string {
  return NAMES.get(code) ?? `Location${code}`;
}

/**
 * A failed command or statement. `extra` carries the code-specific fields mongod serializes next
 * to code and errmsg (E11000: keyPattern, keyValue), which the driver copies onto its errors.
 */
export class CommandError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }

  static of(name: ErrorCodeName, message: string, extra?: Record<string, unknown>): CommandError {
    return new CommandError(ErrorCodes[name], message, extra);
  }

  get codeName(): string {
    return codeNameOf(this.code);
  }

  /** Top-level command failure: `{ok: 0, errmsg, code, codeName, …extra}`. */
  toReply(): Record<string, unknown> {
    return { ok: 0, errmsg: this.message, code: this.code, codeName: this.codeName, ...this.extra };
  }

  /** One entry of `writeErrors`: mongod's WriteError::serialize has no codeName. */
  toWriteError(index: number): Record<string, unknown> {
    return { index, code: this.code, errmsg: this.message, ...this.extra };
  }
}

/**
 * A feature a real server has and this double deliberately lacks: failing loudly is the point, so
 * a test never passes against behaviour the double only pretends to have.
 */
export function notImplemented(what: string): CommandError {
  return CommandError.of('NotImplemented', `MongoDB test double: ${what} is not implemented`);
}
