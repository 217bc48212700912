import { AutoApprover } from '@partner-ledger/api';
import { EVENT_STORE, type EventStore } from '@partner-ledger/event-store';
import type { TestEngine } from './engine.fixture.js';
import { caughtUp } from './random-history.js';
import { until } from './webhook-receiver.js';

/** The engine's auto-approver (to run a look now, or read what is due). */
export const autoApproverOf = (engine: TestEngine): AutoApprover => engine.app.get(AutoApprover, { strict: false });

/**
 * Waits until the engine's auto-approver has nothing left due by its clock, with the read side
 * caught up with the log: after it, the engine appends nothing more on its own until the clock
 * moves or a command is sent.
 */
export async function autoApprovalsSettled(engine: TestEngine, timeoutMs = 30_000): Promise<void> {
  const events = engine.app.get<EventStore>(EVENT_STORE, { strict: false });
  await until(
    'no conversion left due',
    async () => {
      await caughtUp(engine.readSide, events, timeoutMs);
      return (await autoApproverOf(engine).dueNow(1)).length === 0;
    },
    timeoutMs,
  );
  await caughtUp(engine.readSide, events, timeoutMs);
}
