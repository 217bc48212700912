import { describe, expect, it } from '@jest/globals';
import { TOPIC_CATALOGUE, topicEntry } from './topic-schemas.js';
import { topicBodyErrors } from './topic-validation.js';
import { TOPICS } from './topics.js';

describe('the topic catalogue', () => {
  it('lists every topic the engine sends, once, in TOPICS order', () => {
    expect(TOPIC_CATALOGUE.map((e) => e.topic)).toEqual([...TOPICS]);
    for (const entry of TOPIC_CATALOGUE) expect(entry.description.length).toBeGreaterThan(10);
  });

  it.each([...TOPICS])('%s: its example validates against its own schema', (topic) => {
    expect(topicBodyErrors(topic, topicEntry(topic).example)).toEqual([]);
  });

  it('refuses a body that drifts from the contract: a number amount, a missing key, an extra key, a bad date', () => {
    const example = topicEntry('NEW_CONVERSION').example as Record<string, unknown>;
    expect(topicBodyErrors('NEW_CONVERSION', { ...example, total: 120 })).toEqual([expect.stringContaining('/total: must be string')]);
    const { order_id: _dropped, ...missing } = example;
    expect(topicBodyErrors('NEW_CONVERSION', missing)).toEqual([expect.stringContaining("must have required property 'order_id'")]);
    expect(topicBodyErrors('NEW_CONVERSION', { ...example, extra: 1 })).toEqual([expect.stringContaining('(extra)')]);
    expect(topicBodyErrors('PAYOUT_PAID', { ...(topicEntry('PAYOUT_PAID').example as object), created: '2026-03-01T09:15:02Z' })).toEqual([
      expect.stringContaining('/created: must match pattern'),
    ]);
    // A conversion body is not an affiliate body.
    expect(topicBodyErrors('NEW_AFFILIATE', example).length).toBeGreaterThan(0);
  });

  it('a body about a partner may carry its sequence, a positive integer; payouts carry none', () => {
    const example = topicEntry('NEW_AFFILIATE').example as Record<string, unknown>;
    expect(example.sequence).toBe(1);
    const { sequence: _s, ...without } = example;
    expect(topicBodyErrors('NEW_AFFILIATE', without)).toEqual([]);
    expect(topicBodyErrors('NEW_AFFILIATE', { ...example, sequence: 0 })).toEqual([expect.stringContaining('/sequence: must be >= 1')]);
    expect(topicBodyErrors('NEW_AFFILIATE', { ...example, sequence: 1.5 })).toEqual([expect.stringContaining('/sequence: must be integer')]);
    expect(topicBodyErrors('PAYOUT_PAID', { ...(topicEntry('PAYOUT_PAID').example as object), sequence: 1 })).toEqual([expect.stringContaining('(sequence)')]);
  });
});
