import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitText } from '../../src/core/text.js';

describe('splitText', () => {
  it('keeps short text whole', () => {
    expect(splitText('hello', 4096)).toEqual(['hello']);
  });

  it('prefers line breaks, then spaces', () => {
    const text = `${'a'.repeat(60)}\n${'b'.repeat(30)} ${'c'.repeat(30)}`;
    expect(splitText(text, 80)).toEqual([`${'a'.repeat(60)}\n`, `${'b'.repeat(30)} ${'c'.repeat(30)}`]);
    expect(splitText(`${'b'.repeat(50)} ${'c'.repeat(50)}`, 80)).toEqual([`${'b'.repeat(50)} `, 'c'.repeat(50)]);
  });

  it('splits a 5000-character reply into complete parts of at most 4096', () => {
    const text = Array.from({ length: 1000 }, (_, i) => `w${i}`).join(' ').padEnd(5000, 'x');
    const parts = splitText(text, 4096);
    expect(parts.length).toBe(2);
    expect(parts.every((p) => p.length <= 4096)).toBe(true);
    expect(parts.join('')).toBe(text);
  });

  it('never cuts a surrogate pair at the boundary', () => {
    const text = `${'a'.repeat(4095)}😀${'b'.repeat(10)}`;
    const parts = splitText(text, 4096);
    expect(parts[0]).toBe('a'.repeat(4095));
    expect(parts[1]?.startsWith('😀')).toBe(true);
  });

  it.each([
    ['a flag', '🇺🇦'],
    ['a ZWJ family', '👩‍👩‍👧'],
    ['a skin-tone emoji', '👍🏽'],
    ['a letter with combining marks', 'e\u0301\u0323'],
    ['a Hindi syllable', 'क्षि'],
  ])('never cuts %s in two', (_what, cluster) => {
    const text = `${'a'.repeat(9)}${cluster}${'b'.repeat(10)}`;
    for (let max = 10; max < 9 + cluster.length; max++) {
      const parts = splitText(text, max);
      expect(parts.join('')).toBe(text);
      expect(parts.some((part) => part.includes(cluster)), `max ${max}: ${JSON.stringify(parts)}`).toBe(true);
    }
  });

  it('property: every cut falls on a grapheme boundary, unless one cluster alone is longer than the limit', () => {
    const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
    const pieces = fc.constantFrom('a', ' ', '\n', 'é', 'e\u0301', '🇺🇦', '👩‍👩‍👧', '👍🏽', 'ש', 'क्षि', '\u200d', '\r\n');
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 200 }).map((a) => a.join('')), fc.integer({ min: 12, max: 60 }), (text, max) => {
        const clusters = [...segmenter.segment(text)];
        let offset = 0;
        for (const part of splitText(text, max).slice(0, -1)) {
          offset += part.length;
          const inside = clusters.find((c) => c.index < offset && offset < c.index + c.segment.length);
          // A ZWJ can join emoji into one cluster of any length; only such a cluster may be cut.
          if (inside) expect(inside.segment.length, `cut at ${offset} of ${JSON.stringify(text)}`).toBeGreaterThan(max);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('property: parts rejoin to the input, fit the limit and hold no lone surrogate', () => {
    const chars = fc.constantFrom('a', ' ', '\n', '😀', 'ש', '\u200b', 'é');
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 400 }).map((a) => a.join('')), fc.integer({ min: 2, max: 50 }), (text, max) => {
        const parts = splitText(text, max);
        expect(parts.join('')).toBe(text);
        for (const part of parts) {
          expect(part.length).toBeLessThanOrEqual(max);
          expect(part.isWellFormed()).toBe(true);
        }
      }),
    );
  });
});
