import { type CommissionPlan, planAt, programDecider, type ProgramState, programStream } from '@partner-ledger/domain';
import type { AllFilter, EventStore, RecordedEvent } from '@partner-ledger/event-store';
import { isLedgerEvent } from '@partner-ledger/projections';

export interface ScanOptions {
  filter?: AllFilter;
  /** Inclusive lower bound on the global position. */
  fromPosition?: bigint;
  /** Inclusive upper bound on the global position. */
  toPosition?: bigint;
  /** Events per `readAll` page (default 1000). */
  pageSize?: number;
  /**
   * Called after each page with the position reached and the position of the last event of the log
   * when the scan started (or `toPosition` when lower): a progress bar's value and total.
   */
  onProgress?: (done: number, total: number) => void;
}

/**
 * `$all` forwards in pages, in order, filtered by the store (stream prefixes, event types) and
 * bounded by positions. Stops at the head as it was when the scan started, so a scan of a log that
 * keeps growing ends.
 */
export async function* scanAll(events: EventStore, options: ScanOptions = {}): AsyncGenerator<RecordedEvent> {
  const pageSize = options.pageSize ?? 1000;
  const [last] = await events.readAll({ direction: 'backwards', fromPosition: 'end', maxCount: 1 });
  if (!last) return;
  const head = options.toPosition !== undefined && options.toPosition < last.position ? options.toPosition : last.position;
  let from: bigint | 'start' = options.fromPosition ?? 'start';
  for (;;) {
    const page = await events.readAll({ fromPosition: from, maxCount: pageSize, filter: options.filter });
    for (const event of page) {
      if (event.position > head) {
        options.onProgress?.(Number(head), Number(head));
        return;
      }
      yield event;
    }
    const reached = page.length ? page[page.length - 1].position : head;
    options.onProgress?.(Number(reached < head ? reached : head), Number(head));
    if (page.length < pageSize || reached >= head) return;
    from = reached + 1n;
  }
}

/**
 * A program's currency and the commission plan in effect at `at` (default now), from its stream:
 * its creation and plan changes, a handful of events.
 */
export async function programPlan(events: EventStore, programId: string, at = new Date()): Promise<{ currency: string; plan: CommissionPlan } | null> {
  let state: ProgramState = programDecider.initialState();
  let created: CommissionPlan | null = null;
  for (const e of await events.readStream(programStream(programId))) {
    if (!isLedgerEvent(e) || (e.type !== 'ProgramCreated' && e.type !== 'CommissionPlanChanged')) continue;
    state = programDecider.evolve(state, e);
    if (e.type === 'ProgramCreated') {
      const { commission, tiers, productRates } = e.data;
      created = { commission, tiers: tiers ?? [], ...(productRates && { productRates }) };
    }
  }
  if (!state.exists || !created) return null;
  const current = planAt(state, at);
  // The creation plan as it was recorded (defaults left implicit), a later plan as it was changed to.
  const plan = current.effectiveFrom === null ? created : { commission: current.commission, tiers: current.tiers, productRates: current.productRates };
  return { currency: state.currency, plan };
}
