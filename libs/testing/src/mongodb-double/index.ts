/**
 * A MongoDB wire-protocol TEST DOUBLE: an in-memory server on loopback that the official `mongodb`
 * driver talks to over real TCP, for tests where no mongod can run. What it implements and what
 * not: README.md in this folder.
 */
import { listen } from './server.js';

export interface MongoDbDouble {
  /** `mongodb://127.0.0.1:PORT/?directConnection=true`: add a database path if wanted. */
  url: string;
  port: number;
  /** Stops listening and drops every connection; the data is gone. */
  close(): Promise<void>;
}

export async function startMongoDbDouble(options: { port?: number } = {}): Promise<MongoDbDouble> {
  const server = await listen(options.port ?? 0);
  return {
    url: `mongodb://127.0.0.1:${server.port}/?directConnection=true`,
    port: server.port,
    close: () => server.close(),
  };
}
