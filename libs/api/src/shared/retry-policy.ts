import { setTimeout as sleep } from 'node:timers/promises';
import {
  conflict,
  type CreateConversionTrigger,
  type CountPurchase,
  type CustomerCommand,
  type PartnerCommand,
  type PayoutCommand,
  type ProgramCommand,
  type ReservationCommand,
  type TransactionCommand,
} from '@partner-ledger/domain';
import { WrongExpectedRevisionError } from '@partner-ledger/event-store';

/**
 * What a command does when another writer appended to its stream between its read and its append
 * (the store's `WrongExpectedRevisionError`): how many decisions it may make on fresh state before
 * answering `409 concurrent_modification`, and how long it waits between them.
 */
export interface RetryPolicy {
  /** Decisions at most, the first included. */
  readonly attempts: number;
  /**
   * Before the n-th decision again: a random wait in [0, min(maxDelayMs, baseDelayMs·2^(n-1))]
   * ("full jitter"), so writers that collided spread out instead of colliding again in step.
   */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Decided once: a conflict is answered 409 at once. */
export const DECIDE_ONCE: RetryPolicy = { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 };

/** Decided again once, straight away; a second conflict means sustained contention and is a 409. */
export const DECIDE_AGAIN_ONCE: RetryPolicy = { attempts: 2, baseDelayMs: 0, maxDelayMs: 0 };

/**
 * Decided again until it is decided: appended, or refused by the decider for what the fresh state
 * says. Twenty writers on one stream settle within this many tries (the e2e race has them); the
 * waits add up to under a second in the worst case, so a request never hangs on a hot stream.
 */
export const UNTIL_DECIDED: RetryPolicy = { attempts: 16, baseDelayMs: 2, maxDelayMs: 64 };

export type CommandName =
  | ProgramCommand['type']
  | PartnerCommand['type']
  | CustomerCommand['type']
  | CreateConversionTrigger['type']
  | ReservationCommand['type']
  | TransactionCommand['type']
  | PayoutCommand['type']
  | CountPurchase['type'];

/**
 * Every command's policy, in one place (a command added to the domain must be given one here, or
 * the build fails). Decided again without limit of meaning, only of tries, are the commands that
 * commute with whatever raced them: they add to what the other write did (a partial refund adds to
 * the refunded total, a purchase count to the count) or move the entity along a transition whose
 * condition is checked again on fresh state (approve, deny, reopen, confirm, cancel, reserve,
 * release). Deciding them again is what a client retrying by hand would do, and the answer is
 * the true one: appended, or refused with the decider's own code (`refund_exceeds_remaining`,
 * `conversion_denied`, `payout_already_paid`, `partner_email_taken` …), never a lost update.
 * One conversion lives in each transaction stream, so its writers are that conversion's decisions,
 * its refunds and the auto-approver.
 *
 * Commands that replace a value (a plan, a status, details) are decided again once: past that, two
 * clients are setting the same thing at once, and a 409 lets each read what the other set (or send
 * `If-Match`). Creations whose stream is named by the request (a transaction key, a trigger) settle
 * on the second decision (replay, `transaction_key_reused`, `trigger_taken`), so a third is never
 * needed. Creations on a stream named by an id generated for the request cannot meet another
 * writer there, so a conflict is not retried. A command sent with `If-Match` is never decided
 * again, whatever its policy: the client decided on what it read (412 instead).
 */
export const RETRY_POLICIES: Record<CommandName, RetryPolicy> = {
  RefundTransaction: UNTIL_DECIDED,
  ApproveConversion: UNTIL_DECIDED,
  DenyConversion: UNTIL_DECIDED,
  ReopenConversion: UNTIL_DECIDED,
  ConfirmPayout: UNTIL_DECIDED,
  CancelPayout: UNTIL_DECIDED,
  CountPurchase: UNTIL_DECIDED,
  Reserve: UNTIL_DECIDED,
  Release: UNTIL_DECIDED,
  ChangeCommissionPlan: DECIDE_AGAIN_ONCE,
  ChangePartnerStatus: DECIDE_AGAIN_ONCE,
  UpdatePartnerDetails: DECIDE_AGAIN_ONCE,
  CreateTransaction: DECIDE_AGAIN_ONCE,
  CreateConversionTrigger: DECIDE_AGAIN_ONCE,
  CreateProgram: DECIDE_ONCE,
  CreatePartner: DECIDE_ONCE,
  CreateCustomer: DECIDE_ONCE,
  CreatePayout: DECIDE_ONCE,
};

/** The policy of a decided command; one outside the table (none today) gets the cautious default. */
export function retryPolicyOf(command: unknown): RetryPolicy {
  const name = (command as { type?: unknown } | null)?.type;
  return typeof name === 'string' && Object.hasOwn(RETRY_POLICIES, name) ? RETRY_POLICIES[name as CommandName] : DECIDE_AGAIN_ONCE;
}

/** The wait before decision `attempt` + 1 (attempt ≥ 1), drawn with full jitter. */
export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * (ceiling + 1));
}

/**
 * Runs `attempt` (one read → decide → append) until it returns, retrying on a revision conflict as
 * the command's policy allows. `attempt` hands back the policy with the command it decided, so a
 * policy follows the command even when it is built from the state read. Any other error, or the
 * last conflict, ends it: a conflict past the policy is `409 concurrent_modification`. `retries`
 * narrows which conflicts are this attempt's to retry (default: all); the others go to the caller.
 */
export async function decideWithRetries<T>(
  streamName: string,
  attempt: (n: number) => Promise<T>,
  policyOf: () => RetryPolicy,
  retries: (conflict: WrongExpectedRevisionError) => boolean = () => true,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError) || !retries(error)) throw error;
      const policy = policyOf();
      if (n >= policy.attempts) throw conflict('concurrent_modification', `${streamName} was changed by other requests ${n} time(s) in a row; retry`);
      const wait = backoffMs(policy, n);
      if (wait > 0) await sleep(wait);
    }
  }
}
