import type { JsonType } from './incoming/json-paths.js';
import type { EventTopic } from './topics.js';

/*
 * Where our webhook bodies knowingly differ from the Refersion samples (fixtures/refersion-*.sample.json)
 * they otherwise follow key for key: the contract the sample-shape tests check the bodies against.
 */

export interface TypeDeviation {
  /** The type in Refersion's sample. */
  sample: JsonType;
  /** The type(s) our body carries at that key. */
  ours: JsonType[];
  why: string;
}

const STRING_ID = (what: string): TypeDeviation => ({
  sample: 'number',
  ours: ['string'],
  why: `our ${what} ids are strings (client-chosen or generated, e.g. "cv_…"), Refersion's are integers`,
});
const CONVERSION_DEVIATIONS: Readonly<Record<string, TypeDeviation>> = {
  id: STRING_ID('conversion'),
  'offer.id': STRING_ID('program'),
  'click.created': { sample: 'string', ours: ['null'], why: 'we track no clicks: every click field is null' },
  'click.landed_url': { sample: 'string', ours: ['null'], why: 'we track no clicks: every click field is null' },
  'click.ip': { sample: 'string', ours: ['null'], why: 'we track no clicks: every click field is null' },
};
const AFFILIATE_DEVIATIONS: Readonly<Record<string, TypeDeviation>> = { id: STRING_ID('partner') };
const TRIGGER_DEVIATIONS: Readonly<Record<string, TypeDeviation>> = { id: STRING_ID('conversion trigger') };

/**
 * Keys (dot paths; an array's elements share the array's path) whose JSON type differs from the
 * Refersion sample for that topic (`src/fixtures/`). A key the sample shows as `null` only says it is nullable: ours is
 * then `null` or a string (see NULLABLE_AS).
 */
export const TYPE_DEVIATIONS: Readonly<Record<EventTopic, Readonly<Record<string, TypeDeviation>>>> = {
  NEW_CONVERSION: CONVERSION_DEVIATIONS,
  APPROVED_CONVERSION: CONVERSION_DEVIATIONS,
  DENIED_CONVERSION: CONVERSION_DEVIATIONS,
  NEW_AFFILIATE: AFFILIATE_DEVIATIONS,
  AFFILIATE_STATUS_CHANGE: AFFILIATE_DEVIATIONS,
  AFFILIATE_DETAILS_CHANGE: AFFILIATE_DEVIATIONS,
  NEW_CONVERSION_TRIGGER: TRIGGER_DEVIATIONS,
  // Our own topics: the sample is ours, so nothing deviates.
  PAYOUT_CREATED: {},
  PAYOUT_PAID: {},
  PAYOUT_CANCELLED: {},
};
/** Types a key may carry where the sample shows `null`. */
export const NULLABLE_AS: readonly JsonType[] = ['null', 'string'];

/** Which sample (`src/fixtures/`) each topic's body follows: Refersion's, or ours for the payout topics. */
export const SAMPLE_OF_TOPIC: Readonly<Record<EventTopic, 'conversion' | 'affiliate' | 'conversion-trigger' | 'payout'>> = {
  NEW_CONVERSION: 'conversion',
  APPROVED_CONVERSION: 'conversion',
  DENIED_CONVERSION: 'conversion',
  NEW_AFFILIATE: 'affiliate',
  AFFILIATE_STATUS_CHANGE: 'affiliate',
  AFFILIATE_DETAILS_CHANGE: 'affiliate',
  NEW_CONVERSION_TRIGGER: 'conversion-trigger',
  PAYOUT_CREATED: 'payout',
  PAYOUT_PAID: 'payout',
  PAYOUT_CANCELLED: 'payout',
};

/**
 * Keys at the root of our bodies that the Refersion samples lack: `sequence`, the body's number
 * among those about its partner queued for the endpoint (topics about a partner; see
 * topic-schemas.ts), which a Refersion receiver ignores.
 */
export const ADDED_ROOT_KEYS: readonly string[] = ['sequence'];
