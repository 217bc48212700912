import {
  netCommissions,
  type PayableLine,
  payoutClaimValue,
  payoutDecider,
  type PayoutState,
  payoutStream,
  RESERVATION_GRACE_MS,
  reservationDecider,
  transactionDecider,
  transactionKeyOf,
  transactionStream,
  uniqueStream,
} from '@partner-ledger/domain';
import { PAYOUT_LINES, type ReadSide } from '@partner-ledger/projections';
import type { Scalar } from '@partner-ledger/read-store';
import type { Claim } from '../../shared/reservations.js';
import type { StreamRunner } from '../../shared/stream-runner.js';

const PAGE = 500;
/** Longest a payout waits for the read model to reach the log's head before it reads candidates. */
const CATCH_UP_MS = 5_000;

/**
 * The lines a payout may take, each checked against the event streams.
 *
 * Candidates come from the `payout_lines` read model (the open lines of the program): the one
 * index of "approved and not settled" there is, and reading it keeps the command from scanning
 * the log. Using it is safe because nothing is decided on it: every candidate is re-read from its
 * transaction stream (approved? net commission? approval time?) and from its claim streams (what
 * paid payouts settled, whether a payout holds it now). A stale read model can only leave a line
 * out (approved a moment ago, or a refund after payment not yet projected), and a line left out
 * stays payable for the next payout; it can never put a line in twice, because each settlement is
 * a claim that only one payout can append. To make "left out" rare, the payout first waits
 * (bounded) for the read model to reach the log's last position, so what was approved before the
 * request is in it.
 */
export class PayableLines {
  private readonly payouts = new Map<string, { state: PayoutState; amounts: Map<string, number> }>();

  constructor(
    private readonly runner: StreamRunner,
    private readonly readSide: ReadSide,
    private readonly programId: string,
  ) {}

  /** `partnerIds`: only these partners' lines are checked (the decider keeps to them anyway). */
  async gather(currency: string, partnerIds: ReadonlySet<string> | null): Promise<PayableLine[]> {
    const lines: PayableLine[] = [];
    for await (const { conversionId, partnerId } of this.candidates(currency)) {
      if (partnerIds && !partnerIds.has(partnerId)) continue;
      const line = await this.verify(conversionId, partnerId);
      if (line) lines.push(line);
    }
    return lines;
  }

  private async *candidates(currency: string): AsyncIterable<{ conversionId: string; partnerId: string }> {
    const [head] = await this.runner.store.readAll({ direction: 'backwards', fromPosition: 'end', maxCount: 1 });
    if (head) await this.readSide.waitFor(head.position, CATCH_UP_MS);
    const namespace = await this.readSide.activeNamespace();
    let after: Scalar[] | undefined;
    for (;;) {
      const docs = await this.readSide.store.find(namespace, PAYOUT_LINES, {
        where: { programId: this.programId, currency, open: true },
        orderBy: [{ field: 'seq', direction: 'asc' }],
        after,
        limit: PAGE,
      });
      for (const doc of docs) yield { conversionId: doc.conversionId as string, partnerId: doc.partnerId as string };
      const last = docs.at(-1);
      if (docs.length < PAGE || !last) return;
      after = [last.seq as number, last._id];
    }
  }

  /** The line as the streams have it, or null when it is not approved, owes nothing or a payout holds it. */
  private async verify(conversionId: string, partnerId: string): Promise<PayableLine | null> {
    const key = transactionKeyOf(conversionId);
    if (key === null) return null;
    const events = await this.runner.store.readStream(transactionStream(this.programId, key));
    const { state } = this.runner.foldRecorded(transactionDecider, events);
    if (!state.exists || state.conversion?.status !== 'APPROVED') return null;
    const approved = events.findLast((e) => e.type === 'ConversionApproved');
    if (!approved) return null;
    const netMinor = netCommissions(state.conversion)
      .filter((line) => line.partnerId === partnerId)
      .reduce((sum, line) => sum + line.amountMinor, 0);
    const settlement = await this.settlement(conversionId, partnerId);
    if (!settlement) return null;
    const owedMinor = netMinor - settlement.settledMinor;
    return owedMinor === 0 ? null : { conversionId, partnerId, approvedAt: approved.created.toISOString(), owedMinor, claim: settlement.claim };
  }

  /**
   * Follows the line's claims from the first: each one held by a paid payout adds what that payout
   * paid for the line; the first free one is the claim a new payout takes. A claim held by a draft,
   * by a payout still being written (within the reservation grace) or by a cancelled one still
   * releasing its claims means the line is not payable now.
   */
  private async settlement(conversionId: string, partnerId: string): Promise<{ claim: number; settledMinor: number } | null> {
    let settledMinor = 0;
    for (let claim = 0; ; claim++) {
      const { state } = await this.runner.load(uniqueStream(this.programId, 'payout-line', payoutClaimValue(conversionId, partnerId, claim)), reservationDecider);
      if (state.ownerId === null) return { claim, settledMinor };
      const payout = await this.payout(state.ownerId);
      // A claim whose payout was never written (its process died in between) is taken over once
      // the reservation grace has passed, as any dangling reservation is.
      if (!payout.state.exists) return Date.now() - Date.parse(state.at!) > RESERVATION_GRACE_MS ? { claim, settledMinor } : null;
      if (payout.state.status !== 'PAID') return null;
      settledMinor += payout.amounts.get(`${conversionId}\u0000${partnerId}`) ?? 0;
    }
  }

  private async payout(payoutId: string) {
    let loaded = this.payouts.get(payoutId);
    if (!loaded) {
      const { state } = await this.runner.load(payoutStream(this.programId, payoutId), payoutDecider);
      const amounts = new Map<string, number>();
      if (state.exists) for (const item of state.created.items) for (const line of item.lines) amounts.set(`${line.conversionId}\u0000${item.partnerId}`, line.amountMinor);
      this.payouts.set(payoutId, (loaded = { state, amounts }));
    }
    return loaded;
  }
}

/** The claims a payout's items hold: one per (conversion, partner) settlement, in a fixed order. */
export function claimsOf(items: { partnerId: string; lines: { conversionId: string; claim: number }[] }[]): Claim[] {
  return items
    .flatMap((item) => item.lines.map((line) => ({ kind: 'payout-line' as const, value: payoutClaimValue(line.conversionId, item.partnerId, line.claim), field: 'items' })))
    .sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}
