import { type CommissionLine, formatAmount, netCommissions, type PlanVersion, planAt, type ProgramCreated, type TransactionState } from '@partner-ledger/domain';
import type { Customer, Partner, Program } from './lookups.js';

/** Response shapes of docs/http-api.md: amounts as decimal strings, positions as strings. */
export const commissionView = (lines: CommissionLine[], currency: string) => lines.map((l) => ({ partnerId: l.partnerId, level: l.level, amount: formatAmount(l.amountMinor, currency) }));

/** A program as created: its plan as recorded, the optional parts only when they were sent. */
export const createdProgramView = (d: ProgramCreated['data']) => ({
  id: d.programId,
  name: d.name,
  currency: d.currency,
  commission: d.commission,
  tiers: d.tiers,
  ...(d.productRates && { productRates: d.productRates }),
  ...(d.approval && { approval: d.approval }),
});

const planView = (plan: PlanVersion) => ({
  effectiveFrom: plan.effectiveFrom,
  commission: plan.commission,
  tiers: plan.tiers,
  productRates: plan.productRates,
  approval: plan.approval,
});

/** A program with the plan in effect at `now` spelled out (defaults included) and every plan by effective time. */
export const programView = (p: Program, now: Date) => {
  const { effectiveFrom, ...current } = planView(planAt(p, now));
  return { id: p.programId, name: p.name, currency: p.currency, ...current, effectiveFrom, plans: p.plans.map(planView) };
};

export const partnerView = (p: Partner) => ({
  id: p.partnerId,
  key: p.key,
  email: p.email,
  name: p.name,
  status: p.status,
  referringPartnerId: p.referringPartnerId,
  details: p.details,
});

export const customerView = (c: Customer) => ({
  id: c.customerId,
  key: c.key,
  email: c.email,
  name: c.name,
  partnerId: c.partnerId,
  referringCustomerId: c.referringCustomerId,
});

type ExistingTransaction = Extract<TransactionState, { exists: true }>;

export function conversionView(t: ExistingTransaction) {
  const c = t.conversion;
  if (!c) return null;
  const currency = t.recorded.currency;
  return {
    id: c.conversionId,
    status: c.status,
    transactionKey: t.recorded.transactionKey,
    partnerId: c.partnerId,
    amount: formatAmount(t.recorded.amountMinor, currency),
    currency,
    commissions: commissionView(netCommissions(c), currency),
    flags: c.flags,
    flagReasons: c.flagReasons,
    // Only for a sale under an AUTO_AFTER_HOLD rule: when it falls due.
    ...(c.autoApproval ? { approval: c.autoApproval } : {}),
  };
}

export function transactionView(t: ExistingTransaction) {
  const r = t.recorded;
  const conversion = conversionView(t);
  return {
    key: r.transactionKey,
    amount: formatAmount(r.amountMinor, r.currency),
    refunded: formatAmount(t.refundedMinor, r.currency),
    currency: r.currency,
    customerId: r.customerId,
    productId: r.productId,
    productType: r.productType,
    couponCode: r.couponCode,
    attribution: r.attribution,
    unattributedReason: r.unattributedReason,
    conversion: conversion && {
      id: conversion.id,
      status: conversion.status,
      partnerId: conversion.partnerId,
      commissions: conversion.commissions,
      flags: conversion.flags,
      flagReasons: conversion.flagReasons,
      ...(conversion.approval ? { approval: conversion.approval } : {}),
    },
  };
}
