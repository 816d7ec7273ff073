import { DiscordEmulator, type DiscordEmulatorOptions } from './discord/emulator.js';
import { TelegramEmulator, type TelegramEmulatorOptions } from './telegram/emulator.js';
import { TwilioEmulator, type TwilioEmulatorOptions } from './twilio/emulator.js';

/** Fixed, obviously fake credentials the emulators accept; never valid anywhere else. */
export const SANDBOX_CREDENTIALS = {
  accountSid: `AC${'0'.repeat(31)}1`,
  authToken: 'sandbox-auth-token-not-a-secret',
  telegramToken: '100000001:sandbox-telegram-token-not-a-secret',
  discordToken: 'sandbox-discord-token-not-a-secret',
  workspaceSid: `WS${'0'.repeat(31)}1`,
  workflowSid: `WW${'0'.repeat(31)}1`,
} as const;

export interface Sandbox {
  readonly telegram: TelegramEmulator;
  readonly twilio: TwilioEmulator;
  /** Present when asked for: it makes every bridge started with `env` log in to its gateway. */
  readonly discord?: DiscordEmulator;
  /** Settings that point a bridge at these emulators. */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts the emulators on loopback; ports 0 pick free ones. Discord only when `ports.discord` is
 * given. The bridge a sandbox serves listens on loopback too, so Telegram webhooks may be plain HTTP.
 */
export async function startSandbox(
  ports: { telegram?: number; twilio?: number; discord?: number } = {},
  host = '127.0.0.1',
  options: {
    telegram?: Omit<TelegramEmulatorOptions, 'token'>;
    discord?: Omit<DiscordEmulatorOptions, 'token'>;
    twilio?: Omit<TwilioEmulatorOptions, 'accountSid' | 'authToken'>;
  } = {},
): Promise<Sandbox> {
  const telegram = new TelegramEmulator({ token: SANDBOX_CREDENTIALS.telegramToken, allowInsecureWebhooks: true, ...options.telegram });
  const twilio = new TwilioEmulator({
    ...options.twilio,
    accountSid: SANDBOX_CREDENTIALS.accountSid,
    authToken: SANDBOX_CREDENTIALS.authToken,
    workspaceSid: SANDBOX_CREDENTIALS.workspaceSid,
    workflowSid: SANDBOX_CREDENTIALS.workflowSid,
  });
  const discord = ports.discord === undefined ? undefined : new DiscordEmulator({ ...options.discord, token: SANDBOX_CREDENTIALS.discordToken });
  const [telegramUrl, twilioUrl, discordUrl] = await Promise.all([
    telegram.start(ports.telegram ?? 0, host),
    twilio.start(ports.twilio ?? 0, host),
    discord?.start(ports.discord, host),
  ]);
  return {
    telegram,
    twilio,
    discord,
    env: {
      ...(discordUrl ? { DISCORD_BOT_TOKEN: SANDBOX_CREDENTIALS.discordToken, DISCORD_API_BASE_URL: discordUrl } : {}),
      TWILIO_ACCOUNT_SID: SANDBOX_CREDENTIALS.accountSid,
      TWILIO_AUTH_TOKEN: SANDBOX_CREDENTIALS.authToken,
      TWILIO_API_BASE_URL: twilioUrl,
      FLEX_WORKSPACE_SID: SANDBOX_CREDENTIALS.workspaceSid,
      FLEX_WORKFLOW_SID: SANDBOX_CREDENTIALS.workflowSid,
      TELEGRAM_BOT_TOKEN: SANDBOX_CREDENTIALS.telegramToken,
      TELEGRAM_API_ROOT: telegramUrl,
    },
    async stop() {
      await Promise.all([telegram.stop(), twilio.stop(), discord?.stop()]);
    },
  };
}
