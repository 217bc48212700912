/**
 * The TCP side: one Connection per socket, reading length-prefixed messages and answering each in
 * order (the driver takes the next message on a socket as the reply to its request and never
 * checks `responseTo`). Any number of clients and connections are served at once; commands from
 * different connections interleave one whole command at a time.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { ObjectId, Timestamp } from 'bson';
import { Catalog } from './catalog.js';
import type { ConnectionState, ServerState } from './commands/context.js';
import { runCommand } from './commands/dispatch.js';
import { MAX_MESSAGE_SIZE_BYTES } from './commands/handshake.js';
import { Cursors } from './cursors.js';
import { CommandError } from './errors.js';
import { Sessions } from './sessions.js';
import { encodeOpMsg, encodeOpReply, parseMessage, ProtocolError } from './wire-protocol.js';

const LEGACY_HELLO = new Set(['hello', 'isMaster', 'ismaster']);

export function createState(host: string): ServerState {
  let lastSeconds = 0;
  let increment = 0;
  return {
    identity: { host, setName: 'rs0', electionId: new ObjectId('7fffffff0000000000000001'), processStart: new Date() },
    catalog: new Catalog(),
    cursors: new Cursors(),
    sessions: new Sessions(),
    timestamp() {
      const seconds = Math.floor(Date.now() / 1000);
      if (seconds === lastSeconds) increment++;
      else [lastSeconds, increment] = [seconds, 1];
      return new Timestamp({ t: seconds, i: increment });
    },
  };
}

class Connection {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private readonly state: ConnectionState;

  constructor(
    private readonly socket: Socket,
    private readonly server: ServerState,
    id: number,
  ) {
    this.state = { id, clientMetadata: null, handshakeDone: false };
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.receive(chunk));
    socket.on('error', () => socket.destroy());
  }

  private receive(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= 4) {
      const head = this.chunks[0].length >= 4 ? this.chunks[0] : Buffer.concat(this.chunks);
      const length = head.readInt32LE(0);
      if (length < 16 || length > MAX_MESSAGE_SIZE_BYTES) return this.fail(`invalid message length ${length}`);
      if (this.buffered < length) return;
      const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
      const message = all.subarray(0, length);
      const rest = all.subarray(length);
      this.chunks.length = 0;
      this.buffered = rest.length;
      if (rest.length > 0) this.chunks.push(rest);
      this.handle(message);
      if (this.socket.destroyed) return;
    }
  }

  private handle(message: Buffer): void {
    let request;
    try {
      request = parseMessage(message);
    } catch (error) {
      // mongod closes the connection on a message it cannot parse.
      return this.fail(error instanceof ProtocolError ? error.message : String(error));
    }
    const { header, body, db, legacy, moreToCome } = request;
    if (legacy) {
      const name = Object.keys(body)[0] ?? '';
      const reply = LEGACY_HELLO.has(name)
        ? runCommand(this.server, this.state, db, body)
        : CommandError.of(
            'UnsupportedOpQueryCommand',
            `Unsupported OP_QUERY command: ${name}. The client driver may require an upgrade. For more details see https://dochub.mongodb.org/core/legacy-opcode-removal`,
          ).toReply();
      this.socket.write(encodeOpReply(header.requestId, reply));
      return;
    }
    const reply = runCommand(this.server, this.state, db, body);
    // moreToCome (w:0 writes, endSessions): the client reads no reply, so none may be sent.
    if (!moreToCome) this.socket.write(encodeOpMsg(header.requestId, reply));
  }

  private fail(reason: string): void {
    this.socket.destroy(new Error(reason));
  }
}

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

export async function listen(port: number): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  // The member's host name includes the port, known once listening (port 0 picks a free one).
  const state = createState(`127.0.0.1:${port}`);
  let connectionIds = 0;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    new Connection(socket, state, ++connectionIds);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  state.identity.host = `127.0.0.1:${actualPort}`;
  return {
    port: actualPort,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
