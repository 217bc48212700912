/*
 * `Retry-After` (RFC 9110 §10.2.3): either delay-seconds ("120") or an HTTP-date
 * ("Wed, 21 Oct 2015 07:28:00 GMT", also the obsolete RFC 850 and asctime forms). The delivery
 * worker waits at least this long before the next attempt, capped so that a hostile or broken
 * endpoint cannot park a delivery for ever.
 */

/** Default cap: 24 h, the longest step of the default retry schedule. */
export const DEFAULT_RETRY_AFTER_CAP_MS = 24 * 60 * 60 * 1000;

export interface RetryAfterOptions {
  /** Clock for HTTP dates, ms since the epoch. Default Date.now(). */
  now?: number;
  /** Upper bound of the result, ms. Default 24 h. */
  maxMs?: number;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY = '(?:mon|tue|wed|thu|fri|sat|sun)';
const LONG_DAY = '(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)';
const MONTH = '(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)';
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`, 'i');
const RFC850 = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`, 'i');
const ASCTIME = new RegExp(`^${DAY} ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`, 'i');

function utc(year: number, month: string, day: number, h: string, m: string, s: string): number | null {
  const mon = MONTHS.indexOf(month.toLowerCase());
  const [hh, mm, ss] = [Number(h), Number(m), Number(s)];
  if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) return null;
  const ms = Date.UTC(year, mon, day, hh, mm, Math.min(ss, 59));
  // Reject dates that roll over (31 Feb).
  return new Date(ms).getUTCDate() === day ? ms : null;
}

/** An HTTP-date in any of its three forms → ms since the epoch, or null. */
export function parseHttpDate(text: string, now = Date.now()): number | null {
  let m = IMF_FIXDATE.exec(text);
  if (m) return utc(Number(m[3]), m[2], Number(m[1]), m[4], m[5], m[6]);
  m = RFC850.exec(text);
  if (m) {
    // RFC 9110: a two-digit year more than 50 years in the future is in the previous century.
    const nowYear = new Date(now).getUTCFullYear();
    let year = Math.floor(nowYear / 100) * 100 + Number(m[3]);
    if (year > nowYear + 50) year -= 100;
    return utc(year, m[2], Number(m[1]), m[4], m[5], m[6]);
  }
  m = ASCTIME.exec(text);
  if (m) return utc(Number(m[6]), m[1], Number(m[2].trim()), m[3], m[4], m[5]);
  return null;
}

/**
 * The delay a `Retry-After` header asks for, in ms, within [0, maxMs]; null when absent or
 * unparseable (then the retry schedule alone decides). A date in the past means "now" (0).
 */
export function parseRetryAfter(value: string | readonly string[] | null | undefined, options: RetryAfterOptions = {}): number | null {
  const raw = Array.isArray(value) ? value[0] : value;
  if (typeof raw !== 'string') return null;
  const text = raw.trim();
  if (text === '') return null;
  const max = options.maxMs ?? DEFAULT_RETRY_AFTER_CAP_MS;
  if (/^\d+$/.test(text)) {
    // Long digit strings overflow to a huge number or Infinity: the cap takes care of both.
    return Math.min(Number(text) * 1000, max);
  }
  const now = options.now ?? Date.now();
  const at = parseHttpDate(text, now);
  if (at === null) return null;
  return Math.min(Math.max(0, at - now), max);
}
