// Test support (not built): a deterministic history for the webhook publisher's specs, appended
// straight to an event store, in which payloads depend on earlier events of other batches
// (renames, status changes, approvals, refunds of conversions made long before) across programs.
import type { Bus } from '@partner-ledger/bus';
import type { EventStore, NewEvent, RecordedEvent } from '@partner-ledger/event-store';
import type { ReadStore } from '@partner-ledger/read-store';
import { EndpointRepository, newWebhookEndpoint } from '@partner-ledger/webhook-runtime';
import { partnerOfPayload, PublisherView } from '@partner-ledger/webhooks';

export interface HistoryStep {
  stream: string;
  event: NewEvent;
}

const meta = { correlationId: 'publisher-history', source: 'api' as const };

/**
 * `rounds` rounds per program, interleaved between programs. Round r creates partner r, customer
 * r, transaction r and its conversion (to partner r-1 from round 1 on), renames partner r-1,
 * activates partner r, approves or denies conversion r-1, refunds half of transaction r-2 and a
 * quarter more of transaction r-3. With `payouts` (opt-in, so other specs' histories stay as they
 * were): the conversion of every fifth round from round 1 is flagged SELF_REFERRAL, and from round 2
 * conversion r-2, when approved, goes into payout `po_<r>`, confirmed in even rounds and cancelled
 * in odd ones, just before transaction r-2 is refunded (a refund after payment).
 */
export function publisherHistory(programIds: readonly string[], rounds: number, options: { payouts?: boolean } = {}): HistoryStep[] {
  const steps: HistoryStep[] = [];
  const add = (stream: string, type: string, data: Record<string, unknown>) => steps.push({ stream, event: { type, data, metadata: meta } });
  for (const programId of programIds) {
    add(`program-${programId}`, 'ProgramCreated', {
      programId,
      name: `Program ${programId}`,
      currency: 'USD',
      apiKeyHash: 'h',
      commission: { type: 'PERCENT_OF_SALE', amount: '10' },
      tiers: [],
    });
  }
  for (let r = 0; r < rounds; r += 1) {
    for (const programId of programIds) {
      const partner = (i: number) => `ptr_${i}`;
      const amountMinor = 1000 + 10 * r;
      const commissions = [{ partnerId: partner(Math.max(0, r - 1)), level: 1, amountMinor: amountMinor / 10 }];
      add(`partner-${programId}.${partner(r)}`, 'PartnerCreated', {
        programId,
        partnerId: partner(r),
        key: `key${r}`,
        email: `p${r}@example.com`,
        name: `Partner ${r}`,
        status: 'PENDING',
        referringPartnerId: null,
        details: { city: 'Lyon' },
      });
      add(`customer-${programId}.cus_${r}`, 'CustomerCreated', {
        programId,
        customerId: `cus_${r}`,
        key: `c${r}`,
        email: `c${r}@example.com`,
        name: `Customer ${r}`,
        partnerId: partner(r),
        referringCustomerId: null,
      });
      const tx = `${programId}.tx${r}`;
      add(`transaction-${tx}`, 'TransactionRecorded', {
        programId,
        transactionKey: `tx${r}`,
        amountMinor,
        currency: 'USD',
        customerId: `cus_${r}`,
        productId: `SKU-${r}`,
        productType: null,
        couponCode: null,
        requestHash: `rh${r}`,
        attribution: { source: 'customer', partnerId: partner(r), triggerId: null },
        unattributedReason: null,
      });
      add(`transaction-${tx}`, 'ConversionCreated', {
        programId,
        conversionId: `cv_${r}`,
        transactionKey: `tx${r}`,
        partnerId: partner(Math.max(0, r - 1)),
        customerId: `cus_${r}`,
        amountMinor,
        currency: 'USD',
        status: 'PENDING',
        commissions,
        trace: { rule: 'PERCENT_OF_SALE', base: amountMinor, levels: [] },
        ...(options.payouts && r % 5 === 1 ? { flags: ['SELF_REFERRAL'], flagReasons: [{ flag: 'SELF_REFERRAL', reason: 'customer_is_partner', partnerId: partner(r - 1) }] } : {}),
      });
      if (r >= 1) {
        add(`partner-${programId}.${partner(r - 1)}`, 'PartnerDetailsUpdated', { programId, partnerId: partner(r - 1), changes: { name: `Partner ${r - 1} (renamed in round ${r})` } });
        const decided = r % 3 === 0 ? 'ConversionDenied' : 'ConversionApproved';
        add(`transaction-${programId}.tx${r - 1}`, decided, {
          programId,
          conversionId: `cv_${r - 1}`,
          transactionKey: `tx${r - 1}`,
          partnerId: partner(Math.max(0, r - 2)),
          currency: 'USD',
          commissions: [],
          ...(decided === 'ConversionDenied' ? { reason: `denied in round ${r}` } : {}),
        });
      }
      add(`partner-${programId}.${partner(r)}`, 'PartnerStatusChanged', { programId, partnerId: partner(r), from: 'PENDING', to: 'ACTIVE', reason: null });
      // Conversion k was decided in round k+1: approved unless k+1 is a multiple of 3.
      if (options.payouts && r >= 2 && (r - 1) % 3 !== 0) {
        const k = r - 2;
        const batch = {
          programId,
          payoutId: `po_${r}`,
          currency: 'USD',
          upTo: '2026-01-01T00:00:00.000Z',
          createdAt: '2026-01-01T00:00:00.000Z',
          createdBy: { type: 'ADMIN' },
          items: [{ partnerId: partner(Math.max(0, k - 1)), amountMinor: (1000 + 10 * k) / 10, lines: [{ conversionId: `cv_${k}`, amountMinor: (1000 + 10 * k) / 10, claim: 0 }] }],
          totalMinor: (1000 + 10 * k) / 10,
        };
        add(`payout-${programId}.po_${r}`, 'PayoutCreated', batch);
        if (r % 2 === 0) add(`payout-${programId}.po_${r}`, 'PayoutPaid', { ...batch, reference: `ref-${r}`, confirmedBy: { type: 'ADMIN' }, paidAt: '2026-01-02T00:00:00.000Z' });
        else add(`payout-${programId}.po_${r}`, 'PayoutCancelled', { ...batch, cancelledAt: '2026-01-02T00:00:00.000Z', cancelledBy: { type: 'ADMIN' } });
      }
      if (r >= 2) {
        const k = r - 2;
        const amount = 1000 + 10 * k;
        add(`transaction-${programId}.tx${k}`, 'TransactionRefunded', {
          programId,
          transactionKey: `tx${k}`,
          refundId: `rf_${k}`,
          amountMinor: Math.round(amount / 2),
          refundedTotalMinor: Math.round(amount / 2),
          fullyRefunded: false,
          currency: 'USD',
          conversionId: `cv_${k}`,
          conversionStatus: null,
          reversals: [{ partnerId: partner(Math.max(0, k - 1)), level: 1, amountMinor: Math.round(amount / 20) }],
        });
      }
      if (r >= 3) {
        // A second refund of transaction r-3: a quarter more (three quarters in all).
        const k = r - 3;
        const amount = 1000 + 10 * k;
        add(`transaction-${programId}.tx${k}`, 'TransactionRefunded', {
          programId,
          transactionKey: `tx${k}`,
          refundId: `rf2_${k}`,
          amountMinor: Math.round(amount / 4),
          refundedTotalMinor: Math.round(amount / 2) + Math.round(amount / 4),
          fullyRefunded: false,
          currency: 'USD',
          conversionId: `cv_${k}`,
          conversionStatus: null,
          reversals: [{ partnerId: partner(Math.max(0, k - 1)), level: 1, amountMinor: Math.round(amount / 40) }],
        });
      }
      if (r % 4 === 0)
        add(`trigger-${programId}.tr_${r}`, 'ConversionTriggerCreated', { programId, triggerId: `tr_${r}`, partnerId: partner(r), type: 'EMAIL', trigger: `t${r}@example.com` });
    }
  }
  return steps;
}

