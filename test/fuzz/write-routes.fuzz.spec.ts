/**
 * Property-based fuzzing of every write route and of the public incoming-webhook URLs (issue 15,
 * point 6): for each generated request, the engine never answers 5xx, every 4xx is problem+json,
 * and a refused request appends nothing to the event log.
 *
 * The routes are every POST, PUT, PATCH and DELETE of the engine's own OpenAPI document
 * (`/docs-json`), so a route added later is fuzzed without editing this file; the incoming route is
 * fuzzed at both its test and its production URL. Each route acts on its own fixtures (fuzz-world.ts).
 * Bodies (body-arbitraries.ts): the route's request schema made valid-ish and then broken (wrong
 * types, huge, negative and exponent numbers, long strings, unicode, NUL, lone surrogates, hostile
 * and extra keys, missing fields), arbitrary JSON (objects of thousands of keys), nesting up to
 * FUZZ_MAX_DEPTH levels at the root or in any field, malformed JSON text and bytes, and wrong or
 * missing content types; a few requests also carry no key, a wrong key, an odd path segment or a
 * made-up header value.
 *
 * "Nothing appended on a refusal" is checked by position and correlation id: every request carries
 * its own `x-correlation-id`, which the engine writes into the metadata of each event it appends.
 * After the run, every event past the log's head position at the start must carry the id of a
 * request answered 2xx; one carrying a refused request's id counts as appended on a refusal, one
 * carrying no request's id as unattributed (nothing else writes meanwhile: the fixtures are made
 * first, and every world's plan is MANUAL, so no engine rule appends on its own). This lets
 * LANES routes be fuzzed at once; within a route, requests run one after another, in order.
 *
 * Every request is run and counted rather than stopping at the first failure (fast-check's shrinking
 * would resend thousands of deep bodies): the counts are printed, then asserted, with the first
 * failures of each kind. Knobs (test only):
 * - FUZZ_SEED: the run's seed (printed); set it to replay a run.
 * - FUZZ_BODIES: requests per run across all routes (default 10,000).
 * - FUZZ_MAX_DEPTH: deepest nesting generated (default 5,000 levels). Lower it only to look past
 *   the nesting limit while it is missing; the default is what CI runs.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { join } from 'node:path';
import fc from 'fast-check';
import { Client } from 'undici';
import { DATABASE_FILE } from '@partner-ledger/config';
import { SqliteEventStore } from '@partner-ledger/event-store';
import { ADMIN_KEY, startTestEngine, type TestEngine, webhookReceiver, type WebhookReceiver } from '@partner-ledger/testing';
import { type FuzzBody, type FuzzValue, fuzzBodies, schemaValue } from './body-arbitraries.js';
import { FuzzWorld, fieldNamesOf, SAMPLE_ORDER } from './fuzz-world.js';
import { type OpenApiDocument, type WriteRoute, writeRoutesOf } from './openapi-write-routes.js';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;
const BODIES = Number(process.env.FUZZ_BODIES ?? 10_000);
const MAX_DEPTH = Number(process.env.FUZZ_MAX_DEPTH ?? 5_000);
const PROBLEM_TYPE = 'https://partner-ledger.dev/problems/';
/** Routes fuzzed at once, each on its own keep-alive connection. */
const LANES = 4;

/** One fuzzed URL: a write route, and for the incoming route which of its two URLs. */
interface Target {
  route: WriteRoute;
  variant?: 'test' | 'production';
  label: string;
}

/** What surrounds the body: the key sent, an odd path segment, a made-up header value. */
interface Envelope {
  auth: 'key' | 'none' | 'wrong';
  oddSegment: string | undefined;
  /** A value for the route's first declared header parameter (If-Match on refunds). */
  header: string | undefined;
}

interface Outcome {
  target: string;
  /** The generator; '-' for an event no request owns. */
  group: FuzzBody['group'] | '-';
  note: string;
  status: number | 'no answer';
  detail: string;
  depth?: number;
}

let engine: TestEngine;
let receiver: WebhookReceiver;
let log: SqliteEventStore;

