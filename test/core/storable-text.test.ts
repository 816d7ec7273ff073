import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { storableText, storableValue } from '../../src/core/storable-text.js';

describe('storableText', () => {
  it.each([
    ['a NUL', 'a\u0000b', 'a\uFFFDb'],
    ['a lone high surrogate', 'x\uD83Dy', 'x\uFFFDy'],
    ['a lone low surrogate at the end', 'x\uDE00', 'x\uFFFD'],
    ['a pair the wrong way round', '\uDE00\uD83D', '\uFFFD\uFFFD'],
  ])('replaces %s with U+FFFD', (_what, text, storable) => {
    expect(storableText(text)).toBe(storable);
  });

  it('keeps emoji, ZWJ sequences, flags, combining marks and right-to-left text as they are', () => {
    const text = '👍🏽 👩‍👩‍👧 🇺🇦 é שלום مرحبا \u200b';
    expect(storableText(text)).toBe(text);
  });

  it('returns well-formed text without NUL for any input, and any such text unchanged', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const storable = storableText(text);
        expect(storable.isWellFormed()).toBe(true);
        expect(storable.includes('\u0000')).toBe(false);
        expect(storable.length).toBe(text.length);
        if (text.isWellFormed() && !text.includes('\u0000')) expect(storable).toBe(text);
      }),
    );
  });

  it('reaches every string of a payload, keeping its shape', () => {
    const payload = { kind: 'customer-message', message: { text: 'a\u0000', attachments: [{ fileName: 'b\uD800.jpg', size: 3 }], username: undefined } };
    expect(storableValue(payload)).toEqual({ kind: 'customer-message', message: { text: 'a\uFFFD', attachments: [{ fileName: 'b\uFFFD.jpg', size: 3 }], username: undefined } });
  });
});
