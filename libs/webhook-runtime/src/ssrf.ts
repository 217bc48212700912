import { promises as dnsPromises, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { type AllowedCidrs, embeddedIPv4, NO_ALLOWED_CIDRS } from '@partner-ledger/config';
import { invalid } from '@partner-ledger/domain';

/*
 * SSRF guard for outgoing webhooks. A webhook URL may not reach loopback, private, link-local,
 * CGNAT, cloud-metadata, unspecified, multicast/broadcast or otherwise reserved addresses, unless
 * an operator exempts a range with WEBHOOK_ALLOWED_CIDRS. The check runs twice:
 *   - when the URL is saved (checkUrlAtSave): IP literals are judged as they are, host names are
 *     resolved (never connected to) and refused if ANY address is blocked;
 *   - on every connection (guardedDispatcher): the address actually dialled is judged again, so a
 *     name that resolved to a public address at save time and to 127.0.0.1 now (DNS rebinding) is
 *     refused before any packet is sent.
 */

export type BlockReason = 'invalid' | 'unspecified' | 'loopback' | 'private' | 'link_local' | 'cgnat' | 'metadata' | 'multicast' | 'broadcast' | 'reserved';

/** Resolves a host name to all its addresses, like `dns.promises.lookup(host, {all: true})`. */
export type Resolver = (hostname: string) => Promise<readonly LookupAddress[]>;

export const defaultResolver: Resolver = (hostname) => dnsPromises.lookup(hostname, { all: true, verbatim: true });

/** Refused at connect time: the address about to be dialled is blocked. */
export class SsrfBlockedError extends Error {
  readonly code = 'ssrf_blocked';
  constructor(
    readonly hostname: string,
    readonly address: string,
    readonly reason: BlockReason,
  ) {
    super(`refusing to connect to ${hostname === address ? address : `${hostname} (${address})`}: ${reason.replace('_', '-')} address; exempt it with WEBHOOK_ALLOWED_CIDRS if intended`);
    this.name = 'SsrfBlockedError';
  }
}

// ---- address classification ----------------------------------------------------------------------

type Range = [net: string, prefix: number, reason: BlockReason];

// Order matters: the first matching range names the reason.
const V4_RANGES: Range[] = [
  ['169.254.169.254', 32, 'metadata'], // AWS, GCP, Azure, OpenStack…
  ['192.0.0.192', 32, 'metadata'], // Oracle Cloud
  ['100.100.100.200', 32, 'metadata'], // Alibaba Cloud
  ['0.0.0.0', 8, 'unspecified'], // "this network": 0.0.0.0 reaches the local host on Linux
  ['127.0.0.0', 8, 'loopback'],
  ['10.0.0.0', 8, 'private'],
  ['172.16.0.0', 12, 'private'],
  ['192.168.0.0', 16, 'private'],
  ['169.254.0.0', 16, 'link_local'],
  ['100.64.0.0', 10, 'cgnat'],
  ['224.0.0.0', 4, 'multicast'],
  ['255.255.255.255', 32, 'broadcast'],
  ['240.0.0.0', 4, 'reserved'],
  ['192.0.0.0', 24, 'reserved'], // IETF protocol assignments
  ['192.0.2.0', 24, 'reserved'], // TEST-NET-1
  ['198.51.100.0', 24, 'reserved'], // TEST-NET-2
  ['203.0.113.0', 24, 'reserved'], // TEST-NET-3
  ['198.18.0.0', 15, 'reserved'], // benchmarking
  ['192.88.99.0', 24, 'reserved'], // 6to4 relay anycast
];
const V6_RANGES: Range[] = [
  ['fd00:ec2::254', 128, 'metadata'], // AWS IMDS over IPv6
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['fc00::', 7, 'private'], // unique local
  ['fe80::', 10, 'link_local'],
  ['fec0::', 10, 'private'], // deprecated site-local
  ['ff00::', 8, 'multicast'],
  ['::', 96, 'reserved'], // deprecated IPv4-compatible
  ['64:ff9b:1::', 48, 'reserved'], // local-use NAT64
  ['100::', 64, 'reserved'], // discard-only
  ['2001:db8::', 32, 'reserved'], // documentation
  ['2001::', 23, 'reserved'], // IETF protocol assignments (Teredo, ORCHID…)
];

const CLASSES: { reason: BlockReason; list: BlockList }[] = [];
for (const [address, prefix, reason] of [...V4_RANGES, ...V6_RANGES]) {
  const list = new BlockList();
  list.addSubnet(address, prefix, isIP(address) === 4 ? 'ipv4' : 'ipv6');
  CLASSES.push({ reason, list });
}

/** Why an address is blocked, or null when it may be contacted. Anything that is not an IP is 'invalid'. */
export function blockReason(ip: string, allowed: AllowedCidrs = NO_ALLOWED_CIDRS): BlockReason | null {
  const text = typeof ip === 'string' ? ip.replace(/^\[(.*)\]$/, '$1').split('%')[0] : '';
  const family = isIP(text);
  if (family === 0) return 'invalid';
  if (allowed.contains(text)) return null;
  const v4 = family === 6 ? embeddedIPv4(text) : null;
  const candidates: [string, 'ipv4' | 'ipv6'][] = v4
    ? [
        [v4, 'ipv4'],
        [text, 'ipv6'],
      ]
    : [[text, family === 4 ? 'ipv4' : 'ipv6']];
  for (const [address, type] of candidates) {
    for (const { reason, list } of CLASSES) if (list.check(address, type)) return reason;
  }
  return null;
}

export function isBlockedAddress(ip: string, allowed: AllowedCidrs = NO_ALLOWED_CIDRS): boolean {
  return blockReason(ip, allowed) !== null;
}

// ---- save time ------------------------------------------------------------------------------------

const MAX_URL_LENGTH = 2048;

export interface SaveCheckOptions {
  allowed?: AllowedCidrs;
  /** Default: `dns.promises.lookup(host, {all: true})`. Tests inject one: no real DNS. */
  resolve?: Resolver;
}

/**
 * Validates an endpoint URL when it is saved: http/https only, no user or password, and no address
 * it names or resolves to may be blocked. Nothing is ever connected to. Throws a validation
 * `DomainError` on field `url` (codes: invalid_url, url_scheme_not_allowed,
 * url_credentials_not_allowed, url_unresolvable, ssrf_blocked).
 */
export async function checkUrlAtSave(url: string, options: SaveCheckOptions = {}): Promise<{ url: URL; addresses: string[] }> {
  const allowed = options.allowed ?? NO_ALLOWED_CIDRS;
  if (typeof url !== 'string' || url.length > MAX_URL_LENGTH) {
    throw invalid('invalid_url', `url must be an absolute http(s) URL of at most ${MAX_URL_LENGTH} characters`, 'url');
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('invalid_url', 'url is not a valid absolute URL', 'url');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw invalid('url_scheme_not_allowed', `url must use http or https, not ${parsed.protocol.replace(/:$/, '')}`, 'url');
  }
  if (parsed.username || parsed.password) {
    throw invalid('url_credentials_not_allowed', 'url must not carry a user name or password; the signature authenticates the sender', 'url');
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw invalid('invalid_url', 'url has no host', 'url');

  let addresses: string[];
  if (isIP(host)) {
    addresses = [host];
  } else if (/(^|\.)localhost\.?$/i.test(host)) {
    addresses = ['127.0.0.1', '::1']; // RFC 6761: always the loopback, whatever a resolver says
  } else {
    const resolve = options.resolve ?? defaultResolver;
    let found: readonly LookupAddress[];
    try {
      found = await resolve(host);
    } catch (err) {
      throw invalid('url_unresolvable', `url's host ${host} does not resolve (${(err as { code?: string }).code ?? (err as Error).message})`, 'url');
    }
    if (!found?.length) throw invalid('url_unresolvable', `url's host ${host} does not resolve`, 'url');
    addresses = found.map((a) => a.address);
  }
  for (const address of addresses) {
    const reason = blockReason(address, allowed);
    if (reason) {
      const where = address === host ? address : `${host} resolves to ${address}, which`;
      throw invalid('ssrf_blocked', `url not allowed: ${where} is a ${reason.replace('_', '-')} address (exempt a range with WEBHOOK_ALLOWED_CIDRS)`, 'url');
    }
  }
  return { url: parsed, addresses };
}

// ---- connect time ---------------------------------------------------------------------------------

export interface GuardedDispatcherOptions {
  allowed?: AllowedCidrs;
  /** Resolves host names at connect time. Default `dns.promises.lookup(host, {all: true})`. */
  lookup?: Resolver;
  /** Max sockets per origin (keep-alive pool). Default 8. */
  connections?: number;
  /** Idle keep-alive socket lifetime, ms. Default 4 000. */
  keepAliveTimeout?: number;
  /** Upper bound for a server's keep-alive hint, ms. Default 60 000. */
  keepAliveMaxTimeout?: number;
  /** TCP (+TLS) connect timeout, ms. Default 10 000. */
  connectTimeout?: number;
  headersTimeout?: number;
  bodyTimeout?: number;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `net.connect` lookup that resolves with `resolve` and refuses when any address is blocked. */
export function guardedLookup(resolve: Resolver, allowed: AllowedCidrs) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname).then(
      (found) => {
        let result: LookupAddress[] | Error;
        const wanted = options?.family === 4 || options?.family === 6 ? found.filter((a) => a.family === options.family) : [...found];
        if (wanted.length === 0) {
          result = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
        } else {
          // Any blocked address refuses the whole name, as at save time.
          const blocked = wanted.map((a) => [a.address, blockReason(a.address, allowed)] as const).find(([, reason]) => reason);
          result = blocked ? new SsrfBlockedError(hostname, blocked[0], blocked[1]!) : wanted;
        }
        process.nextTick(() => {
          if (result instanceof Error) callback(result, '');
          else if (options?.all) callback(null, result);
          else callback(null, result[0].address, result[0].family);
        });
      },
      (err) => process.nextTick(() => callback(err, '')),
    );
  };
}

