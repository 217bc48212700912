import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CUSTOMERS, docId } from '@partner-ledger/projections';
import { expectStatus, newProgram, type ProgramClient, startMongoDbDouble, startTestEngine, type TestEngine } from '@partner-ledger/testing';

/**
 * GET /programs/:pid/conversions names each conversion's customer (`customer`: id, key, email,
 * name), read from the customers read model for the page's customers at once; on the embedded
 * SQLite read store and on the MongoDB adapter.
 */
describe.each(['sqlite', 'mongodb'] as const)('the conversions list names the customer (%s read store)', (kind) => {
  let engine: TestEngine;
  let mongo: Awaited<ReturnType<typeof startMongoDbDouble>> | undefined;
  let program: ProgramClient;
  let jane: { id: string; key: string };
  let ken: { id: string; key: string };
  let position = '0';

  const list = async (query = '') => {
    const res = await engine.call('GET', program.path(`/conversions?minPosition=${position}${query}`), undefined, program.key);
    expectStatus(res, 200);
    return res.body as { items: { transactionKey: string; customerId: string; customer: unknown }[]; nextCursor: string | null };
  };

  beforeAll(async () => {
    if (kind === 'mongodb') mongo = await startMongoDbDouble();
    engine = await startTestEngine({ env: mongo ? { MONGO_URL: mongo.url.replace('/?', '/conversion_customers?') } : {} });
    expect(engine.readSide.store.kind).toBe(kind);
    program = await newProgram(engine);
    const partner = await program.partner();
    jane = await program.customer({ email: 'jane@example.com', name: 'Jane Smith', key: 'cus-jane', partner: { id: partner.id } });
    ken = await program.customer({ email: 'ken@example.com', name: 'Ken Adams', key: 'cus-ken', partner: { id: partner.id } });
    await program.transaction({ customerKey: jane.key, amount: '10.00', key: 'J1' });
    await program.transaction({ customerKey: ken.key, amount: '20.00', key: 'K1' });
    position = (await program.transaction({ customerKey: jane.key, amount: '30.00', key: 'J2' })).position;
  }, 30_000);
  afterAll(async () => {
    await engine?.stop();
    await mongo?.close();
  });

  const janeRef = () => ({ id: jane.id, key: 'cus-jane', email: 'jane@example.com', name: 'Jane Smith' });
  const kenRef = () => ({ id: ken.id, key: 'cus-ken', email: 'ken@example.com', name: 'Ken Adams' });

  it('each conversion carries its customer, the same customer on each of their sales', async () => {
    const page = await list();
    expect(page.items.map((c) => [c.transactionKey, c.customerId, c.customer])).toEqual([
      ['J2', jane.id, janeRef()],
      ['K1', ken.id, kenRef()],
      ['J1', jane.id, janeRef()],
    ]);
  });

  it('every page of a paged list carries them, and a filtered one too', async () => {
    const first = await list('&limit=2');
    const second = await list(`&limit=2&cursor=${first.nextCursor}`);
    expect([...first.items, ...second.items].map((c) => c.customer)).toEqual([janeRef(), kenRef(), janeRef()]);
    expect((await list('&transactionKey=K1')).items.map((c) => c.customer)).toEqual([kenRef()]);
  });

  it('a customer the read model does not have is null, the rest of the page unchanged', async () => {
    const ns = await engine.readSide.activeNamespace();
    const kept = await engine.readSide.store.get(ns, CUSTOMERS, docId(program.id, ken.id));
    expect(kept).not.toBeNull();
    await engine.readSide.store.delete(ns, CUSTOMERS, docId(program.id, ken.id));
    try {
      expect((await list()).items.map((c) => [c.transactionKey, c.customer])).toEqual([
        ['J2', janeRef()],
        ['K1', null],
        ['J1', janeRef()],
      ]);
    } finally {
      await engine.readSide.store.put(ns, CUSTOMERS, kept!);
    }
  });
});
