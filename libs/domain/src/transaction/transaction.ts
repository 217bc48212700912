import { type Actor, actorField } from '../actor.js';
import type { Decider } from '../decider.js';
import { conflict, notFound, unprocessable } from '../errors.js';
import { assertNever } from '../exhaustive.js';
import { assertCurrency } from '../money/currency.js';
import { parseAmount } from '../money/money.js';
import type { CommissionLine, CommissionPlan } from '../program/commission-plan.js';
import { type CustomerPurchase, LIFETIME, withinDuration } from '../program/commission-rules.js';
import type { PartnerSnapshot } from '../partner/partner.js';
import { assertKey, optionalText } from '../validation.js';
import type { ApprovalSettings } from '../program/approval.js';
import { assertAutoApprovable, type AUTO_AFTER_HOLD_RULE, type AutoApprovalRule, autoApprovalRuleAt } from './auto-approval.js';
import { type Attribution, conversionIdFor } from './attribution.js';
import { commissionLines } from './commission-lines.js';
import { decisionFields } from './decision.js';
import { type ConversionFlag, type FlagReason, flagsOf, type ReferralFacts, selfReferralReasons } from './flags.js';
import { addReversals, netCommissions, refundReversals } from './reversals.js';
import type { ConversionCreated, ConversionStatus, TransactionEvent, TransactionRecorded } from './transaction-events.js';

export * from './transaction-events.js';

export interface CreateTransaction {
  type: 'CreateTransaction';
  programId: string;
  transactionKey: string;
  amount: unknown;
  /** Optional currency sent by the client; must equal the program's. */
  currency?: unknown;
  productId?: unknown;
  productType?: unknown;
  couponCode?: unknown;
  /** Hash of the normalised request: a repeated key with the same body is a replay, not a conflict. */
  requestHash: string;
  /** The plan in effect at the sale, with the program's approval settings then (absent: MANUAL). */
  program: { currency: string; approval?: ApprovalSettings } & CommissionPlan;
  /** When the sale is decided (the handler's clock): its hold runs from here. Absent: no hold is recorded. */
  at?: Date;
  customerId: string;
  attribution: Attribution | null;
  /** The attributed partner's referrers, nearest first: chain[0] is paid at level 2. */
  chain: PartnerSnapshot[];
  /** For the self-referral check; without them the sale is not checked. */
  referral?: ReferralFacts;
  actor?: Actor;
  /** Which of the customer's attributed purchases this is; left out: the first (any duration pays it). */
  purchase?: CustomerPurchase;
}
export interface ApproveConversion {
  type: 'ApproveConversion';
  reason?: unknown;
  actor?: Actor;
  /**
   * The engine's approval process approves by its AUTO_AFTER_HOLD rule: the decider checks the
   * rule applies (auto-approval.ts) and records it. Left out: an approval as a person makes it.
   */
  byRule?: typeof AUTO_AFTER_HOLD_RULE;
  /** The handler's clock: whether the hold has passed is judged at this time. */
  now?: Date;
}
export interface DenyConversion {
  type: 'DenyConversion';
  reason?: unknown;
  actor?: Actor;
}
export interface ReopenConversion {
  type: 'ReopenConversion';
  reason?: unknown;
  actor?: Actor;
}
export interface RefundTransaction {
  type: 'RefundTransaction';
  refundId: string;
  /** Omitted → refund everything not yet refunded. */
  amount?: unknown;
  reason?: unknown;
  actor?: Actor;
}
export type TransactionCommand = CreateTransaction | ApproveConversion | DenyConversion | ReopenConversion | RefundTransaction;

export interface ConversionState {
  conversionId: string;
  partnerId: string;
  status: ConversionStatus;
  commissions: CommissionLine[];
  /** Cumulative reversal per commission line, same order as `commissions`. */
  reversed: number[];
  /** Flags raised when the sale was recorded (never cleared): a flagged conversion is never auto-approved. */
  flags: ConversionFlag[];
  flagReasons: FlagReason[];
  /** The AUTO_AFTER_HOLD rule it was sold under; null without one. */
  autoApproval: AutoApprovalRule | null;
  /** A person reopened it after a denial: from then on people decide it, the engine no longer does. */
  reopened: boolean;
}

export type TransactionState =
  | { exists: false }
  | {
      exists: true;
      recorded: TransactionRecorded['data'];
      refundedMinor: number;
      conversion: ConversionState | null;
    };

export const transactionStream = (programId: string, transactionKey: string) => `transaction-${programId}.${transactionKey}`;

