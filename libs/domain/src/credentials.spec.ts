import { describe, expect, it } from '@jest/globals';
import { credentialFieldsOf, withoutCredentials } from './credentials.js';
import { LEDGER_EVENT_TYPES } from './events.js';
import { programDecider } from './program/program.js';

describe('credential fields of event payloads', () => {
  const [created] = programDecider.decide(
    { type: 'CreateProgram', programId: 'prg_1', name: 'P', currency: 'USD', commission: { type: 'PERCENT_OF_SALE', amount: '10' }, apiKeyHash: 'f'.repeat(64) },
    programDecider.initialState(),
  );

  it("a program's key hash is taken out of ProgramCreated as it is handed out; the event itself keeps it", () => {
    expect(created.data).toHaveProperty('apiKeyHash', 'f'.repeat(64));
    const handedOut = withoutCredentials(created.type, created.data);
    expect(handedOut).not.toHaveProperty('apiKeyHash');
    expect(handedOut).toEqual({ programId: 'prg_1', name: 'P', currency: 'USD', commission: { type: 'PERCENT_OF_SALE', amount: '10' }, tiers: [] });
    expect(created.data).toHaveProperty('apiKeyHash', 'f'.repeat(64));
  });

  it('an old log is handed out the same way: the field is found by event type, whatever wrote it', () => {
    expect(withoutCredentials('ProgramCreated', { programId: 'prg_old', apiKeyHash: 'abc', name: 'Old' })).toEqual({ programId: 'prg_old', name: 'Old' });
  });

  it('payloads without credentials, and events the vocabulary does not know, pass through untouched', () => {
    const data = { partnerId: 'par_1', email: 'a@example.com' };
    expect(withoutCredentials('PartnerCreated', data)).toBe(data);
    expect(withoutCredentials('SomethingElse', { apiKeyHash: 'x' })).toEqual({ apiKeyHash: 'x' });
    expect(withoutCredentials('ProgramCreated', null)).toBeNull();
  });

  it('every event type of the log says what it carries: only ProgramCreated carries a credential', () => {
    const carrying = [...LEDGER_EVENT_TYPES].filter((t) => credentialFieldsOf(t).length > 0);
    expect(carrying).toEqual(['ProgramCreated']);
  });
});
