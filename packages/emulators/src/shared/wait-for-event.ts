import type { EventEmitter } from 'node:events';

type EventMap<M> = { [K in keyof M]: unknown[] };

/** Resolves with the first non-undefined `probe(...eventArgs)` of `event`; rejects after `timeoutMs`. */
export function waitForEvent<M extends EventMap<M>, E extends keyof M & string, T>(
  events: EventEmitter<M>,
  event: E,
  timeoutMs: number,
  describe: () => string,
  probe: (...args: M[E]) => T | undefined,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const listener = (...args: M[E]) => {
      const value = probe(...args);
      if (value === undefined) return;
      cleanup();
      resolve(value);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${describe()}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      events.off(event as never, listener as never);
    };
    // TypeScript cannot resolve EventEmitter's conditional listener type for a generic event name.
    events.on(event as never, listener as never);
  });
}