function decideCreate(command: CreateTransaction, state: TransactionState): TransactionEvent[] {
  if (state.exists) {
    if (state.recorded.requestHash === command.requestHash) return [];
    throw conflict('transaction_key_reused', `transaction ${command.transactionKey} exists with a different body`, 'key');
  }
  const { program } = command;
  if (command.currency !== undefined && command.currency !== null) {
    const currency = assertCurrency(command.currency);
    if (currency !== program.currency) {
      throw unprocessable('currency_mismatch', `currency ${currency} differs from the program's ${program.currency}`, 'currency');
    }
  }
  const amountMinor = parseAmount(command.amount, program.currency, 'amount');
  const attribution = command.attribution;
  const active = attribution?.partner.status === 'ACTIVE';
  const inDuration = !command.purchase || withinDuration(program.commission.duration ?? LIFETIME, command.purchase);
  const earns = active && inDuration;
  const productId = optionalText(command.productId, 'productId', 128);
  const recorded: TransactionRecorded = {
    type: 'TransactionRecorded',
    data: {
      programId: command.programId,
      transactionKey: assertKey(command.transactionKey, 'key'),
      amountMinor,
      currency: program.currency,
      customerId: command.customerId,
      productId,
      productType: optionalText(command.productType, 'productType', 64),
      couponCode: optionalText(command.couponCode, 'couponCode', 128),
      requestHash: command.requestHash,
      attribution: attribution ? { source: attribution.source, partnerId: attribution.partner.partnerId, triggerId: attribution.triggerId ?? null } : null,
      unattributedReason: !attribution ? null : !active ? 'partner_not_active' : !inDuration ? 'commission_duration_ended' : null,
    },
  };
  if (!attribution || !earns) return [recorded];

  const { commissions, trace } = commissionLines(program, attribution.partner, command.chain, amountMinor, productId);
  const flagReasons = selfReferralReasons(attribution.partner, command.chain, command.referral);
  const created: ConversionCreated = {
    type: 'ConversionCreated',
    data: {
      programId: command.programId,
      conversionId: conversionIdFor(command.transactionKey),
      transactionKey: command.transactionKey,
      partnerId: attribution.partner.partnerId,
      customerId: command.customerId,
      amountMinor,
      currency: program.currency,
      status: 'PENDING',
      commissions,
      trace,
      ...(flagReasons.length ? { flags: flagsOf(flagReasons), flagReasons } : {}),
      ...withApproval(command.at && autoApprovalRuleAt(program.approval, command.at)),
      ...actorField(command.actor),
    },
  };
  return [recorded, created];
}

type ExistingTransaction = Extract<TransactionState, { exists: true }>;

function existing(state: TransactionState): ExistingTransaction {
  if (!state.exists) throw notFound('transaction_not_found', 'transaction not found');
  return state;
}

function decideRefund(command: RefundTransaction, state: ExistingTransaction): TransactionEvent[] {
  const { recorded, conversion } = state;
  const remaining = recorded.amountMinor - state.refundedMinor;
  if (remaining === 0) throw conflict('transaction_fully_refunded', 'the transaction is already fully refunded');
  const amountMinor = command.amount === undefined || command.amount === null ? remaining : parseAmount(command.amount, recorded.currency, 'amount');
  if (amountMinor > remaining) {
    throw unprocessable('refund_exceeds_remaining', `amount exceeds what remains to refund`, 'amount');
  }
  const refundedTotalMinor = state.refundedMinor + amountMinor;
  return [
    {
      type: 'TransactionRefunded',
      data: {
        programId: recorded.programId,
        transactionKey: recorded.transactionKey,
        refundId: command.refundId,
        amountMinor,
        refundedTotalMinor,
        fullyRefunded: refundedTotalMinor === recorded.amountMinor,
        currency: recorded.currency,
        conversionId: conversion?.conversionId ?? null,
        conversionStatus: conversion?.status ?? null,
        reversals: conversion ? refundReversals(conversion, refundedTotalMinor, recorded.amountMinor) : [],
        ...decisionFields(command),
      },
    },
  ];
}

/** What approval and denial events carry: the conversion's lines net of refunds so far. */
function reviewed(state: ExistingTransaction) {
  const { recorded, conversion } = state;
  if (!conversion) throw notFound('conversion_not_found', 'this transaction has no conversion');
  const data = {
    programId: recorded.programId,
    conversionId: conversion.conversionId,
    transactionKey: recorded.transactionKey,
    partnerId: conversion.partnerId,
    currency: recorded.currency,
    commissions: netCommissions(conversion),
  };
  return { conversion, data };
}

const withApproval = (approval: AutoApprovalRule | undefined) => (approval ? { approval } : {});

/**
 * A person may approve a pending conversion at any time, hold or not. An approval by the
 * AUTO_AFTER_HOLD rule (the engine's process, actor ENGINE) is made only when the rule applies,
 * checked here against the stream at the handler's `now` (auto-approval.ts), and the event carries
 * the rule as sold.
 */
