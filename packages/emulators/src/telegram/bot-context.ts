import type { ConflictGate } from './conflict-gate.js';
import type { FileStore } from './files.js';
import type { FloodControl } from './flood-control.js';
import type { BotApiParams } from './params.js';
import type { EmulatorState } from './state.js';
import type { TelegramEmulatorEvents } from './types.js';
import type { UpdateQueue } from './updates.js';
import type { WebhookPusher } from './webhook-pusher.js';

/** What a Bot API method may read and change. */
export interface BotContext {
  state: EmulatorState;
  queue: UpdateQueue;
  webhook: WebhookPusher;
  events: TelegramEmulatorEvents;
  files: FileStore;
  /** The emulator's clock, Unix ms. */
  now: () => number;
  /** setWebhook takes `http://` URLs on any port (the emulator's own option). */
  allowInsecureWebhooks: boolean;
  floodControl: FloodControl;
  conflicts: ConflictGate;
}

export interface MethodCall {
  params: BotApiParams;
  /** Aborted when the client hangs up (ends a held long poll). */
  signal: AbortSignal;
}

/** `{"ok":true,"result":…,"description"?:…}`; failures are thrown as `BotApiError`. */
export interface MethodSuccess {
  result: unknown;
  description?: string;
}

export type MethodHandler = (call: MethodCall, bot: BotContext) => MethodSuccess | Promise<MethodSuccess>;

export function ok(result: unknown, description?: string): MethodSuccess {
  return description === undefined ? { result } : { result, description };
}
