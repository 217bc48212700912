import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@partner-ledger/config';
import { type Clock, createLogger } from '@partner-ledger/platform';
import { startEngine, type RunningEngine } from '@partner-ledger/roles';
import { DATABASE_FILE } from '@partner-ledger/config';
import { SqliteEventStore } from '@partner-ledger/event-store';
import { assertDocumentedResponse, responseChecker, type ResponseChecker } from './openapi-responses.js';

export const ADMIN_KEY = 'test-admin-key-0123456789';

export interface TestEngine extends RunningEngine {
  dataDir: string;
  /** JSON request with the given bearer key (admin by default). */
  call(method: string, path: string, body?: unknown, key?: string | null, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  /** Number of events in the store, read from the file by a second connection. */
  eventCount(): Promise<number>;
  /** One stream's events, read from the file by a second connection. */
  streamEvents(stream: string): ReturnType<SqliteEventStore['readStream']>;
  /** Stops the engine; `keepData` leaves DATA_DIR for a restart. */
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

/** A real engine on loopback, on its own DATA_DIR, with the embedded SQLite store. */
export async function startTestEngine(
  opts: {
    dataDir?: string;
    env?: Record<string, string>;
    clock?: Clock;
    consoleAssetsDir?: string;
    /** Check every answer of `call` against the engine's OpenAPI document (the default; see openapi-responses.ts). */
    checkResponses?: boolean;
  } = {},
): Promise<TestEngine> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'pl-e2e-'));
  // Delivery on the engine's main thread: a worker thread runs the compiled engine only, and these
  // engines run the TypeScript sources (the suites that spawn dist/apps/engine run the threads).
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, ADMIN_API_KEY: ADMIN_KEY, WEBHOOK_THREADS: '0', ...opts.env });
  const engine = await startEngine(config, createLogger({ level: 'silent' }), { clock: opts.clock, consoleAssetsDir: opts.consoleAssetsDir });
  let checker: Promise<ResponseChecker> | undefined;
  const documented = () => (checker ??= fetch(engine.url + '/docs-json').then(async (r) => responseChecker(await r.text())));
  const call: TestEngine['call'] = async (method, path, body, key = ADMIN_KEY, headers = {}) => {
    const response = await fetch(engine.url + path, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    const res = { status: response.status, body: parsed, headers: response.headers };
    if (opts.checkResponses !== false) assertDocumentedResponse(await documented(), method, path, res);
    return res;
  };
  return {
    ...engine,
    dataDir,
    call,
    eventCount: () => withReader(dataDir, async (reader) => (await reader.readAll()).length),
    streamEvents: (stream) => withReader(dataDir, (reader) => reader.readStream(stream)),
    async stop({ keepData = false } = {}) {
      await engine.close();
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A program with its own key, ready for partner/customer/transaction calls. */
export async function createProgram(engine: TestEngine, body: Record<string, unknown> = {}) {
  const res = await engine.call('POST', '/v1/programs', {
    name: 'Test program',
    currency: 'USD',
    commission: { type: 'PERCENT_OF_SALE', amount: '10' },
    ...body,
  });
  if (res.status !== 201) throw new Error(`program creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id as string, key: res.body.apiKey as string, body: res.body };
}

/** A second connection to the engine's file, closed after `read`. */
async function withReader<T>(dataDir: string, read: (reader: SqliteEventStore) => Promise<T>): Promise<T> {
  const reader = SqliteEventStore.open(join(dataDir, DATABASE_FILE));
  try {
    return await read(reader);
  } finally {
    await reader.close();
  }
}
