import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { Bus, Delivery } from '@partner-ledger/bus';
import { parseAllowedCidrs } from '@partner-ledger/config';
import { SqliteReadStore } from '@partner-ledger/read-store';
import { DeliveryWorker } from '../delivery/delivery-worker.js';
import { CONFIG_NAMESPACE, EndpointRepository, type EndpointOrdering, newWebhookEndpoint } from '../endpoints/endpoint-repository.js';
import { guardedDispatcher } from '../ssrf.js';
import { bodyFactsOf, HELD_BACK_RECHECK_MS } from './ordering-gate.js';
import { messageIdOf, PartnerMessages, PARTNER_MESSAGES, type PartnerMessage } from './partner-messages.js';

/** The worker reads only the retry schedule of the bus: 2 retries, 1 s then 2 s. */
const bus = { retrySchedule: [1_000, 2_000] } as unknown as Bus;

/*
 * The ordering gate inside `DeliveryWorker.deliver`, one attempt at a time against a loopback
 * receiver: which deliveries it holds back, and how a delivery's end opens the lane.
 */
describe('ordered delivery per partner: the gate in the delivery worker', () => {
  let server: Server;
  let url: string;
  let status = 200;
  const posted: number[] = [];
  const store = SqliteReadStore.open(':memory:');
  const dispatcher = guardedDispatcher({ allowed: parseAllowedCidrs('127.0.0.0/8') });
  const worker = new DeliveryWorker(bus, store, { dispatcher });
  const messages = new PartnerMessages(store);

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        posted.push(JSON.parse(Buffer.concat(chunks).toString('utf8')).sequence);
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await dispatcher.close();
    await store.close();
  });

  /** An endpoint and three messages about partner p1 queued for it, as the publisher records them. */
  async function lane(ordering: EndpointOrdering) {
    const endpoint = newWebhookEndpoint({ id: `whe_${ordering}_${Math.random().toString(36).slice(2)}`, programId: 'prg', url, topics: ['ALL'], ordering });
    await new EndpointRepository(store).save(endpoint);
    const deliveries: Delivery[] = [];
    for (const sequence of [1, 2, 3]) {
      const body = JSON.stringify({ id: 'p1', sequence });
      const message: PartnerMessage = {
        endpointId: endpoint.id,
        partnerId: 'p1',
        sequence,
        eventId: `evt-${sequence}`,
        topic: 'AFFILIATE_DETAILS_CHANGE',
        body,
        open: ordering === 'partner',
        retryAt: null,
        createdAt: new Date().toISOString(),
      };
      await store.commit(CONFIG_NAMESPACE, 'spec', [{ collection: PARTNER_MESSAGES, doc: { _id: messageIdOf(endpoint.id, message.eventId), pos: sequence, ...message } }], BigInt(sequence));
      deliveries.push({ messageId: message.eventId, endpointId: endpoint.id, topic: message.topic, body, attempt: 1, retryStep: 0, firstEnqueuedAt: new Date(), redelivered: false });
    }
    return { endpoint, deliveries };
  }

  it('holds a delivery back while an earlier one of its partner is open, until that one is delivered', async () => {
    const { endpoint, deliveries } = await lane('partner');
    const [first, second, third] = deliveries;
    posted.length = 0;
    expect(await worker.deliver(third)).toEqual({ kind: 'defer', delayMs: HELD_BACK_RECHECK_MS, reason: 'held back behind sequence 1 of partner p1' });
    expect(await worker.deliver(second)).toMatchObject({ kind: 'defer' });
    expect(posted).toEqual([]);
    // The first fails: still open, due again in 1 s; the others wait until just after that.
    status = 503;
    expect(await worker.deliver(first)).toMatchObject({ kind: 'retry', reason: 'HTTP 503' });
    expect((await messages.get(endpoint.id, 'evt-1'))!.retryAt).toBeGreaterThan(Date.now() + 500);
    const held = await worker.deliver(second);
    expect(held).toMatchObject({ kind: 'defer' });
    expect((held as { delayMs: number }).delayMs).toBeGreaterThan(500 + HELD_BACK_RECHECK_MS);
    // Delivered: the second may go, not yet the third.
    status = 200;
    expect(await worker.deliver({ ...first, attempt: 2, retryStep: 1 })).toEqual({ kind: 'ack' });
    expect(await worker.deliver(third)).toMatchObject({ kind: 'defer', reason: 'held back behind sequence 2 of partner p1' });
    expect(await worker.deliver(second)).toEqual({ kind: 'ack' });
    expect(await worker.deliver(third)).toEqual({ kind: 'ack' });
    expect(posted).toEqual([1, 1, 2, 3]);
    expect((await messages.page(endpoint.id, 'p1', 0, undefined, 10)).map((m) => m.open)).toEqual([false, false, false]);
    // A resend of a delivered one is not held back, and does not hold the lane again.
    expect(await worker.deliver(first)).toEqual({ kind: 'ack' });
  });

  it('a dead-lettered delivery (its retries spent) lets its partner go on', async () => {
    const { deliveries } = await lane('partner');
    const [first, second] = deliveries;
    status = 500;
    // retryStep 2 is past the last step: the bus dead-letters this retry.
    expect(await worker.deliver({ ...first, attempt: 3, retryStep: 2 })).toMatchObject({ kind: 'retry' });
    status = 200;
    expect(await worker.deliver(second)).toEqual({ kind: 'ack' });
  });

  it('never holds back on an unordered endpoint, nor a body without a sequence', async () => {
    const { deliveries } = await lane('none');
    posted.length = 0;
    status = 200;
    expect(await worker.deliver(deliveries[2])).toEqual({ kind: 'ack' });
    const ordered = await lane('partner');
    expect(await worker.deliver({ ...ordered.deliveries[2], body: JSON.stringify({ id: 'p1' }) })).toEqual({ kind: 'ack' });
    expect(posted).toEqual([3, undefined]);
  });
});

describe('bodyFactsOf: what the worker reads from a body, once per delivery', () => {
  it("finds a conversion's partner and its number, and neither in a body that is not JSON", () => {
    expect(bodyFactsOf({ topic: 'NEW_CONVERSION', body: JSON.stringify({ affiliate: { id: 'par_1' }, sequence: 7 }) })).toEqual({ partnerId: 'par_1', sequence: 7 });
    expect(bodyFactsOf({ topic: 'NEW_AFFILIATE', body: JSON.stringify({ id: 'par_2' }) })).toEqual({ partnerId: 'par_2', sequence: null });
    expect(bodyFactsOf({ topic: 'PAYOUT_CREATED', body: JSON.stringify({ id: 'pay_1', sequence: 0 }) })).toEqual({ partnerId: null, sequence: null });
    expect(bodyFactsOf({ topic: 'NEW_AFFILIATE', body: 'not json' })).toEqual({ partnerId: null, sequence: null });
  });
});
