import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteReadStore } from '@partner-ledger/read-store';
import { type Admission, EndpointGate, type GateSettings, rateWindow, type Ticket, verdictOf } from './endpoint-gate.js';

const SETTINGS: GateSettings = { circuitFailures: 3, probeIntervalMs: 30_000, throttlePauseMs: 5_000, attemptTimeoutMs: 10_000 };

/** A clock the test moves; the gate reads nothing else (but for the sleeps of a full window). */
function clock(start = Date.parse('2026-03-01T09:00:00Z')) {
  let at = start;
  return { now: () => at, advance: (ms: number) => void (at += ms) };
}

const ticketOf = (a: Admission): Ticket => {
  if (a.kind !== 'go') throw new Error(`expected go, got ${JSON.stringify(a)}`);
  return a.ticket;
};

describe('EndpointGate', () => {
  const store = SqliteReadStore.open(':memory:');
  afterAll(() => store.close());
  let n = 0;
  const endpoint = (rateLimit: number | null = null) => ({ id: `whe_${++n}`, programId: 'prg', url: 'https://hooks.example/h', rateLimit });

  it('an endpoint without a rate limit and never failing: go, nothing written', async () => {
    const t = clock();
    const gate = new EndpointGate(store, SETTINGS, t.now);
    const e = endpoint();
    const ticket = ticketOf(await gate.admit(e));
    expect(await gate.settle(e, ticket, { kind: 'ok' })).toBeNull();
    expect(await gate.read(e.id)).toBeNull();
  });

  it('opens the circuit after the threshold of failures in a row, defers until the probe, probes alone, re-opens on a failed probe, closes on a success', async () => {
    const t = clock();
    const gate = new EndpointGate(store, SETTINGS, t.now);
    const e = endpoint();
    // Two failures, then a success: the run is reset, the circuit stays closed.
    for (let i = 0; i < 2; i++) expect(await gate.settle(e, ticketOf(await gate.admit(e)), { kind: 'failed' })).toBeNull();
    expect(await gate.settle(e, ticketOf(await gate.admit(e)), { kind: 'ok' })).toBeNull();
    expect((await gate.read(e.id))!.circuit).toMatchObject({ state: 'closed', failures: 0 });

    // Three in a row: the third opens it, and says so once.
    const tickets = [ticketOf(await gate.admit(e)), ticketOf(await gate.admit(e)), ticketOf(await gate.admit(e))];
    expect(await gate.settle(e, tickets[0], { kind: 'failed' })).toBeNull();
    expect(await gate.settle(e, tickets[1], { kind: 'failed' })).toBeNull();
    const opened = await gate.settle(e, tickets[2], { kind: 'failed' });
    expect(opened).toEqual({ endpointId: e.id, programId: 'prg', url: e.url, state: 'open', at: t.now(), failures: 3, probeAt: t.now() + 30_000 });

    // Open: everything is deferred until the probe time.
    t.advance(10_000);
    expect(await gate.admit(e)).toMatchObject({ kind: 'defer', delayMs: 20_000, reason: expect.stringContaining('circuit open') });

    // The probe time: one delivery goes as the probe; the others wait for its outcome.
    t.advance(20_000);
    const probe = ticketOf(await gate.admit(e));
    expect(probe.probe).toBe(true);
    expect(await gate.admit(e)).toMatchObject({ kind: 'defer', delayMs: 1_000, reason: expect.stringContaining('half-open') });

    // A failed probe opens it again for another interval, without a new change.
    expect(await gate.settle(e, probe, { kind: 'failed' })).toBeNull();
    expect((await gate.read(e.id))!.circuit).toMatchObject({ state: 'open', probeAt: t.now() + 30_000 });
    expect(await gate.admit(e)).toMatchObject({ kind: 'defer', delayMs: 30_000 });

    // The next probe succeeds: closed, said once, and deliveries go again.
    t.advance(30_000);
    const second = ticketOf(await gate.admit(e));
    expect(second.probe).toBe(true);
    expect(await gate.settle(e, second, { kind: 'ok' })).toEqual({ endpointId: e.id, programId: 'prg', url: e.url, state: 'closed', at: t.now(), failures: 0, probeAt: null });
    expect(ticketOf(await gate.admit(e)).probe).toBe(false);
  });

  it('a probe whose worker died (no outcome past the attempt timeout) is taken over by the next delivery', async () => {
    const t = clock();
    const gate = new EndpointGate(store, SETTINGS, t.now);
    const e = endpoint();
    for (let i = 0; i < 3; i++) await gate.settle(e, ticketOf(await gate.admit(e)), { kind: 'failed' });
    t.advance(30_000);
    expect(ticketOf(await gate.admit(e)).probe).toBe(true); // never settled
    t.advance(10_000);
    expect(await gate.admit(e)).toMatchObject({ kind: 'defer' });
    t.advance(1_001);
    expect(ticketOf(await gate.admit(e)).probe).toBe(true);
  });

  it('a 429 pauses the endpoint for its Retry-After (else the default pause) without counting as a failure; a 503 with one counts', async () => {
    const t = clock();
    const gate = new EndpointGate(store, SETTINGS, t.now);
    const e = endpoint();
    expect(await gate.settle(e, ticketOf(await gate.admit(e)), verdictOf(429, 7_000))).toBeNull();
    expect(await gate.admit(e)).toMatchObject({ kind: 'defer', delayMs: 7_000, reason: expect.stringContaining('429') });
    t.advance(6_999);
    expect(await gate.admit(e)).toMatchObject({ kind: 'defer', delayMs: 1 });
    t.advance(1);
    const ticket = ticketOf(await gate.admit(e));
    expect((await gate.read(e.id))!.circuit.failures).toBe(0);

    expect(await gate.settle(e, ticket, verdictOf(429, null))).toBeNull();
    expect(await gate.admit(e)).toMatchObject({ kind: 'defer', delayMs: 5_000 });
    t.advance(5_000);
    await gate.settle(e, ticketOf(await gate.admit(e)), verdictOf(503, 2_000));
    expect(await gate.read(e.id)).toMatchObject({ pausedUntil: t.now() + 2_000, circuit: { failures: 1 } });
    // A Retry-After shorter than a pause already running (another worker's answer) does not shorten it.
    const pausedUntil = t.now() + 2_000;
    t.advance(1_000);
    await gate.settle(e, { id: '', slot: false, probe: false, seen: null }, verdictOf(429, 0));
    expect((await gate.read(e.id))!.pausedUntil).toBe(pausedUntil);
    expect(verdictOf(503, null)).toEqual({ kind: 'failed' });
    expect(verdictOf(204, null)).toEqual({ kind: 'ok' });
    expect(verdictOf(null, null)).toEqual({ kind: 'failed' });
  });

  it('rate windows: n per second from 1/s up (rounded down), one per 1/rate s below', () => {
    expect(rateWindow(20)).toEqual({ n: 20, windowMs: 1_000 });
    expect(rateWindow(2.5)).toEqual({ n: 2, windowMs: 1_000 });
    expect(rateWindow(0.5)).toEqual({ n: 1, windowMs: 2_000 });
  });

  it('a rate-limited endpoint: n slots held from the grant to a window after the end; a full window defers once the wait is long', async () => {
    const t = clock();
    const gate = new EndpointGate(store, SETTINGS, t.now);
    const e = endpoint(2);
    const a = ticketOf(await gate.admit(e));
    const b = ticketOf(await gate.admit(e));
    expect(a.slot && b.slot).toBe(true);
    // Both in flight, the clock standing still: the third polls for up to 2 s, then goes back to the bus.
    expect(await gate.admit(e)).toMatchObject({ kind: 'defer', reason: expect.stringContaining('no slot free') });
    t.advance(300);
    await gate.settle(e, a, { kind: 'ok' });
    await gate.settle(e, b, { kind: 'ok' });
    t.advance(999);
    expect(await gate.admit(e)).toMatchObject({ kind: 'defer' });
    t.advance(1);
    expect(ticketOf(await gate.admit(e)).slot).toBe(true);
  }, 15_000);
});

