import type { Query } from './read-store.port.js';

export const DEFAULT_NAMESPACE = 'rm1';

/** Field paths end up inside SQL text (so expression indexes can match): only plain names pass. */
export function assertField(field: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(field)) throw new Error(`invalid field path ${field}`);
  return field;
}

/** The query's sort keys with `_id` appended, so every order is total and keyset pages are stable. */
export function sortKeysOf(query: Pick<Query, 'orderBy'>) {
  const keys = query.orderBy.filter((k) => k.field !== '_id');
  const idKey = query.orderBy.find((k) => k.field === '_id') ?? { field: '_id', direction: 'asc' as const };
  return [...keys, idKey];
}

/** Index names end up in DDL text: letters, digits and `_` only. */
export function assertIndexName(name: string): string {
  if (!/^[A-Za-z0-9_]{1,64}$/.test(name)) throw new Error(`invalid index name ${name}`);
  return name;
}
