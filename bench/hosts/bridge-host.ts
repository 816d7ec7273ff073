import { monitorEventLoopDelay, performance, PerformanceObserver, type EventLoopUtilization } from 'node:perf_hooks';
import { serve } from '../rpc.js';

/**
 * The real `flex-bridge start`, unchanged, plus what /proc cannot tell, over the bench's IPC channel:
 * the heap after a full GC (needs --expose-gc) and how busy and how late the event loop was.
 */

export interface LoopStats {
  /** Share of the time the event loop was running code rather than waiting for I/O (1 = always busy). */
  readonly utilization: number;
  readonly delayP50Ms: number;
  readonly delayP99Ms: number;
  readonly delayMaxMs: number;
  /** Garbage collections that stopped the main thread: how many, their total and longest pause. */
  readonly gcPauses: number;
  readonly gcTotalMs: number;
  readonly gcMaxMs: number;
}

const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
let since: EventLoopUtilization = performance.eventLoopUtilization();
const gc = { pauses: 0, totalMs: 0, maxMs: 0 };
new PerformanceObserver((entries) => {
  for (const entry of entries.getEntries()) {
    gc.pauses++;
    gc.totalMs += entry.duration;
    gc.maxMs = Math.max(gc.maxMs, entry.duration);
  }
}).observe({ entryTypes: ['gc'] });

const api = {
  memory(): NodeJS.MemoryUsage {
    globalThis.gc?.();
    return process.memoryUsage();
  },
  /** The event loop since the last call. */
  loop(): LoopStats {
    const now = performance.eventLoopUtilization();
    const stats = {
      utilization: performance.eventLoopUtilization(now, since).utilization,
      delayP50Ms: delay.percentile(50) / 1e6,
      delayP99Ms: delay.percentile(99) / 1e6,
      delayMaxMs: delay.max / 1e6,
      gcPauses: gc.pauses,
      gcTotalMs: gc.totalMs,
      gcMaxMs: gc.maxMs,
    };
    since = now;
    delay.reset();
    Object.assign(gc, { pauses: 0, totalMs: 0, maxMs: 0 });
    return stats;
  },
};

export type BridgeHostApi = typeof api;

serve(api);
process.argv = [process.argv[0] as string, 'flex-bridge', 'start'];
// Resolves only when the bridge has stopped (SIGTERM).
await import('../../src/cli.js');
