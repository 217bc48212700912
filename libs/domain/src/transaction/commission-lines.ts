import type { PartnerSnapshot } from '../partner/partner.js';
import { type CommissionLine, type CommissionPlan, commissionFor, levelOneRate, maxLevel } from '../program/commission-plan.js';
import type { CommissionTrace } from './transaction.js';

/**
 * The commission lines of a sale whose attributed `partner` earns, and the trace of how they were
 * computed: level 1 at the product's own rate when it has one, else the plan's commission; level N
 * at the plan's tier N, paid to `chain[N-2]`.
 */
export function commissionLines(
  plan: CommissionPlan & { currency: string },
  partner: PartnerSnapshot,
  chain: PartnerSnapshot[],
  amountMinor: number,
  productId: string | null,
): { commissions: CommissionLine[]; trace: CommissionTrace } {
  const levelOne = levelOneRate(plan, productId);
  const trace: CommissionTrace = { rule: plan.commission.type, base: amountMinor, levels: [] };
  if (levelOne.productId !== undefined) trace.productRate = { productId: levelOne.productId, type: levelOne.type, amount: levelOne.amount };
  const commissions: CommissionLine[] = [];
  const top = maxLevel(plan);
  for (let level = 1; level <= top; level++) {
    const earner = level === 1 ? partner : chain[level - 2];
    const rate = level === 1 ? levelOne.amount : plan.tiers.find((t) => t.level === level)?.amount;
    if (rate === undefined) continue;
    if (!earner) {
      trace.levels.push({ level, partnerId: null, rate, amountMinor: 0, skipped: 'no_partner' });
      continue;
    }
    // A referrer who is not ACTIVE forfeits its level; the chain is not compressed upwards.
    if (earner.status !== 'ACTIVE') {
      trace.levels.push({ level, partnerId: earner.partnerId, rate, amountMinor: 0, skipped: 'partner_not_active' });
      continue;
    }
    const amount = commissionFor(plan, level, amountMinor, plan.currency, productId);
    trace.levels.push({ level, partnerId: earner.partnerId, rate, amountMinor: amount });
    commissions.push({ partnerId: earner.partnerId, level, amountMinor: amount });
  }
  return { commissions, trace };
}
