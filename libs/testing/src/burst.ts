import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export interface BurstRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface BurstResponse {
  status: number;
  body: any;
}

/** The client: every request started before any answer is awaited, each on its own connection. */
const CLIENT = `
const requests = JSON.parse(process.env.BURST);
const results = await Promise.all(requests.map(async (r) => {
  const res = await fetch(r.url, { method: r.method, headers: r.headers, body: r.body === undefined ? undefined : JSON.stringify(r.body) });
  const text = await res.text();
  let body = text;
  try { body = text ? JSON.parse(text) : undefined; } catch {}
  return { status: res.status, body };
}));
process.stdout.write(JSON.stringify(results));
`;

/**
 * Sends `requests` all at once from a process of its own, as outside clients do, and answers in the
 * same order. Sent from the test's own process they hardly race on the embedded store: that process
 * is the engine's too, so the engine reads and decides each request as the client writes it, mostly
 * before the next one arrives (20 "concurrent" refunds met no conflict at all). From outside they
 * arrive together and are decided together.
 */
export async function burst(requests: BurstRequest[]): Promise<BurstResponse[]> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', CLIENT], {
    env: { ...process.env, NODE_OPTIONS: '', BURST: JSON.stringify(requests) },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  });
  return JSON.parse(stdout) as BurstResponse[];
}
