// bloomfilter 1.x ships no types (@types/bloomfilter is for 0.0.x): the little the rebuild uses.
declare module 'bloomfilter' {
  export class BloomFilter {
    constructor(bits: number, hashes: number);
    static withTargetError(expected: number, error: number): BloomFilter;
    add(value: string): void;
    test(value: string): boolean;
  }
}
