// Shared helpers of the per-resource e2e specs: problem+json assertions, "a refused command appends
// nothing", and a small client bound to one program. Not a spec itself (jest matches *.spec.ts).
import { expect } from './jest-expect.js';
import { ADMIN_KEY, createProgram, type TestEngine } from './engine.fixture.js';

export type Res = Awaited<ReturnType<TestEngine['call']>>;

/** A global position as carried on every command response: a decimal string. */
export const POSITION = /^\d+$/;

let counter = 0;
/** Unique per process: a fresh email / key for each call. */
export const uniq = (prefix: string) => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;
export const email = (prefix = 'user') => `${uniq(prefix)}@example.com`;

/** Unknown but well-formed program id (prg_ + 20 hex). */
export const UNKNOWN_PID = 'prg_00000000000000000000';

/** status + code first, so a failure shows what came back instead. */
export function expectStatus(res: Res, status: number) {
  expect({ status: res.status, body: res.status === status ? '(ok)' : res.body }).toEqual({ status, body: '(ok)' });
}

/** RFC 9457 problem+json with the stable code, naming `field` in `errors[]` when given. */
export function expectProblem(res: Res, status: number, code: string, field?: string) {
  expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(res.body).toMatchObject({
    type: `https://partner-ledger.dev/problems/${code}`,
    title: expect.any(String),
    status,
    detail: expect.any(String),
    code,
    instance: expect.stringMatching(/^\/v1\//),
  });
  if (field !== undefined) {
    const fields = (res.body.errors ?? []).map((e: { field: string; reason: string }) => {
      expect(typeof e.reason).toBe('string');
      expect(e.reason.length).toBeGreaterThan(0);
      return e.field;
    });
    expect(fields).toContain(field);
  }
}

/** The request is refused with this problem, and the event store did not grow. */
export async function expectRefused(engine: TestEngine, call: () => Promise<Res>, status: number, code: string, field?: string): Promise<Res> {
  const before = await engine.eventCount();
  const res = await call();
  expectProblem(res, status, code, field);
  expect({ appendedEvents: (await engine.eventCount()) - before }).toEqual({ appendedEvents: 0 });
  return res;
}

/** The request has no effect on the event store (whatever its answer). */
export async function expectNoNewEvents(engine: TestEngine, call: () => Promise<Res>): Promise<Res> {
  const before = await engine.eventCount();
  const res = await call();
  expect({ appendedEvents: (await engine.eventCount()) - before }).toEqual({ appendedEvents: 0 });
  return res;
}

/** Runs the call and returns it with the number of events it appended. */
export async function withEventDelta(engine: TestEngine, call: () => Promise<Res>): Promise<Res & { appended: number }> {
  const before = await engine.eventCount();
  const res = await call();
  return { ...res, appended: (await engine.eventCount()) - before };
}

/** One program and its own key, with shortcuts for its routes. */
export class ProgramClient {
  constructor(
    readonly engine: TestEngine,
    readonly id: string,
    readonly key: string,
    readonly body: Record<string, any>,
  ) {}

  path(suffix: string) {
    return `/v1/programs/${this.id}${suffix}`;
  }
  post(suffix: string, body?: unknown, key: string | null = this.key) {
    return this.engine.call('POST', this.path(suffix), body, key);
  }
  patch(suffix: string, body?: unknown, key: string | null = this.key) {
    return this.engine.call('PATCH', this.path(suffix), body, key);
  }

  /** Creates a partner (201 asserted) and returns its body. */
  async partner(body: Record<string, unknown> = {}) {
    const res = await this.post('/partners', { email: email('partner'), name: 'Partner', ...body });
    expectStatus(res, 201);
    return res.body;
  }
  async customer(body: Record<string, unknown> = {}) {
    const res = await this.post('/customers', { email: email('customer'), name: 'Customer', key: uniq('cust-'), ...body });
    expectStatus(res, 201);
    return res.body;
  }
  async transaction(body: Record<string, unknown>) {
    const res = await this.post('/transactions', { key: uniq('ord-'), ...body });
    expectStatus(res, 201);
    return res.body;
  }
  async trigger(body: Record<string, unknown>) {
    const res = await this.post('/conversion-triggers', body);
    expectStatus(res, 201);
    return res.body;
  }
  async status(partnerId: string, status: string) {
    const res = await this.post(`/partners/${partnerId}/status`, { status });
    expectStatus(res, 200);
    return res.body;
  }
  async approve(conversionId: string) {
    const res = await this.post(`/conversions/${conversionId}/approve`);
    expectStatus(res, 200);
    return res.body;
  }
  /** A customer linked to a fresh ACTIVE partner and a pending conversion of `amount` for it. */
  async sale(amount: string | number = '149.99') {
    const partner = await this.partner();
    const customer = await this.customer({ partner: { id: partner.id } });
    const tx = await this.transaction({ customerKey: customer.key, amount });
    return { partner, customer, tx };
  }
}

export async function newProgram(engine: TestEngine, body: Record<string, unknown> = {}): Promise<ProgramClient> {
  const p = await createProgram(engine, body);
  return new ProgramClient(engine, p.id, p.key, p.body);
}

export { ADMIN_KEY };
