import { describe, expect, it } from '@jest/globals';
import { hashKey, keyDigest, newProgramKey, programIdOfKey, sameDigest } from './api-keys.js';

describe('api keys', () => {
  const programId = 'prg_0123456789abcdef0123';

  it('stores the hex of the digest a request compares by', () => {
    const key = newProgramKey(programId);
    expect(programIdOfKey(key)).toBe(programId);
    expect(hashKey(key)).toBe(keyDigest(key).toString('hex'));
    expect(sameDigest(keyDigest(key), Buffer.from(hashKey(key), 'hex'))).toBe(true);
  });

  it('tells another key, a truncated hash and a malformed one apart without throwing', () => {
    const key = newProgramKey(programId);
    const digest = keyDigest(key);
    expect(sameDigest(digest, keyDigest(newProgramKey(programId)))).toBe(false);
    expect(sameDigest(digest, Buffer.from(hashKey(key).slice(0, 62), 'hex'))).toBe(false);
    expect(sameDigest(digest, Buffer.from('not hex at all', 'hex'))).toBe(false);
  });
});
