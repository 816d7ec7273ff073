import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { knownIndexesColumns, knownIndexesOf, missesBefore, NOTHING_KNOWN, withIndex } from '../../src/store/known-indexes.js';

describe('known indexes of a chat', () => {
  it('advances through contiguous indexes and keeps the ones above a gap', () => {
    let known = withIndex(NOTHING_KNOWN, 0);
    known = withIndex(known, 2);
    known = withIndex(known, 3);
    expect(known).toEqual({ through: 0, above: [2, 3] });
    expect(missesBefore(known, 4)).toBe(true);
    expect(missesBefore(known, 1)).toBe(false);
    expect(withIndex(known, 1)).toEqual({ through: 3, above: [] });
  });

  it('knows every index below one read back with allBefore', () => {
    expect(withIndex({ through: 0, above: [5] }, 3, true)).toEqual({ through: 3, above: [5] });
    expect(withIndex({ through: 0, above: [4] }, 3, true)).toEqual({ through: 4, above: [] });
    expect(withIndex({ through: 9, above: [] }, 3, true)).toEqual({ through: 9, above: [] });
  });

  it('round-trips through its columns', () => {
    const known = { through: 4, above: [6, 9] };
    const { through, above } = knownIndexesColumns(known);
    expect(knownIndexesOf(through, above)).toEqual(known);
    expect(knownIndexesColumns({ through: 2, above: [] }).above).toBeNull();
    expect(knownIndexesOf(null, null)).toEqual(NOTHING_KNOWN);
  });

  it('misses nothing before an index once every lower index was noted, in any order', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray([...Array(30).keys()], { minLength: 30 }), (order) => {
        let known = NOTHING_KNOWN;
        for (const index of order) known = withIndex(known, index);
        expect(known).toEqual({ through: 29, above: [] });
        expect(missesBefore(known, 30)).toBe(false);
      }),
    );
  });
});
