import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DATABASE_FILE } from '@partner-ledger/config';
import { programStream } from '@partner-ledger/domain';
import { SqliteEventStore } from '@partner-ledger/event-store';
import { createProgram, startTestEngine, type TestEngine, until, webhookReceiver, type WebhookReceiver, buildOnce } from '@partner-ledger/testing';
import { parseToken } from '@partner-ledger/webhooks';

const ROOT = new URL('../../', import.meta.url).pathname;
const CLI = join(ROOT, 'dist/apps/cli/src/main.js');
const ENV = { WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8', WEBHOOK_RETRY_SCHEDULE: '100ms,200ms' };
const ORDER = { customer: { email: 'sam@example.com', name: 'Sam Jones' }, order: { id: 'ORD-1', amount: '149.99' }, referral_code: 'ADA' };

/**
 * Credentials never leave with the history: programs, webhook endpoints (with a rotated secret) and
 * incoming webhooks (with rotated tokens) are created, traffic flows through all of them, and every
 * way out that hands out what happened is searched for each key, key hash, secret and token.
 */
describe('secrets stay out of every way out', () => {
  let engine: TestEngine;
  let sink: WebhookReceiver;
  let tmp: string;
  /** What must appear nowhere, by name. */
  const secrets = new Map<string, string>();
  /** Everything each way out handed out, by name. */
  const outputs = new Map<string, string>();
  let a: { id: string; key: string };
  let b: { id: string; key: string };
  let productionUrl: string;
  let partnerId: string;
  let conversionId: string;

  const call = async (method: string, path: string, body?: unknown, key: string | null = a.key) => {
    const res = await engine.call(method, path, body, key);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res;
  };
  const keep = (name: string, body: unknown) => outputs.set(name, typeof body === 'string' ? body : JSON.stringify(body));
  const cli = async (...args: string[]) => {
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', DATA_DIR: engine.dataDir }, maxBuffer: 64 << 20 });
    return stdout;
  };
  const addKey = (name: string, key: string, programId: string) => {
    secrets.set(`${name} key`, key);
    // plk_<programId>_<random>: the random part may itself hold '_'.
    secrets.set(`${name} key's random part`, key.slice(`plk_${programId}_`.length));
    const digest = createHash('sha256').update(key).digest();
    secrets.set(`${name} key hash (hex)`, digest.toString('hex'));
    secrets.set(`${name} key hash (base64)`, digest.toString('base64'));
  };
  const addToken = (name: string, url: string) => {
    const token = url.slice(url.lastIndexOf('/') + 1);
    secrets.set(`${name} token`, token);
    secrets.set(`${name} token's secret`, parseToken(token)!.secret);
  };

  beforeAll(async () => {
    await buildOnce();
    tmp = mkdtempSync(join(tmpdir(), 'pl-secrets-'));
    sink = await webhookReceiver();
    engine = await startTestEngine({ env: ENV });
    secrets.set('admin key', engine.adminApiKey);
    const created = await Promise.all([createProgram(engine), createProgram(engine)]);
    [a, b] = created.map((p) => ({ id: p.id, key: p.key }));
    addKey('program A', a.key, a.id);
    addKey('program B', b.key, b.id);

    // An endpoint, its secret rotated: the old one keeps signing beside the new one.
    const endpoint = (await call('POST', `/v1/programs/${a.id}/webhook-endpoints`, { url: sink.url('/a'), topics: ['ALL'] })).body;
    secrets.set('endpoint secret', endpoint.secret);
    const rotated = (await call('POST', `/v1/programs/${a.id}/webhook-endpoints/${endpoint.id}/rotate-secret`, {})).body;
    secrets.set('rotated endpoint secret', rotated.secret);
    for (const [n, s] of [endpoint.secret, rotated.secret].entries()) secrets.set(`HMAC key of endpoint secret ${n + 1}`, s.slice('whsec_'.length));

    // An incoming webhook, its tokens rotated; the new URLs carry the traffic.
    const hook = (await call('POST', `/v1/programs/${a.id}/incoming-webhooks`, { name: 'Shop orders' })).body;
    addToken('first test URL', hook.testUrl);
    addToken('first production URL', hook.productionUrl);
    const fresh = (await call('POST', `/v1/programs/${a.id}/incoming-webhooks/${hook.id}/rotate-tokens`, { url: 'both' })).body;
    addToken('test URL', fresh.testUrl);
    addToken('production URL', fresh.productionUrl);
    productionUrl = fresh.productionUrl;

    partnerId = (await call('POST', `/v1/programs/${a.id}/partners`, { email: 'ada@example.com', name: 'Ada', key: 'ADA' })).body.id;
    await call('POST', `/v1/programs/${b.id}/partners`, { email: 'bob@example.com', name: 'Bob', key: 'BOB' }, b.key);
    // Sample, mapping, dry run (the test URL's answer lists the events it would append), live.
    await fetch(fresh.testUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ORDER) });
    const fields = { customerEmail: 'customer.email', customerName: 'customer.name', transactionKey: 'order.id', amount: 'order.amount', partnerKey: 'referral_code' };
    await call('PUT', `/v1/programs/${a.id}/incoming-webhooks/${hook.id}/mapping`, { action: 'create_transaction', fields });
    const dryRun = await fetch(fresh.testUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ORDER) });
    keep('incoming test URL answer (dry run)', await dryRun.text());
    const live = await fetch(productionUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ORDER) });
    expect(live.status).toBe(201);
    conversionId = ((await live.json()) as { transaction: { conversion: { id: string } } }).transaction.conversion.id;
    await call('POST', `/v1/programs/${a.id}/conversions/${conversionId}/approve`);
    await call('POST', `/v1/programs/${a.id}/transactions/ORD-1/refund`, { amount: '49.99' });
    await until('the approval webhook', () => sink.got.some((r) => r.headers['refersion-topic'] === 'APPROVED_CONVERSION'));

    // A replay of the endpoint's history: the webhooks again, as they were.
    const live_ = sink.got.length;
    const job = (await call('POST', `/v1/programs/${a.id}/webhook-endpoints/${endpoint.id}/replay`, {})).body;
    const done = await until('the replay job', async () => {
      const current = (await call('GET', `/v1/programs/${a.id}/replay-jobs/${job.id}`)).body;
      return current.status === 'succeeded' && current;
    });
    await until('every replayed webhook', () => sink.got.length >= live_ + done.progress.messagesQueued);
    keep('replay job', done);
  }, 60_000);

  afterAll(async () => {
    await engine?.stop();
    await sink?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('the log itself still holds the key hashes (authentication reads them): what follows is redaction, not absence', async () => {
    const store = SqliteEventStore.open(join(engine.dataDir, DATABASE_FILE));
    try {
      const [created] = await store.readStream(programStream(a.id));
      expect(created.data.apiKeyHash).toBe(secrets.get('program A key hash (hex)'));
    } finally {
      await store.close();
    }
  });

  it('no way out hands out a key, a key hash, an endpoint secret or a URL token', async () => {
    // The events feed, with each program's key and with the admin key.
    for (const [name, p] of [
      ['A', a],
      ['B', b],
    ] as const) {
      keep(`events feed of ${name} (its key)`, (await call('GET', `/v1/programs/${p.id}/events?limit=10000`, undefined, p.key)).body);
      keep(`events feed of ${name} (admin key)`, (await call('GET', `/v1/programs/${p.id}/events?limit=10000`, undefined, engine.adminApiKey)).body);
    }
    // The analysts' exports of the whole log, and what else the CLI prints from the history.
    keep('events export --format ndjson', await cli('events', 'export', '--format', 'ndjson'));
    keep('events export --format csv', await cli('events', 'export', '--format', 'csv'));
    const plan = join(tmp, 'plan.json');
    writeFileSync(plan, JSON.stringify({ commission: { type: 'PERCENT_OF_SALE', amount: '12' } }));
    keep('simulate --json', await cli('simulate', '--program', a.id, '--plan', plan, '--json'));
    keep('simulate (table)', await cli('simulate', '--program', a.id, '--plan', plan));
    const now = new Date().toISOString();
    keep('partners show --as-of', await cli('partners', 'show', partnerId, '--program', a.id, '--as-of', now));
    // As-of and other reads over HTTP.
    const get = async (path: string) => (await call('GET', `/v1/programs/${a.id}${path}`)).body;
    keep('partner as of now', await get(`/partners/${partnerId}?asOf=${encodeURIComponent(now)}`));
    keep('program', await get(''));
    keep('conversion history', await get(`/conversions/${conversionId}/history`));
    keep('webhook endpoints', await get('/webhook-endpoints'));
    keep('replay jobs', await get('/replay-jobs'));
    const endpoints = (await get('/webhook-endpoints')).items as { id: string }[];
    keep('deliveries', await get(`/webhook-endpoints/${endpoints[0].id}/deliveries`));
    const hooks = (await get('/incoming-webhooks')).items as { id: string }[];
    keep('incoming request log', await get(`/incoming-webhooks/${hooks[0].id}/requests`));
    // Every webhook the receiver got, live and replayed: bodies and headers.
    keep('webhooks received', sink.got);

    // The search is not vacuous: each export and feed has the programs in it, the receiver got both runs.
    expect(outputs.get('events export --format ndjson')).toContain(`"type":"ProgramCreated"`);
    expect(outputs.get('events export --format csv')).toContain(`,ProgramCreated,`);
    expect(outputs.get('events feed of A (its key)')).toContain(`"type":"ProgramCreated"`);
    expect(outputs.get('incoming test URL answer (dry run)')).toContain('TransactionRecorded');
    expect(sink.got.filter((r) => r.headers['refersion-topic'] === 'APPROVED_CONVERSION').length).toBeGreaterThanOrEqual(2);

    const leaks = [...outputs].flatMap(([way, text]) => [...secrets].filter(([, secret]) => text.includes(secret)).map(([what]) => `${what} in ${way}`));
    expect(leaks).toEqual([]);
    // Every secret searched for is long enough that finding it by chance is out of the question.
    for (const [what, secret] of secrets) expect({ what, length: secret.length >= 24 }).toEqual({ what, length: true });
  });

  it('after a restart on the same data the keys and the URL tokens still work, and only the right ones', async () => {
    await engine.stop({ keepData: true });
    engine = await startTestEngine({ dataDir: engine.dataDir, env: ENV });
    expect((await engine.call('GET', `/v1/programs/${a.id}`, undefined, a.key)).status).toBe(200);
    expect((await engine.call('GET', `/v1/programs/${b.id}`, undefined, b.key)).status).toBe(200);
    expect((await engine.call('GET', `/v1/programs/${a.id}`, undefined, b.key)).body.code).toBe('forbidden_program');
    const wrong = a.key.slice(0, -1) + (a.key.endsWith('A') ? 'B' : 'A');
    expect((await engine.call('GET', `/v1/programs/${a.id}`, undefined, wrong)).body.code).toBe('invalid_api_key');
    // The new engine listens on another port: same path, same token.
    const again = await fetch(engine.url + new URL(productionUrl).pathname, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...ORDER, order: { id: 'ORD-2', amount: '10.00' } }),
    });
    expect(again.status).toBe(201);
  });
});
