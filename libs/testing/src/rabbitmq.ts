import amqp from 'amqplib';
import { execFile } from 'node:child_process';
import { type Server, type Socket, createConnection, createServer } from 'node:net';
import { promisify } from 'node:util';
import { deleteTopology, topologyNames } from '@partner-ledger/bus';

const run = promisify(execFile);

export const DEFAULT_TEST_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

/** null when the broker answers an AMQP handshake, else why not. */
export async function probeBroker(url: string, timeoutMs = 3_000): Promise<string | null> {
  try {
    const conn = await amqp.connect(url, { timeout: timeoutMs });
    await conn.close();
    return null;
  } catch (error) {
    return (error as Error).message || String(error);
  }
}

/** Deletes a test prefix's exchanges and queues over a connection of its own. */
export async function dropTopology(url: string, prefix: string, schedule: readonly number[]): Promise<void> {
  const conn = await amqp.connect(url);
  try {
    const ch = await conn.createChannel();
    await deleteTopology(ch, topologyNames(prefix), schedule);
    await ch.close();
  } finally {
    await conn.close();
  }
}

/** `RABBITMQCTL` (e.g. `docker exec rabbitmq rabbitmqctl`), default `rabbitmqctl`. */
function rabbitmqctlCommand(): [string, string[]] {
  const parts = (process.env.RABBITMQCTL?.trim() || 'rabbitmqctl').split(/\s+/);
  return [parts[0], parts.slice(1)];
}

export async function rabbitmqctl(...args: string[]): Promise<string> {
  const [cmd, pre] = rabbitmqctlCommand();
  const { stdout } = await run(cmd, [...pre, ...args], { timeout: 30_000 });
  return stdout;
}

/** null when rabbitmqctl can talk to the broker, else why not. */
export async function probeRabbitmqctl(): Promise<string | null> {
  try {
    await rabbitmqctl('-q', 'list_vhosts'); // talks to the broker node, not just the CLI
    return null;
  } catch (error) {
    return (error as Error).message.split('\n')[0];
  }
}

/**
 * `rabbitmqctl close_connection` for every connection whose client-provided name contains
 * `fragment`: the broker side of a connection loss, limited to this test's own connections (the
 * broker may be shared, so no close_all_connections). Returns how many were closed.
 */
export async function closeConnectionsNamed(fragment: string, explanation = 'test'): Promise<number> {
  const listing = await rabbitmqctl('list_connections', '-q', '--no-table-headers', 'pid', 'client_properties');
  const pids = listing
    .split('\n')
    .filter((line) => line.includes(`"connection_name","${fragment}`))
    .map((line) => line.split('\t')[0].trim())
    .filter((pid) => pid.startsWith('<'));
  await Promise.all(pids.map((pid) => rabbitmqctl('close_connection', pid, explanation)));
  return pids.length;
}

export interface QueueInfo {
  name: string;
  type: string;
  arguments: Record<string, unknown>;
}

export async function listQueues(prefix: string): Promise<QueueInfo[]> {
  const json = await rabbitmqctl('list_queues', '-q', '--formatter', 'json', 'name', 'type', 'arguments');
  const rows = JSON.parse(json) as { name: string; type: string; arguments: [string, string, unknown][] | Record<string, unknown> }[];
  return rows
    .filter((r) => r.name.startsWith(prefix))
    .map((r) => ({
      name: r.name,
      type: r.type,
      arguments: Array.isArray(r.arguments) ? Object.fromEntries(r.arguments.map(([k, , v]) => [k, v])) : r.arguments,
    }));
}

/**
 * A TCP proxy in front of the broker, to cut a client's connection and keep it cut (which the
 * broker side cannot do): while cut, existing sockets are destroyed and new ones refused.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private isCut = false;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new TcpProxy(server, (server.address() as { port: number }).port);
    server.on('connection', (client) => {
      if (proxy.isCut) {
        client.destroy();
        return;
      }
      const upstream = createConnection({ host: targetHost, port: targetPort });
      for (const s of [client, upstream]) {
        proxy.sockets.add(s);
        s.on('close', () => proxy.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    return proxy;
  }

  /** The broker URL rewritten to go through this proxy. */
  url(brokerUrl: string): string {
    const u = new URL(brokerUrl);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  cut(): void {
    this.isCut = true;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.isCut = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