function decideApprove(command: ApproveConversion, state: ExistingTransaction): TransactionEvent[] {
  const { conversion, data } = reviewed(state);
  if (conversion.status === 'APPROVED') return [];
  if (conversion.status === 'DENIED') throw conflict('conversion_denied', 'a denied conversion cannot be approved');
  if (state.recorded.amountMinor - state.refundedMinor === 0) {
    throw conflict('transaction_fully_refunded', 'a fully refunded conversion cannot be approved');
  }
  const rule = command.byRule ? assertAutoApprovable(conversion, command.now) : undefined;
  return [{ type: 'ConversionApproved', data: { ...data, ...withApproval(rule), ...decisionFields(command) } }];
}

function decideDeny(command: DenyConversion, state: ExistingTransaction): TransactionEvent[] {
  const { conversion, data } = reviewed(state);
  if (conversion.status === 'DENIED') return [];
  if (conversion.status === 'APPROVED') {
    throw conflict('conversion_already_approved', 'an approved conversion cannot be denied; refund the transaction instead');
  }
  return [{ type: 'ConversionDenied', data: { ...data, reason: optionalText(command.reason, 'reason', 500), ...actorField(command.actor) } }];
}

/**
 * Only a DENIED conversion can be reopened, and not once its sale is fully refunded (nothing would
 * be left to approve). Reopening is not idempotent like approve and deny: a second reopen finds the
 * conversion PENDING and is refused, so a retried request cannot be mistaken for a decision.
 */
function decideReopen(command: ReopenConversion, state: ExistingTransaction): TransactionEvent[] {
  const { conversion, data } = reviewed(state);
  if (conversion.status === 'PENDING') throw conflict('conversion_already_pending', 'the conversion is pending already: only a denied conversion can be reopened');
  if (conversion.status === 'APPROVED') {
    throw conflict('conversion_already_approved', 'an approved conversion cannot be reopened; refund the transaction instead');
  }
  if (state.recorded.amountMinor - state.refundedMinor === 0) {
    throw conflict('transaction_fully_refunded', 'a fully refunded conversion cannot be reopened');
  }
  const reason = optionalText(command.reason, 'reason', 500);
  // Refunds made while it was denied reversed nothing; priced now as if it had been pending throughout.
  const reversals = refundReversals({ ...conversion, status: 'PENDING' }, state.refundedMinor, state.recorded.amountMinor);
  return [{ type: 'ConversionReopened', data: { ...data, reason, reversals, ...actorField(command.actor) } }];
}

export const transactionDecider: Decider<TransactionCommand, TransactionEvent, TransactionState> = {
  initialState: () => ({ exists: false }),
  decide(command, state) {
    switch (command.type) {
      case 'CreateTransaction':
        return decideCreate(command, state);
      case 'RefundTransaction':
        return decideRefund(command, existing(state));
      case 'ApproveConversion':
        return decideApprove(command, existing(state));
      case 'DenyConversion':
        return decideDeny(command, existing(state));
      case 'ReopenConversion':
        return decideReopen(command, existing(state));
      default:
        return assertNever(command);
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'TransactionRecorded':
        return { exists: true, recorded: event.data, refundedMinor: 0, conversion: null };
      case 'ConversionCreated':
        if (!state.exists) return state;
        return {
          ...state,
          conversion: {
            conversionId: event.data.conversionId,
            partnerId: event.data.partnerId,
            status: 'PENDING',
            commissions: event.data.commissions,
            reversed: event.data.commissions.map(() => 0),
            flags: event.data.flags ?? [],
            flagReasons: event.data.flagReasons ?? [],
            autoApproval: event.data.approval ?? null,
            reopened: false,
          },
        };
      case 'ConversionApproved':
      case 'ConversionDenied':
        if (!state.exists || !state.conversion) return state;
        return { ...state, conversion: { ...state.conversion, status: event.type === 'ConversionApproved' ? 'APPROVED' : 'DENIED' } };
      case 'ConversionReopened': {
        if (!state.exists || !state.conversion) return state;
        const conversion = state.conversion;
        const reversed = addReversals(conversion.commissions, conversion.reversed, event.data.reversals);
        return { ...state, conversion: { ...conversion, status: 'PENDING', reversed, reopened: true } };
      }
      case 'TransactionRefunded': {
        if (!state.exists) return state;
        const conversion = state.conversion;
        if (!conversion) return { ...state, refundedMinor: event.data.refundedTotalMinor };
        const reversed = addReversals(conversion.commissions, conversion.reversed, event.data.reversals);
        return { ...state, refundedMinor: event.data.refundedTotalMinor, conversion: { ...conversion, reversed } };
      }
      default:
        return assertNever(event);
    }
  },
};
