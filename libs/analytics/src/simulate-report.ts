import { type CommissionPlan, formatAmount } from '@partner-ledger/domain';
import { BUCKETS, type SimulationResult, type Totals } from './simulate.js';

/** "10% + level 2 5%" / "5.00 USD flat + level 2 1.00". */
export function describePlan(plan: CommissionPlan, currency: string): string {
  const unit = (amount: string) => (plan.commission.type === 'PERCENT_OF_SALE' ? `${amount}%` : `${amount} ${currency}`);
  const head = `${plan.commission.type === 'PERCENT_OF_SALE' ? 'percent of sale' : 'flat rate'} ${unit(plan.commission.amount)}`;
  const text = [head, ...plan.tiers.map((t) => `level ${t.level} ${unit(t.amount)}`)].join(' + ');
  // Only what differs from the defaults, so a plan of before reads as it always did.
  const duration = plan.commission.duration;
  const limited = !duration ? '' : 'count' in duration ? `, for ${duration.count} ${duration.type.toLowerCase()}` : duration.type === 'ONE_TIME' ? ', first purchase only' : '';
  const products = plan.productRates?.length ? `, ${plan.productRates.length} product rate(s)` : '';
  return text + limited + products;
}

const signed = (minor: bigint, currency: string) => (minor > 0n ? '+' : '') + formatAmount(minor, currency);

/** Amounts as decimal strings, for `--json`. */
export function simulationJson(result: SimulationResult & { currentPlan?: CommissionPlan }) {
  const totals = (t: Totals, currency: string, diff = false) =>
    Object.fromEntries(BUCKETS.map((b) => [b, { count: t[b].count, amount: diff ? signed(t[b].amount, currency) : formatAmount(t[b].amount, currency) }]));
  const row = (r: { currency: string; actual: Totals; simulated: Totals; difference: Totals }) => ({
    currency: r.currency,
    today: totals(r.actual, r.currency),
    plan: totals(r.simulated, r.currency),
    difference: totals(r.difference, r.currency, true),
  });
  return {
    programId: result.programId,
    currency: result.currency,
    ...(result.currentPlan ? { currentPlan: result.currentPlan } : {}),
    plan: result.plan,
    from: result.from ? result.from.toISOString() : null,
    conversions: result.conversions,
    position: result.position === null ? null : String(result.position),
    partners: result.partners.map((p) => ({
      partnerId: p.partnerId,
      ...row(p),
      paid: { count: p.paid.count, amount: formatAmount(p.paid.amount, p.currency) },
      balance: { today: formatAmount(p.balance.actual, p.currency), plan: formatAmount(p.balance.simulated, p.currency) },
    })),
    total: result.total.map(row),
  };
}

/** A plain-text table: per partner and bucket, today vs the plan and the difference. */
export function simulationTable(result: SimulationResult & { currentPlan?: CommissionPlan }): string {
  const lines: string[] = [];
  lines.push(`Program ${result.programId} (${result.currency}): ${result.conversions} conversion(s) replayed`);
  if (result.currentPlan) lines.push(`  today: ${describePlan(result.currentPlan, result.currency)}`);
  lines.push(`  plan:  ${describePlan(result.plan, result.currency)}`);
  if (result.from) lines.push(`  from:  ${result.from.toISOString()} on (earlier sales keep what they earned)`);
  lines.push('');
  const header = ['partner', 'currency', 'bucket', 'count today', 'count plan', 'today', 'plan', 'difference'];
  const rows: string[][] = [];
  const add = (name: string, r: { currency: string; actual: Totals; simulated: Totals; difference: Totals }) => {
    BUCKETS.forEach((b, i) => {
      rows.push([
        i === 0 ? name : '',
        i === 0 ? r.currency : '',
        b,
        String(r.actual[b].count),
        String(r.simulated[b].count),
        formatAmount(r.actual[b].amount, r.currency),
        formatAmount(r.simulated[b].amount, r.currency),
        r.difference[b].amount === 0n ? '0' : signed(r.difference[b].amount, r.currency),
      ]);
    });
  };
  for (const p of result.partners) add(p.partnerId, p);
  for (const t of result.total) add('TOTAL', t);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const right = new Set([3, 4, 5, 6, 7]);
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  lines.push(fmt(header));
  lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) lines.push(fmt(r));
  if (result.partners.length === 0) lines.push('(no commission in either plan)');
  const changed = result.partners.filter((p) => BUCKETS.some((b) => p.difference[b].amount !== 0n || p.difference[b].count !== 0)).length;
  lines.push('');
  lines.push(changed === 0 ? 'No difference for any partner.' : `${changed} partner(s) with a difference.`);
  return lines.join('\n') + '\n';
}
