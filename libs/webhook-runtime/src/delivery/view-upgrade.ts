import type { Logger } from 'pino';
import { type EventStore, pagesOfAll } from '@partner-ledger/event-store';
import type { PersistedPublisherView } from './persisted-view.js';

export interface UpgradeOptions {
  /** The publisher's checkpoint name and position: the view is built up to `position`. */
  checkpoint: string;
  position: bigint;
  /** Where the view stands (null: nothing persisted); a broken-off upgrade goes on from there. */
  from: bigint | null;
  stopping(): boolean;
  logger?: Logger;
}

const PAGE_SIZE = 500;

/**
 * The upgrade path from a publisher that kept its view in memory: its store has a checkpoint but no
 * persisted view. Folds the log from where the view stands up to the checkpoint, a page at a time
 * and without publishing (those events were published), committing each page's documents with the
 * checkpoint left where it is. Runs once: afterwards the view stands at the checkpoint.
 */
export async function upgradeView(events: EventStore, view: PersistedPublisherView, options: UpgradeOptions): Promise<void> {
  options.logger?.info({ from: options.from === null ? null : String(options.from), to: String(options.position) }, 'publisher view: building the persisted view up to the checkpoint');
  for await (const page of pagesOfAll(events, { pageSize: PAGE_SIZE, after: options.from })) {
    if (options.stopping()) return;
    const upTo = page.filter((event) => event.position <= options.position);
    if (upTo.length) {
      await view.fold(upTo, options.position);
      await view.commit(options.checkpoint, options.position, upTo[upTo.length - 1].position);
    }
    if (upTo.length < page.length) return;
  }
}
