import { afterEach } from 'vitest';
import { Telegraf } from 'telegraf';
import { TelegramEmulator, type TelegramEmulatorOptions } from '../../src/telegram/emulator.js';
import type { TelegramEmulatorEventMap } from '../../src/telegram/types.js';

export const TOKEN = '123456789:AAH-test_token';

type Task = () => unknown;

/** Registers cleanups that run after each test, newest first (bots before the emulator they talk to). */
export function cleanupAfterEach(): (task: Task) => void {
  const tasks: Task[] = [];
  afterEach(async () => {
    for (let task = tasks.pop(); task; task = tasks.pop()) await task();
  });
  return (task) => {
    tasks.push(task);
  };
}

export async function startEmulator(
  defer: (task: Task) => void,
  options: Partial<TelegramEmulatorOptions> = {},
): Promise<{ emulator: TelegramEmulator; baseUrl: string }> {
  const emulator = new TelegramEmulator({ token: TOKEN, ...options });
  const baseUrl = await emulator.start();
  defer(() => emulator.stop());
  return { emulator, baseUrl };
}

/** A clock for the emulator's `now` option that moves only when the test moves it; it starts on a whole second, as message dates are. */
export function manualClock(start = Math.floor(Date.now() / 1000) * 1000): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return {
    now: () => time,
    advance: (ms) => {
      time += ms;
    },
  };
}

export function telegrafFor(baseUrl: string, token = TOKEN): Telegraf {
  return new Telegraf(token, { telegram: { apiRoot: baseUrl, webhookReply: false } });
}

/** Starts long polling (without awaiting launch, which resolves only when polling ends) and waits for the first poll. */
export async function launchPolling(
  bot: Telegraf,
  emulator: TelegramEmulator,
  defer: (task: Task) => void,
): Promise<{ launched: Promise<void> }> {
  const firstPoll = emulator.waitForRequest('getUpdates');
  const launched = bot.launch();
  defer(async () => {
    bot.stop('test over');
    await launched;
  });
  await firstPoll;
  return { launched };
}

/** Collects emulator events until `count` have arrived. */
export function collectEvents<E extends keyof TelegramEmulatorEventMap>(
  emulator: TelegramEmulator,
  event: E,
  count: number,
): Promise<TelegramEmulatorEventMap[E][0][]> {
  const seen: TelegramEmulatorEventMap[E][0][] = [];
  return new Promise((resolve) => {
    const listener = (value: TelegramEmulatorEventMap[E][0]) => {
      seen.push(value);
      if (seen.length < count) return;
      emulator.events.off(event, listener as never);
      resolve(seen);
    };
    emulator.events.on(event, listener as never);
  });
}

/** A Bot API call over plain HTTP, for what telegraf cannot send (bad bodies, GET, form encoding). */
export async function rawCall(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
