import type { Options, Message } from 'amqplib';
import type { DeadLetter, Delivery } from '../bus.port.js';

/**
 * The wire format: how a delivery and its place on the retry ladder travel as an AMQP message
 * (body = the delivery's body, everything else in properties and `x-pl-*` headers), and back.
 */

/** Header names (AMQP headers; everything else is a message property). */
export const H = {
  endpointId: 'x-pl-endpoint-id',
  attempt: 'x-pl-attempt',
  step: 'x-pl-step',
  firstEnqueuedAt: 'x-pl-first-enqueued-at',
  notBefore: 'x-pl-not-before',
  headers: 'x-pl-headers',
  deadReason: 'x-pl-dead-reason',
  deadAt: 'x-pl-dead-at',
  publishId: 'x-pl-publish-id',
} as const;

/** What travels: the port's fields plus where the message is on the ladder. */
export interface Envelope {
  delivery: Delivery;
  /** Next unused ladder index. */
  step: number;
  notBefore?: number;
  deadReason?: string;
  deadAt?: number;
}

export interface Publication {
  exchange: string;
  routingKey: string;
  envelope: Envelope;
}

export function encode(envelope: Envelope, publishId: string): { content: Buffer; options: Options.Publish } {
  const d = envelope.delivery;
  const headers: Record<string, string> = {
    [H.endpointId]: d.endpointId,
    [H.attempt]: String(d.attempt),
    [H.step]: String(envelope.step),
    [H.firstEnqueuedAt]: String(d.firstEnqueuedAt.getTime()),
    [H.publishId]: publishId,
  };
  if (d.headers && Object.keys(d.headers).length > 0) headers[H.headers] = JSON.stringify(d.headers);
  if (envelope.notBefore !== undefined) headers[H.notBefore] = String(envelope.notBefore);
  if (envelope.deadReason !== undefined) headers[H.deadReason] = envelope.deadReason;
  if (envelope.deadAt !== undefined) headers[H.deadAt] = String(envelope.deadAt);
  return {
    content: Buffer.from(d.body, 'utf8'),
    options: {
      persistent: true,
      mandatory: true,
      messageId: d.messageId,
      type: d.topic,
      contentType: 'application/json',
      timestamp: Math.floor(d.firstEnqueuedAt.getTime() / 1000),
      headers,
    },
  };
}

function header(msg: Message, name: string): string | undefined {
  const value = msg.properties.headers?.[name];
  if (value === undefined || value === null) return undefined;
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

function numberHeader(msg: Message, name: string): number | undefined {
  const text = header(msg, name);
  const n = text === undefined ? NaN : Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** undefined when the message lacks what a delivery needs (published by something else). */
export function readEnvelope(msg: Message): Envelope | undefined {
  const messageId = msg.properties.messageId as string | undefined;
  const endpointId = header(msg, H.endpointId);
  if (!messageId || !endpointId) return undefined;
  const first = numberHeader(msg, H.firstEnqueuedAt) ?? (msg.properties.timestamp ? Number(msg.properties.timestamp) * 1000 : Date.now());
  const userHeaders = header(msg, H.headers);
  const delivery: Delivery = {
    messageId,
    topic: (msg.properties.type as string | undefined) || msg.fields.routingKey,
    endpointId,
    body: msg.content.toString('utf8'),
    attempt: numberHeader(msg, H.attempt) ?? 1,
    retryStep: numberHeader(msg, H.step) ?? 0,
    firstEnqueuedAt: new Date(first),
    redelivered: Boolean(msg.fields.redelivered),
  };
  if (userHeaders) delivery.headers = JSON.parse(userHeaders);
  return {
    delivery,
    step: numberHeader(msg, H.step) ?? 0,
    notBefore: numberHeader(msg, H.notBefore),
    deadReason: header(msg, H.deadReason),
    deadAt: numberHeader(msg, H.deadAt),
  };
}

export function malformedEnvelope(msg: Message): Envelope {
  return {
    delivery: {
      messageId: (msg.properties.messageId as string | undefined) ?? '',
      topic: (msg.properties.type as string | undefined) || msg.fields.routingKey,
      endpointId: header(msg, H.endpointId) ?? '',
      body: msg.content.toString('utf8'),
      attempt: 1,
      retryStep: 0,
      firstEnqueuedAt: new Date(),
      redelivered: false,
    },
    step: 0,
    deadReason: header(msg, H.deadReason),
    deadAt: numberHeader(msg, H.deadAt),
  };
}

export function toDeadLetter(envelope: Envelope, msg: Message): DeadLetter {
  // No reason header: the broker dead-lettered it (work queue delivery limit), see x-death.
  const death = (msg.properties.headers?.['x-death'] as { reason?: string; time?: { value?: number } | Date }[] | undefined)?.[0];
  const reason =
    envelope.deadReason ??
    (death?.reason === 'delivery_limit' ? 'delivery limit: handed out too many times without an outcome (workers crashing?)' : `dead-lettered by the broker: ${death?.reason ?? 'unknown'}`);
  const deathTime = death?.time instanceof Date ? death.time.getTime() : typeof death?.time?.value === 'number' ? death.time.value * 1000 : undefined;
  return { ...envelope.delivery, redelivered: false, reason, deadAt: new Date(envelope.deadAt ?? deathTime ?? Date.now()) };
}
