/** The database when a MONGO_URL names none. */
export const DEFAULT_DB_NAME = 'partner_ledger';

/** Database name from a connection string's path (`mongodb://h:27017/name?…`), else `partner_ledger`. */
export function dbNameFromUrl(url: string): string {
  const rest = url.replace(/^mongodb(\+srv)?:\/\//, '');
  const slash = rest.indexOf('/');
  if (slash < 0) return DEFAULT_DB_NAME;
  const path = rest.slice(slash + 1).split('?')[0];
  return path ? decodeURIComponent(path) : DEFAULT_DB_NAME;
}
