/**
 * Aggregation pipelines. `$match`, `$sort`, `$skip`, `$limit` and `$count` (all the driver's
 * `countDocuments` sends) run here on typed documents, so values pass through with their BSON
 * types. Every other stage is mingo's, run on numeric views: its output numbers are written back
 * as `bson` infers them (int32 when integral and in range, else double), which can differ from the
 * type mongod computes (`$avg` of ints is a double there). Stages that need the server itself
 * (writing, change streams, statistics, search) fail as not implemented.
 */
import { Aggregator } from 'mingo';
import { Int32 } from 'bson';
import { isPlainObject, numeric, type Doc } from './bson-values.js';
import { toView } from './bson-view.js';
import { CommandError, notImplemented } from './errors.js';
import { compileFilter, parseSort, sortDocuments } from './query.js';

const SERVER_STAGES = new Set([
  '$out',
  '$merge',
  '$changeStream',
  '$changeStreamSplitLargeEvent',
  '$collStats',
  '$indexStats',
  '$currentOp',
  '$listSessions',
  '$listLocalSessions',
  '$listSampledQueries',
  '$listSearchIndexes',
  '$planCacheStats',
  '$querySettings',
  '$search',
  '$searchMeta',
  '$vectorSearch',
  '$geoNear',
  '$shardedDataDistribution',
]);

/** Other collections of the same database, for `$lookup` / `$unionWith` / `$graphLookup`. */
export type CollectionViews = (name: string) => Doc[];

export function runPipeline(input: Doc[], pipeline: unknown, otherCollection: CollectionViews): Doc[] {
  if (!Array.isArray(pipeline)) throw CommandError.of('TypeMismatch', "BSON field 'aggregate.pipeline' is the wrong type, expected type 'array'");
  let docs = input;
  for (const stage of pipeline) {
    if (!isPlainObject(stage) || Object.keys(stage).length !== 1) {
      throw new CommandError(40323, 'A pipeline stage specification object must contain exactly one field.');
    }
    const [name] = Object.keys(stage);
    const arg = stage[name];
    switch (name) {
      case '$match': {
        const test = compileFilter(arg);
        docs = docs.filter(test);
        break;
      }
      case '$sort': {
        if (!isPlainObject(arg) || Object.keys(arg).length === 0) throw new CommandError(15976, '$sort stage must have at least one sort key');
        docs = sortDocuments(docs, parseSort(arg));
        break;
      }
      case '$skip':
        docs = docs.slice(positive(arg, '$skip', true));
        break;
      case '$limit':
        docs = docs.slice(0, positive(arg, '$limit', false));
        break;
      case '$count': {
        if (typeof arg !== 'string' || arg === '' || arg.startsWith('$') || arg.includes('.')) {
          throw new CommandError(40156, 'the count field must be a non-empty string, must not start with $, and must not contain the . character');
        }
        docs = docs.length === 0 ? [] : [{ [arg]: new Int32(docs.length) }];
        break;
      }
      default: {
        if (SERVER_STAGES.has(name)) throw notImplemented(`aggregation stage ${name}`);
        docs = viaMingo(docs, stage, otherCollection);
      }
    }
  }
  return docs;
}

function positive(arg: unknown, stage: string, zeroAllowed: boolean): number {
  const n = numeric(arg)?.approx;
  if (n === undefined || !Number.isInteger(n) || n < 0 || (!zeroAllowed && n === 0)) {
    throw new CommandError(stage === '$skip' ? 15956 : 15958, `invalid argument to ${stage} stage: ${zeroAllowed ? 'Cannot be negative' : 'the limit must be positive'}`);
  }
  return n;
}

function viaMingo(docs: Doc[], stage: Doc, otherCollection: CollectionViews): Doc[] {
  let aggregator: Aggregator;
  try {
    aggregator = new Aggregator([toView(stage) as Doc], {
      scriptEnabled: false,
      collectionResolver: (name: string) => otherCollection(name).map((d) => toView(d) as Doc),
    });
  } catch (error) {
    throw unrecognised(stage, error);
  }
  try {
    return aggregator.run(docs.map((d) => toView(d) as Doc)) as Doc[];
  } catch (error) {
    throw unrecognised(stage, error);
  }
}

function unrecognised(stage: Doc, error: unknown): CommandError {
  const name = Object.keys(stage)[0];
  const message = (error as Error).message ?? String(error);
  if (/unknown|not (registered|found|supported)/i.test(message) && message.includes(name)) {
    return new CommandError(40324, `Unrecognized pipeline stage name: '${name}'`);
  }
  return CommandError.of('BadValue', `${name}: ${message}`);
}
