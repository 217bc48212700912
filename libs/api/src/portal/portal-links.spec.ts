import { describe, expect, it } from '@jest/globals';
import { DomainError } from '@partner-ledger/domain';
import { signPortalToken, verifyPortalToken } from './portal-links.js';

const SECRET = 'a-test-secret-of-at-least-32-characters';
const now = new Date('2026-03-01T12:00:00Z');
const exp = Math.floor(now.getTime() / 1000) + 3600;
const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    return error instanceof DomainError ? error.code : String(error);
  }
  return 'accepted';
};

/** One home for the portal links' signing: each kind of portal accepts its own tokens only. */
describe('portal link tokens', () => {
  it('round-trips a grant for each kind of portal, under its own prefix', () => {
    for (const [kind, prefix] of [
      ['partner', 'plp1'],
      ['webhook-endpoint', 'plw1'],
    ] as const) {
      const token = signPortalToken(SECRET, kind, { programId: 'prg_1', id: 'sub_1', exp });
      expect(token.startsWith(`${prefix}.`)).toBe(true);
      expect(verifyPortalToken(SECRET, kind, token, now)).toEqual({ programId: 'prg_1', id: 'sub_1', exp });
    }
  });

  it("refuses one kind's token at another's portal, even relabelled with the other prefix (the prefix is signed)", () => {
    const partner = signPortalToken(SECRET, 'partner', { programId: 'prg_1', id: 'par_1', exp });
    expect(codeOf(() => verifyPortalToken(SECRET, 'webhook-endpoint', partner, now))).toBe('invalid_portal_token');
    expect(codeOf(() => verifyPortalToken(SECRET, 'webhook-endpoint', partner.replace(/^plp1/, 'plw1'), now))).toBe('invalid_portal_token');
  });

  it('refuses another secret, an expired grant and no token', () => {
    const token = signPortalToken(SECRET, 'webhook-endpoint', { programId: 'prg_1', id: 'whe_1', exp });
    expect(codeOf(() => verifyPortalToken(`${SECRET}-other`, 'webhook-endpoint', token, now))).toBe('invalid_portal_token');
    expect(codeOf(() => verifyPortalToken(SECRET, 'webhook-endpoint', token, new Date(exp * 1000)))).toBe('portal_link_expired');
    expect(codeOf(() => verifyPortalToken(SECRET, 'webhook-endpoint', undefined, now))).toBe('missing_portal_token');
  });
});
