import type { PartnerSnapshot } from '../partner/partner.js';

/**
 * Who a sale is attributed to, in this order: the partner key sent with the transaction, else the
 * partner owning the coupon code used, else the partner the customer was linked to, else the
 * partner owning the customer's email as an EMAIL trigger, else the one owning the product's SKU
 * trigger. The first source that names a partner wins, whatever that partner's status; a partner
 * who is not ACTIVE then earns nothing (the sale is not handed to the next source).
 */
export const ATTRIBUTION_ORDER = ['partner_key', 'coupon', 'customer', 'email_trigger', 'sku_trigger'] as const;
export type AttributionSource = (typeof ATTRIBUTION_ORDER)[number];

export interface Attribution {
  source: AttributionSource;
  partner: PartnerSnapshot;
  triggerId?: string;
}

/** Conversion ids are derived from the transaction key, so a conversion needs no index to be found. */
export function conversionIdFor(transactionKey: string): string {
  return `cv_${Buffer.from(transactionKey, 'utf8').toString('base64url')}`;
}

export function transactionKeyOf(conversionId: string): string | null {
  if (!/^cv_[A-Za-z0-9_-]+$/.test(conversionId)) return null;
  const key = Buffer.from(conversionId.slice(3), 'base64url').toString('utf8');
  return conversionIdFor(key) === conversionId ? key : null;
}
