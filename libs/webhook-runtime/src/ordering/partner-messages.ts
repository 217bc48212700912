import type { IndexSpec, ReadStore, Scalar, StoredDoc } from '@partner-ledger/read-store';
import { webhookIdFor } from '@partner-ledger/webhooks';
import { CONFIG_NAMESPACE } from '../endpoints/endpoint-repository.js';

/**
 * Every payload about a partner the publisher queued for an endpoint, numbered per (endpoint,
 * partner) by `sequence` (1, 2, 3… with no gaps, see sequencer.ts): what
 * `GET …/webhook-endpoints/:id/messages?partnerId&afterSequence` answers, and, for endpoints with
 * `ordering: "partner"`, the lane the delivery workers hold later deliveries back on
 * (ordering-gate.ts). Kept in the config namespace beside the delivery log.
 */
export const PARTNER_MESSAGES = 'webhook_partner_messages';
/** The last sequence given per (endpoint, partner): `<endpointId>/<partnerId>` → `{sequence}`. */
export const PARTNER_SEQUENCES = 'webhook_partner_sequences';
/** The read store checkpoint the sequencer's commits move (the position of the last batch numbered). */
export const SEQUENCER_CHECKPOINT = 'webhook-sequencer';

export interface PartnerMessage {
  endpointId: string;
  partnerId: string;
  sequence: number;
  /** The event (the bus message id); with the endpoint, the `webhook-id`. */
  eventId: string;
  topic: string;
  /** The body as sent, `sequence` included. */
  body: string;
  /**
   * Set on an ordered endpoint's message until its delivery ends (delivered or dead-lettered):
   * the open message with the lowest sequence is the one its partner's lane waits for.
   */
  open: boolean;
  /** When the open message's next attempt is due (ms since the epoch) after a failed one; null while none failed. */
  retryAt: number | null;
  /** When it was queued (ISO 8601). */
  createdAt: string;
}

const BY_SEQUENCE = { field: 'sequence', direction: 'asc' } as const;
const INDEXES: IndexSpec[] = [
  // The messages route: one partner's payloads in order.
  { name: 'by_partner_sequence', fields: [{ field: 'endpointId', direction: 'asc' }, { field: 'partnerId', direction: 'asc' }, BY_SEQUENCE] },
  // The ordering gate: a lane's lowest open message.
  { name: 'by_open_sequence', fields: [{ field: 'endpointId', direction: 'asc' }, { field: 'partnerId', direction: 'asc' }, { field: 'open', direction: 'asc' }, BY_SEQUENCE] },
];

// Endpoint ids (`whe_…`), partner ids (`par_…`) and event ids have no '/'.
export const messageIdOf = (endpointId: string, eventId: string) => `${endpointId}/${eventId}`;
export const laneIdOf = (endpointId: string, partnerId: string) => `${endpointId}/${partnerId}`;

const fromDoc = ({ _id: _i, pos: _p, ...rest }: StoredDoc) => rest as unknown as PartnerMessage;

/** The `sequence` a parsed body carries, or null (payouts, tests, bodies queued before sequences). */
export function sequenceOfPayload(parsed: unknown): number | null {
  const sequence = (parsed as { sequence?: unknown } | null)?.sequence;
  return typeof sequence === 'number' && Number.isInteger(sequence) && sequence > 0 ? sequence : null;
}

export class PartnerMessages {
  private indexed: Promise<void> | undefined;

  constructor(private readonly store: ReadStore) {}

  async get(endpointId: string, eventId: string): Promise<(PartnerMessage & { pos: number }) | null> {
    const doc = await this.store.get(CONFIG_NAMESPACE, PARTNER_MESSAGES, messageIdOf(endpointId, eventId));
    return doc ? { ...fromDoc(doc), pos: doc.pos } : null;
  }

  /** One partner's messages to an endpoint with a sequence above `afterSequence`, in sequence order. */
  async page(endpointId: string, partnerId: string, afterSequence: number, after: Scalar[] | undefined, limit: number): Promise<PartnerMessage[]> {
    await (this.indexed ??= this.ensureIndexes());
    const docs = await this.store.find(CONFIG_NAMESPACE, PARTNER_MESSAGES, {
      where: { endpointId, partnerId },
      range: { field: 'sequence', gte: afterSequence + 1 },
      orderBy: [BY_SEQUENCE],
      after,
      limit,
    });
    return docs.map(fromDoc);
  }

  /** The open message with the lowest sequence in a lane: the one the lane's later deliveries wait for. */
  async head(endpointId: string, partnerId: string): Promise<PartnerMessage | null> {
    await (this.indexed ??= this.ensureIndexes());
    const [doc] = await this.store.find(CONFIG_NAMESPACE, PARTNER_MESSAGES, { where: { endpointId, partnerId, open: true }, orderBy: [BY_SEQUENCE], limit: 1 });
    return doc ? fromDoc(doc) : null;
  }

  /**
   * Rewrites a message's lane state. Keeps its `pos` (the event's position), so the sequencer's
   * commit of the same message after a publisher crash, guarded by `pos`, leaves it alone.
   */
  async update(message: PartnerMessage & { pos: number }, change: Pick<PartnerMessage, 'open' | 'retryAt'>): Promise<void> {
    const { pos, ...fields } = message;
    await this.store.put(CONFIG_NAMESPACE, PARTNER_MESSAGES, { ...fields, ...change, _id: messageIdOf(message.endpointId, message.eventId), pos });
  }

  /** The keyset cursor values after `message` in `page`'s order. */
  static cursorOf(message: PartnerMessage): Scalar[] {
    return [message.sequence, messageIdOf(message.endpointId, message.eventId)];
  }

  /** What the messages route shows of one. */
  static view(message: PartnerMessage) {
    return {
      sequence: message.sequence,
      partnerId: message.partnerId,
      eventId: message.eventId,
      webhookId: webhookIdFor(message.eventId, message.endpointId),
      topic: message.topic,
      createdAt: message.createdAt,
      payload: JSON.parse(message.body) as unknown,
    };
  }

  private async ensureIndexes(): Promise<void> {
    try {
      for (const index of INDEXES) await this.store.ensureIndex(CONFIG_NAMESPACE, PARTNER_MESSAGES, index);
    } catch (error) {
      this.indexed = undefined; // try again at the next read
      throw error;
    }
  }
}
