import { MAX_STEP_MS } from '@partner-ledger/config';
import type { Outcome } from './bus.port.js';

/** Anything a handler returns that is not a known outcome is a retry (so no message is lost to a typo). */
export function normalizeOutcome(outcome: Outcome | undefined): Outcome {
  switch (outcome?.kind) {
    case 'ack':
      return { kind: 'ack' };
    case 'dead':
      return { kind: 'dead', reason: String(outcome.reason ?? 'dead-lettered by the handler') };
    case 'retry': {
      const n = outcome.notBeforeMs;
      return { kind: 'retry', notBeforeMs: typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined, reason: outcome.reason };
    }
    case 'defer': {
      const n = outcome.delayMs;
      return { kind: 'defer', delayMs: typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.min(n, MAX_STEP_MS) : 0, reason: outcome.reason };
    }
    default:
      return { kind: 'retry', reason: `handler returned an invalid outcome: ${JSON.stringify(outcome)}` };
  }
}

/** The retry reason recorded when a handler throws. */
export function handlerErrorReason(error: unknown): string {
  return `handler threw: ${error instanceof Error ? error.message : String(error)}`;
}

/** The dead-letter reason once the ladder is spent. */
export function exhaustedReason(attempts: number, reason: string | undefined): string {
  return `retries exhausted after ${attempts} attempt${attempts === 1 ? '' : 's'}${reason ? `: ${reason}` : ''}`;
}