describe('EndpointGate across workers (two connections to one SQLite file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gate-'));
  const stores = [SqliteReadStore.open(join(dir, 'gate.db')), SqliteReadStore.open(join(dir, 'gate.db'))];
  afterAll(async () => {
    for (const s of stores) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('never holds more than n slots at once, whichever worker asks', async () => {
    const e = { id: 'whe_shared', programId: 'prg', url: 'https://hooks.example/h', rateLimit: 5 };
    const gates = stores.map((s) => new EndpointGate(s, SETTINGS));
    let inFlight = 0;
    let most = 0;
    let granted = 0;
    // 8 concurrent deliveries per worker, each holding its slot ~20 ms: more want a slot than there are.
    const run = async (gate: EndpointGate) => {
      const admission = await gate.admit(e);
      if (admission.kind !== 'go') return;
      granted++;
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 20));
      inFlight--;
      await gate.settle(e, admission.ticket, { kind: 'ok' });
    };
    await Promise.all(gates.flatMap((g) => Array.from({ length: 8 }, () => run(g))));
    expect(granted).toBeGreaterThanOrEqual(5);
    expect(most).toBeLessThanOrEqual(5);
    const doc = await gates[0].read(e.id);
    expect(doc!.sends.length).toBeLessThanOrEqual(5);
  }, 20_000);
});
