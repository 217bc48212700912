import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ADMIN_KEY, startTestEngine, type TestEngine } from '@partner-ledger/testing';
import { email, expectNoNewEvents, expectRefused, expectStatus, newProgram, POSITION, type ProgramClient, uniq, UNKNOWN_PID, withEventDelta } from '@partner-ledger/testing';

/**
 * POST /programs/:pid/partners · PATCH /programs/:pid/partners/:partnerId ·
 * POST /programs/:pid/partners/:partnerId/status
 */
describe('partners over HTTP', () => {
  let engine: TestEngine;
  let program: ProgramClient;
  let other: ProgramClient;
  beforeAll(async () => {
    engine = await startTestEngine();
    program = await newProgram(engine);
    other = await newProgram(engine);
  });
  afterAll(async () => engine.stop());

  describe('POST /partners', () => {
    it('201 with {id, key, email, name, status, referringPartnerId, position}; key generated when absent', async () => {
      const res = await withEventDelta(engine, () => program.post('/partners', { email: '  Ada.Lovelace@Example.COM ', name: ' Ada ' }));
      expectStatus(res, 201);
      expect(res.body).toMatchObject({
        id: expect.stringMatching(/^par_[0-9a-f]{20}$/),
        key: expect.stringMatching(/^[A-HJ-NP-Z2-9]{8}$/),
        email: 'ada.lovelace@example.com',
        name: 'Ada',
        status: 'ACTIVE',
        referringPartnerId: null,
        position: expect.stringMatching(POSITION),
      });
      // Key and email reservations plus the partner itself.
      expect(res.appended).toBe(3);
    });

    it('takes a client id, key, initial status and details', async () => {
      const id = uniq('ada-');
      const key = uniq('ADA');
      const res = await program.post('/partners', { id, key, email: email(), name: 'Ada', status: 'PENDING', details: { firstName: 'Ada', country: 'GB' } });
      expectStatus(res, 201);
      expect(res.body).toMatchObject({ id, key, status: 'PENDING', details: { firstName: 'Ada', country: 'GB' } });
    });

    it('links the referring partner by key', async () => {
      const parent = await program.partner();
      const child = await program.partner({ referringPartnerKey: parent.key });
      expect(child.referringPartnerId).toBe(parent.id);
    });

    it.each([
      ['email missing', 'validation_failed', 'email', { name: 'x' }],
      ['email not an address', 'invalid_email', 'email', { email: 'not-an-email', name: 'x' }],
      ['name missing', 'validation_failed', 'name', { email: 'x@example.com' }],
      ['name a number', 'validation_failed', 'name', { email: 'x@example.com', name: 42 }],
      ['id with a space', 'invalid_key', 'id', { email: 'x@example.com', name: 'x', id: 'has space' }],
      ['key with a space', 'invalid_key', 'key', { email: 'x@example.com', name: 'x', key: 'has space' }],
      ['status unknown', 'validation_failed', 'status', { email: 'x@example.com', name: 'x', status: 'ENABLED' }],
      ['details not an object', 'validation_failed', 'details', { email: 'x@example.com', name: 'x', details: 'x' }],
      ['unknown field', 'validation_failed', 'nickname', { email: 'x@example.com', name: 'x', nickname: 'y' }],
    ])('%s → 400 %s naming %s, nothing appended', async (_label, code, field, body) => {
      await expectRefused(engine, () => program.post('/partners', body), 400, code, field);
    });

    it('401 without a key or with a wrong one', async () => {
      await expectRefused(engine, () => program.post('/partners', { email: email(), name: 'x' }, null), 401, 'missing_api_key');
      await expectRefused(engine, () => program.post('/partners', { email: email(), name: 'x' }, 'wrong-key-0123456789'), 401, 'invalid_api_key');
    });

    it("403 forbidden_program with another program's key", async () => {
      await expectRefused(engine, () => program.post('/partners', { email: email(), name: 'x' }, other.key), 403, 'forbidden_program');
    });

    it('404 program_not_found for an unknown program (admin key)', async () => {
      await expectRefused(engine, () => engine.call('POST', `/v1/programs/${UNKNOWN_PID}/partners`, { email: email(), name: 'x' }), 404, 'program_not_found');
    });

    it('409 partner_email_taken for a used email, whatever its case', async () => {
      const taken = await program.partner();
      const res = await program.post('/partners', { email: taken.email.toUpperCase(), name: 'Copy' });
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 409, code: 'partner_email_taken' });
      expect(res.body.errors).toEqual([{ field: 'email', reason: expect.any(String) }]);
    });

    it('409 partner_key_taken for a used key', async () => {
      const taken = await program.partner({ key: uniq('K') });
      await expectRefused(engine, () => program.post('/partners', { email: email(), name: 'Copy', key: taken.key }), 409, 'partner_key_taken', 'key');
    });

    it('409 partner_exists for a used id', async () => {
      const taken = await program.partner({ id: uniq('p-') });
      await expectRefused(engine, () => program.post('/partners', { email: email(), name: 'Copy', id: taken.id }), 409, 'partner_exists', 'id');
    });

    it('a refused duplicate does not hold the new values: the key of a refused request stays free', async () => {
      const taken = await program.partner();
      const key = uniq('FREE');
      const refused = await program.post('/partners', { email: taken.email, name: 'Copy', key });
      expect(refused.status).toBe(409);
      const later = await program.post('/partners', { email: email(), name: 'Later', key });
      expectStatus(later, 201);
    });

    // A refused command appends nothing: Reservations.claimAll (libs/api/src/shared/reservations.ts)
    // decides every claim before appending any, so the key is never reserved (ValueReserved) and
    // then released (ValueReleased) around a taken email.
    it('a 409 partner_email_taken appends nothing (no key reserved and released)', async () => {
      const taken = await program.partner();
      await expectRefused(engine, () => program.post('/partners', { email: taken.email, name: 'Copy' }), 409, 'partner_email_taken', 'email');
    });

    // The handler decides once before claiming anything, so what the decider checks (name,
    // details) is refused before a ValueReserved is appended.
    it('a 400 from the decider (blank name) appends nothing', async () => {
      await expectRefused(engine, () => program.post('/partners', { email: email(), name: '   ' }), 400, 'invalid_name', 'name');
    });
    it('a 400 for an unknown details field appends nothing', async () => {
      await expectRefused(engine, () => program.post('/partners', { email: email(), name: 'x', details: { foo: 1 } }), 400, 'unknown_field', 'details.foo');
    });

    // `referringPartnerKey: null` is refused by the DTO's `Optional()`; were it looked up by
    // Lookups.partnerBy (libs/api/src/shared/lookups.ts) it would find the partner keyed "null".
    it('referringPartnerKey: null does not link the partner keyed "null"', async () => {
      const literal = await program.partner({ key: 'null' });
      const res = await program.post('/partners', { email: email(), name: 'x', referringPartnerKey: null });
      expect(res.status).toBeLessThan(500);
      expect(res.body.referringPartnerId ?? null).not.toBe(literal.id);
    });

    it('422 referring_partner_not_found for an unknown referringPartnerKey', async () => {
      await expectRefused(
        engine,
        () => program.post('/partners', { email: email(), name: 'x', referringPartnerKey: 'NOPE-NOPE' }),
        422,
        'referring_partner_not_found',
        'referringPartnerKey',
      );
    });

    it("422 referring_partner_not_found for another program's partner key", async () => {
      const foreign = await other.partner({ key: uniq('FOREIGN') });
      await expectRefused(engine, () => program.post('/partners', { email: email(), name: 'x', referringPartnerKey: foreign.key }), 422, 'referring_partner_not_found');
    });
  });

  describe('PATCH /partners/:partnerId', () => {
    it('200 with the partner; name changed, details merged; one event', async () => {
      const partner = await program.partner({ details: { firstName: 'Ada', city: 'London' } });
      const res = await withEventDelta(engine, () => program.patch(`/partners/${partner.id}`, { name: 'Ada L.', details: { city: 'Paris', phone: '+33 1' } }));
      expectStatus(res, 200);
      expect(res.appended).toBe(1);
      expect(res.body).toMatchObject({
        id: partner.id,
        key: partner.key,
        email: partner.email,
        name: 'Ada L.',
        status: 'ACTIVE',
        details: { firstName: 'Ada', city: 'Paris', phone: '+33 1' },
        position: expect.stringMatching(POSITION),
      });
    });

    it('an unchanged PATCH appends nothing and still answers 200 with a position', async () => {
      const partner = await program.partner({ name: 'Same' });
      const res = await expectNoNewEvents(engine, () => program.patch(`/partners/${partner.id}`, { name: 'Same', email: partner.email.toUpperCase() }));
      expectStatus(res, 200);
      expect(res.body.position).toMatch(POSITION);
    });

    it('an email change frees the old email (another partner can take it) and takes the new one', async () => {
      const a = await program.partner();
      const oldEmail = a.email;
      const newEmail = email('moved');
      const changed = await program.patch(`/partners/${a.id}`, { email: newEmail.toUpperCase() });
      expectStatus(changed, 200);
      expect(changed.body.email).toBe(newEmail);
      const b = await program.post('/partners', { email: oldEmail, name: 'B' });
      expectStatus(b, 201);
      const c = await program.post('/partners', { email: newEmail, name: 'C' });
      expect({ status: c.status, code: c.body.code }).toEqual({ status: 409, code: 'partner_email_taken' });
      // …and a PATCH onto it is refused the same way, appending nothing.
      await expectRefused(engine, () => program.patch(`/partners/${b.body.id}`, { email: newEmail }), 409, 'partner_email_taken', 'email');
    });

    it('after an email change, references by email follow it: the new one finds the partner, the old one nobody', async () => {
      const a = await program.partner();
      const oldEmail = a.email;
      const newEmail = email('renamed');
      expectStatus(await program.patch(`/partners/${a.id}`, { email: newEmail }), 200);
      const linked = await program.post('/customers', { email: email(), name: 'C', partner: { email: newEmail } });
      expectStatus(linked, 201);
      expect(linked.body.partnerId).toBe(a.id);
      await expectRefused(engine, () => program.post('/customers', { email: email(), name: 'C', partner: { email: oldEmail } }), 422, 'partner_not_found', 'partner');
    });

    it.each([
      ['name a number', 'validation_failed', 'name', { name: 42 }],
      ['name too long', 'validation_failed', 'name', { name: 'x'.repeat(201) }],
      ['name blank', 'invalid_name', 'name', { name: '  ' }],
      ['email not an address', 'invalid_email', 'email', { email: 'nope' }],
      ['details not an object', 'validation_failed', 'details', { details: 3 }],
      ['details unknown field', 'unknown_field', 'details.foo', { details: { foo: 'x' } }],
      ['unknown field', 'validation_failed', 'key', { key: 'NEWKEY' }],
    ])('%s → 400 %s naming %s, nothing appended', async (_label, code, field, body) => {
      const partner = await program.partner();
      await expectRefused(engine, () => program.patch(`/partners/${partner.id}`, body), 400, code, field);
    });

    it('401 / 403 / 404', async () => {
      const partner = await program.partner();
      await expectRefused(engine, () => program.patch(`/partners/${partner.id}`, { name: 'x' }, null), 401, 'missing_api_key');
      await expectRefused(engine, () => program.patch(`/partners/${partner.id}`, { name: 'x' }, 'wrong-key-0123456789'), 401, 'invalid_api_key');
      await expectRefused(engine, () => program.patch(`/partners/${partner.id}`, { name: 'x' }, other.key), 403, 'forbidden_program');
      await expectRefused(engine, () => engine.call('PATCH', `/v1/programs/${UNKNOWN_PID}/partners/${partner.id}`, { name: 'x' }), 404, 'program_not_found');
      await expectRefused(engine, () => program.patch('/partners/par_unknown', { name: 'x' }), 404, 'partner_not_found');
      // A partner of another program is not found here.
      const foreign = await other.partner();
      await expectRefused(engine, () => program.patch(`/partners/${foreign.id}`, { name: 'x' }), 404, 'partner_not_found');
    });

    // The decider validates the whole change (a blank name) before the new email is claimed, so
    // the refusal appends no ValueReserved + ValueReleased.
    it('a PATCH with a new email and a blank name appends nothing', async () => {
      const partner = await program.partner();
      await expectRefused(engine, () => program.patch(`/partners/${partner.id}`, { email: email(), name: '  ' }), 400, 'invalid_name', 'name');
    });
  });

  describe('POST /partners/:partnerId/status', () => {
    it('lifecycle PENDING → ACTIVE → DISABLED → ACTIVE, one event each, 200 with the partner', async () => {
      const partner = await program.partner({ status: 'PENDING' });
      expect(partner.status).toBe('PENDING');
      let last = BigInt(partner.position);
      for (const status of ['ACTIVE', 'DISABLED', 'ACTIVE']) {
        const res = await withEventDelta(engine, () => program.post(`/partners/${partner.id}/status`, { status, reason: 'review' }));
        expectStatus(res, 200);
        expect(res.appended).toBe(1);
        expect(res.body).toMatchObject({ id: partner.id, status, position: expect.stringMatching(POSITION) });
        expect(BigInt(res.body.position) > last).toBe(true);
        last = BigInt(res.body.position);
      }
    });

    it('PENDING → DENIED → ACTIVE (a denied application may be reconsidered)', async () => {
      const partner = await program.partner({ status: 'PENDING' });
      expect((await program.status(partner.id, 'DENIED')).status).toBe('DENIED');
      expect((await program.status(partner.id, 'ACTIVE')).status).toBe('ACTIVE');
    });

    it('the same status again is a no-op: 200, nothing appended', async () => {
      const partner = await program.partner();
      const res = await expectNoNewEvents(engine, () => program.post(`/partners/${partner.id}/status`, { status: 'ACTIVE' }));
      expectStatus(res, 200);
      expect(res.body).toMatchObject({ status: 'ACTIVE', position: expect.stringMatching(POSITION) });
    });

    it.each([
      ['ACTIVE', 'PENDING'],
      ['PENDING', 'DISABLED'],
      ['DISABLED', 'DENIED'],
      ['ACTIVE', 'DENIED'],
    ])('409 invalid_status_transition %s → %s', async (from, to) => {
      const partner = await program.partner({ status: from === 'DISABLED' ? 'ACTIVE' : from });
      if (from === 'DISABLED') await program.status(partner.id, 'DISABLED');
      await expectRefused(engine, () => program.post(`/partners/${partner.id}/status`, { status: to }), 409, 'invalid_status_transition', 'status');
    });

    it.each([
      ['status missing', 'validation_failed', 'status', {}],
      ['status unknown', 'validation_failed', 'status', { status: 'ENABLED' }],
      ['status lower case', 'validation_failed', 'status', { status: 'active' }],
      ['reason a number', 'validation_failed', 'reason', { status: 'DISABLED', reason: 5 }],
      ['reason too long', 'validation_failed', 'reason', { status: 'DISABLED', reason: 'x'.repeat(501) }],
      ['unknown field', 'validation_failed', 'note', { status: 'DISABLED', note: 'x' }],
    ])('%s → 400 %s naming %s, nothing appended', async (_label, code, field, body) => {
      const partner = await program.partner();
      await expectRefused(engine, () => program.post(`/partners/${partner.id}/status`, body), 400, code, field);
    });

    it('401 / 403 / 404', async () => {
      const partner = await program.partner();
      const path = `/partners/${partner.id}/status`;
      await expectRefused(engine, () => program.post(path, { status: 'DISABLED' }, null), 401, 'missing_api_key');
      await expectRefused(engine, () => program.post(path, { status: 'DISABLED' }, 'wrong-key-0123456789'), 401, 'invalid_api_key');
      await expectRefused(engine, () => program.post(path, { status: 'DISABLED' }, other.key), 403, 'forbidden_program');
      await expectRefused(engine, () => engine.call('POST', `/v1/programs/${UNKNOWN_PID}${path}`, { status: 'DISABLED' }, ADMIN_KEY), 404, 'program_not_found');
      await expectRefused(engine, () => program.post('/partners/par_unknown/status', { status: 'DISABLED' }), 404, 'partner_not_found');
    });
  });
});
