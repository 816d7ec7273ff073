/**
 * Splits text into parts of at most `max` UTF-16 code units, preferring line breaks, then spaces,
 * and never cutting inside a grapheme cluster (a flag, a ZWJ emoji, a letter and its combining marks,
 * https://unicode.org/reports/tr29/), unless one cluster alone is longer than `max`; even then no
 * surrogate pair is cut. Parts keep every character of the input: joined, they equal it.
 */
export function splitText(text: string, max: number): string[] {
  if (max < 2) throw new RangeError('max must be at least 2');
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const cut = cutPoint(rest, max);
    parts.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest.length > 0 || parts.length === 0) parts.push(rest);
  return parts;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

function cutPoint(text: string, max: number): number {
  // Whether a boundary falls before a code point depends on what precedes it and on that code point
  // alone, so the window ends after the whole code point at `max`.
  const end = isHighSurrogate(text.charCodeAt(max)) ? max + 2 : max + 1;
  const boundaries = [...graphemes.segment(text.slice(0, end))].map((s) => s.index).filter((i) => i > 0 && i <= max);
  const minUseful = Math.floor(max / 2);
  const after = (char: string) => boundaries.findLast((i) => i >= minUseful && text[i - 1] === char);
  const cut = after('\n') ?? after(' ') ?? boundaries.at(-1);
  if (cut !== undefined) return cut;
  return isHighSurrogate(text.charCodeAt(max - 1)) ? max - 1 : max;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

const MB = 1024 * 1024;

/** `3.2 MB`, `640 KB`: sizes as the networks state their limits (20 MB = 20 × 1024² bytes). */
export function formatBytes(bytes: number): string {
  if (bytes >= MB) return `${(bytes / MB).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}
