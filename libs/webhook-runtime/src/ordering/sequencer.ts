import type { RecordedEvent } from '@partner-ledger/event-store';
import type { DocumentWrite, ReadStore } from '@partner-ledger/read-store';
import { partnerOfPayload } from '@partner-ledger/webhooks';
import { CONFIG_NAMESPACE, type EndpointOrdering } from '../endpoints/endpoint-repository.js';
import { laneIdOf, messageIdOf, PARTNER_MESSAGES, PARTNER_SEQUENCES, type PartnerMessage, SEQUENCER_CHECKPOINT } from './partner-messages.js';

/** One (event, endpoint) message of a batch before its body is serialized. */
export interface MessageDraft {
  event: RecordedEvent;
  topic: string;
  endpoint: { id: string; ordering?: EndpointOrdering };
  /** The payload's body, as built for the event (without `sequence`). */
  payload: object;
}

/** Serializes a batch's drafts, in order: what each message's body is. */
export interface Sequencer {
  bodies(drafts: readonly MessageDraft[]): Promise<string[]>;
}

/** The body with its sequence, last. */
export function withSequence(payload: object, sequence: number): string {
  return JSON.stringify({ ...payload, sequence });
}

/** No sequences: each payload serialized once, whatever the number of endpoints it goes to. */
export const unsequenced: Sequencer = {
  bodies: (drafts) => {
    const serialized = new Map<object, string>();
    return Promise.resolve(drafts.map((d) => serialized.get(d.payload) ?? serialized.set(d.payload, JSON.stringify(d.payload)).get(d.payload)!));
  },
};

/**
 * The publisher's numbering: every payload about a partner gets the next `sequence` of its
 * (endpoint, partner), 1, 2, 3… Ordered and unordered endpoints alike; payouts and tests (no
 * partner) carry none. Runs before the batch is published, in one read store commit of the
 * messages and the lanes' last sequences (one transaction on SQLite), so:
 *
 * - durable and gap-free: a number is given only in that commit, by the single (leased, fenced)
 *   publisher, in `$all` order;
 * - the same after a crash: a batch published again finds its messages already numbered and sends
 *   the same bodies (same `webhook-id`, same body, as deduplication expects);
 * - before the bus: a delivery worker never sees a message its lane does not know yet
 *   (ordering-gate.ts).
 */
export class PublisherSequencer implements Sequencer {
  constructor(
    private readonly store: ReadStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async bodies(drafts: readonly MessageDraft[]): Promise<string[]> {
    const partners = drafts.map((d) => partnerOfPayload(d.topic, d.payload));
    const numbered = drafts.filter((_, i) => partners[i] !== null);
    if (!numbered.length) return unsequenced.bodies(drafts);
    const known = await this.store.getMany(CONFIG_NAMESPACE, PARTNER_MESSAGES, [...new Set(numbered.map((d) => messageIdOf(d.endpoint.id, d.event.id)))]);
    const laneIds = [
      ...new Set(
        drafts.flatMap((d, i) => {
          const partnerId = partners[i];
          return partnerId === null ? [] : [laneIdOf(d.endpoint.id, partnerId)];
        }),
      ),
    ];
    const lanes = await this.store.getMany(CONFIG_NAMESPACE, PARTNER_SEQUENCES, laneIds);
    const last = new Map<string, { sequence: number; pos: number }>();
    for (const [id, doc] of lanes) last.set(id, { sequence: Number(doc.sequence) || 0, pos: doc.pos });
    const messages: DocumentWrite[] = [];
    const advanced = new Set<string>();
    const createdAt = this.now().toISOString();
    const bodies: string[] = [];
    for (const [i, d] of drafts.entries()) {
      const partnerId = partners[i];
      if (partnerId === null) {
        bodies.push(JSON.stringify(d.payload));
        continue;
      }
      const lane = laneIdOf(d.endpoint.id, partnerId);
      const current = last.get(lane) ?? { sequence: 0, pos: -1 };
      const id = messageIdOf(d.endpoint.id, d.event.id);
      const before = known.get(id);
      if (before) {
        // Numbered before a crash (this batch is being published again): the same body. On MongoDB
        // the messages may be stored without their lane's count, so the count catches up here.
        bodies.push(String(before.body));
        if (Number(before.sequence) > current.sequence) {
          last.set(lane, { sequence: Number(before.sequence), pos: Math.max(current.pos, before.pos) });
          advanced.add(lane);
        }
        continue;
      }
      const sequence = current.sequence + 1;
      const pos = Number(d.event.position);
      last.set(lane, { sequence, pos });
      advanced.add(lane);
      const body = withSequence(d.payload, sequence);
      bodies.push(body);
      const message: PartnerMessage = {
        endpointId: d.endpoint.id,
        partnerId,
        sequence,
        eventId: d.event.id,
        topic: d.topic,
        body,
        open: d.endpoint.ordering === 'partner',
        retryAt: null,
        createdAt,
      };
      messages.push({ collection: PARTNER_MESSAGES, doc: { _id: id, pos, ...message } });
    }
    if (advanced.size) {
      // Messages first: MongoDB writes in order, so a crash in between leaves counts that catch up (above), never gaps.
      const counts: DocumentWrite[] = [...advanced].map((lane) => ({ collection: PARTNER_SEQUENCES, doc: { _id: lane, pos: last.get(lane)!.pos, sequence: last.get(lane)!.sequence } }));
      await this.store.commit(CONFIG_NAMESPACE, SEQUENCER_CHECKPOINT, [...messages, ...counts], drafts.at(-1)!.event.position);
    }
    return bodies;
  }
}

/**
 * A replay's numbering: it reads, never gives, sequences (only the publisher numbers). A replayed
 * event already sent to the endpoint goes out with the body it was numbered with (the same
 * `webhook-id` and body as the first time); one never sent to it (the endpoint was created later,
 * or its filter skipped it then) goes without a `sequence`.
 */
export function recordedSequences(store: ReadStore): Sequencer {
  return {
    async bodies(drafts) {
      const known = await store.getMany(CONFIG_NAMESPACE, PARTNER_MESSAGES, [...new Set(drafts.map((d) => messageIdOf(d.endpoint.id, d.event.id)))]);
      const plain = await unsequenced.bodies(drafts);
      return drafts.map((d, i) => {
        const before = known.get(messageIdOf(d.endpoint.id, d.event.id));
        return before ? String(before.body) : plain[i];
      });
    },
  };
}
