/** Figures from send and receipt times (ms on one monotonic clock); NaN marks a message never received. */

export interface LatencySummary {
  readonly measured: number;
  readonly lost: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

/** Send → receipt latency of the messages sent after the first `skipMs` (the system settling in). */
export function latency(sent: Float64Array, received: Float64Array, skipMs: number): LatencySummary {
  const start = (sent[0] ?? 0) + skipMs;
  const values: number[] = [];
  let lost = 0;
  for (let i = 0; i < sent.length; i++) {
    const s = sent[i] as number;
    if (s < start) continue;
    const r = received[i] as number;
    if (Number.isNaN(r)) lost++;
    else values.push(r - s);
  }
  const sorted = Float64Array.from(values).sort();
  return {
    measured: sorted.length,
    lost,
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length ? (sorted[sorted.length - 1] as number) : NaN,
  };
}

/**
 * Sustained rate of a drained burst: receipts per second between the 10th and the 90th percentile
 * receipt, which leaves out the ramp-up and the tail (the last few customers' queues drain one at a time).
 */
export function sustainedRate(received: Float64Array): number {
  const times = received.filter((t) => !Number.isNaN(t)).sort();
  const lo = Math.floor(times.length * 0.1);
  const hi = Math.floor(times.length * 0.9) - 1;
  if (hi <= lo) return NaN;
  return ((hi - lo) * 1000) / ((times[hi] as number) - (times[lo] as number));
}

export const median = (values: readonly number[]): number => percentile([...values].sort((a, b) => a - b), 50);
