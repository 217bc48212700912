import { type CommissionPlan, programStream } from '@partner-ledger/domain';
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

/** A program's currency and commission plan, from its stream (a program never changes). */
export async function programPlan(events: EventStore, programId: string): Promise<{ currency: string; plan: CommissionPlan } | null> {
  const [created] = await events.readStream(programStream(programId), { maxCount: 1 });
  if (!created || !isLedgerEvent(created) || created.type !== 'ProgramCreated') return null;
  const { currency, commission, tiers } = created.data;
  return { currency, plan: { commission, tiers: tiers ?? [] } };
}
