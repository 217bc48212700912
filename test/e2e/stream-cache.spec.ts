import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ADMIN_KEY, AppProcess, createProgram, startTestEngine, type TestEngine, buildOnce } from '@partner-ledger/testing';

/**
 * The engine keeps the state of hot streams (program, partners, customers, reservations) in its
 * stream cache (libs/api/src/shared/stream-cache.ts). Here another OS process, `apps/api` on the
 * same SQLite file, changes those streams between the engine's commands: every sale the engine
 * decides afterwards must see the change, although the engine had just read (and cached) the
 * state from before it.
 */
describe('the stream cache with another process writing the same file', () => {
  let engine: TestEngine;
  let other: AppProcess;
  let pid: string;
  let key: string;
  const viaEngine = (method: string, path: string, body?: unknown) => engine.call(method, `/v1/programs/${pid}${path}`, body, key);
  const viaOther = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${other.url}/v1/programs/${pid}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const eventsOf = (stream: string) => engine.streamEvents(stream);
  const sale = (customerKey: string, txKey: string) => viaEngine('POST', '/transactions', { customerKey, amount: '100.00', key: txKey });

  beforeAll(async () => {
    await buildOnce();
    engine = await startTestEngine();
    ({ id: pid, key } = await createProgram(engine));
    other = await AppProcess.start('api', 'api (the other process)', { DATA_DIR: engine.dataDir, ADMIN_API_KEY: ADMIN_KEY });
  }, 150_000);
  afterAll(async () => {
    other?.child.kill('SIGTERM');
    await other?.exited;
    await engine?.stop();
  });

  it('a partner disabled by the other process earns nothing on the engine’s next sale', async () => {
    const partner = await viaEngine('POST', '/partners', { email: 'ada@example.com', name: 'Ada', key: 'ADA' });
    expect(partner.status).toBe(201);
    expect((await viaEngine('POST', '/customers', { email: 'c1@example.com', name: 'C1', key: 'c1', partner: { key: 'ADA' } })).status).toBe(201);
    // The engine reads (and caches) the partner ACTIVE, the customer and its reservations.
    const first = await sale('c1', 'before');
    expect(first.status).toBe(201);
    expect(first.body.conversion).toMatchObject({ status: 'PENDING', partnerId: partner.body.id });

    expect((await viaOther('POST', `/partners/${partner.body.id}/status`, { status: 'DISABLED', reason: 'fraud' })).status).toBe(200);

    const after = await sale('c1', 'after');
    expect(after.status).toBe(201);
    expect(after.body.conversion ?? null).toBeNull();
    const events = await eventsOf(`transaction-${pid}.after`);
    expect(events.map((e) => e.type)).toEqual(['TransactionRecorded']);
    expect(events[0].data).toMatchObject({ unattributedReason: 'partner_not_active' });
  });

  it('a customer the engine found missing, then created by the other process, can buy on the engine', async () => {
    // The engine reads the customer-key reservation as empty (and caches that).
    const missing = await sale('ghost', 'ghost-1');
    expect(missing.status).toBe(422);
    expect(missing.body.code).toBe('customer_not_found');

    expect((await viaOther('POST', '/customers', { email: 'ghost@example.com', name: 'Ghost', key: 'ghost' })).status).toBe(201);

    const found = await sale('ghost', 'ghost-2');
    expect(found.status).toBe(201);
    expect(found.body.customerId).toMatch(/^cus_/);
  });

  it('a buyer who became a partner in the other process is flagged on the engine’s next sale, and its email is taken there', async () => {
    expect((await viaEngine('POST', '/partners', { email: 'carol@example.com', name: 'Carol', key: 'CAROL' })).status).toBe(201);
    expect((await viaEngine('POST', '/customers', { email: 'c3@example.com', name: 'C3', key: 'c3', partner: { key: 'CAROL' } })).status).toBe(201);
    // The engine reads the buyer's partner-email reservation as empty (the buyer is no partner).
    const first = await sale('c3', 'c3-before');
    expect(first.body.conversion).toMatchObject({ flags: [] });

    const downline = await viaOther('POST', '/partners', { email: 'c3@example.com', name: 'C3 as partner', key: 'C3P', referringPartnerKey: 'CAROL' });
    expect(downline.status).toBe(201);

    const after = await sale('c3', 'c3-after');
    expect(after.status).toBe(201);
    expect(after.body.conversion).toMatchObject({ flags: ['SELF_REFERRAL'], flagReasons: [{ reason: 'customer_is_downline', partnerId: downline.body.id }] });
    const again = await viaEngine('POST', '/partners', { email: 'c3@example.com', name: 'Mine', key: 'MINE' });
    expect({ status: again.status, code: again.body.code }).toEqual({ status: 409, code: 'partner_email_taken' });
  });

  it('a plan changed by the other process prices the engine’s next sale', async () => {
    const partner = await viaEngine('POST', '/partners', { email: 'bob@example.com', name: 'Bob', key: 'BOB' });
    expect(partner.status).toBe(201);
    expect((await viaEngine('POST', '/customers', { email: 'c2@example.com', name: 'C2', key: 'c2', partner: { key: 'BOB' } })).status).toBe(201);
    const before = await sale('c2', 'plan-before');
    expect(before.body.conversion.commissions).toEqual([expect.objectContaining({ amount: '10.00' })]);

    expect((await viaOther('PUT', '/commission-plan', { commission: { type: 'FLAT_RATE', amount: '4' } })).status).toBe(200);

    const after = await sale('c2', 'plan-after');
    expect(after.status).toBe(201);
    expect(after.body.conversion.commissions).toEqual([expect.objectContaining({ amount: '4.00' })]);
  });
});
