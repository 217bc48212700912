import { programStreamPrefixes } from '@partner-ledger/domain';
import type { AllFilter, EventStore } from '@partner-ledger/event-store';
import { matchesFilter, type PayloadFilter, PublisherView, type Topic } from '@partner-ledger/webhooks';

export interface FilterTestItem {
  eventId: string;
  position: string;
  created: string;
  topic: Topic;
  matches: boolean;
  body: unknown;
}

/**
 * A filter tried on a program's last `limit` published payloads (of `topics`), newest first, each
 * as it was sent (or would have been) as of its event. Like a replay, it folds the program's
 * events from its first (reading only its streams), so it costs what a replay of the program does.
 */
export async function tryFilter(
  events: EventStore,
  programId: string,
  options: { filter: PayloadFilter | null; topics: readonly Topic[]; limit: number; batchSize?: number },
): Promise<FilterTestItem[]> {
  const batchSize = options.batchSize ?? 1000;
  const view = new PublisherView();
  const filter: AllFilter = { streamPrefixes: programStreamPrefixes(programId) };
  // Only the last `limit` are kept while folding: memory is the view, not the history.
  const last: FilterTestItem[] = [];
  let position: bigint | 'start' = 'start';
  for (;;) {
    const page = await events.readAll({ fromPosition: position, maxCount: batchSize, filter });
    for (const event of page) {
      const payload = view.next(event);
      if (!payload || (event.data as { programId?: string }).programId !== programId || !options.topics.includes(payload.topic)) continue;
      last.push({ eventId: event.id, position: String(event.position), created: event.created.toISOString(), topic: payload.topic, matches: false, body: payload.body });
      if (last.length > options.limit) last.shift();
    }
    if (page.length < batchSize) break;
    position = page[page.length - 1].position + 1n;
  }
  return Promise.all(last.reverse().map(async (item) => ({ ...item, matches: await matchesFilter(options.filter, item.body) })));
}
