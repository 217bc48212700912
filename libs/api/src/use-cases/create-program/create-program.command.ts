import type { AmountInput } from '@partner-ledger/domain';
import type { CommandContext, PropsOf } from '../../shared/command-context.js';

/** A commission plan as a client sent it (validated for shape by the DTO, for meaning by the domain). */
export interface PlanInput {
  readonly commission: { readonly type: string; readonly amount: AmountInput; readonly duration?: { readonly type: string; readonly count?: number } };
  readonly tiers?: readonly { readonly level: number; readonly amount: AmountInput }[];
  readonly productRates?: readonly { readonly productId: string; readonly type: string; readonly amount: AmountInput }[];
  readonly approval?: { readonly mode: string; readonly holdDays?: number };
}

/** The DTO's plan as plain data: class instances and absent parts left out. */
export function planInputOf(body: PlanInput): PlanInput {
  const { commission, tiers, productRates, approval } = body;
  const duration = commission.duration && { type: commission.duration.type, ...(commission.duration.count !== undefined && { count: commission.duration.count }) };
  return {
    commission: { type: commission.type, amount: commission.amount, ...(duration && { duration }) },
    tiers: tiers?.map((t) => ({ level: t.level, amount: t.amount })),
    ...(productRates && { productRates: productRates.map((r) => ({ productId: r.productId, type: r.type, amount: r.amount })) }),
    ...(approval && { approval: { mode: approval.mode, ...(approval.holdDays !== undefined && { holdDays: approval.holdDays }) } }),
  };
}

export class CreateProgramCommand implements PlanInput {
  readonly name!: string;
  readonly currency!: string;
  readonly commission!: PlanInput['commission'];
  readonly tiers?: PlanInput['tiers'];
  readonly productRates?: PlanInput['productRates'];
  readonly approval?: PlanInput['approval'];
  readonly ctx!: CommandContext;

  constructor(props: PropsOf<CreateProgramCommand>) {
    Object.assign(this, props);
  }
}
