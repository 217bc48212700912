import { Injectable } from '@nestjs/common';
import { type Attribution, type CommissionPlan, maxLevel, normalizeTrigger, type PartnerSnapshot, unprocessable } from '@partner-ledger/domain';
import { type Customer, Lookups, type Partner, type Program, snapshotOf } from '../../shared/lookups.js';
import type { ReadSet } from '../../shared/stream-cache.js';

/**
 * Resolves ATTRIBUTION_ORDER lazily: each source costs stream reads, and the first that names a
 * partner ends the search.
 */
@Injectable()
export class Attributor {
  constructor(private readonly lookups: Lookups) {}

  async attribute(
    program: Program,
    customer: Customer,
    input: { partnerKey?: string; couponCode?: string; productId?: string },
    /** The plan the sale is priced under: its deepest tier says how far up the chain to look. */
    plan: CommissionPlan,
    /** The decision's reads (stream-cache.ts): every stream looked at here is recorded in it. */
    reads?: ReadSet,
  ): Promise<{ attribution: Attribution | null; chain: PartnerSnapshot[]; partners: Partner[] }> {
    const pid = program.programId;
    let found: { source: Attribution['source']; partner: Partner; triggerId?: string } | null = null;

    if (input.partnerKey !== undefined) {
      const partner = await this.lookups.partnerBy(pid, { key: input.partnerKey }, reads);
      if (!partner) throw unprocessable('partner_not_found', 'partnerKey names no partner of this program', 'partnerKey');
      found = { source: 'partner_key', partner };
    }
    if (!found && input.couponCode) found = await this.byTrigger(pid, 'COUPON', input.couponCode, 'coupon', reads);
    if (!found && customer.partnerId) {
      const partner = await this.lookups.partner(pid, customer.partnerId, reads);
      if (partner) found = { source: 'customer', partner };
    }
    if (!found) found = await this.byTrigger(pid, 'EMAIL', customer.email, 'email_trigger', reads);
    if (!found && input.productId) found = await this.byTrigger(pid, 'SKU', input.productId, 'sku_trigger', reads);
    if (!found) return { attribution: null, chain: [], partners: [] };

    const uplines = await this.chainAbove(pid, found.partner, maxLevel(plan) - 1, reads);
    return {
      attribution: { source: found.source, partner: snapshotOf(found.partner), triggerId: found.triggerId },
      chain: uplines.map(snapshotOf),
      // As loaded, emails included: the self-referral check compares them with the buyer's.
      partners: [found.partner, ...uplines],
    };
  }

  /** The referrers above `partner`, nearest first, at most `depth` of them; a cycle ends the walk. */
  private async chainAbove(pid: string, partner: Partner, depth: number, reads?: ReadSet): Promise<Partner[]> {
    const chain: Partner[] = [];
    const seen = new Set([partner.partnerId]);
    let next = partner.referringPartnerId;
    while (next && chain.length < depth && !seen.has(next)) {
      seen.add(next);
      const upline = await this.lookups.partner(pid, next, reads);
      if (!upline) break;
      chain.push(upline);
      next = upline.referringPartnerId;
    }
    return chain;
  }

  private async byTrigger(pid: string, type: 'COUPON' | 'EMAIL' | 'SKU', value: string, source: Attribution['source'], reads?: ReadSet) {
    let normalized: string;
    try {
      normalized = normalizeTrigger(type, value);
    } catch {
      return null; // a value that could never be a trigger matches none
    }
    const trigger = await this.lookups.trigger(pid, type, normalized, reads);
    if (!trigger) return null;
    const partner = await this.lookups.partner(pid, trigger.partnerId, reads);
    return partner ? { source, partner, triggerId: trigger.triggerId } : null;
  }
}
