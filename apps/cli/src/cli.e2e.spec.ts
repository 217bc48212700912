import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { DATABASE_FILE as ENGINE_DATABASE_FILE } from '@partner-ledger/config';
import { startTestEngine, type TestEngine, buildOnce, withBuildLock } from '@partner-ledger/testing';
import { parseCsv } from '@partner-ledger/analytics';
import { partnerReport } from '@partner-ledger/analytics';
import { caughtUp, DEFAULT_PLAN, openDataDir, RandomHistory } from '@partner-ledger/testing';
import { DATABASE_FILE } from './stores.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const MAIN = join(ROOT, 'dist/apps/cli/src/main.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would, with DATA_DIR pointing at the engine's directory. */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, ['--enable-source-maps', MAIN, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => ok({ code, stdout, stderr }));
  });
}

describe("the analysts' CLI, end to end (built, spawned)", () => {
  let engine: TestEngine;
  let data: ReturnType<typeof openDataDir>;
  let history: RandomHistory;
  let env: Record<string, string>;
  let tmp: string;
  let midway: Date;
  let midwayReport: Awaited<ReturnType<typeof partnerReport>>;
  let earner: string;

  beforeAll(async () => {
    await buildOnce();
    tmp = mkdtempSync(join(tmpdir(), 'pl-cli-'));
    engine = await startTestEngine();
    env = { DATA_DIR: engine.dataDir };
    data = openDataDir(engine.dataDir);
    await data.readSide.start();
    history = await RandomHistory.start(engine, 31);
    await history.run(80);
    await caughtUp(data.readSide, data.events);
    const ns = await data.store.activeNamespace();
    const totals = await data.store.find(ns, 'commission_totals', { where: { programId: history.programId }, orderBy: [{ field: 'partnerId', direction: 'asc' }], limit: 1 });
    earner = totals[0].partnerId as string;
    midwayReport = await partnerReport(data.events, data.store, history.programId, earner);
    await sleep(15);
    midway = new Date();
    await sleep(15);
    await history.run(40);
    await caughtUp(data.readSide, data.events);
  }, 180_000);

  afterAll(async () => {
    await data?.close(data.readSide);
    await engine?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('the CLI opens the file the engine writes', () => {
    expect(DATABASE_FILE).toBe(ENGINE_DATABASE_FILE);
  });

  it('--help on every command', async () => {
    const commands = [
      [],
      ['events'],
      ['events', 'export'],
      ['projections'],
      ['projections', 'rebuild'],
      ['projections', 'list'],
      ['projections', 'compare'],
      ['partners'],
      ['partners', 'show'],
      ['simulate'],
    ];
    for (const command of commands) {
      const run = await cli([...command, '--help']);
      expect({ command, code: run.code, stderr: run.stderr }).toEqual({ command, code: 0, stderr: '' });
      expect(run.stdout).toContain(`Usage: partner-ledger ${command.join(' ')}`.trimEnd());
    }
    const root = await cli(['--help']);
    for (const c of ['events', 'projections', 'partners', 'simulate', '--data-dir', '--event-store-url', '--mongo-url']) expect(root.stdout).toContain(c);
    expect((await cli(['projections', 'rebuild', '--help'])).stdout).toMatch(/carried over/);
  });

  it('events export: NDJSON on stdout filtered by stream prefix and type; progress only on stderr', async () => {
    const prefix = `transaction-${history.programId}.`;
    const run = await cli(['events', 'export', '--stream-prefix', prefix, '--type', 'ConversionCreated', '--type', 'ConversionApproved'], env);
    expect(run.code).toBe(0);
    const expected = (await data.events.readAll({ filter: { streamPrefixes: [prefix], eventTypes: ['ConversionCreated', 'ConversionApproved'] } })).map((e) => String(e.position));
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.position)).toEqual(expected);
    expect(lines.length).toBeGreaterThan(5);
    expect(new Set(lines.map((l) => l.type))).toEqual(new Set(['ConversionCreated', 'ConversionApproved']));
    expect(run.stderr).toBe(`exported ${expected.length} event(s) as ndjson to stdout in ${run.stderr.match(/in (\S+ s)/)![1]}\n`);
  });

  it('events export: CSV to a file with a position range and a time window', async () => {
    const all = await data.events.readAll();
    const [from, to] = [all[10].position, all[60].position];
    const out = join(tmp, 'events.csv');
    const run = await cli(['events', 'export', '--format', 'csv', '--out', out, '--from-position', String(from), '--to-position', String(to), '--until', midway.toISOString()], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    const rows = parseCsv(readFileSync(out, 'utf8'));
    expect(rows[0]).toEqual(['position', 'stream', 'revision', 'type', 'created', 'data', 'metadata']);
    const expected = all.filter((e) => e.position >= from && e.position <= to && e.created <= midway);
    expect(rows.slice(1).map((r) => r[0])).toEqual(expected.map((e) => String(e.position)));
    expect(rows.slice(1).map((r) => JSON.parse(r[5]))).toEqual(expected.map((e) => e.data));
  });

  it('partners show: live JSON with decimal amounts, and --as-of the state at that time', async () => {
    const live = await cli(['partners', 'show', earner, '--program', history.programId], env);
    expect(live.code).toBe(0);
    const shown = JSON.parse(live.stdout);
    expect(shown).toEqual(JSON.parse(JSON.stringify(await partnerReport(data.events, data.store, history.programId, earner))));
    expect(shown.commissionTotals[0].pending.amount).toMatch(/^-?\d+\.\d\d$/);

    const past = await cli(['partners', 'show', earner, '--program', history.programId, '--as-of', midway.toISOString()], env);
    expect(past.code).toBe(0);
    const then = JSON.parse(past.stdout);
    expect(then.asOf).toBe(midway.toISOString());
    expect(then.partner).toEqual(midwayReport.partner);
    expect(then.commissionTotals).toEqual(midwayReport.commissionTotals);
  });

  it('simulate: the current plan shows no difference; another plan shows one, as a table or JSON', async () => {
    const same = join(tmp, 'same.json');
    writeFileSync(same, JSON.stringify(DEFAULT_PLAN));
    const run = await cli(['simulate', '--program', history.programId, '--plan', same], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('No difference for any partner.');
    expect(run.stdout).toMatch(/partner\s+currency\s+bucket\s+count today\s+count plan\s+today\s+plan\s+difference/);

    const richer = join(tmp, 'richer.json');
    writeFileSync(richer, JSON.stringify({ commission: { type: 'PERCENT_OF_SALE', amount: '15' }, tiers: [{ level: 2, amount: '5' }] }));
    const json = await cli(['simulate', '--program', history.programId, '--plan', richer, '--json'], env);
    expect(json.code).toBe(0);
    const result = JSON.parse(json.stdout);
    expect(result.plan).toEqual({ commission: { type: 'PERCENT_OF_SALE', amount: '15' }, tiers: [{ level: 2, amount: '5' }] });
    expect(result.currentPlan).toEqual(DEFAULT_PLAN);
    expect(result.partners.some((p: any) => p.difference.pending.amount.startsWith('+') || p.difference.approved.amount.startsWith('+'))).toBe(true);
  });

  it('projections rebuild swaps in a namespace identical to the live one; list and compare show it', async () => {
    const old = await data.store.activeNamespace();
    const run = await cli(['projections', 'rebuild', '--batch-size', '25'], env);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^rebuilt rm\d+ from \d+ event\(s\)/);
    const fresh = await data.store.activeNamespace();
    expect(fresh).not.toBe(old);
    expect(run.stdout).toContain(`active namespace: ${fresh} (was ${old}, kept)`);
    await data.readSide.activeNamespace(); // the engine's read side follows the swap
    await caughtUp(data.readSide, data.events);

    const compare = await cli(['projections', 'compare', old, fresh], env);
    expect(compare.stdout).toContain(`${old} vs ${fresh}: identical`);
    expect(compare.code).toBe(0);
    const list = await cli(['projections', 'list', '--json'], env);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual(
      expect.arrayContaining([expect.objectContaining({ namespace: fresh, active: true }), expect.objectContaining({ namespace: old, active: false })]),
    );
  });

  it('bad arguments exit 2 with a message naming the problem', async () => {
    const plan = join(tmp, 'same.json');
    const cases: [string[], RegExp][] = [
      [['events', 'export', '--from-position', 'abc'], /--from-position.*'abc' is invalid/],
      [['events', 'export', '--format', 'xml'], /--format.*'xml' is invalid.*ndjson, csv/],
      [['events', 'export', '--since', 'yesterday'], /--since.*ISO 8601/],
      [['events', 'export', '--from-position', '9', '--to-position', '3'], /--from-position must not be after --to-position/],
      [['partners', 'show', 'par_x'], /required option '--program/],
      [['partners', 'show', 'par_x', '--program', history.programId, '--as-of', '12/31/2025'], /--as-of.*ISO 8601/],
      [['partners', 'show', 'par_nope', '--program', history.programId], /partner par_nope not found in program/],
      [['simulate', '--program', history.programId, '--plan', join(tmp, 'missing.json')], /--plan: cannot read .*missing\.json: ENOENT/],
      [['simulate', '--program', 'prg_nope', '--plan', plan], /program prg_nope not found/],
      [['projections', 'rebuild', 'bogus'], /unknown projection bogus/],
      [['events', 'exprot'], /unknown command 'exprot'/],
      [['--data-dir', join(tmp, 'nowhere'), 'events', 'export'], /no database at .*nowhere.*partner-ledger\.db/],
      [['--event-store-url', 'http://x', 'events', 'export'], /--event-store-url must be an esdb:\/\//],
    ];
    writeFileSync(join(tmp, 'bad-plan.json'), JSON.stringify({ commission: { type: 'PERCENT_OF_SALE', amount: '250' } }));
    cases.push([['simulate', '--program', history.programId, '--plan', join(tmp, 'bad-plan.json')], /--plan .*bad-plan\.json: commission\.amount must be/]);
    for (const [args, message] of cases) {
      const run = await cli(args, env);
      expect({ args, code: run.code, stdout: run.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect({ args, stderr: run.stderr }).toEqual({ args, stderr: expect.stringMatching(message) });
    }
  }, 60_000);

  it('npm run cli -- … builds and runs it', async () => {
    // It builds `dist/` again: under the lock the other specs' builds take (build-once.ts).
    const { stdout } = await withBuildLock(() => promisify(execFile)('npm', ['run', '--silent', 'cli', '--', 'simulate', '--help'], { cwd: ROOT }));
    expect(stdout).toContain('Usage: partner-ledger simulate');
  }, 60_000);
});
