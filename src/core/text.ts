/**
 * Splits text into parts of at most `max` UTF-16 code units, preferring line breaks, then spaces,
 * and never cutting a surrogate pair. Parts keep every character of the input: joined, they equal it.
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

function cutPoint(text: string, max: number): number {
  const window = text.slice(0, max + 1);
  const minUseful = Math.floor(max / 2);
  const newline = window.lastIndexOf('\n', max - 1);
  if (newline >= minUseful) return newline + 1;
  const space = window.lastIndexOf(' ', max - 1);
  if (space >= minUseful) return space + 1;
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
