// The fixtures one fuzzed route acts on: its own program, and whatever its path and body name (a
// partner, a sale, a payout, an endpoint, a delivery, a replay job, an incoming webhook), made on
// first use. Each route gets its own world so that one route's successes (a deletion, a plan
// switched to auto-approval, rotated tokens) cannot change what another route is fuzzed against.
// Not a spec itself (jest matches *.spec.ts).
import fc from 'fast-check';
import { email, expectStatus, newProgram, PARTNERO_SEED_MAPPING, PARTNERO_SEED_ORDER, type ProgramClient, type TestEngine, uniq } from '@partner-ledger/testing';
import type { FuzzValue, Hints } from './body-arbitraries.js';

/** Partnero's complete-flow order and its mapping: what the production URL is fuzzed around. */
export const SAMPLE_ORDER = PARTNERO_SEED_ORDER;
const SAMPLE_MAPPING = PARTNERO_SEED_MAPPING;

type Sale = Awaited<ReturnType<ProgramClient['sale']>>;

export class FuzzWorld {
  private memo = new Map<string, Promise<unknown>>();

  constructor(
    readonly engine: TestEngine,
    /** Where this world's webhook endpoints deliver: a receiver on loopback. */
    private readonly hookUrl: string,
  ) {}

  private once<T>(name: string, make: () => Promise<T>): Promise<T> {
    if (!this.memo.has(name)) this.memo.set(name, make());
    return this.memo.get(name) as Promise<T>;
  }

  program = () => this.once('program', () => newProgram(this.engine));
  partner = () => this.once('partner', async () => (await this.program()).partner({ key: 'PARTNER123' }));
  customer = () => this.once('customer', async () => (await this.program()).customer({ partner: { id: (await this.partner()).id } }));
  sale = () =>
    this.once('sale', async (): Promise<Sale> => {
      const p = await this.program();
      const [partner, customer] = [await this.partner(), await this.customer()];
      return { partner, customer, tx: await p.transaction({ customerKey: customer.key, amount: '149.99' }) };
    });
  payout = () =>
    this.once('payout', async () => {
      const p = await this.program();
      const partner = await this.partner();
      const customer = await p.customer({ partner: { id: partner.id } });
      const tx = await p.transaction({ customerKey: customer.key, amount: '80.00' });
      await p.approve(tx.conversion.id);
      return (await this.retry('payout', () => p.post('/payouts', {}), 201)).id as string;
    });
  endpoint = () =>
    this.once('endpoint', async () => {
      const res = await (await this.program()).post('/webhook-endpoints', { url: this.hookUrl, topics: ['ALL'] });
      expectStatus(res, 201);
      return res.body.id as string;
    });
  delivery = () =>
    this.once('delivery', async () => {
      const p = await this.program();
      const endpoint = await this.endpoint();
      expectStatus(await p.post(`/webhook-endpoints/${endpoint}/test`), 202);
      const list = await this.retry(
        'delivery',
        () => p.engine.call('GET', p.path(`/webhook-endpoints/${endpoint}/deliveries`), undefined, p.key),
        200,
        (b) => b.items.length > 0,
      );
      return list.items[0].id as string;
    });
  replayJob = () =>
    this.once('replayJob', async () => {
      const res = await (await this.program()).post(`/webhook-endpoints/${await this.endpoint()}/replay`, {});
      expectStatus(res, 202);
      return res.body.id as string;
    });
  incoming = () =>
    this.once('incoming', async () => {
      const p = await this.program();
      await this.partner();
      const res = await p.post('/incoming-webhooks', { name: 'Fuzzed orders' });
      expectStatus(res, 201);
      const hook = res.body as { id: string; testUrl: string; productionUrl: string };
      const token = (url: string) => new URL(url).pathname.split('/').at(-1)!;
      expectStatus(await this.engine.call('POST', new URL(hook.testUrl).pathname, SAMPLE_ORDER, null), 200);
      expectStatus(await this.engine.call('PUT', p.path(`/incoming-webhooks/${hook.id}/mapping`), { action: 'create_transaction', fields: SAMPLE_MAPPING }, p.key), 200);
      return { id: hook.id, test: token(hook.testUrl), production: token(hook.productionUrl) };
    });

