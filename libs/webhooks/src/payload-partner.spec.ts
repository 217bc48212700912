import { describe, expect, it } from '@jest/globals';
import { TOPICS } from './topics.js';
import { topicEntry } from './topic-schemas.js';
import { partnerOfBody } from './payload-partner.js';

describe('partnerOfBody', () => {
  it("reads each topic's partner from its example body; payouts and tests have none", () => {
    const found = Object.fromEntries(TOPICS.map((t) => [t, partnerOfBody(t, JSON.stringify(topicEntry(t).example))]));
    for (const t of ['NEW_CONVERSION', 'APPROVED_CONVERSION', 'DENIED_CONVERSION'] as const) expect(found[t]).toBe((topicEntry(t).example as any).affiliate.id);
    for (const t of ['NEW_AFFILIATE', 'AFFILIATE_STATUS_CHANGE', 'AFFILIATE_DETAILS_CHANGE'] as const) expect(found[t]).toBe((topicEntry(t).example as any).id);
    expect(found.NEW_CONVERSION_TRIGGER).toBe((topicEntry('NEW_CONVERSION_TRIGGER').example as any).affiliate_id);
    expect([found.PAYOUT_CREATED, found.PAYOUT_PAID, found.PAYOUT_CANCELLED]).toEqual([null, null, null]);
    expect([found.ENDPOINT_CIRCUIT_OPENED, found.ENDPOINT_CIRCUIT_CLOSED]).toEqual([null, null]);
    expect(partnerOfBody('NEW_AFFILIATE', JSON.stringify({ test: true, topic: 'NEW_AFFILIATE' }))).toBeNull();
    expect(partnerOfBody('NEW_AFFILIATE', 'not json')).toBeNull();
  });
});
