import { describe, expect, it } from 'vitest';
import { TokenBuckets } from '../../src/bridge/token-buckets.js';

describe('TokenBuckets', () => {
  const clock = () => {
    let now = 1_000_000;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  };

  it('lets a burst through, then one per 60/perMinute seconds, per key', () => {
    const time = clock();
    const buckets = new TokenBuckets(6, 3, time.now);
    expect([1, 2, 3, 4].map(() => buckets.take('alice'))).toEqual([true, true, true, false]);
    expect(buckets.take('bob'), 'another key has its own bucket').toBe(true);
    expect(buckets.waitMs('alice')).toBe(10_000);

    time.advance(9_999);
    expect(buckets.take('alice')).toBe(false);
    time.advance(1);
    expect(buckets.waitMs('alice')).toBe(0);
    expect(buckets.take('alice')).toBe(true);
    expect(buckets.take('alice')).toBe(false);
  });

  it('refills no higher than the burst', () => {
    const time = clock();
    const buckets = new TokenBuckets(60, 2, time.now);
    buckets.take('alice');
    time.advance(3_600_000);
    expect([1, 2, 3].map(() => buckets.take('alice'))).toEqual([true, true, false]);
  });

  it('a refused take costs nothing: the wait does not grow', () => {
    const time = clock();
    const buckets = new TokenBuckets(6, 1, time.now);
    buckets.take('alice');
    for (let i = 0; i < 5; i++) expect(buckets.take('alice')).toBe(false);
    expect(buckets.waitMs('alice')).toBe(10_000);
  });

  it('a rate of 0 is no limit', () => {
    const buckets = new TokenBuckets(0, 1);
    expect(Array.from({ length: 100 }, () => buckets.take('alice')).every(Boolean)).toBe(true);
    expect(buckets.waitMs('alice')).toBe(0);
  });

  it('keeps its limits while forgetting the idle keys of many customers', () => {
    const time = clock();
    const buckets = new TokenBuckets(1, 1, time.now);
    buckets.take('flooder');
    for (let i = 0; i < 25_000; i++) {
      buckets.take(`customer ${i}`);
      time.advance(3);
    }
    expect(buckets.take('flooder'), 'refilled after 75 s at one a minute').toBe(true);
    expect(buckets.take('flooder')).toBe(false);
    expect(buckets.take('customer 24999')).toBe(false);
  });
});
