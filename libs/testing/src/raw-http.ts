import { connect, type Socket } from 'node:net';

/** An HTTP/1.1 answer read off a raw socket. */
export interface RawAnswer {
  status: number;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body: string;
}

/**
 * A TCP connection to the host and port of `url`, for bytes no HTTP client would send.
 * `allowHalfOpen`: keep sending after the server's FIN (as a careless client may).
 */
export function openSocket(url: string, opts: { allowHalfOpen?: boolean } = {}): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ port: Number(port), host: hostname, allowHalfOpen: opts.allowHalfOpen ?? false }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Everything the server sends until it closes the connection (what arrived, if it resets it after). */
export function readUntilClosed(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.once('end', () => resolve(text));
    socket.once('error', (error) => (text ? resolve(text) : reject(error)));
  });
}

export function parseRawAnswer(raw: string): RawAnswer {
  const end = raw.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, body: raw.slice(end + 4) };
}

/** Sends raw bytes as one request and reads the answer of a server that closes afterwards. */
export async function rawRequest(url: string, request: string): Promise<RawAnswer> {
  const socket = await openSocket(url);
  const answer = readUntilClosed(socket);
  socket.write(request, 'latin1');
  return parseRawAnswer(await answer);
}
