/** A full bucket is forgotten once the map holds this many, so idle keys cost no memory. */
const FORGET_FULL_AT = 10_000;

/**
 * One token bucket per key: up to `burst` tokens, refilled at `perMinute`. A rate of 0 means no limit.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private forgetFullAt = FORGET_FULL_AT;

  constructor(
    private readonly perMinute: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes a token for `key`; false (and nothing taken) when its bucket is empty. */
  take(key: string): boolean {
    if (this.perMinute === 0) return true;
    const now = this.now();
    const tokens = this.tokensAt(key, now);
    if (tokens < 1) return false;
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    if (this.buckets.size >= this.forgetFullAt) this.forgetFull(now);
    return true;
  }

  /** How long until `key` has a token again; 0 when it has one now. */
  waitMs(key: string): number {
    if (this.perMinute === 0) return 0;
    const missing = 1 - this.tokensAt(key, this.now());
    return missing <= 0 ? 0 : Math.ceil((missing * 60_000) / this.perMinute);
  }

  private tokensAt(key: string, now: number): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return this.burst;
    return Math.min(this.burst, bucket.tokens + ((now - bucket.at) * this.perMinute) / 60_000);
  }

  private forgetFull(now: number): void {
    for (const key of this.buckets.keys()) if (this.tokensAt(key, now) >= this.burst) this.buckets.delete(key);
    this.forgetFullAt = Math.max(FORGET_FULL_AT, this.buckets.size * 2);
  }
}
