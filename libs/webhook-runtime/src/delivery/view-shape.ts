import type { Logger } from 'pino';
import { type EventStore, pagesOfAll } from '@partner-ledger/event-store';
import { payoutStream } from '@partner-ledger/domain';
import { type PersistedPublisherView, VIEW_SHAPE } from './persisted-view.js';

const PROGRAMS_PER_READ = 64;
const PAGE_SIZE = 500;

/**
 * Brings a persisted view of an older shape (see VIEW_SHAPE) to the current one, once, before the
 * publisher goes on. Shape 1 → 2: a version that did not keep payments folded `PayoutPaid` as
 * nothing, so the conversions it paid would read UNPAID; this reads the `PayoutPaid` events up to
 * where the view stands, from the payout streams of the programs the view holds only (a prefix
 * read per stream group, not the log), and marks those conversions paid. A broken-off upgrade is
 * done again from the start at the next start (marking paid twice changes nothing).
 */
export async function upgradeViewShape(events: EventStore, view: PersistedPublisherView, options: { upTo: bigint; stopping(): boolean; logger?: Logger }): Promise<void> {
  const from = await view.shape();
  if (from >= VIEW_SHAPE) return;
  options.logger?.info({ from, to: VIEW_SHAPE, upTo: String(options.upTo) }, 'publisher view: upgrading the documents to the current shape');
  let after: string | null = null;
  for (;;) {
    const programIds = await view.programIds(after, PROGRAMS_PER_READ);
    if (programIds.length === 0) break;
    const filter = { streamPrefixes: programIds.map((programId) => `${payoutStream(programId, '')}`), eventTypes: ['PayoutPaid'] };
    for await (const page of pagesOfAll(events, { pageSize: PAGE_SIZE, filter })) {
      if (options.stopping()) return;
      const upTo = page.filter((event) => event.position <= options.upTo);
      await view.refoldPayments(upTo);
      if (upTo.length < page.length) break;
    }
    after = programIds[programIds.length - 1];
  }
  await view.markShape();
}
