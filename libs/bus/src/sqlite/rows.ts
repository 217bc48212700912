import type { Delivery } from '../bus.port.js';

/** A `bus_messages` row (see schema.ts). */
export interface Row {
  seq: number;
  queue: string;
  message_id: string;
  topic: string;
  endpoint_id: string;
  body: string;
  headers: string | null;
  attempt: number;
  step: number;
  first_enqueued_at: number;
  visible_at: number;
  state: 'ready' | 'dead';
  lease_token: string | null;
  deliveries: number;
  last_error: string | null;
  dead_reason: string | null;
  dead_at: number | null;
}

/** A claimed message, with what is needed to record its outcome. */
export interface Claimed {
  seq: number;
  token: string;
  step: number;
  attempt: number;
  delivery: Delivery;
}

export function toDelivery(row: Row): Delivery {
  const delivery: Delivery = {
    messageId: row.message_id,
    topic: row.topic,
    endpointId: row.endpoint_id,
    body: row.body,
    attempt: row.attempt,
    retryStep: row.step,
    firstEnqueuedAt: new Date(row.first_enqueued_at),
    redelivered: row.deliveries > 1,
  };
  if (row.headers) delivery.headers = JSON.parse(row.headers);
  return delivery;
}
