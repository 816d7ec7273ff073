import { badRequest, conflict } from './api-error.js';
import { ok, type BotContext, type MethodHandler, type MethodSuccess } from './bot-context.js';
import type { BotApiParams } from './params.js';

const WEBHOOK_ACTIVE = "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first";
const SECRET_TOKEN = /^[A-Za-z0-9_-]+$/;

export const getUpdates: MethodHandler = async ({ params, signal }, { queue, webhook }) => {
  if (webhook.current) throw conflict(WEBHOOK_ACTIVE);
  const allowed = params.stringList('allowed_updates');
  if (allowed) queue.setAllowedUpdates(allowed);
  const updates = await queue.poll({
    offset: params.integer('offset'),
    limit: params.integer('limit'),
    timeoutSeconds: params.integer('timeout'),
    signal,
  });
  return ok(updates);
};

/** Any http(s) URL is accepted (Telegram demands HTTPS on a few ports; an emulator serves loopback). */
export const setWebhook: MethodHandler = async ({ params }, bot) => {
  const url = params.string('url');
  if (url === undefined) return removeWebhook(params, bot);
  if (!isHttpUrl(url)) throw badRequest('invalid webhook URL specified');
  const secretToken = params.string('secret_token');
  if (secretToken !== undefined && secretToken.length > 256) throw badRequest('secret token is too long');
  if (secretToken !== undefined && !SECRET_TOKEN.test(secretToken)) throw badRequest('secret token contains unallowed characters');
  const maxConnections = Math.min(100, Math.max(1, params.integer('max_connections') ?? 40));
  const allowed = params.stringList('allowed_updates');

  const { queue, webhook } = bot;
  const current = webhook.current;
  const unchanged = current?.url === url && current.secretToken === secretToken && current.maxConnections === maxConnections;
  if (params.boolean('drop_pending_updates')) queue.clear();
  if (allowed) queue.setAllowedUpdates(allowed);
  queue.terminatePoll(conflict('terminated by setWebhook request'));
  await webhook.configure({ url, maxConnections, ...(secretToken !== undefined ? { secretToken } : {}) });
  return ok(true, unchanged ? 'Webhook is already set' : 'Webhook was set');
};

export const deleteWebhook: MethodHandler = ({ params }, bot) => removeWebhook(params, bot);

export const getWebhookInfo: MethodHandler = (_call, { queue, webhook }) => {
  const config = webhook.current;
  const lastError = webhook.lastErrorInfo;
  const allowed = queue.allowedUpdates;
  return ok({
    url: config?.url ?? '',
    has_custom_certificate: false,
    pending_update_count: queue.size,
    ...(lastError ? { last_error_date: lastError.date, last_error_message: lastError.message } : {}),
    ...(config ? { max_connections: config.maxConnections } : {}),
    ...(config && allowed ? { allowed_updates: allowed } : {}),
  });
};

async function removeWebhook(params: BotApiParams, { queue, webhook }: BotContext): Promise<MethodSuccess> {
  const wasSet = webhook.current !== undefined;
  if (params.boolean('drop_pending_updates')) queue.clear();
  await webhook.configure(undefined);
  return ok(true, wasSet ? 'Webhook was deleted' : 'Webhook is already deleted');
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}
