import { BlockList, isIP } from 'node:net';

/*
 * WEBHOOK_ALLOWED_CIDRS, parsed once by loadConfig: the ranges the SSRF guard (webhook-runtime's
 * ssrf.ts) lets through. The IPv6 reading lives here too because an allowed IPv4 range also covers
 * the IPv6 forms that embed one of its addresses.
 */

/** The 16 bytes of an IPv6 address, or null. Accepts `::`, an embedded dotted quad and a zone. */
function ipv6Bytes(ip: string): number[] | null {
  const text = ip.split('%')[0];
  if (isIP(text) !== 6) return null;
  let head = text;
  const tailV4: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    tailV4.push(...dotted[1].split('.').map(Number));
    head = text.slice(0, -dotted[1].length) + '0:0';
  }
  const [left, right] = head.split('::');
  const groups = (s: string | undefined) => (s ? s.split(':').filter((g) => g !== '') : []);
  const l = groups(left);
  const r = right === undefined ? [] : groups(right);
  const fill = right === undefined ? 0 : 8 - l.length - r.length;
  const all = [...l, ...Array(fill).fill('0'), ...r].map((g) => parseInt(g, 16));
  if (all.length !== 8) return null;
  const bytes = all.flatMap((g) => [g >> 8, g & 0xff]);
  if (tailV4.length) bytes.splice(12, 4, ...tailV4);
  return bytes;
}

/**
 * The IPv4 address an IPv6 address stands for, when it embeds one that a stack or a gateway would
 * actually dial: IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::a.b.c.d), 6to4 (2002:aabb:ccdd::).
 */
export function embeddedIPv4(ip: string): string | null {
  const b = ipv6Bytes(ip);
  if (!b) return null;
  const zero = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) return b.slice(12, 16).join('.');
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zero(4, 12)) return b.slice(12, 16).join('.');
  if (b[0] === 0x20 && b[1] === 0x02) return b.slice(2, 6).join('.');
  return null;
}

/** Addresses exempted from the block by WEBHOOK_ALLOWED_CIDRS. */
export interface AllowedCidrs {
  readonly cidrs: readonly string[];
  contains(ip: string): boolean;
}

export const NO_ALLOWED_CIDRS: AllowedCidrs = { cidrs: [], contains: () => false };

/**
 * Parses WEBHOOK_ALLOWED_CIDRS: comma-separated IPv4/IPv6 CIDRs (`127.0.0.0/8, fd00::/8`); a bare
 * address stands for itself (/32 or /128). Pass the variable's value or the whole environment.
 * A /0 is refused: it would switch the guard off; list the ranges you need.
 */
export function parseAllowedCidrs(env?: string | Readonly<Record<string, string | undefined>> | null): AllowedCidrs {
  const raw = typeof env === 'string' ? env : (env?.WEBHOOK_ALLOWED_CIDRS ?? '');
  const entries = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) return NO_ALLOWED_CIDRS;
  const list = new BlockList();
  const cidrs: string[] = [];
  for (const entry of entries) {
    const match = /^([^/\s]+)(?:\/(\d{1,3}))?$/.exec(entry);
    const address = match?.[1] ?? '';
    const family = isIP(address);
    if (!match || family === 0) {
      throw new Error(`WEBHOOK_ALLOWED_CIDRS: "${entry}" is not an IPv4 or IPv6 CIDR (expected e.g. 127.0.0.0/8 or fd00::/8)`);
    }
    const max = family === 4 ? 32 : 128;
    const prefix = match[2] === undefined ? max : Number(match[2]);
    if (prefix > max) throw new Error(`WEBHOOK_ALLOWED_CIDRS: "${entry}" has a prefix length above ${max}`);
    if (prefix === 0) throw new Error(`WEBHOOK_ALLOWED_CIDRS: "${entry}" would allow every address and disable the SSRF guard; list the ranges you need`);
    list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
    cidrs.push(`${address}/${prefix}`);
  }
  return {
    cidrs,
    contains(ip: string) {
      const text = ip.split('%')[0];
      const family = isIP(text);
      if (family === 0) return false;
      if (list.check(text, family === 4 ? 'ipv4' : 'ipv6')) return true;
      const v4 = family === 6 ? embeddedIPv4(text) : null;
      return v4 !== null && list.check(v4, 'ipv4');
    },
  };
}
