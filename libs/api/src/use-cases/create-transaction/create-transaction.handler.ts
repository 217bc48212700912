import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '@partner-ledger/platform';
import { hash } from 'node:crypto';
import { assertKey, LIFETIME, parseAmount, planAt, transactionDecider, transactionStream, unprocessable } from '@partner-ledger/domain';
import type { Versioned } from '../../shared/etag.js';
import { position } from '../../shared/http.js';
import { newId } from '../../shared/ids.js';
import { Lookups, type Program } from '../../shared/lookups.js';
import { PurchaseCounter } from '../../shared/purchase-counter.js';
import { StreamRunner } from '../../shared/stream-runner.js';
import { transactionView } from '../../shared/views.js';
import { Attributor } from './attribute.js';
import { CreateTransactionCommand } from './create-transaction.command.js';
import { referralFacts } from './referral-facts.js';

export interface RecordedTransaction extends Versioned<ReturnType<typeof transactionView> & { position: string }> {
  /** True when the key was recorded before with the same request: nothing was appended. */
  replayed: boolean;
}

/**
 * Two requests with one key are the same transaction when their bodies mean the same thing:
 * "149.99" and 149.99 hash alike, field order does not matter.
 */
export function requestHash(body: Omit<CreateTransactionCommand, 'programId' | 'ctx' | 'key'>, program: Program): string {
  let amount: string;
  try {
    amount = String(parseAmount(body.amount, program.currency));
  } catch {
    amount = `raw:${String(body.amount)}`;
  }
  const canonical = {
    customerKey: body.customerKey,
    amount,
    // Leaving the currency out means the program's: both spellings are the same request.
    currency: body.currency ?? program.currency,
    productId: body.productId ?? null,
    productType: body.productType ?? null,
    couponCode: body.couponCode ?? null,
    partnerKey: body.partnerKey ?? null,
  };
  return hash('sha256', JSON.stringify(canonical), 'base64url');
}

@CommandHandler(CreateTransactionCommand)
export class CreateTransactionHandler implements ICommandHandler<CreateTransactionCommand> {
  constructor(
    private readonly runner: StreamRunner,
    private readonly lookups: Lookups,
    private readonly attributor: Attributor,
    private readonly purchases: PurchaseCounter,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(body: CreateTransactionCommand): Promise<RecordedTransaction> {
    const { programId, ctx } = body;
    // A sale's time is when it is decided here, by the engine's clock: it picks the plan in effect,
    // is the purchase's time for a commission duration, and starts the hold of an AUTO_AFTER_HOLD
    // program (the event's `created`, a few milliseconds later, is what readers of the log see).
    const now = this.clock.now();
    const transactionKey = body.key === undefined ? newId('txn') : assertKey(body.key, 'key');
    // Every stream read to decide (the program's plan, the customer, the partners, reservations)
    // goes through `reads`: answered from the stream cache, each revision carried by the append.
    const result = await this.runner.handle(
      transactionStream(programId, transactionKey),
      transactionDecider,
      async (state, reads) => {
        const program = await this.lookups.requireCurrentProgram(programId, reads);
        const { commission, tiers, productRates, approval } = planAt(program, now);
        const priced = { currency: program.currency, commission, tiers, productRates, approval };
        const hash = requestHash(body, program);
        const base = { type: 'CreateTransaction' as const, programId, transactionKey, amount: body.amount, requestHash: hash, program: priced, at: now };
        // A replay is decided on the stored request hash alone: no look-up can change its answer.
        if (state.exists) return { ...base, customerId: state.recorded.customerId, attribution: null, chain: [] };
        const customer = await this.lookups.customerBy(programId, { key: body.customerKey }, reads);
        if (!customer) throw unprocessable('customer_not_found', 'customerKey names no customer of this program', 'customerKey');
        const { attribution, chain, partners } = await this.attributor.attribute(program, customer, body, priced, reads);
        // Only a sale that creates a conversion (an ACTIVE partner) can be flagged.
        const referral = attribution?.partner.status === 'ACTIVE' ? await referralFacts(this.lookups, programId, customer, partners, reads) : undefined;
        const command = {
          ...base,
          currency: body.currency,
          productId: body.productId,
          productType: body.productType,
          couponCode: body.couponCode,
          customerId: customer.customerId,
          attribution,
          chain,
          referral,
          actor: ctx.actor,
        };
        // Purchases are counted only while a limited duration is in effect: a LIFETIME plan needs
        // no count, and its sales append nothing more than they always did. A duration that starts
        // after a LIFETIME plan therefore runs from the customer's first purchase under it.
        if (!attribution || (commission.duration ?? LIFETIME).type === 'LIFETIME') return command;
        // Counted only once the sale is known to be accepted (a refusal counts nothing).
        const purchase = await this.purchases.count(
          programId,
          customer.customerId,
          transactionKey,
          now,
          (p) => void transactionDecider.decide({ ...command, purchase: p }, state),
          ctx,
          reads,
        );
        return { ...command, purchase };
      },
      ctx,
      // A sale's key is new but for a client's retry of the same request.
      { assumeNew: true },
    );
    if (!result.state.exists) throw new Error('transaction not recorded');
    return {
      replayed: result.events.length === 0,
      body: { ...transactionView(result.state), position: position(result.position) },
      revision: result.revision as bigint,
    };
  }
}