  /** A read that follows a write: the read models catch up within a moment. */
  private async retry(what: string, call: () => Promise<{ status: number; body: any }>, status: number, ok: (body: any) => boolean = () => true) {
    for (let i = 0; i < 200; i++) {
      const res = await call();
      if (res.status === status && ok(res.body)) return res.body;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`fuzz world: no ${what} after 5 s`);
  }

  /**
   * The value of a path parameter, by the collection named before it (`/partners/{partnerId}` → this
   * world's partner). Undefined for a collection this file does not know yet: the route is still
   * fuzzed, with a made-up id, and the spec prints it.
   */
  async pathValue(collection: string, variant: string | undefined): Promise<string | undefined> {
    switch (collection) {
      case 'programs':
        return (await this.program()).id;
      case 'partners':
        return (await this.partner()).id;
      case 'customers':
        return (await this.customer()).id;
      case 'transactions':
        return (await this.sale()).tx.key;
      case 'conversions':
        return (await this.sale()).tx.conversion.id;
      case 'payouts':
        return this.payout();
      case 'webhook-endpoints':
        return this.endpoint();
      case 'deliveries':
        return this.delivery();
      case 'replay-jobs':
        return this.replayJob();
      case 'incoming-webhooks':
        return (await this.incoming()).id;
      case 'incoming':
        return variant === 'production' ? (await this.incoming()).production : (await this.incoming()).test;
      default:
        return undefined;
    }
  }

  /** Field values that reach past validation to the deciders: this world's ids, fresh keys and emails. */
  async hints(fieldNames: Set<string>): Promise<Hints> {
    const fresh = fc.nat().map((n) => `${uniq('fz')}-${n}`);
    const money = fc.oneof(
      fc.integer({ min: 1, max: 100_000 }).map((n) => (n / 100).toFixed(2)),
      fc.constantFrom('10', '149.99', '0.01'),
    );
    const hints: Hints = {
      email: fc.constant(null).map(() => email('fz')),
      paypalEmail: fc.constant(null).map(() => email('fz')),
      key: fresh,
      id: fresh,
      trigger: fresh,
      name: fc.oneof(fc.constant('Fuzz'), fc.string({ maxLength: 40 })),
      currency: fc.constantFrom('USD', 'EUR'),
      amount: money,
      minimumAmount: money,
      topics: fc.constantFrom(['ALL'], ['NEW_CONVERSION'], ['NEW_CONVERSION', 'APPROVED_CONVERSION']),
      url: fc.constant(this.hookUrl),
      from: fc.constantFrom('2020-01-01T00:00:00Z', new Date(Date.now() - 60_000).toISOString()),
      to: fc.constant(null).map(() => new Date().toISOString()),
      upTo: fc.constant(null).map(() => new Date().toISOString()),
      effectiveFrom: fc.constant(null).map(() => new Date().toISOString()),
      fields: fc.constant(SAMPLE_MAPPING as Record<string, FuzzValue>),
      // Partner details are a free-form object in the schema: these are the fields the engine reads.
      details: fc.record(
        {
          firstName: fc.string({ maxLength: 20 }),
          city: fc.string({ maxLength: 20 }),
          country: fc.constantFrom('US', 'DE', 'x'),
          paypalEmail: fc.constant(null).map(() => email('fz')),
          customFields: fc.array(fc.record({ name: fc.string({ maxLength: 10 }), value: fc.string({ maxLength: 10 }) }), { maxLength: 3 }),
        },
        { requiredKeys: [] },
      ) as fc.Arbitrary<FuzzValue>,
    };
    if (fieldNames.has('customerKey')) hints.customerKey = fc.constant((await this.customer()).key as string);
    if (fieldNames.has('partnerId')) hints.partnerId = fc.constant((await this.partner()).id as string);
    if (fieldNames.has('partnerIds')) hints.partnerIds = fc.constant([(await this.partner()).id as string]);
    for (const name of ['partnerKey', 'referringPartnerKey', 'couponCode']) if (fieldNames.has(name)) hints[name] = fc.constant((await this.partner()).key as string);
    return hints;
  }
}

/** Every property name of a schema, however deep: which hints a route's body needs. */
export function fieldNamesOf(schema: { properties?: Record<string, unknown>; items?: unknown } | undefined, out = new Set<string>()): Set<string> {
  if (!schema) return out;
  for (const [name, sub] of Object.entries(schema.properties ?? {})) {
    out.add(name);
    fieldNamesOf(sub as never, out);
  }
  if (schema.items) fieldNamesOf(schema.items as never, out);
  return out;
}
