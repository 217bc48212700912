import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { expectProblem, expectRefused, expectStatus, MovableClock, newProgram, type ProgramClient, type Res, startTestEngine, type TestEngine } from '@partner-ledger/testing';

/** POST /v1/programs/:pid/partners/:id/portal-links, GET /v1/portal/partner and the page at /portal/partner */
describe('partner portal links over HTTP', () => {
  const clock = new MovableClock(new Date(), { running: true });
  let engine: TestEngine;
  let program: ProgramClient;
  let ada: any;
  let bob: any;
  let adaSale: any;
  let bobSale: any;
  let adaCustomer: any;
  let payout: any;

  beforeAll(async () => {
    engine = await startTestEngine({ clock });
    program = await newProgram(engine, { name: 'Acme partners' });
    ({ partner: ada, tx: adaSale, customer: adaCustomer } = await program.sale('149.99'));
    ({ partner: bob, tx: bobSale } = await program.sale('80.00'));
    await program.approve(adaSale.conversion.id);
    await program.approve(bobSale.conversion.id);
    const created = await program.post('/payouts', {});
    expectStatus(created, 201);
    payout = created.body;
  });
  afterAll(async () => engine.stop());

  // Through `engine`, not `program.post`: a test below restarts the engine.
  const mint = (partnerId: string, body: unknown = {}, key: string | null = program.key) => engine.call('POST', program.path(`/partners/${partnerId}/portal-links`), body, key);
  const portal = (token: string | null): Promise<Res> => engine.call('GET', '/v1/portal/partner', undefined, token);
  const tokenOf = (res: Res) => res.body.token as string;

  it("mints a link (program key, 7 days by default) whose page and token show that partner's totals, conversion, payout item and referral key, and nothing of another partner", async () => {
    const res = await mint(ada.id);
    expectStatus(res, 201);
    expect(res.body).toEqual({ url: `${engine.url}/portal/partner#${res.body.token}`, token: expect.stringMatching(/^plp1\.[\w-]+\.[\w-]{43}$/), expiresAt: expect.any(String) });
    const lasts = Date.parse(res.body.expiresAt) - clock.now().getTime();
    expect(lasts).toBeGreaterThan(7 * 86400_000 - 5000);
    expect(lasts).toBeLessThanOrEqual(7 * 86400_000);

    const view = await portal(tokenOf(res));
    expectStatus(view, 200);
    expect(view.body).toEqual({
      program: { id: program.id, name: 'Acme partners' },
      partner: { id: ada.id, name: ada.name, key: ada.key, status: 'ACTIVE' },
      totals: [expect.objectContaining({ currency: 'USD', approved: { count: 1, amount: '15.00' }, pending: { count: 0, amount: '0.00' }, balance: '15.00' })],
      conversions: [{ id: adaSale.conversion.id, transactionKey: adaSale.key, status: 'APPROVED', amount: '149.99', commission: '15.00', currency: 'USD', createdAt: expect.any(String) }],
      payouts: [{ id: payout.id, status: 'DRAFT', amount: '15.00', currency: 'USD', createdAt: expect.any(String), paidAt: null }],
      expiresAt: res.body.expiresAt,
    });
    // Nothing of Bob, nor the batch's total (the amount "23.00", quoted: a time such as 11:22:23.000Z
    // holds the bare digits), nor the customer, reaches Ada's portal.
    const text = JSON.stringify(view.body);
    for (const foreign of [bob.id, bob.key, bob.email, bobSale.key, bobSale.conversion.id, '"23.00"', adaCustomer.id, adaCustomer.email, 'email']) expect(text).not.toContain(foreign);

    const page = await fetch(res.body.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('/console/assets/portal.js');
  });

  it('the admin key mints too; another program’s key, no key, an unknown partner and a bad expiresInSeconds are refused, appending nothing', async () => {
    const adminMinted = await engine.call('POST', program.path(`/partners/${bob.id}/portal-links`), { expiresInSeconds: 3600 });
    expectStatus(adminMinted, 201);
    expect((await portal(tokenOf(adminMinted))).body.partner.id).toBe(bob.id);

    const other = await newProgram(engine);
    await expectRefused(engine, () => mint(ada.id, {}, other.key), 403, 'forbidden_program');
    await expectRefused(engine, () => mint(ada.id, {}, null), 401, 'missing_api_key');
    await expectRefused(engine, () => mint('ptn_nobody', {}), 404, 'partner_not_found');
    await expectRefused(engine, () => mint(ada.id, { expiresInSeconds: 59 }), 400, 'validation_failed', 'expiresInSeconds');
    await expectRefused(engine, () => mint(ada.id, { expiresInSeconds: 90 * 86400 + 1 }), 400, 'validation_failed', 'expiresInSeconds');
    await expectRefused(engine, () => mint(ada.id, { expiresInSeconds: '3600' }), 400, 'validation_failed', 'expiresInSeconds');
  });

  it('a tampered token gets 401 problem+json: another partner’s id under the same signature, an altered signature, a truncated token, none', async () => {
    const token = tokenOf(await mint(ada.id));
    const [prefix, body, signature] = token.split('.');
    const grant = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    const swapped = Buffer.from(JSON.stringify({ ...grant, a: bob.id })).toString('base64url');
    const longer = Buffer.from(JSON.stringify({ ...grant, e: grant.e + 86400 * 365 })).toString('base64url');
    const flipped = signature.slice(0, -1) + (signature.endsWith('A') ? 'B' : 'A');
    for (const bad of [
      `${prefix}.${swapped}.${signature}`,
      `${prefix}.${longer}.${signature}`,
      `${prefix}.${body}.${flipped}`,
      `${prefix}.${body}`,
      `${token}.x`,
      'plk_not_a_portal_token',
    ]) {
      expectProblem(await portal(bad), 401, 'invalid_portal_token');
    }
    expectProblem(await portal(null), 401, 'missing_portal_token');
    // A program key is not a portal token.
    expectProblem(await portal(program.key), 401, 'invalid_portal_token');
  });

  it('a link stops working when it expires (the clock moved past it), and once the partner is disabled', async () => {
    const short = await mint(ada.id, { expiresInSeconds: 60 });
    expectStatus(short, 201);
    expectStatus(await portal(tokenOf(short)), 200);
    clock.advance(61_000);
    const expired = await portal(tokenOf(short));
    expectProblem(expired, 401, 'portal_link_expired');
    expect(expired.body.detail).toContain(short.body.expiresAt);

    const bobs = tokenOf(await mint(bob.id));
    await program.status(bob.id, 'DISABLED');
    expectProblem(await portal(bobs), 403, 'portal_closed');
    await expectRefused(engine, () => mint(bob.id), 403, 'portal_closed');
  });

  it("documents both routes in /docs-json: the answers' schemas, the problem+json refusals and the expiry bounds", async () => {
    const docs = (await engine.call('GET', '/docs-json', undefined, null)).body;
    const mintOp = docs.paths['/v1/programs/{pid}/partners/{partnerId}/portal-links'].post;
    const viewOp = docs.paths['/v1/portal/partner'].get;
    expect(mintOp.responses['201'].content['application/json'].schema.$ref).toBe('#/components/schemas/PortalLinkDto');
    expect(viewOp.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/PortalPartnerViewDto');
    for (const status of ['400', '403', '404']) expect(mintOp.responses[status].content['application/problem+json'].schema.$ref).toBe('#/components/schemas/Problem');
    for (const status of ['401', '403']) expect(viewOp.responses[status].content['application/problem+json'].schema.$ref).toBe('#/components/schemas/Problem');
    expect(docs.components.schemas.PortalLinkDto.required).toEqual(['url', 'token', 'expiresAt']);
    expect(Object.keys(docs.components.schemas.PortalPartnerViewDto.properties).sort()).toEqual(['conversions', 'expiresAt', 'partner', 'payouts', 'program', 'totals']);
    expect(docs.components.schemas.CreatePortalLinkDto.properties.expiresInSeconds).toMatchObject({ type: 'integer', minimum: 60, maximum: 7776000 });
  });

  it('the signing secret is generated once into the data dir (mode 600) and survives a restart: links minted before still open', async () => {
    const file = join(engine.dataDir, 'portal-link-secret');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const token = tokenOf(await mint(ada.id));
    const dataDir = engine.dataDir;
    await engine.stop({ keepData: true });
    engine = await startTestEngine({ clock, dataDir });
    expect((await portal(token)).body.partner?.id).toBe(ada.id);
  });

  it('PORTAL_LINK_SECRET, when set, signs instead: changing the secret revokes every earlier link', async () => {
    const before = tokenOf(await mint(ada.id));
    const dataDir = engine.dataDir;
    await engine.stop({ keepData: true });
    engine = await startTestEngine({ clock, dataDir, env: { PORTAL_LINK_SECRET: 'a-configured-secret-of-at-least-32-chars' } });
    expectProblem(await portal(before), 401, 'invalid_portal_token');
    const after = tokenOf(await mint(ada.id));
    expectStatus(await portal(after), 200);
  });
});
