import { describe, expect, it } from '@jest/globals';
import { DEFAULT_RETRY_AFTER_CAP_MS, parseHttpDate, parseRetryAfter } from './retry-after.js';

const now = Date.parse('2015-10-21T07:00:00Z');

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('120')).toBe(120_000);
    expect(parseRetryAfter(' 0 ')).toBe(0);
    expect(parseRetryAfter(['30', '60'])).toBe(30_000);
  });

  it('reads HTTP dates in all three forms, relative to now', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', { now })).toBe(28 * 60_000);
    expect(parseRetryAfter('Wednesday, 21-Oct-15 07:28:00 GMT', { now })).toBe(28 * 60_000);
    expect(parseRetryAfter('Wed Oct 21 07:28:00 2015', { now })).toBe(28 * 60_000);
    expect(parseRetryAfter('Wed Oct  1 07:00:00 2015', { now })).toBe(0); // in the past → now
  });

  it('caps the delay', () => {
    expect(parseRetryAfter('999999999')).toBe(DEFAULT_RETRY_AFTER_CAP_MS);
    expect(parseRetryAfter('9'.repeat(400))).toBe(DEFAULT_RETRY_AFTER_CAP_MS);
    expect(parseRetryAfter('Fri, 21 Oct 2016 07:00:00 GMT', { now })).toBe(DEFAULT_RETRY_AFTER_CAP_MS);
    expect(parseRetryAfter('3600', { maxMs: 60_000 })).toBe(60_000);
  });

  it('ignores what it cannot read', () => {
    for (const bad of [undefined, null, '', '-5', '1.5', 'soon', '2015-10-21T07:28:00Z', 'Wed, 31 Feb 2015 07:28:00 GMT', 'Wed, 21 Oct 2015 25:28:00 GMT', []]) {
      expect(parseRetryAfter(bad as never, { now })).toBeNull();
    }
  });

  it('handles the RFC 850 two-digit year per RFC 9110', () => {
    expect(new Date(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', now)!).toISOString()).toBe('1994-11-06T08:49:37.000Z');
    expect(new Date(parseHttpDate('Sunday, 06-Nov-44 08:49:37 GMT', now)!).toISOString()).toBe('2044-11-06T08:49:37.000Z');
  });
});
