// Read models and webhooks as the log alone calls for them: the yardsticks of the distributed and crash suites.
import { fold, transactionDecider, type TransactionEvent } from '@partner-ledger/domain';
import type { EventStore, RecordedEvent } from '@partner-ledger/event-store';
import { COMMISSION_TOTALS, CONVERSIONS, CUSTOMERS, PARTNERS, PROGRAM_TOTALS, PROJECTIONS, ProjectionRunner } from '@partner-ledger/projections';
import type { ReadStore, StoredDoc } from '@partner-ledger/read-store';
import { SqliteReadStore } from '@partner-ledger/read-store';
import { webhookIdFor } from '@partner-ledger/webhooks';
import { partnerOfPayload, PublisherView } from '@partner-ledger/webhooks';

export const COLLECTIONS = [PARTNERS, CUSTOMERS, CONVERSIONS, COMMISSION_TOTALS, PROGRAM_TOTALS];

export async function wholeLog(events: EventStore): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  for (;;) {
    const page = await events.readAll({ fromPosition: all.length ? all[all.length - 1].position + 1n : 'start', maxCount: 1_000 });
    all.push(...page);
    if (page.length < 1_000) return all;
  }
}

export const ofProgram = (all: RecordedEvent[], programId: string) => all.filter((e) => (e.data as { programId?: string }).programId === programId);

/** One program's documents (every read-model id starts with its program id), by collection. */
export async function documentsOf(store: ReadStore, namespace: string, programId: string): Promise<Record<string, StoredDoc[]>> {
  const out: Record<string, StoredDoc[]> = {};
  for (const c of COLLECTIONS) {
    out[c] = [];
    for await (const d of store.all(namespace, c)) if (d._id.startsWith(`${programId}:`)) out[c].push(d);
  }
  return out;
}

/** One program's read models as one uninterrupted run of the projections over its events makes them. */
export async function replayedDocuments(events: EventStore, all: RecordedEvent[], programId: string): Promise<Record<string, StoredDoc[]>> {
  const store = SqliteReadStore.open(':memory:');
  const own = ofProgram(all, programId);
  try {
    for (const projection of PROJECTIONS) {
      const runner = new ProjectionRunner(events, store, projection, { namespace: 'replay' });
      for (let i = 0; i < own.length; i += 250) await runner.applyBatch(own.slice(i, i + 250));
    }
    return await documentsOf(store, 'replay', programId);
  } finally {
    await store.close();
  }
}

export interface ExpectedWebhook {
  eventId: string;
  position: bigint;
  topic: string;
  body: string;
}

/** Every (event, endpoint) the publisher must send, by webhook-id, with the body it must carry (its `sequence` included). */
export function expectedWebhooks(all: RecordedEvent[], endpointId: string, programId: string): Map<string, ExpectedWebhook> {
  const view = new PublisherView();
  const out = new Map<string, ExpectedWebhook>();
  const sequences = new Map<string, number>();
  for (const event of all) {
    view.apply(event);
    const payload = view.payloadFor(event);
    if (!payload || (event.data as { programId?: string }).programId !== programId) continue;
    // A body about a partner carries its number among that partner's for the endpoint.
    const partnerId = partnerOfPayload(payload.topic, payload.body);
    const sequence = partnerId === null ? null : (sequences.get(partnerId) ?? 0) + 1;
    if (partnerId !== null && sequence !== null) sequences.set(partnerId, sequence);
    const body = JSON.stringify(sequence === null ? payload.body : { ...payload.body, sequence });
    out.set(webhookIdFor(event.id, endpointId), { eventId: event.id, position: event.position, topic: payload.topic, body });
  }
  return out;
}

export type Buckets = Record<'pending' | 'approved' | 'denied' | 'reversed', { count: number; amount: number }>;
const empty = (): Buckets => ({ pending: { count: 0, amount: 0 }, approved: { count: 0, amount: 0 }, denied: { count: 0, amount: 0 }, reversed: { count: 0, amount: 0 } });

/**
 * Commission totals per partner and for the program, in minor units, from the domain's own
 * `evolve` over each transaction stream: shares no code with the projections.
 */
export function commissionTotalsFromDomain(all: RecordedEvent[], programId: string): { partners: Map<string, Buckets>; program: Buckets } {
  const byStream = new Map<string, RecordedEvent[]>();
  for (const e of all) if (e.streamName.startsWith(`transaction-${programId}.`)) (byStream.get(e.streamName) ?? byStream.set(e.streamName, []).get(e.streamName)!).push(e);
  const partners = new Map<string, Buckets>();
  const program = empty();
  const add = (partnerId: string, bucket: keyof Buckets, amount: number, count = 1) => {
    const b = partners.get(partnerId) ?? partners.set(partnerId, empty()).get(partnerId)!;
    b[bucket].count += count;
    b[bucket].amount += amount;
    program[bucket].count += count;
    program[bucket].amount += amount;
  };
  for (const stream of byStream.values()) {
    const state = fold(
      transactionDecider,
      stream.map((e) => ({ type: e.type, data: e.data }) as TransactionEvent),
    );
    if (!state.exists || !state.conversion) continue;
    const c = state.conversion;
    c.commissions.forEach((line, i) => add(line.partnerId, c.status.toLowerCase() as keyof Buckets, line.amountMinor - c.reversed[i]));
    c.commissions.forEach((line, i) => add(line.partnerId, 'reversed', c.reversed[i], 0));
    // Refunds reverse, and so does a reopening, for refunds made while the conversion was denied.
    for (const e of stream)
      if (e.type === 'TransactionRefunded' || e.type === 'ConversionReopened')
        for (const r of (e.data as { reversals: { partnerId: string }[] }).reversals) add(r.partnerId, 'reversed', 0, 1);
  }
  return { partners, program };
}

export const minor = (amount: string) => Math.round(Number(amount) * 100);
