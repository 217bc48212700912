import { invalid, unprocessable } from '../errors.js';
import { assertCurrency } from '../money/currency.js';
import { parseAmount } from '../money/money.js';
import { storeMinor, type StoredMinor } from '../money/minor-sum.js';

/** A payout request as the client sent it; every field is optional and checked here. */
export interface PayoutRequest {
  currency?: unknown;
  upTo?: unknown;
  partnerIds?: unknown;
  minimumAmount?: unknown;
}

export interface PayoutOptions {
  currency: string;
  /** The cut-off, ISO 8601: commission approved after it waits for a later payout. */
  upTo: string;
  partnerIds: ReadonlySet<string> | null;
  minimumMinor: number;
}

/**
 * One partner's share of one conversion with something left to settle: `owedMinor` is the
 * commission approved for it, net of refunds, minus what paid payouts already paid for it. Negative
 * when a refund came after the payment (a clawback). `claim` numbers the settlements of this line:
 * a line's n-th payout claims `payoutClaimValue(conversion, partner, n)`, so two payouts deciding
 * on the same settled state compete for the same claim and only one can win.
 */
export interface PayableLine {
  conversionId: string;
  partnerId: string;
  approvedAt: string;
  owedMinor: number;
  claim: number;
}

export interface PayoutLine {
  conversionId: string;
  amountMinor: number;
  claim: number;
}
export interface PayoutItem {
  partnerId: string;
  /** The sum of the item's lines: a sum of many, so a decimal string (see minor-sum.ts). */
  amountMinor: StoredMinor;
  lines: PayoutLine[];
}

export const MAX_PAYOUT_PARTNER_IDS = 1000;

/** The reservation value a payout holds for a line's `claim`-th settlement (kind `payout-line`). */
export const payoutClaimValue = (conversionId: string, partnerId: string, claim: number) => `${conversionId}.${partnerId}.${claim}`;

function parseUpTo(value: unknown, now: Date): string {
  if (value === undefined || value === null) return now.toISOString();
  const time = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) throw invalid('invalid_time', 'upTo must be an ISO 8601 time', 'upTo');
  if (time > now.getTime()) throw unprocessable('cut_off_in_future', 'upTo must not be in the future: only commission already approved can be paid', 'upTo');
  return new Date(time).toISOString();
}

function parsePartnerIds(value: unknown): ReadonlySet<string> | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_PAYOUT_PARTNER_IDS || value.some((id) => typeof id !== 'string' || id.length === 0 || id.length > 128)) {
    throw invalid('invalid_partner_ids', `partnerIds must be a list of 1 to ${MAX_PAYOUT_PARTNER_IDS} partner ids`, 'partnerIds');
  }
  return new Set(value as string[]);
}

/** The request's options, checked; the caller needs them before it gathers lines (the cut-off). */
export function payoutOptions(request: PayoutRequest, programCurrency: string, now: Date): PayoutOptions {
  if (request.currency !== undefined && request.currency !== null) {
    const currency = assertCurrency(request.currency);
    if (currency !== programCurrency) throw unprocessable('currency_mismatch', `currency ${currency} differs from the program's ${programCurrency}`, 'currency');
  }
  const minimumMinor = request.minimumAmount === undefined || request.minimumAmount === null ? 0 : parseAmount(request.minimumAmount, programCurrency, 'minimumAmount', { allowZero: true });
  return { currency: programCurrency, upTo: parseUpTo(request.upTo, now), partnerIds: parsePartnerIds(request.partnerIds), minimumMinor };
}

/**
 * Per partner: every line approved up to the cut-off, plus every clawback (a debt nets off whatever
 * is paid next, whenever the refund came). A partner whose net is not positive, or under the
 * minimum, is left out and keeps its balance; so an item is never negative or zero.
 */
export function planPayout(request: PayoutRequest, programCurrency: string, now: Date, lines: PayableLine[]) {
  const options = payoutOptions(request, programCurrency, now);
  const cutOff = Date.parse(options.upTo);
  const byPartner = new Map<string, PayoutLine[]>();
  for (const line of lines) {
    if (line.owedMinor === 0) continue;
    if (options.partnerIds && !options.partnerIds.has(line.partnerId)) continue;
    if (line.owedMinor > 0 && Date.parse(line.approvedAt) > cutOff) continue;
    const list = byPartner.get(line.partnerId) ?? [];
    list.push({ conversionId: line.conversionId, amountMinor: line.owedMinor, claim: line.claim });
    byPartner.set(line.partnerId, list);
  }
  // Sums in BigInt: a partner's lines, and a batch's partners, can add up past 2^53.
  const sums = [...byPartner.entries()]
    .map(([partnerId, list]) => ({
      partnerId,
      sum: list.reduce((sum, l) => sum + BigInt(l.amountMinor), 0n),
      lines: list.sort((a, b) => (a.conversionId < b.conversionId ? -1 : a.conversionId > b.conversionId ? 1 : 0)),
    }))
    .filter((item) => item.sum > 0n && item.sum >= BigInt(options.minimumMinor))
    .sort((a, b) => (a.partnerId < b.partnerId ? -1 : a.partnerId > b.partnerId ? 1 : 0));
  if (sums.length === 0) throw unprocessable('nothing_to_pay', 'no partner has approved commission to pay under these conditions');
  const items: PayoutItem[] = sums.map(({ partnerId, sum, lines }) => ({ partnerId, amountMinor: storeMinor(sum), lines }));
  return { currency: options.currency, upTo: options.upTo, items, totalMinor: storeMinor(sums.reduce((total, i) => total + i.sum, 0n)) };
}
