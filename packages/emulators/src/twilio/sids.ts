import { createHash, randomBytes } from 'node:crypto';

/** A Twilio-looking SID: two-letter type prefix + 32 lowercase hex digits (e.g. `CH…`, `IM…`, `KD…`). */
export function newSid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}

/** The same SID every time for the same `name`: for resources an account has from the start (task channels). */
export function sidFrom(prefix: string, name: string): string {
  return prefix + createHash('sha256').update(name).digest('hex').slice(0, 32);
}

/** Twilio's ISO-8601 timestamps carry whole seconds: `2026-11-25T10:15:00Z`. */
export function twilioTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
