import { afterAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteBus } from '@partner-ledger/bus';
import { type EventStore, type EventSubscription, type RecordedEvent, SqliteEventStore } from '@partner-ledger/event-store';
import { connectMongoReadStore, type DocumentWrite, type ReadStore, SqliteReadStore } from '@partner-ledger/read-store';
import { appendSteps, drainBus, expectedMessages, type MongoDbDouble, publisherHistory, saveCatchAllEndpoints, startMongoDbDouble, topicSchemaProblems } from '@partner-ledger/testing';
import { EVENT_TOPIC_LIST, PublisherView } from '@partner-ledger/webhooks';
import { CONFIG_NAMESPACE } from '../endpoints/endpoint-repository.js';
import { SEQUENCER_CHECKPOINT } from '../ordering/partner-messages.js';
import { VIEW_META_COLLECTION } from './persisted-view.js';
import { PUBLISHER_CHECKPOINT, WebhookPublisher } from './publisher.js';

/*
 * The publisher with its view persisted in the read store, on a real SQLite event store and bus, on
 * both read stores (a SQLite file; the MongoDB adapter over the wire-protocol test double). Every
 * run is compared with what the in-memory view folded over the whole log gives: the same webhook
 * ids, each once, with the same bodies.
 */

const PROGRAMS = ['prg_a', 'prg_b'];
const ROUNDS = 12;
const STEPS = publisherHistory(PROGRAMS, ROUNDS);
const endpointOf = (programId: string) => `whe_${programId}`;

const expectedFrom = (all: RecordedEvent[], after: bigint | null = null) => expectedMessages(all, endpointOf, after);

/** Every view document equals the entity the in-memory view holds after folding `all`. */
async function expectViewAsInMemory(store: ReadStore, all: RecordedEvent[]): Promise<void> {
  const view = new PublisherView();
  for (const event of all) view.apply(event);
  const plain = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;
  const stored = async (kind: string, id: string) => {
    const doc = await store.get(CONFIG_NAMESPACE, `publisher-view.${kind}`, id);
    if (!doc) return undefined;
    const { _id, pos, ...rest } = doc;
    void _id;
    void pos;
    return rest;
  };
  for (const p of PROGRAMS) {
    expect(await stored('programs', p)).toEqual(plain(view.program(p)));
    for (let r = 0; r < ROUNDS; r += 1) {
      expect(await stored('partners', `${p}/ptr_${r}`)).toEqual(plain(view.partner(p, `ptr_${r}`)));
      expect(await stored('customers', `${p}/cus_${r}`)).toEqual(plain(view.customer(p, `cus_${r}`)));
      expect(await stored('transactions', `${p}/tx${r}`)).toEqual(plain(view.transaction(p, `tx${r}`)));
      expect(await stored('conversions', `${p}/cv_${r}`)).toEqual(plain(view.conversion(p, `cv_${r}`)));
    }
  }
}

