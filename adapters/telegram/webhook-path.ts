/** Where the bridge takes Telegram's webhook, under PUBLIC_BASE_URL (kept apart so the doctor can name it without loading telegraf). */
export const TELEGRAM_WEBHOOK_PATH = '/telegram/webhook';
