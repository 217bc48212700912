/**
 * One collection in memory: its documents in natural (insertion) order keyed by `_id`, and its
 * indexes. Every write goes through here so unique indexes hold for all of them; a write that would
 * break one changes nothing and raises mongod's E11000.
 */
import { UUID } from 'bson';
import { canonicalKey } from './bson-keys.js';
import { bsonTypeName, isPlainObject, type Doc } from './bson-values.js';
import { CommandError } from './errors.js';
import { duplicateKeyError, ID_INDEX, IndexKeyGenerator, isIdIndex, type IndexKey, type IndexSpec } from './indexes.js';

interface SecondaryIndex {
  spec: IndexSpec;
  generator: IndexKeyGenerator;
  /** Unique indexes only: key text → `_id` key of the document holding it. */
  owners: Map<string, string> | null;
}

export class Collection {
  readonly uuid = new UUID();
  /** Canonical `_id` → document. A Map keeps insertion order, which is the natural order. */
  private readonly docs = new Map<string, Doc>();
  private readonly secondary: SecondaryIndex[] = [];

  constructor(
    readonly db: string,
    readonly name: string,
    readonly options: Doc = {},
  ) {}

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  get size(): number {
    return this.docs.size;
  }

  /** Documents in natural order. A snapshot: later writes do not change it. */
  all(): Doc[] {
    return [...this.docs.values()];
  }

  byId(id: unknown): Doc | undefined {
    return this.docs.get(canonicalKey(id));
  }

  indexSpecs(): IndexSpec[] {
    return [ID_INDEX, ...this.secondary.map((i) => i.spec)];
  }

  insert(doc: Doc): void {
    validateId(doc._id);
    const id = canonicalKey(doc._id);
    const existing = this.docs.get(id);
    if (existing) throw duplicateKeyError(this.ns, ID_INDEX, { _id: doc._id });
    const keys = this.checkUnique(doc, id);
    this.docs.set(id, doc);
    this.own(keys, id);
  }

  /** Replaces a stored document by a new version with the same `_id`, keeping its natural position. */
  replace(previous: Doc, next: Doc): void {
    const id = canonicalKey(previous._id);
    if (canonicalKey(next._id) !== id) throw new Error('replace must keep _id'); // callers check ImmutableField first
    const keys = this.checkUnique(next, id);
    this.disown(previous, id);
    this.docs.set(id, next);
    this.own(keys, id);
  }

  remove(doc: Doc): void {
    const id = canonicalKey(doc._id);
    this.disown(doc, id);
    this.docs.delete(id);
  }

  /** Adds an index, refusing it (and leaving nothing behind) when existing documents break it. */
  addIndex(spec: IndexSpec): void {
    if (isIdIndex(spec)) return;
    const index: SecondaryIndex = { spec, generator: new IndexKeyGenerator(spec), owners: spec.unique ? new Map() : null };
    for (const [id, doc] of this.docs) {
      for (const key of index.generator.keysOf(doc)) {
        if (!index.owners) continue;
        const owner = index.owners.get(key.text);
        if (owner !== undefined && owner !== id) throw duplicateKeyError(this.ns, spec, key.values);
        index.owners.set(key.text, id);
      }
    }
    this.secondary.push(index);
  }

  dropIndex(name: string): void {
    const i = this.secondary.findIndex((x) => x.spec.name === name);
    if (i >= 0) this.secondary.splice(i, 1);
  }

  private checkUnique(doc: Doc, id: string): Map<SecondaryIndex, IndexKey[]> {
    const keys = new Map<SecondaryIndex, IndexKey[]>();
    for (const index of this.secondary) {
      const ks = index.generator.keysOf(doc); // also raises "parallel arrays" for non-unique indexes
      if (!index.owners) continue;
      for (const key of ks) {
        const owner = index.owners.get(key.text);
        if (owner !== undefined && owner !== id) throw duplicateKeyError(this.ns, index.spec, key.values);
      }
      keys.set(index, ks);
    }
    return keys;
  }

  private own(keys: Map<SecondaryIndex, IndexKey[]>, id: string): void {
    for (const [index, ks] of keys) for (const key of ks) index.owners!.set(key.text, id);
  }

  private disown(doc: Doc, id: string): void {
    for (const index of this.secondary) {
      if (!index.owners) continue;
      for (const key of index.generator.keysOf(doc)) if (index.owners.get(key.text) === id) index.owners.delete(key.text);
    }
  }
}

/** mongod refuses these `_id` types before touching any index (code 53). */
export function validateId(id: unknown): void {
  const type = bsonTypeName(id);
  if (type === 'array' || type === 'regex' || type === 'undefined') {
    throw CommandError.of('InvalidIdField', `The '_id' value cannot be of type ${type}`);
  }
  if (isPlainObject(id))
    for (const k of Object.keys(id))
      if (k.startsWith('$')) {
        throw CommandError.of('DollarPrefixedFieldName', `_id fields may not contain '$'-prefixed fields: ${k} is not valid for storage.`);
      }
}
