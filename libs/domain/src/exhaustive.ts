/**
 * The last branch of a switch over a union. Its argument has type `never` only once every member is
 * handled, so a member added to the union breaks the build at each switch that does not handle it
 * (or list it as ignored). Reaching it at runtime is a bug: it throws. A union of one member does
 * not narrow to `never`; switch on its `type` and pass that.
 */
export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${describe(value)}`);
}

/**
 * The same build-time check for a fold over the stored log. A log can hold an event type this build
 * does not know (written by a newer version, or by another tool): a fold skips it rather than stop.
 * Returns `undefined` so a fold can `return skipUnknown(event)`.
 */
export function skipUnknown(_event: never): undefined {
  return undefined;
}

function describe(value: unknown): string {
  const type = (value as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type : JSON.stringify(value);
}
