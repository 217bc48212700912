/**
 * Message framing (MongoDB wire protocol, github mongodb/specifications `source/message/OP_MSG.md`
 * and the legacy opcodes): a 16-byte little-endian header (messageLength, requestID, responseTo,
 * opCode), then the body. OP_MSG carries every command; OP_QUERY only the driver's first hello
 * on a new connection, which is answered with OP_REPLY.
 */
import { BSON } from 'bson';
import type { Doc } from './bson-values.js';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;

const CHECKSUM_PRESENT = 1 << 0;
const MORE_TO_COME = 1 << 1;
/** Flag bits 0-15 must be understood by the receiver (OP_MSG spec); these are the ones defined. */
const KNOWN_REQUIRED_BITS = CHECKSUM_PRESENT | MORE_TO_COME;

/** Decoded with numbers kept as Int32/Long/Double/Decimal128 (see bson-values.ts). */
const DECODE = { promoteValues: false, bsonRegExp: true } as const;

export class ProtocolError extends Error {}

export interface Header {
  length: number;
  requestId: number;
  responseTo: number;
  opCode: number;
}

export function readHeader(buf: Buffer): Header {
  return { length: buf.readInt32LE(0), requestId: buf.readInt32LE(4), responseTo: buf.readInt32LE(8), opCode: buf.readInt32LE(12) };
}

export interface CommandRequest {
  header: Header;
  /** The command document, with any document sequences attached as array fields. */
  body: Doc;
  db: string;
  /** OP_MSG `moreToCome`: the client expects no reply. */
  moreToCome: boolean;
  legacy: boolean;
}

export function parseMessage(message: Buffer): CommandRequest {
  const header = readHeader(message);
  if (header.opCode === OP_MSG) return parseOpMsg(header, message);
  if (header.opCode === OP_QUERY) return parseOpQuery(header, message);
  throw new ProtocolError(`unsupported opCode ${header.opCode}`);
}

function parseOpMsg(header: Header, message: Buffer): CommandRequest {
  const flags = message.readUInt32LE(16);
  if ((flags & 0xffff & ~KNOWN_REQUIRED_BITS) !== 0) throw new ProtocolError(`unknown required OP_MSG flag bits ${flags.toString(16)}`);
  // The checksum (CRC-32C) is not verified: the driver never sends one (see README).
  const end = flags & CHECKSUM_PRESENT ? message.length - 4 : message.length;
  let offset = 20;
  let body: Doc | null = null;
  const sequences: [string, Doc[]][] = [];
  while (offset < end) {
    const kind = message[offset++];
    if (kind === 0) {
      if (body) throw new ProtocolError('OP_MSG has more than one body section');
      const size = message.readInt32LE(offset);
      body = BSON.deserialize(message.subarray(offset, offset + size), DECODE);
      offset += size;
    } else if (kind === 1) {
      const size = message.readInt32LE(offset);
      const sectionEnd = offset + size;
      const nameEnd = message.indexOf(0, offset + 4);
      if (nameEnd < 0 || nameEnd >= sectionEnd) throw new ProtocolError('malformed document sequence identifier');
      const identifier = message.toString('utf8', offset + 4, nameEnd);
      const docs: Doc[] = [];
      let p = nameEnd + 1;
      while (p < sectionEnd) {
        const docSize = message.readInt32LE(p);
        docs.push(BSON.deserialize(message.subarray(p, p + docSize), DECODE));
        p += docSize;
      }
      sequences.push([identifier, docs]);
      offset = sectionEnd;
    } else throw new ProtocolError(`unknown OP_MSG section kind ${kind}`);
  }
  if (!body) throw new ProtocolError('OP_MSG without a body section');
  for (const [identifier, docs] of sequences) {
    if (identifier in body) throw new ProtocolError(`duplicate field ${identifier} in OP_MSG document sequence`);
    body[identifier] = docs;
  }
  const db = body.$db;
  if (typeof db !== 'string') throw new ProtocolError('OP_MSG requests require a $db argument');
  return { header, body, db, moreToCome: (flags & MORE_TO_COME) !== 0, legacy: false };
}

/** OP_QUERY: flags, cstring fullCollectionName (`<db>.$cmd`), numberToSkip, numberToReturn, query. */
function parseOpQuery(header: Header, message: Buffer): CommandRequest {
  const nsEnd = message.indexOf(0, 20);
  if (nsEnd < 0) throw new ProtocolError('malformed OP_QUERY namespace');
  const ns = message.toString('utf8', 20, nsEnd);
  const queryStart = nsEnd + 1 + 8;
  const size = message.readInt32LE(queryStart);
  let query = BSON.deserialize(message.subarray(queryStart, queryStart + size), DECODE);
  // Drivers talking to mongos wrap the command as {$query: …, $readPreference: …}.
  if (query.$query && typeof query.$query === 'object') query = query.$query as Doc;
  if (!ns.endsWith('.$cmd')) throw new ProtocolError(`OP_QUERY on ${ns}: only commands are accepted`);
  return { header, body: query, db: ns.slice(0, -'.$cmd'.length), moreToCome: false, legacy: true };
}

let nextRequestId = 1;

function header(length: number, responseTo: number, opCode: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(nextRequestId++ & 0x7fffffff, 4);
  h.writeInt32LE(responseTo, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

/** OP_MSG reply: flags 0 and one body section (the driver refuses kind-1 sections in replies). */
export function encodeOpMsg(responseTo: number, doc: Doc): Buffer {
  const bson = BSON.serialize(doc);
  const length = 16 + 4 + 1 + bson.length;
  const flagsAndKind = Buffer.alloc(5);
  return Buffer.concat([header(length, responseTo, OP_MSG), flagsAndKind, bson], length);
}

/** OP_REPLY: responseFlags, cursorID 0, startingFrom 0, numberReturned 1, the document. */
export function encodeOpReply(responseTo: number, doc: Doc): Buffer {
  const bson = BSON.serialize(doc);
  const length = 16 + 20 + bson.length;
  const fields = Buffer.alloc(20);
  fields.writeInt32LE(1, 16);
  return Buffer.concat([header(length, responseTo, OP_REPLY), fields, bson], length);
}
