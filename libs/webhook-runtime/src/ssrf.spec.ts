import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { type AddressInfo, Socket } from 'node:net';
import { createServer, type Server } from 'node:http';
import { request } from 'undici';
import { type Resolver, blockReason, checkUrlAtSave, guardedDispatcher, isBlockedAddress } from './ssrf.js';
import { embeddedIPv4, parseAllowedCidrs } from '@partner-ledger/config';

/*
 * No packet leaves loopback here: every name is answered by an injected resolver, public addresses
 * only ever appear in resolver answers at save time (which never connects), and the only server
 * contacted listens on 127.0.0.1.
 */

const PUBLIC_V4 = '93.184.215.14';
const answer = (...addresses: string[]): Resolver => jest.fn(async () => addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));

describe('isBlockedAddress', () => {
  const blocked: [string, string][] = [
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.1.1', 'link_local'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:10.1.2.3', 'private'],
    ['64:ff9b::a9fe:a9fe', 'metadata'], // NAT64 of 169.254.169.254
    ['2002:7f00:1::', 'loopback'], // 6to4 of 127.0.0.1
    ['::127.0.0.1', 'reserved'], // deprecated IPv4-compatible
    ['not-an-ip', 'invalid'],
    ['', 'invalid'],
  ];
  it.each(blocked)('%s is blocked (%s)', (ip, reason) => {
    expect(blockReason(ip)).toBe(reason);
    expect(isBlockedAddress(ip)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', PUBLIC_V4, '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808'])('%s is public', (ip) => {
    expect(blockReason(ip)).toBeNull();
  });

  it('embeds IPv4 in mapped, NAT64 and 6to4 forms', () => {
    expect(embeddedIPv4('::ffff:7f00:1')).toBe('127.0.0.1');
    expect(embeddedIPv4('::ffff:1.2.3.4')).toBe('1.2.3.4');
    expect(embeddedIPv4('64:ff9b::1.2.3.4')).toBe('1.2.3.4');
    expect(embeddedIPv4('2002:0102:0304::1')).toBe('1.2.3.4');
    expect(embeddedIPv4('2606:4700::1')).toBeNull();
  });

  it('exempts what WEBHOOK_ALLOWED_CIDRS allows, and only that', () => {
    const allowed = parseAllowedCidrs({ WEBHOOK_ALLOWED_CIDRS: ' 127.0.0.0/8 , fd00::/8,10.1.2.3' });
    expect(allowed.cidrs).toEqual(['127.0.0.0/8', 'fd00::/8', '10.1.2.3/32']);
    expect(isBlockedAddress('127.0.0.1', allowed)).toBe(false);
    expect(isBlockedAddress('::ffff:127.0.0.1', allowed)).toBe(false);
    expect(isBlockedAddress('fd12::1', allowed)).toBe(false);
    expect(isBlockedAddress('10.1.2.3', allowed)).toBe(false);
    expect(isBlockedAddress('10.1.2.4', allowed)).toBe(true);
    expect(isBlockedAddress('::1', allowed)).toBe(true);
    expect(isBlockedAddress('169.254.169.254', allowed)).toBe(true);
  });
});

describe('parseAllowedCidrs', () => {
  it('is empty when unset or blank', () => {
    expect(parseAllowedCidrs(undefined).cidrs).toEqual([]);
    expect(parseAllowedCidrs({}).cidrs).toEqual([]);
    expect(parseAllowedCidrs(' , ').cidrs).toEqual([]);
  });
  it.each([
    ['localhost', /not an IPv4 or IPv6 CIDR/],
    ['127.0.0.0/33', /prefix length above 32/],
    ['::1/129', /prefix length above 128/],
    ['127.0.0.0/8/8', /not an IPv4 or IPv6 CIDR/],
    ['300.0.0.0/8', /not an IPv4 or IPv6 CIDR/],
    ['0.0.0.0/0', /disable the SSRF guard/],
    ['::/0', /disable the SSRF guard/],
  ])('refuses %s with a clear error', (value, message) => {
    expect(() => parseAllowedCidrs(value)).toThrow(message);
    expect(() => parseAllowedCidrs(value)).toThrow(/WEBHOOK_ALLOWED_CIDRS/);
  });
});

