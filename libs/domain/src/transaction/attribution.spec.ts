import { describe, expect, it } from '@jest/globals';
import { ATTRIBUTION_ORDER, conversionIdFor, transactionKeyOf } from './attribution.js';

describe('attribution order', () => {
  it('is partner key, coupon, customer link, email trigger, SKU trigger', () => {
    expect(ATTRIBUTION_ORDER).toEqual(['partner_key', 'coupon', 'customer', 'email_trigger', 'sku_trigger']);
  });
});

describe('conversion ids', () => {
  it('derives the conversion id from the transaction key', () => {
    expect(conversionIdFor('T-1')).toBe('cv_VC0x');
  });

  it.each([['T-1'], ['order/2024+07#1'], ['a'], ['ключ-42'], ['x'.repeat(128)], ['a.b:c@d']])('round-trips %p', (key) => {
    const id = conversionIdFor(key);
    expect(id).toMatch(/^cv_[A-Za-z0-9_-]+$/);
    expect(transactionKeyOf(id)).toBe(key);
  });

  it.each([
    [''],
    ['cv_'],
    ['VC0x'], // no prefix
    ['CV_VC0x'],
    ['cv_VC0x='], // padding is not base64url
    ['cv_VC0x!'],
    ['cv_VC 0x'],
    ['cv_YR'], // decodes to "a" but is not the canonical id of "a" (cv_YQ)
    ['cv__w'], // not UTF-8
    ['../etc/passwd'],
  ])('rejects %p', (id) => {
    expect(transactionKeyOf(id)).toBeNull();
  });
});
