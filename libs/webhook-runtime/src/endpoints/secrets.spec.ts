import { describe, expect, it } from '@jest/globals';
import type { WebhookEndpoint } from './endpoint-repository.js';
import { activeSecrets, rotateSecret } from './secrets.js';

const now = new Date('2024-05-01T12:00:00.000Z');
const endpoint = (secrets: WebhookEndpoint['secrets']): WebhookEndpoint => ({
  id: 'whe_1',
  programId: 'p1',
  url: 'https://example.com/hook',
  topics: ['ALL'],
  description: null,
  enabled: true,
  disabledReason: null,
  secrets,
  failingSince: null,
  createdAt: '2024-01-01T00:00:00.000Z',
  updatedAt: '2024-01-01T00:00:00.000Z',
});

describe('endpoint secrets', () => {
  const current = { secret: 'whsec_new', createdAt: '2024-04-01T00:00:00.000Z', expiresAt: null };
  const overlapping = { secret: 'whsec_old', createdAt: '2024-03-01T00:00:00.000Z', expiresAt: '2024-05-01T13:00:00.000Z' };
  const expired = { secret: 'whsec_older', createdAt: '2024-02-01T00:00:00.000Z', expiresAt: '2024-05-01T12:00:00.000Z' };

  it('keeps the current secret and rotated ones inside their window, newest first', () => {
    expect(activeSecrets(endpoint([current, overlapping, expired]), now).map((s) => s.secret)).toEqual(['whsec_new', 'whsec_old']);
  });

  it('rotation keeps the active secrets for the overlap, never extending a shorter window', () => {
    const { endpoint: next, previousSecretsExpireAt } = rotateSecret(endpoint([current, overlapping, expired]), 'whsec_next', now, 2 * 3_600_000);
    expect(previousSecretsExpireAt).toBe('2024-05-01T14:00:00.000Z');
    expect(next.secrets).toEqual([{ secret: 'whsec_next', createdAt: now.toISOString(), expiresAt: null }, { ...current, expiresAt: '2024-05-01T14:00:00.000Z' }, overlapping]);
    expect(next.updatedAt).toBe(now.toISOString());
  });

  it('rotation without overlap drops every older secret', () => {
    const { endpoint: next, previousSecretsExpireAt } = rotateSecret(endpoint([current]), 'whsec_next', now, 0);
    expect(previousSecretsExpireAt).toBeNull();
    expect(next.secrets.map((s) => s.secret)).toEqual(['whsec_next']);
  });
});