beforeAll(async () => {
  receiver = await webhookReceiver();
  // Loopback endpoints allowed (the receiver above); the public URLs' rate limit out of the way.
  engine = await startTestEngine({ env: { WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8', INCOMING_WEBHOOK_RATE_LIMIT: '1000000' } });
  log = SqliteEventStore.open(join(engine.dataDir, DATABASE_FILE));
});
afterAll(async () => {
  await log?.close();
  await engine?.stop();
  await receiver?.close();
});

async function head(): Promise<bigint> {
  return (await log.readAll({ direction: 'backwards', maxCount: 1 }))[0]?.position ?? -1n;
}

/** RFC 9457 as the engine answers it: the media type, and type/title/status/detail/code consistent. */
function problemFault(status: number, contentType: string | undefined, text: string): string | undefined {
  const media = (contentType ?? '').split(';')[0]!.trim();
  if (media !== 'application/problem+json') return `content-type ${JSON.stringify(contentType ?? null)}: ${text.slice(0, 120)}`;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text);
  } catch {
    return `body is not JSON: ${text.slice(0, 120)}`;
  }
  const code = body.code;
  if (typeof code !== 'string' || !code) return `no code: ${text.slice(0, 120)}`;
  if (body.type !== PROBLEM_TYPE + code || body.status !== status || typeof body.title !== 'string' || typeof body.detail !== 'string') {
    return `not a problem of its status: ${text.slice(0, 160)}`;
  }
  return undefined;
}

const envelope: fc.Arbitrary<Envelope> = fc.record({
  auth: fc.oneof({ arbitrary: fc.constant('key' as const), weight: 30 }, { arbitrary: fc.constantFrom('none' as const, 'wrong' as const), weight: 1 }),
  oddSegment: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 30 },
    { arbitrary: fc.constantFrom('%00', '..', '%2e%2e', '%F0%9F%98%80', 'x'.repeat(3000), '%ZZ', 'iwp_' + '0'.repeat(40), '%20', '0', '-1', 'null'), weight: 1 },
  ),
  header: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 6 },
    { arbitrary: fc.constantFrom('"3"', 'W/"1"', '*', '"-1"', '"99999999999999999999"', 'abc', '""', '"1", "2"', 'x'.repeat(2000)), weight: 1 },
  ),
});

/** A valid-ish body for this target: its schema, or the sample order for the incoming URLs. */
async function validBody(target: Target, world: FuzzWorld): Promise<fc.Arbitrary<FuzzValue>> {
  if (target.variant) {
    const partnerKey = (await world.partner()).key as string;
    return fc.record({
      event: fc.constant(SAMPLE_ORDER.event),
      customer: fc.record({ email: fc.nat().map((n) => `fz${n}.${Date.now()}@example.com`), name: fc.constantFrom('Jane Smith', 'J') }),
      order: fc.record({
        id: fc.nat().map((n) => `ORD-${Date.now()}-${n}`),
        amount: fc.oneof(
          fc.integer({ min: 1, max: 1_000_000 }).map((n) => n / 100),
          fc.constantFrom('149.99', '10'),
        ),
        product: fc.constant('pro_plan'),
      }),
      referral_code: fc.constant(partnerKey),
    });
  }
  return schemaValue(target.route.schema, await world.hints(fieldNamesOf(target.route.schema)));
}

/** The URL path of one request: the template's parameters from the target's world, or one odd segment. */
async function pathOf(target: Target, world: FuzzWorld, odd: string | undefined, unresolved: Set<string>): Promise<string> {
  const segments = target.route.path.split('/');
  const paramAt = segments.map((s, i) => (/^\{.+\}$/.test(s) ? i : -1)).filter((i) => i >= 0);
  const oddAt = odd !== undefined && paramAt.length ? paramAt[odd.length % paramAt.length] : -1;
  const out: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    if (!paramAt.includes(i)) out.push(s);
    else if (i === oddAt) out.push(odd!);
    else {
      const value = await world.pathValue(segments[i - 1]!, target.variant);
      if (value === undefined) unresolved.add(`${target.label}: ${s}`);
      out.push(encodeURIComponent(value ?? 'fuzz-unknown'));
    }
  }
  return out.join('/');
}

/** One prepared request of a target, with its correlation id. */
interface Prepared {
  id: string;
  body: FuzzBody;
  env: Envelope;
  note: string;
  path: string;
  headers: Record<string, string>;
}

