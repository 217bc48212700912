/**
 * Databases and their collections. A database exists while it holds a collection, as in mongod;
 * collections are created implicitly by the first write or index, or explicitly by `create`.
 */
import { Collection } from './collection.js';
import { CommandError } from './errors.js';

export class Catalog {
  private readonly databases = new Map<string, Map<string, Collection>>();

  get(db: string, name: string): Collection | undefined {
    return this.databases.get(db)?.get(name);
  }

  /** The collection, created if missing; `created` tells `createIndexes` what to report. */
  ensure(db: string, name: string): { collection: Collection; created: boolean } {
    const existing = this.get(db, name);
    if (existing) return { collection: existing, created: false };
    return { collection: this.create(db, name, {}), created: true };
  }

  create(db: string, name: string, options: Record<string, unknown>): Collection {
    validateDbName(db);
    validateCollectionName(name);
    if (this.get(db, name)) throw CommandError.of('NamespaceExists', `Collection ${db}.${name} already exists.`);
    let colls = this.databases.get(db);
    if (!colls) this.databases.set(db, (colls = new Map()));
    const collection = new Collection(db, name, options);
    colls.set(name, collection);
    return collection;
  }

  drop(db: string, name: string): Collection | undefined {
    const colls = this.databases.get(db);
    const collection = colls?.get(name);
    if (!colls || !collection) return undefined;
    colls.delete(name);
    if (colls.size === 0) this.databases.delete(db);
    return collection;
  }

  dropDatabase(db: string): void {
    this.databases.delete(db);
  }

  collections(db: string): Collection[] {
    return [...(this.databases.get(db)?.values() ?? [])];
  }

  databaseNames(): string[] {
    return [...this.databases.keys()].sort();
  }
}

/** The characters mongod refuses in a database name (`DatabaseName::validDBName`). */
export function validateDbName(db: string): void {
  if (typeof db !== 'string' || db.length === 0 || db.length >= 64 || /[/\\. "$*<>:|?\0]/.test(db)) {
    throw CommandError.of('InvalidNamespace', `Invalid database name: '${db}'`);
  }
}

export function validateCollectionName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0 || name.includes('\0') || name.startsWith('.') || name.includes('$')) {
    throw CommandError.of('InvalidNamespace', `Invalid collection name: ${String(name)}`);
  }
}
