import { invalid, type LedgerEventType } from '@partner-ledger/domain';

/**
 * Outgoing webhook topics (**contract**: each is the value of the `Refersion-Topic` header) and the
 * domain event each one is published for. One event maps to at most one topic.
 */
export const TOPICS = [
  'NEW_CONVERSION',
  'APPROVED_CONVERSION',
  'DENIED_CONVERSION',
  'NEW_AFFILIATE',
  'AFFILIATE_STATUS_CHANGE',
  'AFFILIATE_DETAILS_CHANGE',
  'NEW_CONVERSION_TRIGGER',
  // Our own, next to Refersion's: Refersion has no payout webhooks.
  'PAYOUT_CREATED',
  'PAYOUT_PAID',
  'PAYOUT_CANCELLED',
  // About the delivery side itself (as Svix's endpoint.disabled): sent by the delivery workers when
  // an endpoint's circuit opens or closes, not published from an event (circuit-events.ts).
  'ENDPOINT_CIRCUIT_OPENED',
  'ENDPOINT_CIRCUIT_CLOSED',
] as const;
export type Topic = (typeof TOPICS)[number];

/** The topics about an endpoint's own delivery state; every other topic is published from an event. */
export const ENDPOINT_TOPICS = ['ENDPOINT_CIRCUIT_OPENED', 'ENDPOINT_CIRCUIT_CLOSED'] as const satisfies readonly Topic[];
export type EndpointTopic = (typeof ENDPOINT_TOPICS)[number];
/** A topic published from a domain event (see EVENT_TOPICS). */
export type EventTopic = Exclude<Topic, EndpointTopic>;
export const EVENT_TOPIC_LIST: readonly EventTopic[] = TOPICS.filter((t): t is EventTopic => !(ENDPOINT_TOPICS as readonly string[]).includes(t));

/** The subscription wildcard: every topic, including any added later. */
export const ALL = 'ALL';
/** What an endpoint subscribes to: `["ALL"]` or a list of distinct topics in `TOPICS` order. */
export type TopicSelection = readonly [typeof ALL] | readonly Topic[];

export const EVENT_TOPICS = {
  ConversionCreated: 'NEW_CONVERSION',
  ConversionApproved: 'APPROVED_CONVERSION',
  ConversionDenied: 'DENIED_CONVERSION',
  PartnerCreated: 'NEW_AFFILIATE',
  PartnerStatusChanged: 'AFFILIATE_STATUS_CHANGE',
  PartnerDetailsUpdated: 'AFFILIATE_DETAILS_CHANGE',
  ConversionTriggerCreated: 'NEW_CONVERSION_TRIGGER',
  PayoutCreated: 'PAYOUT_CREATED',
  PayoutPaid: 'PAYOUT_PAID',
  PayoutCancelled: 'PAYOUT_CANCELLED',
} as const satisfies Partial<Record<LedgerEventType, Topic>>;

/** Event types that are published as a topic (the publisher may filter `$all` on these). */
export const TOPIC_EVENT_TYPES = Object.keys(EVENT_TOPICS) as (keyof typeof EVENT_TOPICS)[];

export function isTopic(value: unknown): value is Topic {
  return typeof value === 'string' && (TOPICS as readonly string[]).includes(value);
}

/** The topic an event type is published as, or null when it is not published. */
export function topicOf(eventType: string): Topic | null {
  return Object.prototype.hasOwnProperty.call(EVENT_TOPICS, eventType) ? EVENT_TOPICS[eventType as keyof typeof EVENT_TOPICS] : null;
}

/**
 * Validates an endpoint's `topics` as sent by a client. `["ALL"]` (or any list containing `ALL`)
 * becomes `["ALL"]`; otherwise the distinct topics in canonical order. Topic names are
 * case-sensitive. Throws a validation `DomainError` on field `topics`.
 */
export function parseTopics(list: unknown, field = 'topics'): TopicSelection {
  if (!Array.isArray(list) || list.length === 0) {
    throw invalid('invalid_topics', `${field} must be a non-empty list of topics, or ["ALL"]`, field);
  }
  for (const [i, item] of list.entries()) {
    if (item !== ALL && !isTopic(item)) {
      throw invalid('unknown_topic', `${field}.${i}: ${JSON.stringify(item)} is not a topic; expected ALL or one of ${TOPICS.join(', ')}`, `${field}.${i}`);
    }
  }
  if (list.includes(ALL)) return [ALL];
  return TOPICS.filter((topic) => list.includes(topic));
}

/** The topics a selection stands for. */
export function expandTopics(selection: TopicSelection): Topic[] {
  return selection.includes(ALL as never) ? [...TOPICS] : (selection as readonly Topic[]).filter(isTopic);
}

/** True when an endpoint with this selection receives `topic`. */
export function subscribesTo(selection: TopicSelection, topic: Topic): boolean {
  return selection.includes(ALL as never) || (selection as readonly string[]).includes(topic);
}

/** The topic a test delivery to this selection carries: the first one listed, NEW_AFFILIATE under `ALL`. */
export function testTopicOf(selection: TopicSelection): Topic {
  return selection.includes(ALL as never) ? 'NEW_AFFILIATE' : (selection[0] as Topic);
}
