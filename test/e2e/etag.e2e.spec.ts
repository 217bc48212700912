import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { email, expectRefused, expectStatus, newProgram, type ProgramClient, startTestEngine, type TestEngine, withEventDelta } from '@partner-ledger/testing';

/** ETag on entity reads and commands; If-Match on commands (412 when the entity moved, 400 when malformed). */
describe('optimistic concurrency over HTTP: ETag and If-Match', () => {
  let engine: TestEngine;
  let program: ProgramClient;
  beforeAll(async () => {
    engine = await startTestEngine();
    program = await newProgram(engine);
  });
  afterAll(async () => engine.stop());

  const get = (suffix: string, minPosition: string) => engine.call('GET', program.path(`${suffix}?minPosition=${minPosition}`), undefined, program.key);
  const withIfMatch = (method: string, suffix: string, body: unknown, etag: string) => engine.call(method, program.path(suffix), body, program.key, { 'if-match': etag });

  it('a created partner answers ETag "0", and so does its read once the read model has it', async () => {
    const res = await program.post('/partners', { email: email(), name: 'Ada' });
    expectStatus(res, 201);
    expect(res.headers.get('etag')).toBe('"0"');
    const read = await get(`/partners/${res.body.id}`, res.body.position);
    expectStatus(read, 200);
    expect(read.headers.get('etag')).toBe('"0"');
  });

  it('a customer read answers the revision of its stream', async () => {
    const customer = await program.post('/customers', { email: email(), name: 'Jane' });
    expectStatus(customer, 201);
    expect(customer.headers.get('etag')).toBe('"0"');
    const read = await get(`/customers/${customer.body.id}`, customer.body.position);
    expect(read.headers.get('etag')).toBe('"0"');
  });

  it('If-Match with the current ETag applies the command and answers the new ETag', async () => {
    const partner = await program.partner();
    const res = await withEventDelta(engine, () => withIfMatch('PATCH', `/partners/${partner.id}`, { name: 'Renamed' }, '"0"'));
    expectStatus(res, 200);
    expect(res.body.name).toBe('Renamed');
    expect(res.headers.get('etag')).toBe('"1"');
    expect(res.appended).toBe(1);
    const read = await get(`/partners/${partner.id}`, res.body.position);
    expect(read.headers.get('etag')).toBe('"1"');
    const next = await withIfMatch('POST', `/partners/${partner.id}/status`, { status: 'DISABLED' }, '"1"');
    expectStatus(next, 200);
    expect(next.headers.get('etag')).toBe('"2"');
  });

  it('412 precondition_failed when the entity moved since the ETag, and nothing is appended', async () => {
    const partner = await program.partner();
    expectStatus(await program.patch(`/partners/${partner.id}`, { name: 'First writer' }), 200);
    await expectRefused(engine, () => withIfMatch('PATCH', `/partners/${partner.id}`, { name: 'Second writer' }, '"0"'), 412, 'precondition_failed');
    // An email change claims the new address first: a stale If-Match must not even do that.
    await expectRefused(engine, () => withIfMatch('PATCH', `/partners/${partner.id}`, { email: email() }, '"0"'), 412, 'precondition_failed');
    await expectRefused(engine, () => withIfMatch('POST', `/partners/${partner.id}/status`, { status: 'DISABLED' }, '"7"'), 412, 'precondition_failed');
  });

  it('conversion and refund commands take the transaction stream ETag', async () => {
    const partner = await program.partner();
    const customer = await program.customer({ partner: { id: partner.id } });
    const sale = await program.post('/transactions', { customerKey: customer.key, amount: '100.00' });
    expectStatus(sale, 201);
    // TransactionRecorded and ConversionCreated: the stream is at revision 1.
    const etag = sale.headers.get('etag')!;
    expect(etag).toBe('"1"');
    const approved = await withIfMatch('POST', `/conversions/${sale.body.conversion.id}/approve`, undefined, etag);
    expectStatus(approved, 200);
    expect(approved.headers.get('etag')).toBe('"2"');
    await expectRefused(engine, () => withIfMatch('POST', `/conversions/${sale.body.conversion.id}/deny`, {}, etag), 412, 'precondition_failed');
    await expectRefused(engine, () => withIfMatch('POST', `/transactions/${sale.body.key}/refund`, {}, etag), 412, 'precondition_failed');
    const refunded = await withIfMatch('POST', `/transactions/${sale.body.key}/refund`, { amount: '10.00' }, '"2"');
    expectStatus(refunded, 200);
    expect(refunded.headers.get('etag')).toBe('"3"');
  });

  it.each([['0'], ['W/"0"'], ['"0", "1"'], ['"abc"']])('400 invalid_if_match for If-Match %s, and nothing is appended', async (header) => {
    const partner = await program.partner();
    await expectRefused(engine, () => withIfMatch('PATCH', `/partners/${partner.id}`, { name: 'x' }, header), 400, 'invalid_if_match', 'If-Match');
  });
});
