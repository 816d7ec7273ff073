/** How long Discord gets to answer a REST call; a call carrying a file gets longer, for its bytes to go up. */
export interface RestTimeouts {
  /** Any call, and the answer to an upload once its bytes are up. @discordjs/rest's own default. */
  readonly baseMs: number;
  /** The slowest uplink an upload is allowed for. */
  readonly uploadBytesPerSecond: number;
  /** No call waits longer, however large its file. */
  readonly maxMs: number;
}

/** A 10 MiB file gets 95 s: enough at 1 Mbit/s of uplink, where the flat 15 s needed 5.6 Mbit/s. */
export const DEFAULT_REST_TIMEOUTS: RestTimeouts = { baseMs: 15_000, uploadBytesPerSecond: 128 * 1024, maxMs: 120_000 };

export function timeoutForUpload(bytes: number, timeouts: RestTimeouts): number {
  return Math.min(timeouts.maxMs, timeouts.baseMs + Math.ceil((bytes / timeouts.uploadBytesPerSecond) * 1000));
}
