import { describe, expect, it } from '@jest/globals';
import { DomainError } from '@partner-ledger/domain';
import { WrongExpectedRevisionError } from '@partner-ledger/event-store';
import { backoffMs, DECIDE_AGAIN_ONCE, DECIDE_ONCE, decideWithRetries, RETRY_POLICIES, retryPolicyOf, UNTIL_DECIDED } from './retry-policy.js';

const conflictOn = (stream: string) => new WrongExpectedRevisionError(stream, 3n, 4n);

/** An attempt that loses the race `losses` times, then appends; it counts its calls. */
function losing(losses: number) {
  const calls: number[] = [];
  const attempt = async (n: number) => {
    calls.push(n);
    if (n <= losses) throw conflictOn('s-1');
    return `appended on try ${n}`;
  };
  return { calls, attempt };
}

describe('retry policy', () => {
  it('a commuting command is decided again until it is decided, within its bound', async () => {
    const { calls, attempt } = losing(UNTIL_DECIDED.attempts - 1);
    await expect(decideWithRetries('s-1', attempt, () => UNTIL_DECIDED)).resolves.toBe(`appended on try ${UNTIL_DECIDED.attempts}`);
    expect(calls).toEqual(Array.from({ length: UNTIL_DECIDED.attempts }, (_, i) => i + 1));
  });

  it('past its bound a conflict is 409 concurrent_modification, after exactly `attempts` decisions', async () => {
    for (const policy of [DECIDE_ONCE, DECIDE_AGAIN_ONCE, UNTIL_DECIDED]) {
      const { calls, attempt } = losing(Infinity);
      const error = await decideWithRetries('s-1', attempt, () => policy).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({ kind: 'conflict', code: 'concurrent_modification' });
      expect(calls).toHaveLength(policy.attempts);
    }
  });

  it("a decider's refusal ends it at once: refused is decided", async () => {
    let calls = 0;
    const refusal = new DomainError('unprocessable', 'refund_exceeds_remaining', 'amount exceeds what remains to refund');
    const attempt = async (n: number) => {
      calls += 1;
      if (n === 1) throw conflictOn('s-1');
      throw refusal;
    };
    await expect(decideWithRetries('s-1', attempt, () => UNTIL_DECIDED)).rejects.toBe(refusal);
    expect(calls).toBe(2);
  });

  it('the policy is read after each decision, so it follows the command decided from the state read', async () => {
    let policy = UNTIL_DECIDED;
    const { calls, attempt } = losing(Infinity);
    const switching = async (n: number) => {
      if (n === 2) policy = DECIDE_AGAIN_ONCE;
      return attempt(n);
    };
    await expect(decideWithRetries('s-1', switching, () => policy)).rejects.toMatchObject({ code: 'concurrent_modification' });
    expect(calls).toEqual([1, 2]);
  });

  it('waits with full jitter, within base·2^(n-1) and the cap; the worst case of a commuting command stays under a second', () => {
    expect(backoffMs(UNTIL_DECIDED, 1, () => 0)).toBe(0);
    expect(backoffMs(UNTIL_DECIDED, 1, () => 0.999)).toBe(UNTIL_DECIDED.baseDelayMs);
    expect(backoffMs(UNTIL_DECIDED, 3, () => 0.999)).toBe(UNTIL_DECIDED.baseDelayMs * 4);
    expect(backoffMs(UNTIL_DECIDED, 30, () => 0.999)).toBe(UNTIL_DECIDED.maxDelayMs);
    expect(backoffMs(DECIDE_AGAIN_ONCE, 1, () => 0.999)).toBe(0);
    let worst = 0;
    for (let n = 1; n < UNTIL_DECIDED.attempts; n++) worst += backoffMs(UNTIL_DECIDED, n, () => 0.999);
    expect(worst).toBeLessThan(1000);
  });

  it('every command has its policy; partial refunds and the conversion decisions are decided until decided', () => {
    expect(retryPolicyOf({ type: 'RefundTransaction' })).toBe(UNTIL_DECIDED);
    for (const name of ['ApproveConversion', 'DenyConversion', 'ReopenConversion', 'CountPurchase'] as const) expect(RETRY_POLICIES[name]).toBe(UNTIL_DECIDED);
    for (const name of ['ChangeCommissionPlan', 'ChangePartnerStatus', 'UpdatePartnerDetails'] as const) expect(RETRY_POLICIES[name]).toBe(DECIDE_AGAIN_ONCE);
    expect(retryPolicyOf({ type: 'NotACommand' })).toBe(DECIDE_AGAIN_ONCE);
    expect(retryPolicyOf(null)).toBe(DECIDE_AGAIN_ONCE);
  });
});