it(`fuzzes every write route and the public incoming URLs (${BODIES} requests): never a 5xx, every 4xx problem+json, nothing appended on a refusal`, async () => {
  const started = Date.now();
  const doc = (await (await fetch(`${engine.url}/docs-json`)).json()) as OpenApiDocument;
  const routes = writeRoutesOf(doc);
  const targets: Target[] = routes.flatMap((route) =>
    route.authenticated
      ? [{ route, label: `${route.method} ${route.path}` }]
      : (['test', 'production'] as const).map((variant) => ({ route, variant, label: `${route.method} ${route.path} (${variant} URL)` })),
  );
  expect(targets.length).toBeGreaterThan(20);
  const perTarget = Math.ceil(BODIES / targets.length);
  const unresolved = new Set<string>();

  // Every fixture first, so that all the log holds past `start` is the fuzzed requests' doing.
  const plans: { target: Target; requests: Prepared[] }[] = [];
  for (const [index, target] of targets.entries()) {
    const world = new FuzzWorld(engine, receiver.url(`/fuzz/${index}`));
    const key = target.route.path.includes('{pid}') ? (await world.program()).key : ADMIN_KEY;
    const headerParams = target.route.parameters.filter((p) => p.in === 'header').map((p) => p.name);
    const arb = fc.tuple(fuzzBodies(await validBody(target, world), MAX_DEPTH), envelope);
    // One seed per target, derived from the run's: a new route does not change the others' requests.
    const cases = fc.sample(arb, { seed: (SEED + index * 7919) | 0, numRuns: perTarget });
    const requests: Prepared[] = [];
    for (const [n, [body, env]] of cases.entries()) {
      const id = `fz-${index}-${n}`;
      const headers: Record<string, string> = { 'x-correlation-id': id };
      if (body.contentType !== undefined) headers['content-type'] = body.contentType;
      if (target.route.authenticated && env.auth !== 'none') headers.authorization = `Bearer ${env.auth === 'key' ? key : 'prg_nope.wrong'}`;
      if (env.header !== undefined && headerParams.length) headers[headerParams[0]!] = env.header;
      const note = [
        body.note,
        env.auth !== 'key' ? `auth ${env.auth}` : '',
        env.oddSegment !== undefined ? `odd segment ${env.oddSegment.slice(0, 20)}` : '',
        env.header !== undefined && headerParams.length ? `${headerParams[0]}: ${env.header.slice(0, 20)}` : '',
      ]
        .filter(Boolean)
        .join(', ');
      requests.push({ id, body, env, note, path: await pathOf(target, world, env.oddSegment, unresolved), headers });
    }
    plans.push({ target, requests });
  }
  const setupSeconds = ((Date.now() - started) / 1000).toFixed(1);
  const start = await head();

  const counts = { requests: 0, '2xx': 0, '4xx': 0, '5xx': 0, other: 0, noAnswer: 0, nonProblem: 0, refusals: 0, appendedOnRefusal: 0, unattributed: 0 };
  const byGroup: Record<string, number> = {};
  const failures: Outcome[] = [];
  const problemCodes = new Map<string, number>();
  /** Correlation id → the request, for the events' attribution. */
  const sent = new Map<string, { target: string; prepared: Prepared; status: number | 'no answer' }>();

  async function run(target: Target, prepared: Prepared, client: Client) {
    const { body, note } = prepared;
    counts.requests++;
    byGroup[body.group] = (byGroup[body.group] ?? 0) + 1;
    let status: number | 'no answer';
    let text = '';
    let contentType: string | undefined;
    try {
      const res = await client.request({
        path: prepared.path,
        method: target.route.method,
        headers: prepared.headers,
        body: body.body === undefined ? undefined : typeof body.body === 'string' ? body.body : Buffer.from(body.body),
      });
      status = res.statusCode;
      text = await res.body.text();
      const ct = res.headers['content-type'];
      contentType = Array.isArray(ct) ? ct.join(', ') : ct;
    } catch (error) {
      status = 'no answer';
      text = (error as Error).message;
    }
    sent.set(prepared.id, { target: target.label, prepared, status });
    const fail = (detail: string) => failures.push({ target: target.label, group: body.group, note, status, detail, depth: body.depth });
    if (status === 'no answer') {
      counts.noAnswer++;
      return fail(text);
    }
    if (status >= 200 && status < 300) counts['2xx']++;
    else if (status >= 400 && status < 500) counts['4xx']++;
    else if (status >= 500) counts['5xx']++;
    else counts.other++;
    if (status < 200 || (status >= 300 && status < 400) || status >= 500) fail(`${status}: ${text.slice(0, 160)}`);
    if (status < 400) return;
    counts.refusals++;
    const fault = problemFault(status, contentType, text);
    if (fault) {
      counts.nonProblem++;
      if (status < 500) fail(`${status} not problem+json: ${fault}`);
      return;
    }
    const code = `${status} ${JSON.parse(text).code}`;
    problemCodes.set(code, (problemCodes.get(code) ?? 0) + 1);
  }

  // LANES connections, each taking the next target and running its requests in order.
  let next = 0;
  await Promise.all(
    Array.from({ length: LANES }, async () => {
      const client = new Client(engine.url, { keepAliveTimeout: 60_000, headersTimeout: 20_000, bodyTimeout: 20_000 });
      try {
        for (let i = next++; i < plans.length; i = next++) for (const prepared of plans[i]!.requests) await run(plans[i]!.target, prepared, client);
      } finally {
        await client.close();
      }
    }),
  );

  // Every event past `start` belongs to a request answered 2xx.
  const appended = await log.readAll({ fromPosition: start + 1n });
  const refusedWithEvents = new Map<string, string[]>();
  for (const event of appended) {
    const request = sent.get(String(event.metadata.correlationId));
    if (request && typeof request.status === 'number' && request.status < 300) continue;
    const id = request ? request.prepared.id : `(correlation ${String(event.metadata.correlationId)})`;
    refusedWithEvents.set(id, [...(refusedWithEvents.get(id) ?? []), event.type]);
  }
  for (const [id, types] of refusedWithEvents) {
    const request = sent.get(id);
    if (request) {
      counts.appendedOnRefusal++;
      failures.push({ target: request.target, group: request.prepared.body.group, note: request.prepared.note, status: request.status, detail: `refused, yet appended ${types.join(', ')}` });
    } else {
      counts.unattributed++;
      failures.push({ target: '(no request)', group: '-', note: id, status: 'no answer', detail: `appended ${types.join(', ')}` });
    }
  }

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const lines = [
    `fuzz: seed ${SEED} (FUZZ_SEED=${SEED} replays), max depth ${MAX_DEPTH}, ${targets.length} targets from /docs-json, ${perTarget} requests each, ${LANES} at once; fixtures ${setupSeconds} s, total ${seconds} s`,
    `fuzz: requests ${counts.requests} (${Object.entries(byGroup)
      .map(([g, n]) => `${g} ${n}`)
      .join(', ')})`,
    `fuzz: 2xx ${counts['2xx']}, 4xx ${counts['4xx']}, 5xx ${counts['5xx']}, other ${counts.other}, no answer ${counts.noAnswer}`,
    `fuzz: refusals ${counts.refusals}, not problem+json ${counts.nonProblem}, appended on a refusal ${counts.appendedOnRefusal}, events of no request ${counts.unattributed} (${appended.length} events appended in all)`,
    `fuzz: problem codes ${[...problemCodes.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([c, n]) => `${c} ×${n}`)
      .join(', ')}`,
  ];
  if (unresolved.size) lines.push(`fuzz: path parameters without a fixture (sent as fuzz-unknown; add them to fuzz-world.ts): ${[...unresolved].join('; ')}`);
  if (failures.length) {
    const byKind = new Map<string, Outcome[]>();
    for (const f of failures) {
      const kind = `${f.target} ${f.status}`;
      byKind.set(kind, [...(byKind.get(kind) ?? []), f]);
    }
    const failuresByGroup = new Map<string, number>();
    for (const f of failures) failuresByGroup.set(f.group, (failuresByGroup.get(f.group) ?? 0) + 1);
    const depths = failures.flatMap((f) => (f.depth === undefined ? [] : [f.depth]));
    lines.push(
      `fuzz: ${failures.length} failures, by generator: ${[...failuresByGroup].map(([g, n]) => `${g} ${n}`).join(', ')}${depths.length ? `; the shallowest failing nesting ${Math.min(...depths)} levels` : ''}`,
    );
    lines.push(`fuzz: by route and status (first 3 of each):`);
    for (const [kind, list] of byKind) {
      lines.push(`  ${kind} ×${list.length}`);
      for (const f of list.slice(0, 3)) lines.push(`    [${f.group}] ${f.note} → ${f.detail}`);
    }
  }
  process.stdout.write(`\n${lines.join('\n')}\n`);

  expect(counts.requests).toBeGreaterThanOrEqual(BODIES);
  expect(counts).toMatchObject({ '5xx': 0, other: 0, noAnswer: 0, nonProblem: 0, appendedOnRefusal: 0, unattributed: 0 });
  // The fuzz reaches past validation: some requests succeed (and their events carry their ids, so the
  // attribution above has something to find), and the refusals have many causes.
  expect(counts['2xx']).toBeGreaterThan(targets.length);
  expect(appended.length).toBeGreaterThan(targets.length);
  expect(problemCodes.size).toBeGreaterThan(20);
}, 120_000);
