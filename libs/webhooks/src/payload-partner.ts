import type { Topic } from './topics.js';

/**
 * The partner a webhook body is about, read from the body itself (so a delivery logged from any
 * bus message, resend or replay gets it): the affiliate of a conversion, the affiliate itself, a
 * trigger's affiliate. Payouts list many partners and test deliveries none: null.
 */
export function partnerOfBody(topic: string, body: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  return partnerOfPayload(topic, parsed);
}

/** `partnerOfBody` for a body not yet serialized (the publisher's payloads). */
export function partnerOfPayload(topic: string, parsed: unknown): string | null {
  if (typeof parsed !== 'object' || parsed === null) return null;
  const b = parsed as { id?: unknown; affiliate?: { id?: unknown }; affiliate_id?: unknown; test?: unknown };
  if (b.test === true) return null;
  const id = idFor(topic as Topic, b);
  return typeof id === 'string' ? id : null;
}

function idFor(topic: Topic, b: { id?: unknown; affiliate?: { id?: unknown }; affiliate_id?: unknown }): unknown {
  switch (topic) {
    case 'NEW_CONVERSION':
    case 'APPROVED_CONVERSION':
    case 'DENIED_CONVERSION':
      return b.affiliate?.id;
    case 'NEW_AFFILIATE':
    case 'AFFILIATE_STATUS_CHANGE':
    case 'AFFILIATE_DETAILS_CHANGE':
      return b.id;
    case 'NEW_CONVERSION_TRIGGER':
      return b.affiliate_id;
    default:
      return null;
  }
}
