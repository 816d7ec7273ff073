/**
 * Text every store can hold. PostgreSQL refuses NUL in text and JSON, and a UTF-16 surrogate without
 * its pair in JSON (https://www.postgresql.org/docs/current/datatype-json.html); a network may send
 * either (a Telegram client, a Discord bot). Each becomes U+FFFD, the Unicode replacement character;
 * every other character is kept as it is.
 */
export function storableText(text: string): string {
  return text.toWellFormed().replaceAll('\u0000', '\uFFFD');
}

/** `value` with `storableText` applied to every string in it, at any depth (an outbox payload). */
export function storableValue<T>(value: T): T {
  if (typeof value === 'string') return storableText(value) as T;
  if (Array.isArray(value)) return value.map(storableValue) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, storableValue(inner)])) as T;
}
