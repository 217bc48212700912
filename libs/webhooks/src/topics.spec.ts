import { describe, expect, it } from '@jest/globals';
import { DomainError } from '@partner-ledger/domain';
import { ENDPOINT_TOPICS, EVENT_TOPIC_LIST, EVENT_TOPICS, TOPICS, expandTopics, parseTopics, subscribesTo, testTopicOf, topicOf } from './topics.js';

describe('topics', () => {
  it('maps each published domain event to its contract topic', () => {
    expect(topicOf('ConversionCreated')).toBe('NEW_CONVERSION');
    expect(topicOf('ConversionApproved')).toBe('APPROVED_CONVERSION');
    expect(topicOf('ConversionDenied')).toBe('DENIED_CONVERSION');
    expect(topicOf('PartnerCreated')).toBe('NEW_AFFILIATE');
    expect(topicOf('PartnerStatusChanged')).toBe('AFFILIATE_STATUS_CHANGE');
    expect(topicOf('PartnerDetailsUpdated')).toBe('AFFILIATE_DETAILS_CHANGE');
    expect(topicOf('ConversionTriggerCreated')).toBe('NEW_CONVERSION_TRIGGER');
    expect(topicOf('PayoutCreated')).toBe('PAYOUT_CREATED');
    expect(topicOf('PayoutPaid')).toBe('PAYOUT_PAID');
    expect(topicOf('PayoutCancelled')).toBe('PAYOUT_CANCELLED');
    expect(TOPICS).toHaveLength(12);
  });

  it('the endpoint topics come from no event; every other topic from exactly one', () => {
    expect(ENDPOINT_TOPICS).toEqual(['ENDPOINT_CIRCUIT_OPENED', 'ENDPOINT_CIRCUIT_CLOSED']);
    expect([...EVENT_TOPIC_LIST, ...ENDPOINT_TOPICS].sort()).toEqual([...TOPICS].sort());
    expect(EVENT_TOPIC_LIST.every((t) => Object.values(EVENT_TOPICS).includes(t))).toBe(true);
    expect(parseTopics(['ENDPOINT_CIRCUIT_CLOSED', 'NEW_AFFILIATE'])).toEqual(['NEW_AFFILIATE', 'ENDPOINT_CIRCUIT_CLOSED']);
  });

  it('publishes nothing for the other events', () => {
    for (const type of ['ProgramCreated', 'CustomerCreated', 'TransactionRecorded', 'TransactionRefunded', 'ValueReserved', 'toString', '__proto__']) {
      expect(topicOf(type)).toBeNull();
    }
  });

  it('parses ["ALL"] and lists of topics into canonical order without duplicates', () => {
    expect(parseTopics(['ALL'])).toEqual(['ALL']);
    expect(parseTopics(['NEW_AFFILIATE', 'ALL'])).toEqual(['ALL']);
    expect(parseTopics(['NEW_AFFILIATE', 'NEW_CONVERSION', 'NEW_AFFILIATE'])).toEqual(['NEW_CONVERSION', 'NEW_AFFILIATE']);
    expect(expandTopics(['ALL'])).toEqual([...TOPICS]);
    expect(subscribesTo(['ALL'], 'DENIED_CONVERSION')).toBe(true);
    expect(subscribesTo(['NEW_CONVERSION'], 'DENIED_CONVERSION')).toBe(false);
    expect(subscribesTo(['NEW_CONVERSION'], 'NEW_CONVERSION')).toBe(true);
  });

  it('gives a test delivery the first listed topic, NEW_AFFILIATE under ALL', () => {
    expect(testTopicOf(['ALL'])).toBe('NEW_AFFILIATE');
    expect(testTopicOf(['DENIED_CONVERSION', 'NEW_AFFILIATE'])).toBe('DENIED_CONVERSION');
  });

  it('refuses empty lists, non-lists and unknown topics, naming the field', () => {
    for (const bad of [[], 'ALL', null, undefined, {}]) {
      expect(() => parseTopics(bad)).toThrow(DomainError);
    }
    try {
      parseTopics(['NEW_CONVERSION', 'new_affiliate']);
      throw new Error('should have thrown');
    } catch (err) {
      expect(err).toMatchObject({ kind: 'validation', code: 'unknown_topic', field: 'topics.1' });
      expect((err as Error).message).toContain('NEW_AFFILIATE');
    }
  });
});