describe('checkUrlAtSave', () => {
  const connects: jest.Spied<typeof Socket.prototype.connect>[] = [];
  beforeAll(() => {
    connects.push(jest.spyOn(Socket.prototype, 'connect'));
  });
  afterEach(() => {
    // Nothing at save time ever opens a socket.
    expect(connects[0]).not.toHaveBeenCalled();
  });
  afterAll(() => connects[0].mockRestore());

  it.each([
    'http://127.0.0.1/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://[::1]:8080/',
    'http://10.0.0.1/',
    'http://[::ffff:127.0.0.1]/',
    'http://0x7f.1/',
    'http://2130706433/',
    'https://0.0.0.0/',
  ])('%s is refused by default without resolving or connecting', async (url) => {
    const resolve = answer(PUBLIC_V4);
    await expect(checkUrlAtSave(url, { resolve })).rejects.toMatchObject({ code: 'ssrf_blocked', field: 'url', kind: 'validation' });
    expect(resolve).not.toHaveBeenCalled();
  });

  it('refuses other schemes and credentials', async () => {
    const resolve = answer(PUBLIC_V4);
    await expect(checkUrlAtSave('ftp://files.example.com/x', { resolve })).rejects.toMatchObject({ code: 'url_scheme_not_allowed' });
    await expect(checkUrlAtSave('file:///etc/passwd', { resolve })).rejects.toMatchObject({ code: 'url_scheme_not_allowed' });
    await expect(checkUrlAtSave('http://user:pass@hooks.example.com/', { resolve })).rejects.toMatchObject({ code: 'url_credentials_not_allowed' });
    await expect(checkUrlAtSave('http://user@hooks.example.com/', { resolve })).rejects.toMatchObject({ code: 'url_credentials_not_allowed' });
    await expect(checkUrlAtSave('not a url', { resolve })).rejects.toMatchObject({ code: 'invalid_url' });
    expect(resolve).not.toHaveBeenCalled();
  });

  it('refuses a name that resolves to a blocked address, or to any blocked address among several', async () => {
    await expect(checkUrlAtSave('https://hooks.example.test/x', { resolve: answer('127.0.0.1') })).rejects.toMatchObject({
      code: 'ssrf_blocked',
      message: expect.stringContaining('hooks.example.test resolves to 127.0.0.1'),
    });
    await expect(checkUrlAtSave('https://hooks.example.test/x', { resolve: answer(PUBLIC_V4, 'fd00:ec2::254') })).rejects.toMatchObject({ code: 'ssrf_blocked' });
  });

  it('refuses localhost names without asking the resolver', async () => {
    const resolve = answer(PUBLIC_V4);
    await expect(checkUrlAtSave('http://localhost:3000/', { resolve })).rejects.toMatchObject({ code: 'ssrf_blocked' });
    await expect(checkUrlAtSave('http://api.localhost/', { resolve })).rejects.toMatchObject({ code: 'ssrf_blocked' });
    expect(resolve).not.toHaveBeenCalled();
  });

  it('refuses names that do not resolve', async () => {
    const resolve: Resolver = async () => {
      throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
    };
    await expect(checkUrlAtSave('https://nowhere.test/', { resolve })).rejects.toMatchObject({ code: 'url_unresolvable', message: expect.stringContaining('ENOTFOUND') });
    await expect(checkUrlAtSave('https://nowhere.test/', { resolve: answer() })).rejects.toMatchObject({ code: 'url_unresolvable' });
  });

  it('accepts public hosts, and private ones that WEBHOOK_ALLOWED_CIDRS exempts', async () => {
    const resolve = answer(PUBLIC_V4);
    await expect(checkUrlAtSave('https://hooks.example.test/x?y=1', { resolve })).resolves.toMatchObject({ addresses: [PUBLIC_V4] });
    expect(resolve).toHaveBeenCalledWith('hooks.example.test');
    const allowed = parseAllowedCidrs('127.0.0.0/8,::1');
    await expect(checkUrlAtSave('http://127.0.0.1:4000/hook', { allowed, resolve })).resolves.toMatchObject({ addresses: ['127.0.0.1'] });
    await expect(checkUrlAtSave('http://[::1]:4000/hook', { allowed, resolve })).resolves.toMatchObject({ addresses: ['::1'] });
  });
});

