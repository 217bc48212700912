import type { LedgerEventOf, LedgerEventType } from './events.js';

/**
 * Credential material that event payloads carry: fields that must never leave the engine with
 * the history. Today one: the hash of a program's API key (`ProgramCreated.apiKeyHash`), which
 * authentication checks keys against. A hash is not the key, but handed out it would let anyone
 * who reads the history test guesses offline and tell a leaked key's program, so it stays in the log
 * and nowhere else. Other credentials never enter the log: webhook endpoint secrets and incoming
 * webhook URL tokens live in the read store's config namespace, outside every event.
 *
 * One entry per event type (a type added to the log must say what it carries, usually nothing, or
 * the build fails). Every way out that hands out event payloads as they are (the events feed,
 * `events export` as NDJSON and CSV) passes them through `withoutCredentials`; the others (read
 * models, as-of answers, webhook bodies and their replays, reports, simulations) build their
 * answers from named fields and never copy these. Old logs carry the same fields the same way, so
 * they are redacted alike: nothing in the log needs rewriting.
 */
const CREDENTIAL_FIELDS: { readonly [T in LedgerEventType]: readonly (keyof LedgerEventOf<T>['data'] & string)[] } = {
  ProgramCreated: ['apiKeyHash'],
  CommissionPlanChanged: [],
  PartnerCreated: [],
  PartnerDetailsUpdated: [],
  PartnerStatusChanged: [],
  CustomerCreated: [],
  ConversionTriggerCreated: [],
  ValueReserved: [],
  ValueReleased: [],
  TransactionRecorded: [],
  ConversionCreated: [],
  ConversionApproved: [],
  ConversionDenied: [],
  ConversionReopened: [],
  TransactionRefunded: [],
  PayoutCreated: [],
  PayoutPaid: [],
  PayoutCancelled: [],
  CustomerPurchaseCounted: [],
};

/** The credential fields of an event type; none for a type the log's vocabulary does not know. */
export function credentialFieldsOf(type: string): readonly string[] {
  return Object.hasOwn(CREDENTIAL_FIELDS, type) ? CREDENTIAL_FIELDS[type as LedgerEventType] : [];
}

/** An event's payload as it may be handed out: a copy without its credential fields (the same object when it has none). */
export function withoutCredentials(type: string, data: unknown): unknown {
  const fields = credentialFieldsOf(type);
  if (fields.length === 0 || data === null || typeof data !== 'object' || Array.isArray(data)) return data;
  const copy: Record<string, unknown> = { ...(data as Record<string, unknown>) };
  for (const field of fields) delete copy[field];
  return copy;
}
