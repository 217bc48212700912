/**
 * The one type for every refusal, whoever decides it: the domain's deciders, the application
 * (look-ups, concurrency), the auth guard and the incoming-webhook runner. `code` is stable
 * (clients switch on it); `kind` says which family it belongs to, and the transport maps each kind
 * to a status in one table, without knowing each code.
 */
export type DomainErrorKind = 'validation' | 'unauthenticated' | 'forbidden' | 'not_found' | 'conflict' | 'precondition_failed' | 'unprocessable' | 'rate_limited' | 'unavailable';

/** One entry of a refusal's field list; `path` names where an incoming webhook took the value from. */
export interface RefusalIssue {
  field: string;
  reason: string;
  path?: string;
  code?: string;
}

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    readonly code: string,
    message: string,
    /** Field the refusal is about, when there is one (e.g. `amount`). */
    readonly field?: string,
    /** Field list when it says more than `field` alone (several fields, a path per field). */
    readonly issues?: RefusalIssue[],
  ) {
    super(message);
    this.name = 'DomainError';
  }

  /** The field list a client sees: `issues` when given, else the single field with the message. */
  get fieldErrors(): RefusalIssue[] | undefined {
    if (this.issues) return this.issues;
    return this.field ? [{ field: this.field, reason: this.message }] : undefined;
  }
}

export const invalid = (code: string, message: string, field?: string) => new DomainError('validation', code, message, field);
export const notFound = (code: string, message: string) => new DomainError('not_found', code, message);
export const conflict = (code: string, message: string, field?: string) => new DomainError('conflict', code, message, field);
export const unprocessable = (code: string, message: string, field?: string) => new DomainError('unprocessable', code, message, field);
export const forbidden = (code: string, message: string) => new DomainError('forbidden', code, message);
export const unauthenticated = (code: string, message: string) => new DomainError('unauthenticated', code, message);
export const preconditionFailed = (code: string, message: string) => new DomainError('precondition_failed', code, message);
