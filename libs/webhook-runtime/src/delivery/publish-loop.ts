import type { Bus, OutgoingMessage } from '@partner-ledger/bus';
import type { RecordedEvent } from '@partner-ledger/event-store';
import { PublisherView, type WebhookPayload } from '@partner-ledger/webhooks';

export interface PublishLoopOptions {
  bus: Bus;
  /** Events at or before this position only feed the view: they were published before. */
  after?: bigint | null;
  /** The endpoints that receive this event's payload; none skips it. Asked for events with a payload only. */
  recipients(event: RecordedEvent, payload: WebhookPayload): Promise<readonly { id: string }[]>;
  /** Called once a batch past `after` is durable on the bus, with the batch's last position and its message count. */
  published?(position: bigint, queued: number): Promise<void>;
}

/**
 * Events → topics → one bus message per (event, recipient), a batch at a time. The payloads come
 * from a publisher view folded from the first event given, in order, so that each shows the data
 * as of its event: the source must therefore start at the beginning of `$all` (or, for one
 * program's payloads, of that program's streams). Shared by the publisher (following the log) and
 * the replay jobs (reading one program's events once). Answers how
 * many messages were queued.
 */
export async function publishLoop(batches: AsyncIterable<readonly RecordedEvent[]>, options: PublishLoopOptions): Promise<number> {
  const view = new PublisherView();
  const after = options.after ?? null;
  let queued = 0;
  for await (const batch of batches) {
    const messages: OutgoingMessage[] = [];
    for (const event of batch) {
      view.apply(event);
      if (after !== null && event.position <= after) continue;
      const payload = view.payloadFor(event);
      if (!payload) continue;
      const recipients = await options.recipients(event, payload);
      if (!recipients.length) continue;
      const body = JSON.stringify(payload.body);
      for (const endpoint of recipients) {
        messages.push({ messageId: event.id, topic: payload.topic, endpointId: endpoint.id, body, headers: { 'x-event-position': String(event.position) } });
      }
    }
    const last = batch.at(-1)?.position;
    if (last === undefined || (after !== null && last <= after)) continue;
    if (messages.length) await options.bus.publish(messages);
    queued += messages.length;
    await options.published?.(last, messages.length);
  }
  return queued;
}
