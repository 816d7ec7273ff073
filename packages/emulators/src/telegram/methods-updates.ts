import { BotApiError, badRequest, conflict } from './api-error.js';
import { ok, type BotContext, type MethodHandler, type MethodSuccess } from './bot-context.js';
import type { BotApiParams } from './params.js';

const WEBHOOK_ACTIVE = "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first";
const SECRET_TOKEN = /^[A-Za-z0-9_-]+$/;

/** A 409 (webhook set, or the poll ended by a newer one or by setWebhook) goes out as Telegram paces them (`ConflictGate`). */
export const getUpdates: MethodHandler = async ({ params, signal }, { queue, webhook, conflicts }) => {
  if (webhook.current) return conflicts.refuse(conflict(WEBHOOK_ACTIVE));
  const allowed = params.stringList('allowed_updates');
  if (allowed) queue.setAllowedUpdates(allowed);
  try {
    const updates = await queue.poll({
      offset: params.integer('offset'),
      limit: params.integer('limit'),
      timeoutSeconds: params.integer('timeout'),
      signal,
    });
    return ok(updates);
  } catch (error) {
    if (error instanceof BotApiError && error.errorCode === 409) return conflicts.refuse(error);
    throw error;
  }
};

/**
 * Telegram's rules: one setWebhook with a URL per second, an HTTPS URL on port 443, 80, 88 or 8443
 * (any http(s) URL with `allowInsecureWebhooks`), and a secret token of up to 256 `A-Za-z0-9_-`
 * (an empty one means none).
 */
export const setWebhook: MethodHandler = async ({ params }, bot) => {
  const url = params.string('url') || undefined;
  if (url === undefined) return removeWebhook(params, bot);
  if (!bot.webhook.claimSetWebhook()) throw new BotApiError(429, 'Too Many Requests: retry after 1', { retry_after: 1 });
  const refusal = webhookUrlRefusal(url, bot.allowInsecureWebhooks);
  if (refusal) throw badRequest(refusal);
  const secretToken = params.string('secret_token') || undefined;
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

const WEBHOOK_PORTS = new Set([443, 80, 88, 8443]);

/** Why Telegram refuses the URL, worded as it does; undefined when it takes it. */
function webhookUrlRefusal(value: string, allowInsecure: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'invalid webhook URL specified';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'invalid webhook URL specified';
  if (allowInsecure) return undefined;
  if (url.protocol !== 'https:') return 'bad webhook: An HTTPS URL must be provided for webhook';
  const port = url.port === '' ? 443 : Number(url.port);
  if (!WEBHOOK_PORTS.has(port)) return 'bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443';
  return undefined;
}
