import type { Bus, OutgoingMessage } from '@partner-ledger/bus';
import type { DeliveryRecord } from './delivery-log.js';

/**
 * Sends logged deliveries again, with their `webhook-id` (event and endpoint) and body: a dead
 * letter is put back at attempt 1 of the retry schedule; any other (delivered, or still retrying)
 * is published anew, in one publish. Entries about the endpoint itself (`event`) are skipped.
 */
export async function resendDeliveries(bus: Bus, deliveries: readonly DeliveryRecord[]): Promise<void> {
  const fresh: OutgoingMessage[] = [];
  for (const d of deliveries) {
    if (d.status === 'event') continue; // a note about the endpoint, not something that was sent
    const key = { messageId: d.eventId, endpointId: d.endpointId };
    if ((await bus.requeueDeadLetter(key)) === 0) fresh.push({ ...key, topic: d.topic, body: d.body });
  }
  if (fresh.length) await bus.publish(fresh);
}
