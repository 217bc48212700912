import { describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { newWebhookSecret, refersionSignature, secretKey, signHeaders, webhookIdFor } from './signing.js';

const body = JSON.stringify({ id: 'cv_MTAyMg', total: '130.55', note: 'ünïcødé ✓' });

/** Refersion-Signature recomputed from scratch with node:crypto only. */
function independentRefersion(secret: string, raw: string): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  return createHmac('sha256', key).update(Buffer.from(raw, 'utf8')).digest('base64');
}

describe('webhook secrets', () => {
  it('are whsec_ + base64 of 24 random bytes', () => {
    const a = newWebhookSecret();
    const b = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(24);
    expect(a).not.toBe(b);
    expect(secretKey(a)).toEqual(Buffer.from(a.slice(6), 'base64'));
  });

  it('refuses malformed secrets', () => {
    expect(() => secretKey('not-a-secret')).toThrow(/whsec_/);
    expect(() => secretKey('whsec_')).toThrow(/base64/);
    expect(() => secretKey('whsec_***')).toThrow(/base64/);
    expect(() => signHeaders({ webhookId: 'msg_1', timestamp: new Date(), body, topic: 'NEW_CONVERSION' })).toThrow(/secret/);
  });
});

describe('signHeaders', () => {
  it('produces Standard Webhooks headers that the standardwebhooks library verifies, and Refersion’s', () => {
    const secret = newWebhookSecret();
    const now = new Date();
    const headers = signHeaders({ secret, webhookId: 'msg_abc', timestamp: now, body, topic: 'NEW_CONVERSION' });
    expect(headers['webhook-id']).toBe('msg_abc');
    expect(headers['webhook-timestamp']).toBe(String(Math.floor(now.getTime() / 1000)));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(headers['Refersion-Topic']).toBe('NEW_CONVERSION');
    expect(headers['Refersion-Signature']).toBe(independentRefersion(secret, body));
    expect(refersionSignature(secret, body)).toBe(headers['Refersion-Signature']);

    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    // Byte for byte what the library itself signs (signHeaders computes it with node:crypto).
    expect(headers['webhook-signature']).toBe(new Webhook(secret).sign('msg_abc', new Date(Math.floor(now.getTime() / 1000) * 1000), body));
    // Tampering with the body, the id or the timestamp breaks it.
    expect(() => new Webhook(secret).verify(body.replace('130.55', '999.99'), headers)).toThrow(WebhookVerificationError);
    expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': 'msg_other' })).toThrow(WebhookVerificationError);
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow(WebhookVerificationError);
  });

  it('signs with every secret during a rotation overlap window; Refersion-Signature uses the newest (first)', () => {
    const [newest, older, oldest] = [newWebhookSecret(), newWebhookSecret(), newWebhookSecret()];
    const headers = signHeaders({ secrets: [newest, older, oldest], webhookId: 'msg_rot', timestamp: Math.floor(Date.now() / 1000), body, topic: 'NEW_AFFILIATE' });
    const signatures = headers['webhook-signature'].split(' ');
    expect(signatures).toHaveLength(3);
    for (const s of signatures) expect(s).toMatch(/^v1,/);
    for (const secret of [newest, older, oldest]) {
      expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    }
    expect(headers['Refersion-Signature']).toBe(independentRefersion(newest, body));
    expect(headers['Refersion-Signature']).not.toBe(independentRefersion(older, body));
  });

  it('matches the Standard Webhooks definition computed by hand', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const headers = signHeaders({ secret, webhookId: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: 1614265330, body: '{"test": 2432232314}', topic: 'NEW_CONVERSION' });
    const expected = createHmac('sha256', Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64')).update('msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}').digest('base64');
    expect(headers['webhook-signature']).toBe(`v1,${expected}`);
    // The specification's own example vector.
    expect(expected).toBe('g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });
});

describe('webhookIdFor', () => {
  it('is stable per (event, endpoint) and differs otherwise', () => {
    const id = webhookIdFor('evt-1', 'ep-1');
    expect(id).toMatch(/^msg_[A-Za-z0-9_-]{27}$/);
    expect(webhookIdFor('evt-1', 'ep-1')).toBe(id);
    expect(webhookIdFor('evt-1', 'ep-2')).not.toBe(id);
    expect(webhookIdFor('evt-2', 'ep-1')).not.toBe(id);
    // No ambiguity from concatenation.
    expect(webhookIdFor('ab', 'c')).not.toBe(webhookIdFor('a', 'bc'));
  });
});
