import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { ADMIN_KEY, startTestEngine, type TestEngine } from '@partner-ledger/testing';

/** Runs the README's walk-through block, verbatim, against a live engine: the front door stays true. */
describe('README walk-through, run verbatim with bash and curl', () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await startTestEngine();
  });
  afterAll(async () => engine.stop());

  it('creates program, partner, customer, a 149.99 sale with 15.00 commission, approves it, reads the totals', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = /<!-- walkthrough:start -->\s*```bash\n([\s\S]*?)```\s*<!-- walkthrough:end -->/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', block!], {
      env: { ...process.env, API: `${engine.url}/v1`, ADMIN: ADMIN_KEY },
      timeout: 20_000,
    });
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(6);
    const [program, partner, customer, tx, approved, totals] = lines;
    expect(program).toMatchObject({ name: 'Acme partners', currency: 'USD', apiKey: expect.stringMatching(/^plk_/) });
    expect(partner).toMatchObject({ key: 'PARTNER123', status: 'ACTIVE' });
    expect(customer).toMatchObject({ key: 'cust-1', partnerId: partner.id });
    expect(tx).toMatchObject({ key: 'ORD-789', amount: '149.99', conversion: { status: 'PENDING', commissions: [{ level: 1, amount: '15.00' }] } });
    expect(approved).toMatchObject({ status: 'APPROVED', commissions: [{ partnerId: partner.id, amount: '15.00' }] });
    expect(totals.items).toEqual([
      {
        partnerId: partner.id,
        currency: 'USD',
        pending: { count: 0, amount: '0.00' },
        approved: { count: 1, amount: '15.00' },
        denied: { count: 0, amount: '0.00' },
        reversed: { count: 0, amount: '0.00' },
        paid: { count: 0, amount: '0.00' },
        balance: '15.00',
      },
    ]);
  });

  it('continues with the incoming-webhook block: sample, mapping, a live order with its commission, a re-send that creates nothing', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const blockOf = (name: string) => new RegExp(`<!-- ${name}:start -->\\s*\`\`\`bash\\n([\\s\\S]*?)\`\`\`\\s*<!-- ${name}:end -->`).exec(readme)?.[1];
    const [walkthrough, incoming] = [blockOf('walkthrough'), blockOf('incoming-walkthrough')];
    expect(incoming).toBeDefined();
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', `${walkthrough}\n${incoming}`], {
      env: { ...process.env, API: `${engine.url}/v1`, ADMIN: ADMIN_KEY },
      timeout: 20_000,
    });
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const [hook, paths, mapping, live, again] = lines.slice(6);
    const partner = lines[1];
    expect(hook).toMatchObject({ id: expect.stringMatching(/^iwh_/), testUrl: expect.stringContaining('/v1/incoming/iwt_'), productionUrl: expect.stringContaining('/v1/incoming/iwp_') });
    expect(paths).toEqual(['event', 'customer.email', 'customer.name', 'order.id', 'order.amount', 'order.product', 'referral_code']);
    expect(mapping).toMatchObject({ action: 'create_transaction', mapping: { amount: 'order.amount' }, warnings: [] });
    expect(live).toMatchObject({
      outcome: 'created',
      customer: { created: true },
      transaction: { key: 'ORD-790', amount: '149.99', conversion: { partnerId: partner.id, commissions: [{ amount: '15.00' }] } },
    });
    expect(again).toEqual({ outcome: 'existing', customer: live.customer.id });
  });

  it('continues with the payout block: a batch of the partner’s 15.00, its CSV, its confirmation, totals showing it paid', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const blockOf = (name: string) => new RegExp(`<!-- ${name}:start -->\\s*\`\`\`bash\\n([\\s\\S]*?)\`\`\`\\s*<!-- ${name}:end -->`).exec(readme)?.[1];
    const [walkthrough, payout] = [blockOf('walkthrough'), blockOf('payout-walkthrough')];
    expect(payout).toBeDefined();
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', `${walkthrough}\n${payout}`], {
      env: { ...process.env, API: `${engine.url}/v1`, ADMIN: ADMIN_KEY },
      timeout: 20_000,
    });
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(10);
    const partner = lines[1];
    const [batch, csv, paid, totals] = lines.slice(6);
    expect(batch).toMatchObject({ id: expect.stringMatching(/^po_/), status: 'DRAFT', currency: 'USD', items: [{ partnerId: partner.id, amount: '15.00' }], total: '15.00' });
    expect(csv).toEqual(['partner_id,email,name,amount,currency,reference', `${partner.id},ada@example.com,Ada Lovelace,15.00,USD,${batch.id}`]);
    expect(paid).toMatchObject({ id: batch.id, status: 'PAID', reference: 'PAYPAL-BATCH-1' });
    expect(totals.items).toEqual([expect.objectContaining({ partnerId: partner.id, approved: { count: 1, amount: '15.00' }, paid: { count: 1, amount: '15.00' }, balance: '0.00' })]);
  });
});