describe('guardedDispatcher: checked again at connect time (DNS rebinding)', () => {
  let server: Server;
  let port: number;
  let hits = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits++;
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const post = (url: string, dispatcher: ReturnType<typeof guardedDispatcher>) =>
    request(url, { method: 'POST', body: '{"x":1}', headers: { 'content-type': 'application/json' }, dispatcher });

  it('refuses a name that passed the save-time check but now resolves to loopback; the server receives nothing', async () => {
    const url = `http://rebind.test:${port}/hook`;
    // Save time: the name resolves to a public address (only resolved, never contacted).
    await expect(checkUrlAtSave(url, { resolve: answer(PUBLIC_V4) })).resolves.toBeDefined();
    // Connect time: the same name now answers 127.0.0.1.
    const lookup = answer('127.0.0.1');
    const dispatcher = guardedDispatcher({ lookup });
    try {
      hits = 0;
      const error = await post(url, dispatcher).then(
        () => null,
        (err: unknown) => err as { code?: string; cause?: { code?: string } },
      );
      expect(error?.code ?? error?.cause?.code).toBe('ssrf_blocked');
      expect(lookup).toHaveBeenCalledWith('rebind.test');
      expect(hits).toBe(0);
    } finally {
      await dispatcher.close();
    }
  });

  it('refuses IP literals without any lookup', async () => {
    const lookup = answer('127.0.0.1');
    const dispatcher = guardedDispatcher({ lookup });
    try {
      hits = 0;
      await expect(post(`http://127.0.0.1:${port}/hook`, dispatcher)).rejects.toMatchObject({ code: 'ssrf_blocked', reason: 'loopback' });
      await expect(post(`http://[::1]:${port}/hook`, dispatcher)).rejects.toMatchObject({ code: 'ssrf_blocked' });
      await expect(post(`http://[::ffff:127.0.0.1]:${port}/hook`, dispatcher)).rejects.toMatchObject({ code: 'ssrf_blocked' });
      expect(lookup).not.toHaveBeenCalled();
      expect(hits).toBe(0);
    } finally {
      await dispatcher.close();
    }
  });

  it('refuses a name when any of its addresses is blocked, even if another is allowed', async () => {
    // Only loopback here: 127.0.0.1 stands for an allowed address, 127.0.0.2 for a blocked one.
    const allowed = parseAllowedCidrs('127.0.0.1/32');
    const dispatcher = guardedDispatcher({ allowed, lookup: answer('127.0.0.1', '127.0.0.2') });
    try {
      hits = 0;
      await expect(post(`http://mixed.test:${port}/hook`, dispatcher)).rejects.toMatchObject({ code: 'ssrf_blocked', address: '127.0.0.2' });
      expect(hits).toBe(0);
    } finally {
      await dispatcher.close();
    }
  });

  it('lets the same request through when WEBHOOK_ALLOWED_CIDRS=127.0.0.0/8, reusing a kept-alive socket', async () => {
    const allowed = parseAllowedCidrs({ WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8' });
    const lookup = answer('127.0.0.1');
    const dispatcher = guardedDispatcher({ allowed, lookup, connections: 1, keepAliveTimeout: 1000 });
    try {
      hits = 0;
      for (let i = 0; i < 2; i++) {
        const response = await post(`http://rebind.test:${port}/hook`, dispatcher);
        expect(response.statusCode).toBe(200);
        expect(await response.body.text()).toBe('ok');
      }
      expect(hits).toBe(2);
      expect(lookup).toHaveBeenCalledTimes(1); // the second request rode the pooled connection
      const literal = await post(`http://127.0.0.1:${port}/hook`, dispatcher);
      expect(literal.statusCode).toBe(200);
      await literal.body.dump();
    } finally {
      await dispatcher.close();
    }
  });
});
