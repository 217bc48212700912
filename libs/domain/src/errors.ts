/**
 * A refusal decided by the domain. `code` is stable (clients switch on it); `kind` says which HTTP
 * family it belongs to, so the transport maps it without knowing each code.
 */
export type DomainErrorKind = 'validation' | 'not_found' | 'conflict' | 'unprocessable' | 'forbidden';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    readonly code: string,
    message: string,
    /** Field the refusal is about, when there is one (e.g. `amount`). */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const invalid = (code: string, message: string, field?: string) =>
  new DomainError('validation', code, message, field);
export const notFound = (code: string, message: string) => new DomainError('not_found', code, message);
export const conflict = (code: string, message: string, field?: string) =>
  new DomainError('conflict', code, message, field);
export const unprocessable = (code: string, message: string, field?: string) =>
  new DomainError('unprocessable', code, message, field);