/**
 * An undici Agent (keep-alive pools per origin) whose every new connection is checked: an IP
 * literal host is judged directly, a name is resolved by `lookup` and every address judged, and a
 * blocked one fails the request with SsrfBlockedError (code `ssrf_blocked`) before any packet is
 * sent to it. Pooled sockets were checked when they were opened.
 */
export function guardedDispatcher(options: GuardedDispatcherOptions = {}): Agent {
  const allowed = options.allowed ?? NO_ALLOWED_CIDRS;
  const base = buildConnector({
    timeout: options.connectTimeout ?? 10_000,
    lookup: guardedLookup(options.lookup ?? defaultResolver, allowed) as never,
  });
  const connect: buildConnector.connector = (opts, callback) => {
    const host = opts.hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(host)) {
      // net.connect does not call `lookup` for an IP literal: judge it here.
      const reason = blockReason(host, allowed);
      if (reason) {
        process.nextTick(() => callback(new SsrfBlockedError(host, host, reason), null));
        return;
      }
    }
    base(opts, callback);
  };
  return new Agent({
    connections: options.connections ?? 8,
    keepAliveTimeout: options.keepAliveTimeout ?? 4_000,
    keepAliveMaxTimeout: options.keepAliveMaxTimeout ?? 60_000,
    headersTimeout: options.headersTimeout ?? 30_000,
    bodyTimeout: options.bodyTimeout ?? 30_000,
    connect,
  });
}
