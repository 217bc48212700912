import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import {
  expectStatus,
  newProgram,
  type ProgramClient,
  sampleFor,
  shapeProblems,
  startTestEngine,
  topicSchemaProblems,
  type TestEngine,
  uniq,
  until,
  webhookReceiver as receiver,
} from '@partner-ledger/testing';

/**
 * What the conversion topics carry of flags and decisions, received over HTTP: a self-referral's
 * `notes`, an approval's and a denial's `reason`, and `payment_status` UNPAID before any payout
 * (libs/webhooks/README.md has the mapping; the in-process specs show PAID after a confirmed payout).
 */
describe('outgoing conversion webhooks: notes, reason and payment fields', () => {
  let engine: TestEngine;
  let sink: Awaited<ReturnType<typeof receiver>>;
  let program: ProgramClient;
  let secret: string;

  beforeAll(async () => {
    sink = await receiver();
    engine = await startTestEngine({ env: { WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8', WEBHOOK_RETRY_SCHEDULE: '100ms,200ms' } });
    program = await newProgram(engine);
    const endpoint = await program.post('/webhook-endpoints', { url: sink.url('/conversions'), topics: ['NEW_CONVERSION', 'APPROVED_CONVERSION', 'DENIED_CONVERSION'] });
    expectStatus(endpoint, 201);
    secret = endpoint.body.secret;
  }, 60_000);
  afterAll(async () => {
    await engine.stop();
    await sink.close();
  });

  /** The bodies received for one conversion, by topic, once `count` of them arrived; each verified. */
  async function received(conversionId: string, count: number) {
    const mine = () => sink.got.filter((r) => JSON.parse(r.body).id === conversionId);
    await until(`${count} webhooks for ${conversionId}`, () => mine().length >= count);
    return Object.fromEntries(
      mine().map((r) => {
        const headers = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, String(v)]));
        expect(() => new Webhook(secret).verify(r.body, headers)).not.toThrow();
        const topic = String(r.headers['refersion-topic']);
        expect(shapeProblems(topic as never, sampleFor(topic as never), JSON.parse(r.body))).toEqual([]);
        expect(topicSchemaProblems([r])).toEqual([]);
        return [topic, JSON.parse(r.body)];
      }),
    );
  }

  it('a self-referral says its flag and reason in notes, on NEW_CONVERSION and on its approval, which carries the approval reason', async () => {
    const local = uniq('ada');
    const partner = await program.partner({ email: `${local}@gmail.com` });
    const customer = await program.customer({ email: `${local.slice(0, 2)}.${local.slice(2)}+shop@googlemail.com`, partner: { id: partner.id } });
    const tx = await program.transaction({ customerKey: customer.key, amount: '50.00' });
    expect(tx.conversion).toMatchObject({ flags: ['SELF_REFERRAL'] });
    expectStatus(await program.post(`/conversions/${tx.conversion.id}/approve`, { reason: 'the partner bought for a client' }), 200);
    const bodies = await received(tx.conversion.id, 2);
    expect(bodies.NEW_CONVERSION).toMatchObject({ status: 'PENDING', notes: 'SELF_REFERRAL: customer_is_partner', reason: null, payment_status: 'UNPAID', payment_id: null });
    expect(bodies.APPROVED_CONVERSION).toMatchObject({
      status: 'APPROVED',
      notes: 'SELF_REFERRAL: customer_is_partner',
      reason: 'the partner bought for a client',
      denied_reason_code: null,
      payment_status: 'UNPAID',
      payment_id: null,
    });
  });

  it('an unflagged conversion has null notes; its denial carries the denial reason', async () => {
    const { tx } = await program.sale('20.00');
    expectStatus(await program.post(`/conversions/${tx.conversion.id}/deny`, { reason: 'test order' }), 200);
    const bodies = await received(tx.conversion.id, 2);
    expect(bodies.NEW_CONVERSION).toMatchObject({ notes: null, reason: null });
    expect(bodies.DENIED_CONVERSION).toMatchObject({ status: 'DENIED', notes: null, reason: 'test order', denied_reason_code: null, payment_status: 'UNPAID' });
  });
});
