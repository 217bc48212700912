import type { Bus, OutgoingMessage } from '@partner-ledger/bus';
import type { RecordedEvent } from '@partner-ledger/event-store';
import { contextOfTraceparent, SpanKind, startSpan, traceHeaders, tracingEnabled, type TracedSpan } from '@partner-ledger/telemetry';
import { matchesFilter, type PayloadFilter, PublisherView, type WebhookPayload } from '@partner-ledger/webhooks';
import type { EndpointOrdering } from '../endpoints/endpoint-repository.js';
import { type MessageDraft, type Sequencer, unsequenced } from '../ordering/sequencer.js';

/** Where the loop's payloads come from: a view folded batch by batch, in `$all` order. */
export interface LoopView {
  /** Folds the batch and answers each event's payload as of that event; null for events at or before `after`. */
  fold(batch: readonly RecordedEvent[], after: bigint | null): Promise<(WebhookPayload | null)[]>;
}

export interface PublishLoopOptions {
  bus: Bus;
  /** Events at or before this position only feed the view: they were published before. */
  after?: bigint | null;
  /**
   * The view to fold. Default: a fresh in-memory view, which needs the batches to start at the
   * beginning of `$all` (or of everything the payloads read) and holds all it folds.
   */
  view?: LoopView;
  /**
   * The endpoints subscribed to this event's payload; none skips it. Asked for events with a
   * payload only, with the batch the event is in (a look-up may serve the whole batch: the
   * endpoints as of the batch). An endpoint's `filter` is applied here: a body it does not match
   * is not queued.
   */
  recipients(event: RecordedEvent, payload: WebhookPayload, batch: readonly RecordedEvent[]): Promise<readonly { id: string; filter?: PayloadFilter | null; ordering?: EndpointOrdering }[]>;
  /**
   * Serializes the batch's bodies, numbering those about a partner (`sequence`) before the batch
   * is published (ordering/sequencer.ts). Default: no numbering.
   */
  sequencer?: Sequencer;
  /** Called once a batch past `after` is durable on the bus, with the batch's last position and its message count. */
  published?(position: bigint, queued: number): Promise<void>;
  /** Called once a batch wholly at or before `after` is folded (nothing to publish), with its last position. */
  folded?(position: bigint): Promise<void>;
}

/** A `LoopView` over an in-memory `PublisherView`. */
export function inMemoryLoopView(view = new PublisherView()): LoopView {
  return {
    fold: (batch, after) => Promise.resolve(batch.map((event) => (view.apply(event) && (after === null || event.position > after) ? view.payloadFor(event) : null))),
  };
}

/**
 * Events → topics → one bus message per (event, recipient), a batch at a time. The payloads come
 * from the view, folded in order, so that each shows the data as of its event. Shared by the
 * publisher (following the log from its checkpoint, with its persisted view) and the replay jobs
 * (reading one program's events once, in memory: the default view, which must then see the
 * program's streams from their start). Each endpoint's filter decides whether it gets a message
 * (live and replayed alike). Answers how many messages were queued.
 */
export async function publishLoop(batches: AsyncIterable<readonly RecordedEvent[]>, options: PublishLoopOptions): Promise<number> {
  const view = options.view ?? inMemoryLoopView();
  const after = options.after ?? null;
  let queued = 0;
  for await (const batch of batches) {
    const last = batch.at(-1)?.position;
    if (last === undefined) continue;
    const payloads = await view.fold(batch, after);
    if (after !== null && last <= after) {
      await options.folded?.(last);
      continue;
    }
    const drafts: (MessageDraft & { headers: Record<string, string> })[] = [];
    // With tracing on, a span per event published, the child of its append, ended once the batch is
    // durable on the bus; its context goes with each message as `traceparent`.
    const spans: TracedSpan[] = [];
    for (const [i, event] of batch.entries()) {
      const payload = payloads[i];
      if (!payload) continue;
      // A body the endpoint's filter skips is never queued: nothing to send, retry or log.
      const recipients = [];
      for (const endpoint of await options.recipients(event, payload, batch)) if (await matchesFilter(endpoint.filter, payload.body)) recipients.push(endpoint);
      if (!recipients.length) continue;
      const traced = tracingEnabled()
        ? startSpan(`publish ${payload.topic}`, {
            kind: SpanKind.PRODUCER,
            parent: contextOfTraceparent(event.metadata.traceparent),
            attributes: { 'messaging.destination.name': payload.topic, 'messaging.batch.message_count': recipients.length, 'event.id': event.id },
          })
        : null;
      if (traced) spans.push(traced);
      const headers = { 'x-event-position': String(event.position), ...(traced ? traceHeaders(traced.context) : {}) };
      for (const endpoint of recipients) drafts.push({ event, topic: payload.topic, endpoint, payload: payload.body, headers });
    }
    let messages: OutgoingMessage[] = [];
    try {
      const bodies = drafts.length ? await (options.sequencer ?? unsequenced).bodies(drafts) : [];
      messages = drafts.map((d, i) => ({ messageId: d.event.id, topic: d.topic, endpointId: d.endpoint.id, body: bodies[i], headers: d.headers }));
      if (messages.length) await options.bus.publish(messages);
    } catch (error) {
      for (const traced of spans) traced.fail(error as Error);
      throw error;
    } finally {
      for (const traced of spans) traced.span.end();
    }
    queued += messages.length;
    await options.published?.(last, messages.length);
  }
  return queued;
}
