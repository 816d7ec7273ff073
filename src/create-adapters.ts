import type { ChatAdapter } from './core/chat-adapter.js';
import type { CustomerTexts } from './bridge/customer-texts.js';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import type { GatewaySessionStore } from './core/gateway-sessions.js';
import type { RecentChats } from './core/recent-chats.js';

/**
 * One adapter per network whose token is configured; `store` keeps the Discord gateway session across
 * processes and names the chats whose DMs are read back after a lost session, at most `readBackMaxAgeMs` back.
 * A network's library is loaded only when its adapter is made (discord.js alone is about 45 MB of RSS).
 */
export async function createAdapters(
  config: Config,
  log: Logger,
  store: GatewaySessionStore & RecentChats,
  readBackMaxAgeMs: number,
  texts: CustomerTexts,
): Promise<ChatAdapter[]> {
  const adapters: ChatAdapter[] = [];
  if (config.TELEGRAM_BOT_TOKEN) {
    const { TelegramAdapter } = await import('../adapters/telegram/telegram-adapter.js');
    adapters.push(
      new TelegramAdapter({
        token: config.TELEGRAM_BOT_TOKEN,
        apiRoot: config.TELEGRAM_API_ROOT,
        mode: config.TELEGRAM_MODE,
        webhookSecret: config.TELEGRAM_WEBHOOK_SECRET,
        publicBaseUrl: config.PUBLIC_BASE_URL,
        texts: (key, language) => texts.text(key, language),
        commandMenus: telegramCommandMenus(config, texts),
        log: log.child({ network: 'telegram' }),
      }),
    );
  }
  if (config.DISCORD_BOT_TOKEN) {
    const { DiscordAdapter } = await import('../adapters/discord/discord-adapter.js');
    adapters.push(
      new DiscordAdapter({
        token: config.DISCORD_BOT_TOKEN,
        apiBaseUrl: config.DISCORD_API_BASE_URL,
        log: log.child({ network: 'discord' }),
        sessions: store,
        missedDms: { chats: store, maxAgeMs: readBackMaxAgeMs },
      }),
    );
  }
  return adapters;
}

const MENU_COMMANDS = [
  { command: 'end', setting: 'TELEGRAM_END_COMMAND_DESCRIPTION' },
  { command: 'transcript', setting: 'TELEGRAM_TRANSCRIPT_COMMAND_DESCRIPTION' },
] as const;

/**
 * The bot's command menu for everyone, and one for each language CUSTOMER_TEXTS_FILE words it in:
 * Telegram keeps menus by two-letter ISO 639-1 code (https://core.telegram.org/bots/api#setmycommands),
 * so a regional tag's words (pt-br) are left to its language's menu.
 */
function telegramCommandMenus(config: Config, texts: CustomerTexts) {
  const menuIn = (language?: string) =>
    MENU_COMMANDS.flatMap(({ command, setting }) => {
      const description = texts.text(setting, language);
      return description === undefined ? [] : [{ command, description }];
    });
  const languages = [...(config.CUSTOMER_TEXTS_FILE ?? new Map())]
    .filter(([tag, set]) => /^[a-z]{2}$/.test(tag) && MENU_COMMANDS.some(({ setting }) => setting in set))
    .map(([tag]) => tag);
  return [{ commands: menuIn() }, ...languages.map((language) => ({ language, commands: menuIn(language) }))];
}