/** Appends the steps in order, one append each (each event gets its own position). */
export async function appendSteps(events: EventStore, steps: readonly HistoryStep[]): Promise<void> {
  for (const { stream, event } of steps) await events.appendToStream(stream, [event]);
}

/** One bus message as a receiver tells it apart: `eventId/endpointId`, topic and body. */
export interface SentMessage {
  key: string;
  topic: string;
  body: string;
}

/**
 * Every (event, endpoint) the publisher must send for `all` (the whole log, in order), keyed
 * `eventId/endpointId`, with the body the in-memory view gives as of the event; events at or before
 * `after` excluded, each body about a partner with its `sequence`. One endpoint per program, named
 * by `endpointOf`.
 */
export function expectedMessages(all: readonly RecordedEvent[], endpointOf: (programId: string) => string, after: bigint | null = null): Map<string, SentMessage> {
  const view = new PublisherView();
  const out = new Map<string, SentMessage>();
  const sequences = new Map<string, number>();
  for (const event of all) {
    const payload = view.next(event);
    const programId = (event.data as { programId?: string }).programId;
    if (!payload || !programId || (after !== null && event.position <= after)) continue;
    const endpointId = endpointOf(programId);
    const key = `${event.id}/${endpointId}`;
    // A body about a partner carries its number among that partner's for the endpoint, counted
    // from the first event sent (`after` stands for a version that numbered none).
    const partnerId = partnerOfPayload(payload.topic, payload.body);
    const sequence = partnerId === null ? null : (sequences.get(`${endpointId}/${partnerId}`) ?? 0) + 1;
    if (sequence !== null) sequences.set(`${endpointId}/${partnerId}`, sequence);
    out.set(key, { key, topic: payload.topic, body: JSON.stringify(sequence === null ? payload.body : { ...payload.body, sequence }) });
  }
  return out;
}

/** Consumes every message on the bus (at least `atLeast`), acknowledging each, until none is left. */
export async function drainBus(bus: Bus, atLeast: number, timeoutMs = 20_000): Promise<SentMessage[]> {
  const out: SentMessage[] = [];
  // A consumer closing hands back what it claimed but had not started: drain until none is left.
  for (;;) {
    const consumer = bus.consume(async (d) => {
      out.push({ key: `${d.messageId}/${d.endpointId}`, topic: d.topic, body: d.body });
      return { kind: 'ack' };
    });
    await waitUntil(`${atLeast} messages`, async () => out.length >= atLeast && (await bus.stats()).ready === 0, timeoutMs);
    await consumer.close();
    const stats = await bus.stats();
    if (stats.ready === 0 && stats.delayed === 0) return out;
  }
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One enabled endpoint per program subscribed to every topic, at an address nothing listens on (the specs read the bus, not a receiver). */
export async function saveCatchAllEndpoints(store: ReadStore, programIds: readonly string[], endpointOf: (programId: string) => string): Promise<void> {
  for (const programId of programIds) {
    await new EndpointRepository(store).save({ ...newWebhookEndpoint({ id: endpointOf(programId), programId, url: 'http://127.0.0.1:9/hook', topics: ['ALL'] }), secrets: [] });
  }
}
