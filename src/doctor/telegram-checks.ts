import { TELEGRAM_WEBHOOK_PATH } from '../../adapters/telegram/webhook-path.js';
import type { Config } from '../config.js';
import { fail, pass, skip, type CheckResult } from './check.js';
import { request } from './http.js';

type TelegramConfig = Pick<Config, 'TELEGRAM_BOT_TOKEN' | 'TELEGRAM_API_ROOT' | 'TELEGRAM_MODE' | 'PUBLIC_BASE_URL'>;

interface BotApiAnswer<T> {
  readonly ok: boolean;
  readonly result?: T;
  readonly error_code?: number;
  readonly description?: string;
}

interface WebhookInfo {
  readonly url: string;
  readonly pending_update_count: number;
  readonly last_error_date?: number;
  readonly last_error_message?: string;
}

/** getMe (the token works) and getWebhookInfo (updates can reach the bridge the configured way). */
export async function checkTelegram(config: TelegramConfig): Promise<CheckResult[]> {
  const token = config.TELEGRAM_BOT_TOKEN;
  if (!token) return [skip('telegram', 'TELEGRAM_BOT_TOKEN not set')];
  const call = <T>(method: string) => callBotApi<T>(config.TELEGRAM_API_ROOT, token, method);

  let me: { id: number; username?: string };
  try {
    me = await call<{ id: number; username?: string }>('getMe');
  } catch (err) {
    return [fail('telegram bot', (err as Error).message), skip('telegram updates', 'needs the telegram bot check to pass')];
  }
  const bot = pass('telegram bot', `token accepted: @${me.username ?? '?'} (id ${me.id})`);
  try {
    return [bot, webhookResult(config, await call<WebhookInfo>('getWebhookInfo'))];
  } catch (err) {
    return [bot, fail('telegram updates', `getWebhookInfo: ${(err as Error).message}`)];
  }
}

function webhookResult(config: TelegramConfig, info: WebhookInfo): CheckResult {
  const name = 'telegram updates';
  const pending = `${info.pending_update_count} pending update(s)`;
  const lastError = info.last_error_date
    ? `; last delivery error ${new Date(info.last_error_date * 1000).toISOString()}: ${info.last_error_message ?? 'no message'}`
    : '';
  if (config.TELEGRAM_MODE === 'polling') {
    if (info.url === '') return pass(name, `polling, no webhook set; ${pending}`);
    return fail(
      name,
      `TELEGRAM_MODE=polling but a webhook is set (${info.url}), so Telegram refuses polling. A running bridge ` +
        `deletes it at start: is another deployment using this bot in webhook mode?`,
    );
  }
  const expected = `${config.PUBLIC_BASE_URL}${TELEGRAM_WEBHOOK_PATH}`;
  if (info.url === '') return fail(name, `no webhook set; the bridge sets ${expected} when it starts (is it running?)`);
  if (info.url !== expected) return fail(name, `the webhook is ${info.url}, expected ${expected} (PUBLIC_BASE_URL + ${TELEGRAM_WEBHOOK_PATH})`);
  // Telegram keeps the last error after it recovers; with updates piling up it is failing now.
  if (lastError && info.pending_update_count > 0) return fail(name, `webhook ${info.url}; ${pending}${lastError}`);
  return pass(name, `webhook ${info.url}; ${pending}${lastError}`);
}

async function callBotApi<T>(apiRoot: string, token: string, method: string): Promise<T> {
  let answer;
  try {
    answer = await request(`${apiRoot.replace(/\/+$/, '')}/bot${token}/${method}`);
  } catch (err) {
    throw new Error(`cannot reach the Bot API at ${apiRoot}: ${(err as Error).message}`);
  }
  const body = answer.body as BotApiAnswer<T> | undefined;
  if (body?.ok && body.result !== undefined) return body.result;
  if (answer.status === 401) throw new Error('Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized)');
  throw new Error(`${method} → ${answer.status}: ${body?.description ?? 'not a Bot API answer'}`);
}
