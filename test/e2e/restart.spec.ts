import { describe, expect, it } from '@jest/globals';
import { rmSync } from 'node:fs';
import { createProgram, startTestEngine } from '@partner-ledger/testing';

describe('restart on the same DATA_DIR', () => {
  it('keeps programs, keys, uniqueness and transactions', async () => {
    const first = await startTestEngine();
    const { dataDir } = first;
    try {
      const program = await createProgram(first);
      const post = (e: typeof first, path: string, body?: unknown) => e.call('POST', `/v1/programs/${program.id}${path}`, body, program.key);
      expect((await post(first, '/partners', { email: 'keep@example.com', name: 'Keep', key: 'KEEP' })).status).toBe(201);
      expect((await post(first, '/customers', { email: 'cust@example.com', name: 'Cust', key: 'cust', partner: { key: 'KEEP' } })).status).toBe(201);
      const tx = await post(first, '/transactions', { customerKey: 'cust', amount: '149.99', key: 'ORD-1' });
      expect(tx.status).toBe(201);
      const events = await first.eventCount();
      await first.stop({ keepData: true });

      const second = await startTestEngine({ dataDir });
      try {
        expect(await second.eventCount()).toBe(events);
        // The program key still authenticates, and the transaction is still there: a replay.
        const replay = await post(second, '/transactions', { customerKey: 'cust', amount: 149.99, key: 'ORD-1' });
        expect(replay.status).toBe(200);
        expect(replay.body).toEqual(tx.body);
        // Uniqueness survived the restart.
        const dup = await post(second, '/partners', { email: 'keep@example.com', name: 'Again', key: 'OTHER' });
        expect(dup.status).toBe(409);
        expect(dup.body.code).toBe('partner_email_taken');
        const approved = await post(second, `/conversions/${tx.body.conversion.id}/approve`);
        expect(approved.status).toBe(200);
        expect(approved.body.commissions).toEqual([{ partnerId: tx.body.conversion.partnerId, level: 1, amount: '15.00' }]);
      } finally {
        await second.stop({ keepData: true });
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('generates the admin key on first start when ADMIN_API_KEY is unset, and keeps it', async () => {
    const first = await startTestEngine({ env: { ADMIN_API_KEY: '' } });
    const dataDir = first.dataDir;
    try {
      const key = first.adminApiKey;
      expect(key).toMatch(/^pla_/);
      expect((await first.call('POST', '/v1/programs', { name: 'X', currency: 'EUR', commission: { type: 'FLAT_RATE', amount: '5.00' } }, key)).status).toBe(201);
      await first.stop({ keepData: true });
      const second = await startTestEngine({ dataDir, env: { ADMIN_API_KEY: '' } });
      expect(second.adminApiKey).toBe(key);
      await second.stop({ keepData: true });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
