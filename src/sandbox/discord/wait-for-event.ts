import type { DiscordEmulatorEventMap, DiscordEmulatorEvents } from './types.js';

/** Resolves with the first non-undefined `probe(...eventArgs)` of `event`; rejects after `timeoutMs`. */
export function waitForEvent<E extends keyof DiscordEmulatorEventMap, T>(
  events: DiscordEmulatorEvents,
  event: E,
  timeoutMs: number,
  describe: () => string,
  probe: (...args: DiscordEmulatorEventMap[E]) => T | undefined,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const listener = (...args: DiscordEmulatorEventMap[E]) => {
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
      events.off(event, listener as never);
    };
    // TypeScript cannot resolve EventEmitter's conditional listener type for a generic event name.
    events.on(event, listener as never);
  });
}
