/**
 * The last branch of a switch over a union. Its argument has type `never` only once every member is
 * handled, so a member added to the union breaks the build at each switch that does not handle it
 * (or list it as ignored). Reaching it at runtime is a bug: it throws. A union of one member does
 * not narrow to `never`; switch on its `type` and pass that. Folds over the stored log first narrow
 * a recorded event to the union by its type name, so a type this build does not know never gets here.
 */
export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${describe(value)}`);
}

function describe(value: unknown): string {
  const type = (value as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type : JSON.stringify(value);
}
