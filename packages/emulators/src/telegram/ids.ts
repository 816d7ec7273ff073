/**
 * Telegram user and chat ids exceed 2^32 but have at most 52 significant bits, so a JS number
 * holds them exactly. Accepts a safe integer or its decimal string; returns undefined otherwise.
 */
export function parseId(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === 'string' && /^-?\d{1,16}$/.test(value)) {
    const id = Number(value);
    return Number.isSafeInteger(id) ? id : undefined;
  }
  return undefined;
}

export function unixSeconds(ms = Date.now()): number {
  return Math.floor(ms / 1000);
}
