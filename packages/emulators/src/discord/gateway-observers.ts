import type { DiscordEmulator } from './emulator.js';
import type { GatewayEvent } from './types.js';

/** The next gateway event of the emulator that passes `accept`. */
export function nextGatewayEvent(emulator: DiscordEmulator, accept: (event: GatewayEvent) => boolean, timeoutMs = 5000): Promise<GatewayEvent> {
  return new Promise((resolve, reject) => {
    const listener = (event: GatewayEvent) => {
      if (!accept(event)) return;
      clearTimeout(timer);
      emulator.events.off('gateway', listener);
      resolve(event);
    };
    const timer = setTimeout(() => {
      emulator.events.off('gateway', listener);
      reject(new Error('timed out waiting for a gateway event'));
    }, timeoutMs);
    emulator.events.on('gateway', listener);
  });
}

/** Gateway events from now on, for asserting what was (not) sent. */
export function recordGateway(emulator: DiscordEmulator): GatewayEvent[] {
  const seen: GatewayEvent[] = [];
  emulator.events.on('gateway', (event) => seen.push(event));
  return seen;
}

export const dispatched = (events: GatewayEvent[], t: string) => events.filter((e) => e.kind === 'sent' && e.t === t);
