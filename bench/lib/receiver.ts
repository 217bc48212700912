import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface Receiver {
  url: string;
  /** Requests answered 2xx, duplicates included. */
  count(): number;
  /** performance.now() of the first arrival of each `order_id` (end to end). */
  arrivals: Map<string, number>;
  /** performance.now() when the n-th request (1-based) arrived, for n in `marks`. */
  markTimes: Map<number, number>;
  close(): Promise<void>;
}

/**
 * A loopback webhook receiver with keep-alive, answering 200 at once. `orderIds` parses each body
 * for the conversion's `order_id` (end-to-end latency); without it bodies are only drained.
 */
export async function startReceiver(options: { orderIds?: boolean; marks?: number[] } = {}): Promise<Receiver> {
  let n = 0;
  const arrivals = new Map<string, number>();
  const marks = new Set(options.marks ?? []);
  const markTimes = new Map<number, number>();
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      n++;
      if (marks.has(n)) markTimes.set(n, at);
      if (options.orderIds) {
        try {
          const id = String((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { order_id?: unknown }).order_id);
          if (!arrivals.has(id)) arrivals.set(id, at);
        } catch {
          /* not a conversion: counted, not timed */
        }
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`,
    count: () => n,
    arrivals,
    markTimes,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
