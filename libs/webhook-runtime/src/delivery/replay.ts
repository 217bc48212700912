import type { Bus } from '@partner-ledger/bus';
import { type EventStore, pagesOfAll } from '@partner-ledger/event-store';
import { subscribesTo, type TopicSelection } from '@partner-ledger/webhooks';
import type { WebhookEndpoint } from '../endpoints/endpoint-repository.js';
import { publishLoop } from './publish-loop.js';

export interface ReplayOptions {
  /** Topics to send, within those the endpoint subscribes to. Default: the endpoint's own. */
  selection?: TopicSelection;
  /** ISO times: events created in [from, to). */
  from?: string;
  to?: string;
}

/**
 * Backfill: queues for one endpoint every past event of its program and topics, in the payloads
 * they had then (the publish loop folds the whole log from the start, as the publisher does).
 * Answers how many messages were queued.
 */
export function replayToEndpoint(events: EventStore, bus: Bus, endpoint: WebhookEndpoint, options: ReplayOptions = {}): Promise<number> {
  const { from, to } = options;
  const selection = options.selection ?? endpoint.topics;
  return publishLoop(pagesOfAll(events, { pageSize: 1000 }), {
    bus,
    recipients: async (event, payload) => {
      if ((event.data as { programId?: string }).programId !== endpoint.programId) return [];
      const created = event.created.toISOString();
      if ((from && created < from) || (to && created >= to)) return [];
      return subscribesTo(selection, payload.topic) && subscribesTo(endpoint.topics, payload.topic) ? [endpoint] : [];
    },
  });
}
