import { DiscordEmulator } from '../discord/emulator.js';

/** Obviously fake; the emulator accepts it and nothing else does. */
const DEMO_DISCORD_TOKEN = 'sandbox-discord-token-not-a-secret';

export interface DiscordSandbox {
  readonly emulator: DiscordEmulator;
  /** Settings that point a bridge at it. */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

/** The Discord emulator on loopback (startSandbox starts Telegram and Twilio only). */
export async function startDiscordSandbox(host: string): Promise<DiscordSandbox> {
  const emulator = new DiscordEmulator({ token: DEMO_DISCORD_TOKEN });
  const restBaseUrl = await emulator.start(0, host);
  return {
    emulator,
    env: { DISCORD_BOT_TOKEN: DEMO_DISCORD_TOKEN, DISCORD_API_BASE_URL: restBaseUrl },
    stop: () => emulator.stop(),
  };
}
