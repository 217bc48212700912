import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  expectStatus,
  newProgram,
  type ProgramClient,
  startTestEngine,
  type TestEngine,
  topicSchemaProblems,
  uniq,
  until,
  webhookReceiver,
  type WebhookReceiver,
} from '@partner-ledger/testing';

/**
 * Auto-approval over HTTP with the system clock: a program in AUTO_AFTER_HOLD mode with holdDays 0
 * gets its sales approved by the engine without anyone calling approve, and the approval webhook
 * goes out; a self-referral stays PENDING with its flag.
 */
describe('auto-approval over HTTP (AUTO_AFTER_HOLD, holdDays 0)', () => {
  let engine: TestEngine;
  let sink: WebhookReceiver;
  let program: ProgramClient;
  beforeAll(async () => {
    sink = await webhookReceiver();
    engine = await startTestEngine({ env: { WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8', AUTO_APPROVAL_INTERVAL: '50ms' } });
    program = await newProgram(engine, { approval: { mode: 'AUTO_AFTER_HOLD', holdDays: 0 } });
    expectStatus(await program.post('/webhook-endpoints', { url: sink.url('/hooks'), topics: ['APPROVED_CONVERSION'] }), 201);
  });
  afterAll(async () => {
    await engine.stop();
    await sink.close();
  });

  /** The conversion of a sale, as the conversions list answers it. */
  const conversion = async (transactionKey: string) => (await engine.call('GET', program.path(`/conversions?transactionKey=${transactionKey}`), undefined, program.key)).body.items[0];
  const history = async (id: string) =>
    (await engine.call('GET', program.path(`/conversions/${id}/history`), undefined, program.key)).body.items as { type: string; actor: unknown; approval?: unknown }[];

  it("a sale's conversion is APPROVED by the engine, once, and its APPROVED_CONVERSION webhook arrives", async () => {
    const { tx } = await program.sale('80.00');
    // The answer says which rule it was sold under and when it falls due (at once: holdDays 0).
    expect(tx.conversion).toMatchObject({ status: 'PENDING', approval: { mode: 'AUTO_AFTER_HOLD', holdDays: 0, holdUntil: expect.any(String) } });
    const approved = await until('approved by the engine', async () => (await conversion(tx.key))?.status === 'APPROVED' && (await conversion(tx.key)));
    expect(approved).toMatchObject({ id: tx.conversion.id, status: 'APPROVED', approval: { mode: 'AUTO_AFTER_HOLD', holdDays: 0 } });
    const entries = await history(tx.conversion.id);
    expect(entries.filter((e) => e.type === 'APPROVED')).toEqual([
      expect.objectContaining({ actor: { type: 'ENGINE', rule: 'AUTO_AFTER_HOLD' }, approval: { mode: 'AUTO_AFTER_HOLD', holdDays: 0, holdUntil: tx.conversion.approval.holdUntil } }),
    ]);
    const hook = await until('the approval webhook', () => sink.got.find((r) => JSON.parse(r.body).order_id === tx.key));
    expect(hook.headers['refersion-topic']).toBe('APPROVED_CONVERSION');
    expect(topicSchemaProblems([hook])).toEqual([]);
    expect(JSON.parse(hook.body)).toMatchObject({ status: 'APPROVED', order_id: tx.key, commission_total: '8.00' });
  });

  it('a self-referral stays PENDING with its flag, in the pending queue, while a clean sale beside it is approved', async () => {
    const local = uniq('self');
    const partner = await program.partner({ email: `${local}@example.com` });
    const customer = await program.customer({ email: `${local}@example.com`, partner: { id: partner.id } });
    const flagged = await program.transaction({ customerKey: customer.key, amount: '30.00' });
    expect(flagged.conversion).toMatchObject({ status: 'PENDING', flags: ['SELF_REFERRAL'] });
    const clean = await program.sale('30.00');
    await until('the clean sale approved', async () => (await conversion(clean.tx.key))?.status === 'APPROVED');
    // Several looks later (every 50 ms) the flagged one is still waiting for a person.
    await new Promise((r) => setTimeout(r, 300));
    expect(await conversion(flagged.key)).toMatchObject({ status: 'PENDING', flags: ['SELF_REFERRAL'] });
    const queue = (await engine.call('GET', program.path(`/conversions?status=PENDING&flagged=true`), undefined, program.key)).body.items;
    expect(queue.map((c: { id: string }) => c.id)).toContain(flagged.conversion.id);
    expect((await history(flagged.conversion.id)).map((e) => e.type)).toEqual(['CREATED']);
  });

  it('/health lists the auto-approver; /metrics counts its approvals', async () => {
    const health = (await fetch(`${engine.url}/health`).then((r) => r.json())) as { checks: Record<string, unknown> };
    expect(health.checks['auto-approver']).toEqual({ status: 'ok' });
    const metrics = await fetch(`${engine.url}/metrics`).then((r) => r.text());
    expect(Number(/^auto_approvals_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);
    expect(metrics).toMatch(/^auto_approval_due 0$/m);
  });
});