/** An event store that counts what its subscriptions hand out and what `readAll` answers. */
function counting(inner: EventStore) {
  const counts = { subscribed: 0, read: 0, firstSubscribed: null as bigint | null };
  const store: EventStore = {
    kind: inner.kind,
    appendToStream: (...args) => inner.appendToStream(...args),
    readStream: (...args) => inner.readStream(...args),
    countAll: (options) => inner.countAll(options),
    readAll: async (options) => {
      const page = await inner.readAll(options);
      counts.read += page.length;
      return page;
    },
    subscribeToAll: (options) => {
      const subscription = inner.subscribeToAll(options);
      const wrapped: EventSubscription = {
        caughtUp: subscription.caughtUp,
        close: () => subscription.close(),
        async *[Symbol.asyncIterator]() {
          for await (const event of subscription) {
            counts.subscribed += 1;
            counts.firstSubscribed ??= event.position;
            yield event;
          }
        },
      };
      return wrapped;
    },
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
  return { store, counts };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let double: MongoDbDouble | undefined;
afterAll(async () => double?.close());

const READ_STORES: [string, (dir: string) => Promise<() => Promise<ReadStore>>][] = [
  ['SQLite file', async (dir) => async () => SqliteReadStore.open(join(dir, 'read.db'))],
  [
    'MongoDB (wire-protocol TEST DOUBLE)',
    async () => {
      double ??= await startMongoDbDouble();
      const dbName = `pl_pub_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
      const url = double.url;
      return () => connectMongoReadStore(url, { dbName });
    },
  ],
];

describe.each(READ_STORES)('the webhook publisher with its view persisted on %s', (_name, readStoreIn) => {
  /** A fresh event store, bus and read store (reopened at will, as a restarted process would). */
  async function world() {
    const dir = mkdtempSync(join(tmpdir(), 'pl-publisher-'));
    const events = SqliteEventStore.open(join(dir, 'events.db'));
    const bus = SqliteBus.open(join(dir, 'bus.db'), { pollIntervalMs: 20 });
    const openStore = await readStoreIn(dir);
    const setup = await openStore();
    await saveCatchAllEndpoints(setup, PROGRAMS, endpointOf);
    await setup.close();
    const head = async () => (await events.readAll({ direction: 'backwards', fromPosition: 'end', maxCount: 1 }))[0].position;

    /** One publisher process: opens the read store, publishes up to the head of the log, stops. */
    async function runPublisher(options: { events?: EventStore; store?: (s: ReadStore) => ReadStore; batchSize?: number } = {}): Promise<WebhookPublisher> {
      const opened = await openStore();
      const publisher = new WebhookPublisher(options.events ?? events, bus, options.store?.(opened) ?? opened, { batchSize: options.batchSize ?? 7 });
      try {
        await publisher.start();
        const last = await head();
        await until('the publisher at the head of the log', () => publisher.error !== null || publisher.position === last);
        return publisher;
      } finally {
        await publisher.stop();
        await opened.close();
      }
    }

    return {
      events,
      openStore,
      runPublisher,
      sent: (atLeast: number) => drainBus(bus, atLeast),
      all: () => events.readAll({ fromPosition: 'start' }),
      close: async () => {
        await bus.close();
        await events.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }

  it('an uninterrupted run sends every (event, endpoint) once, with the bodies of the in-memory view', async () => {
    const w = await world();
    try {
      await appendSteps(w.events, STEPS);
      const publisher = await w.runPublisher();
      expect(publisher.error).toBeNull();
      const expected = expectedFrom(await w.all());
      expect(expected.size).toBeGreaterThan(100);
      expect(await w.sent(expected.size)).toEqual([...expected.values()]);
    } finally {
      await w.close();
    }
  });

  it('after a restart it reads only from its checkpoint and sends the rest, neither re-sent nor skipped, as of each event', async () => {
    const w = await world();
    try {
      const cut = Math.floor(STEPS.length * 0.4);
      await appendSteps(w.events, STEPS.slice(0, cut));
      const first = await w.runPublisher();
      const checkpoint = first.position!;
      await appendSteps(w.events, STEPS.slice(cut));
      const counted = counting(w.events);
      const second = await w.runPublisher({ events: counted.store });
      expect(second.error).toBeNull();
      const all = await w.all();
      // The log behind the checkpoint is neither read nor subscribed to again.
      expect(counted.counts).toEqual({ subscribed: all.filter((e) => e.position > checkpoint).length, read: 0, firstSubscribed: all.find((e) => e.position > checkpoint)!.position });
      const expected = expectedFrom(all);
      expect(await w.sent(expected.size)).toEqual([...expected.values()]);
    } finally {
      await w.close();
    }
  });

  it('a crash between publishing a batch and committing it re-sends that batch with the same ids and bodies, and nothing else', async () => {
    const w = await world();
    try {
      await appendSteps(w.events, STEPS);
      let commits = 0;
      const crashing = (store: ReadStore): ReadStore =>
        Object.assign(Object.create(store) as ReadStore, {
          commit: (...args: Parameters<ReadStore['commit']>) => {
            // The publisher's checkpoint commits (its sequencer commits before publishing).
            if (args[1] === PUBLISHER_CHECKPOINT && ++commits === 5) return Promise.reject(new Error('injected crash before the commit'));
            return store.commit(...args);
          },
        });
      const crashed = await w.runPublisher({ store: crashing });
      expect(crashed.error?.message).toBe('injected crash before the commit');
      const resumed = await w.runPublisher();
      expect(resumed.error).toBeNull();
      const expected = expectedFrom(await w.all());
      const sent = await w.sent(expected.size + 1);
      const distinct = new Map(sent.map((s) => [s.key, s]));
      expect([...distinct.values()]).toEqual([...expected.values()]);
      // The repeats are the crashed batch's messages (at most 7 events, 2 messages at most each), as they were.
      const repeats = sent.length - distinct.size;
      expect(repeats).toBeGreaterThan(0);
      expect(repeats).toBeLessThanOrEqual(14);
      for (const s of sent) expect(s).toEqual(expected.get(s.key));
    } finally {
      await w.close();
    }
  });

  it('a crash after numbering a batch but before publishing it sends that batch once, with the same sequences: none skipped, none repeated', async () => {
    const w = await world();
    try {
      await appendSteps(w.events, STEPS);
      let numberings = 0;
      const crashing = (store: ReadStore): ReadStore =>
        Object.assign(Object.create(store) as ReadStore, {
          commit: async (...args: Parameters<ReadStore['commit']>) => {
            await store.commit(...args);
            if (args[1] === SEQUENCER_CHECKPOINT && ++numberings === 3) throw new Error('injected crash after numbering');
          },
        });
      const crashed = await w.runPublisher({ store: crashing });
      expect(crashed.error?.message).toBe('injected crash after numbering');
      // Other batch boundaries after the restart: the numbered batch's events come with later ones.
      expect((await w.runPublisher({ batchSize: 1000 })).error).toBeNull();
      const expected = expectedFrom(await w.all());
      const sent = await w.sent(expected.size);
      expect(sent).toEqual([...expected.values()]);
      expect(sent.filter((s) => JSON.parse(s.body).sequence !== undefined).length).toBeGreaterThan(50);
    } finally {
      await w.close();
    }
  });

  it('a crash after the documents but before the checkpoint (MongoDB commits them apart) neither re-sends that batch nor refolds it into the documents', async () => {
    const w = await world();
    try {
      await appendSteps(w.events, STEPS);
      let crashedOnce = false;
      // Crashes on the first batch with a refund of a conversion, which adds to its reversals.
      const refunds = (writes: DocumentWrite[]) => writes.some((x) => x.collection === 'publisher-view.conversions' && (x.doc.reversed as number[]).some((r) => r > 0));
      const docsOnly = (store: ReadStore): ReadStore =>
        Object.assign(Object.create(store) as ReadStore, {
          commit: async (...[namespace, projection, writes, position]: Parameters<ReadStore['commit']>) => {
            if (crashedOnce || !refunds(writes)) return store.commit(namespace, projection, writes, position);
            crashedOnce = true;
            // The documents land, the checkpoint stays where it was.
            await store.commit(namespace, projection, writes, (await store.getCheckpoint(namespace, projection)).position!);
            throw new Error('injected crash before the checkpoint');
          },
        });
      const crashed = await w.runPublisher({ store: docsOnly });
      expect(crashed.error?.message).toBe('injected crash before the checkpoint');
      // Other batch boundaries after the restart: the crashed batch's events come with all later ones.
      expect((await w.runPublisher({ batchSize: 1000 })).error).toBeNull();
      const expected = expectedFrom(await w.all());
      expect(await w.sent(expected.size)).toEqual([...expected.values()]);
      const store = await w.openStore();
      try {
        // A batch folded twice into a document (reversals add up) would show here.
        await expectViewAsInMemory(store, await w.all());
      } finally {
        await store.close();
      }
    } finally {
      await w.close();
    }
  });

  it('upgrades a store with a checkpoint but no persisted view: builds the view up to it once, without sending, then goes on', async () => {
    const w = await world();
    try {
      const cut = Math.floor(STEPS.length / 2);
      await appendSteps(w.events, STEPS.slice(0, cut));
      const before = await w.all();
      const checkpoint = before[before.length - 1].position;
      // What the previous version left: its checkpoint, no view.
      const previous = await w.openStore();
      await previous.commit(CONFIG_NAMESPACE, PUBLISHER_CHECKPOINT, [], checkpoint);
      await previous.close();
      await appendSteps(w.events, STEPS.slice(cut));
      const upgrading = counting(w.events);
      expect((await w.runPublisher({ events: upgrading.store })).error).toBeNull();
      const all = await w.all();
      expect(upgrading.counts.read).toBeGreaterThanOrEqual(before.length);
      expect(upgrading.counts.firstSubscribed).toBe(all.find((e) => e.position > checkpoint)!.position);
      const expected = expectedFrom(all, checkpoint);
      expect(await w.sent(expected.size)).toEqual([...expected.values()]);
      const upgraded = await w.openStore();
      await expectViewAsInMemory(upgraded, all).finally(() => upgraded.close());
      // Once: the next start reads nothing behind its checkpoint.
      const again = counting(w.events);
      expect((await w.runPublisher({ events: again.store })).error).toBeNull();
      expect(again.counts).toEqual({ subscribed: 0, read: 0, firstSubscribed: null });
    } finally {
      await w.close();
    }
  });

  it('with payouts and flags: across a restart each conversion document keeps its payment and flags as the in-memory view has them', async () => {
    const steps = publisherHistory(PROGRAMS, ROUNDS, { payouts: true });
    const w = await world();
    try {
      const cut = Math.floor(steps.length * 0.4);
      await appendSteps(w.events, steps.slice(0, cut));
      expect((await w.runPublisher()).error).toBeNull();
      await appendSteps(w.events, steps.slice(cut));
      expect((await w.runPublisher()).error).toBeNull();
      const all = await w.all();
      const expected = expectedFrom(all);
      const sent = await w.sent(expected.size);
      expect(sent).toEqual([...expected.values()]);
      // Every topic published from an event is among them, and every body holds to its topic's schema.
      expect(new Set(sent.map((m) => m.topic))).toEqual(new Set(EVENT_TOPIC_LIST));
      expect(topicSchemaProblems(sent)).toEqual([]);
      const store = await w.openStore();
      try {
        await expectViewAsInMemory(store, all);
        // Conversion 0: paid by po_2 (round 2), then half refunded; conversion 1: flagged, its payout po_3 cancelled.
        expect(await store.get(CONFIG_NAMESPACE, 'publisher-view.conversions', 'prg_a/cv_0')).toMatchObject({ status: 'APPROVED', paidBy: 'po_2', reversed: [expect.any(Number)] });
        const flagged = await store.get(CONFIG_NAMESPACE, 'publisher-view.conversions', 'prg_b/cv_1');
        expect(flagged).toMatchObject({ flags: ['SELF_REFERRAL'], flagReasons: [{ flag: 'SELF_REFERRAL', reason: 'customer_is_partner', partnerId: 'ptr_0' }] });
        expect(flagged).not.toHaveProperty('paidBy');
      } finally {
        await store.close();
      }
    } finally {
      await w.close();
    }
  });

  it('upgrades documents of the shape before payments once: marks the conversions paid before, reading only the PayoutPaid events, sending nothing', async () => {
    const steps = publisherHistory(PROGRAMS, ROUNDS, { payouts: true });
    const w = await world();
    try {
      const cut = Math.floor(steps.length * 0.8);
      await appendSteps(w.events, steps.slice(0, cut));
      expect((await w.runPublisher()).error).toBeNull();
      const before = await w.all();
      const checkpoint = before[before.length - 1].position;
      // What a version that did not keep payments left: no `paidBy`, no shape document.
      const previous = await w.openStore();
      let stripped = 0;
      for (const p of PROGRAMS) {
        for (let r = 0; r < ROUNDS; r += 1) {
          const doc = await previous.get(CONFIG_NAMESPACE, 'publisher-view.conversions', `${p}/cv_${r}`);
          if (!doc || !('paidBy' in doc)) continue;
          const { paidBy, ...rest } = doc;
          void paidBy;
          await previous.put(CONFIG_NAMESPACE, 'publisher-view.conversions', rest as typeof doc);
          stripped += 1;
        }
      }
      expect(await previous.delete(CONFIG_NAMESPACE, VIEW_META_COLLECTION, 'shape')).toBe(true);
      await previous.close();
      expect(stripped).toBeGreaterThan(2);
      await appendSteps(w.events, steps.slice(cut));
      const upgrading = counting(w.events);
      expect((await w.runPublisher({ events: upgrading.store })).error).toBeNull();
      const all = await w.all();
      const after = all.filter((e) => e.position > checkpoint);
      expect(upgrading.counts).toEqual({ subscribed: after.length, read: before.filter((e) => e.type === 'PayoutPaid').length, firstSubscribed: after[0].position });
      const upgraded = await w.openStore();
      await expectViewAsInMemory(upgraded, all).finally(() => upgraded.close());
      // Each sent once: the upgrade sends nothing.
      const expected = expectedFrom(all);
      expect(await w.sent(expected.size)).toEqual([...expected.values()]);
      const again = counting(w.events);
      expect((await w.runPublisher({ events: again.store })).error).toBeNull();
      expect(again.counts).toEqual({ subscribed: 0, read: 0, firstSubscribed: null });
    } finally {
      await w.close();
    }
  });

  it('keeps one document per entity, as of the last event folded into it, and the position the view was committed at', async () => {
    const w = await world();
    try {
      await appendSteps(w.events, STEPS);
      await w.runPublisher();
      const all = await w.all();
      const store = await w.openStore();
      try {
        const partner = await store.get(CONFIG_NAMESPACE, 'publisher-view.partners', 'prg_a/ptr_0');
        expect(partner).toMatchObject({ _id: 'prg_a/ptr_0', name: 'Partner 0 (renamed in round 1)', status: 'ACTIVE', lastConversionAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
        const renamed = all.find(
          (e) => e.type === 'PartnerDetailsUpdated' && (e.data as { partnerId: string; programId: string }).partnerId === 'ptr_0' && (e.data as { programId: string }).programId === 'prg_a',
        )!;
        const lastOfPartner = all
          .filter(
            (e) => e.type === 'ConversionCreated' && (e.data as { partnerId: string; programId: string }).partnerId === 'ptr_0' && (e.data as { programId: string }).programId === 'prg_a',
          )
          .at(-1)!;
        expect(partner!.pos).toBe(Number(lastOfPartner.position > renamed.position ? lastOfPartner.position : renamed.position));
        // Conversion 5: denied in round 6, half its transaction (1050) refunded in round 7, a quarter more in round 8.
        const conversion = await store.get(CONFIG_NAMESPACE, 'publisher-view.conversions', 'prg_b/cv_5');
        expect(conversion).toMatchObject({
          status: 'DENIED',
          reason: 'denied in round 6',
          reversed: [79],
          created: expect.stringMatching(/^\d{4}-/),
          updated: expect.stringMatching(/^\d{4}-/),
        });
        expect(await store.get(CONFIG_NAMESPACE, 'publisher-view.transactions', 'prg_b/tx5')).toMatchObject({ refundedMinor: 788 });
        expect(await store.get(CONFIG_NAMESPACE, 'publisher-view.programs', 'prg_a')).toMatchObject({ name: 'Program prg_a' });
        expect(await store.count(CONFIG_NAMESPACE, 'publisher-view.partners')).toBe(24);
        expect((await store.get(CONFIG_NAMESPACE, VIEW_META_COLLECTION, 'folded'))?.pos).toBe(Number(all[all.length - 1].position));
        expect((await store.getCheckpoint(CONFIG_NAMESPACE, PUBLISHER_CHECKPOINT)).position).toBe(all[all.length - 1].position);
      } finally {
        await store.close();
      }
    } finally {
      await w.close();
    }
  });
});
