import { LEDGER_EVENT_TYPES, type LedgerEvent } from '@partner-ledger/domain';
import { isRecordedOf, type RecordedEvent } from '@partner-ledger/event-store';

/** A recorded domain event: its `type` narrows its `data`. */
export type RecordedLedgerEvent = RecordedEvent<LedgerEvent>;

/** True when `event` is a domain event (the log may hold others, which projections never see). */
export const isLedgerEvent = (event: RecordedEvent): event is RecordedLedgerEvent => isRecordedOf<LedgerEvent>(LEDGER_EVENT_TYPES, event);

/** A read-model document as a projection sees it: the runner owns `_id` and `pos`. */
export type Doc = Record<string, unknown> & { _id: string };

/**
 * What `apply` returns to remove its document: for a read model that keeps only open work (the
 * auto-approver's `approval_due`), so what is done does not pile up for every query to step over.
 */
export const REMOVE = Symbol('remove the document');

export interface DocRef {
  collection: string;
  id: string;
}

/**
 * A projection folds events into documents, one document at a time: `touches` names the documents
 * an event changes, `apply` computes one of them. Both are pure, which lets the runner load every
 * touched document of a batch at once, fold in memory, and write each document once.
 */
export interface Projection {
  readonly name: string;
  /**
   * Event types this projection reads; the runner filters `$all` by them. Plain strings, to test any
   * recorded event against; each projection checks its list with `satisfies LedgerEventType[]`.
   */
  readonly eventTypes: readonly string[];
  touches(event: RecordedLedgerEvent): DocRef[];
  /**
   * The document after `event`; `doc` is null when it does not exist yet. Return null to leave it
   * absent (or unchanged), REMOVE to delete it.
   */
  apply(ref: DocRef, doc: Doc | null, event: RecordedLedgerEvent): Doc | null | typeof REMOVE;
}

/** Read-model ids are scoped by program, so one store serves every program. */
export const docId = (...parts: string[]) => parts.join(':');
