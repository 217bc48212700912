import { describe, expect, it } from '@jest/globals';
import { DomainError } from './errors.js';
import { assertEmail, assertKey, assertName, normalizeEmail, normalizeMailbox, optionalText } from './validation.js';

function refusal(fn: () => unknown): Pick<DomainError, 'kind' | 'code' | 'field'> {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    const { kind, code, field } = error as DomainError;
    return { kind, code, field };
  }
  throw new Error('expected a DomainError, nothing was thrown');
}

describe('assertKey', () => {
  it.each([['ABC123'], ['a'], ['a.b:c@d#e+f/g_h-i'], ['x'.repeat(128)]])('accepts %p', (key) => {
    expect(assertKey(key, 'key')).toBe(key);
  });
  it.each([[''], [' abc'], ['-abc'], ['.abc'], ['a b'], ['a\u00e9'], ['x'.repeat(129)], [42], [null]])('refuses %p', (key) => {
    expect(refusal(() => assertKey(key, 'key'))).toEqual({ kind: 'validation', code: 'invalid_key', field: 'key' });
  });
});

describe('assertEmail', () => {
  it('trims and lower-cases', () => {
    expect(assertEmail('  Ada@Example.COM ', 'email')).toBe('ada@example.com');
  });
  it.each([['ada'], ['ada@example'], ['ada@example.c'], ['a da@example.com'], ['@example.com'], ['a@b@c.com'], [`${'a'.repeat(250)}@b.com`], [1], [null]])('refuses %p', (email) => {
    expect(refusal(() => assertEmail(email, 'email'))).toEqual({ kind: 'validation', code: 'invalid_email', field: 'email' });
  });
});

describe('normalizeEmail', () => {
  it('trims and lower-cases, as assertEmail stores it', () => {
    expect(normalizeEmail(' Ada@Example.COM\n')).toBe('ada@example.com');
    expect(normalizeEmail(' Ada@Example.COM\n')).toBe(assertEmail(' Ada@Example.COM\n', 'email'));
  });
});

describe('assertName', () => {
  it('trims', () => expect(assertName('  Ada  ', 'name')).toBe('Ada'));
  it.each([[''], ['   '], [null], [5]])('refuses %p as invalid_name', (name) => {
    expect(refusal(() => assertName(name, 'name'))).toEqual({ kind: 'validation', code: 'invalid_name', field: 'name' });
  });
  it('refuses more than max characters as too_long', () => {
    expect(assertName('x'.repeat(200), 'name')).toHaveLength(200);
    expect(refusal(() => assertName('x'.repeat(201), 'name'))).toEqual({ kind: 'validation', code: 'too_long', field: 'name' });
    expect(refusal(() => assertName('xxx', 'name', 2)).code).toBe('too_long');
  });
});

describe('optionalText', () => {
  it('maps absent and blank to null and trims the rest', () => {
    expect(optionalText(undefined, 'f')).toBeNull();
    expect(optionalText(null, 'f')).toBeNull();
    expect(optionalText('   ', 'f')).toBeNull();
    expect(optionalText(' x ', 'f')).toBe('x');
  });
  it('refuses non-strings and long strings', () => {
    expect(refusal(() => optionalText(5, 'f'))).toEqual({ kind: 'validation', code: 'invalid_text', field: 'f' });
    expect(refusal(() => optionalText('abc', 'f', 2))).toEqual({ kind: 'validation', code: 'too_long', field: 'f' });
  });
});

describe('normalizeMailbox', () => {
  it.each([
    ['Ada@Example.com', 'ada@example.com'],
    ['ada+promo@example.com', 'ada@example.com'],
    ['ada+a+b@example.com', 'ada@example.com'],
    ['j.ane@gmail.com', 'jane@gmail.com'],
    ['J.Ane+promo@GoogleMail.com', 'jane@gmail.com'],
    ['j.ane@example.com', 'j.ane@example.com'],
    ['+tag@example.com', '+tag@example.com'],
  ])('%p is the mailbox %p', (email, mailbox) => {
    expect(normalizeMailbox(email)).toBe(mailbox);
  });
  it('keeps different people apart', () => {
    expect(normalizeMailbox('jane@example.com')).not.toBe(normalizeMailbox('jane@example.org'));
    expect(normalizeMailbox('jane.doe@example.com')).not.toBe(normalizeMailbox('janedoe@example.com'));
  });
});
