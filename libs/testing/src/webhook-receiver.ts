import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A real HTTP receiver on loopback: answers each request with the next status of its script,
 * `delayMs` after it arrived (a slow endpoint keeps deliveries in flight).
 */
export async function webhookReceiver(script: (r: ReceivedWebhook, n: number) => number = () => 200, options: { delayMs?: number } = {}) {
  const got: ReceivedWebhook[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      got.push(r);
      const status = script(r, got.length);
      const answer = () => res.writeHead(status, status === 429 ? { 'retry-after': '0' } : {}).end(status >= 300 ? 'nope' : 'ok');
      if (options.delayMs) setTimeout(answer, options.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    got,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    },
  };
}

export type WebhookReceiver = Awaited<ReturnType<typeof webhookReceiver>>;

/** Polls `check` until it answers something truthy (asynchronous work under test), or throws after `timeoutMs`. */
export async function until<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
