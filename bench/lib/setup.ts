import { call, inParallel } from './load.js';

export interface Program {
  id: string;
  key: string;
  partnerKey: string;
  customers: number;
}

/**
 * One program (10 % of each sale), one ACTIVE partner, and `customers` customers referred by it,
 * so every CreateTransaction is attributed and makes a conversion (and a NEW_CONVERSION webhook).
 */
export async function seedProgram(origin: string, adminKey: string, customers: number): Promise<Program> {
  const program = await call(origin, 'POST', '/v1/programs', { name: 'Bench', currency: 'USD', commission: { type: 'PERCENT_OF_SALE', amount: '10' } }, adminKey);
  if (program.status !== 201) throw new Error(`program: ${program.status} ${JSON.stringify(program.body)}`);
  const id = program.body.id as string;
  const key = program.body.apiKey as string;
  const partner = await call(origin, 'POST', `/v1/programs/${id}/partners`, { email: 'ada@example.com', name: 'Ada Lovelace', key: 'PARTNER1', status: 'ACTIVE' }, key);
  if (partner.status !== 201) throw new Error(`partner: ${partner.status} ${JSON.stringify(partner.body)}`);
  await inParallel(customers, 8, async (i) => {
    const res = await call(origin, 'POST', `/v1/programs/${id}/customers`, { email: `c${i}@example.com`, name: `Customer ${i}`, key: `C${i}`, partner: { key: 'PARTNER1' } }, key);
    if (res.status !== 201) throw new Error(`customer ${i}: ${res.status} ${JSON.stringify(res.body)}`);
  });
  return { id, key, partnerKey: 'PARTNER1', customers };
}

/** A CreateTransaction body: customers in turn, amounts varied, a unique key (an order id). */
export function transactionBody(program: Program, i: number, tag: string): string {
  const amount = `${10 + (i % 490)}.${String((i * 7) % 100).padStart(2, '0')}`;
  return JSON.stringify({ customerKey: `C${i % program.customers}`, amount, key: `${tag}-${i}` });
}
