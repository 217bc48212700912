import { describe, expect, it } from '@jest/globals';
import { ACTION_TARGETS, INCOMING_ACTIONS } from './actions.js';
import { extract, mappingIssues } from './mapping.js';

const SAMPLE = { customer: { email: 'jane@example.com', name: 'Jane Smith' }, order: { id: 'ORD-789', amount: 149.99, lines: [{ sku: 'P' }] }, code: 'PARTNER123' };

describe('incoming mapping', () => {
  it('each action has the documented targets, required ones starred (the contract of docs/http-api.md)', () => {
    const summary = Object.fromEntries(INCOMING_ACTIONS.map((a) => [a, ACTION_TARGETS[a].map((t) => (t.required ? `${t.name}*` : t.name))]));
    expect(summary).toEqual({
      create_partner: ['email*', 'name*', 'partnerId', 'partnerKey', 'referringPartnerKey'],
      create_customer: ['email*', 'name*', 'customerKey', 'partnerKey', 'partnerId', 'partnerEmail', 'referringCustomerKey', 'referringCustomerEmail', 'referringCustomerId'],
      create_transaction: ['amount*', 'customerKey', 'customerEmail', 'customerName', 'transactionKey', 'productId', 'productType', 'partnerKey'],
    });
  });

  it('accepts a complete mapping of paths present in a sample', () => {
    expect(mappingIssues('create_transaction', { amount: 'order.amount', customerEmail: 'customer.email', productId: 'order.lines[0].sku' }, [SAMPLE])).toEqual([]);
    expect(mappingIssues('create_partner', { email: 'customer.email', name: 'customer.name', partnerKey: 'extra' }, [SAMPLE, { extra: 'K' }])).toEqual([]);
  });

  it('names every problem: unknown target, bad path, absent path, object path, unbound required, missing one-of', () => {
    const issues = mappingIssues('create_transaction', { colour: 'x', productId: 'order', productType: 'a..b', transactionKey: 'order.nope' }, [SAMPLE]);
    expect(issues.map((i) => `${i.code}:${i.field}`)).toEqual([
      'unknown_target_field:colour',
      'path_not_a_value:productId',
      'invalid_path:productType',
      'path_not_in_sample:transactionKey',
      'required_field_unbound:amount',
      'required_field_unbound:customerKey|customerEmail',
    ]);
    expect(issues[0].reason).toContain('amount, customerKey');
  });

  it('extracts and coerces: numbers stay amounts and become text elsewhere; blanks are absent', () => {
    const mapping = {
      action: 'create_transaction' as const,
      fields: { amount: 'order.amount', transactionKey: 'order.id', customerKey: 'customer.key', customerEmail: 'customer.email', productType: 'type' },
    };
    expect(extract(mapping, { order: { amount: 149.99, id: 789 }, customer: { key: '  ', email: 'a@b.co' }, type: null })).toEqual({
      values: { amount: 149.99, transactionKey: '789', customerEmail: 'a@b.co' },
      issues: [],
    });
    expect(extract(mapping, { order: { amount: '149.99', id: 'X' }, customer: { key: 'k' } }).values).toEqual({ amount: '149.99', transactionKey: 'X', customerKey: 'k' });
    // Keys lose stray spaces; an amount is passed on as sent, for the amount grammar to refuse.
    expect(extract(mapping, { order: { amount: ' 149.99', id: ' X ' }, customer: { key: 'k' } }).values).toEqual({ amount: ' 149.99', transactionKey: 'X', customerKey: 'k' });
  });

  it('refuses missing required values and wrong types, naming field and path', () => {
    const mapping = { action: 'create_transaction' as const, fields: { amount: 'order.amount', customerEmail: 'customer.email', transactionKey: 'order.id' } };
    const { issues } = extract(mapping, { order: { id: ['a'] }, customer: { email: '' } });
    expect(issues).toEqual([
      expect.objectContaining({ code: 'missing_required_value', field: 'amount', path: 'order.amount' }),
      expect.objectContaining({ code: 'wrong_type', field: 'transactionKey', path: 'order.id' }),
      expect.objectContaining({ code: 'missing_required_value', field: 'customerKey|customerEmail', path: 'customer.email' }),
    ]);
  });
});
