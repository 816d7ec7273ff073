import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/wait.js';
import { startHarness, type Harness } from '../support/harness.js';

const SECRET = 'webhook-secret_0123456789abcdefABCDEF';
let h: Harness;
afterEach(async () => {
  await h?.stop();
});

describe('Telegram webhook mode', () => {
  it('registers the webhook with its secret and accepts updates that carry it', async () => {
    h = await startHarness({ TELEGRAM_MODE: 'webhook', TELEGRAM_WEBHOOK_SECRET: SECRET });
    const setWebhook = h.telegram.requests.find((r) => r.method === 'setWebhook');
    expect(setWebhook?.params).toMatchObject({ url: `${h.config.PUBLIC_BASE_URL}/telegram/webhook`, secret_token: SECRET });
    h.telegram.addUser({ id: 42, username: 'carol', first_name: 'Carol' });
    h.telegram.userSends(42, 'via webhook');
    const task = await eventually(() => h.twilio.tasks()[0], 'a task');
    expect(task.attributes.from).toBe('telegram:carol');
    expect(h.telegram.webhookDeliveries.at(-1)?.status).toBe(200);
    expect(h.telegram.requests.some((r) => r.method === 'getUpdates')).toBe(false);
  });

  it('refuses a wrong or missing secret with 401 and stores nothing', async () => {
    h = await startHarness({ TELEGRAM_MODE: 'webhook', TELEGRAM_WEBHOOK_SECRET: SECRET });
    const update = { update_id: 1, message: { message_id: 1, date: 1, chat: { id: 9, type: 'private' }, from: { id: 9, is_bot: false, first_name: 'M' }, text: 'x' } };
    const post = (headers: Record<string, string>) =>
      fetch(`${h.config.PUBLIC_BASE_URL}/telegram/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(update) });
    expect((await post({ 'x-telegram-bot-api-secret-token': `${SECRET}x` })).status).toBe(401);
    expect((await post({})).status).toBe(401);
    expect((await h.app.store.outboxStats()).pending).toBe(0);
    expect((await post({ 'x-telegram-bot-api-secret-token': SECRET })).status).toBe(200);
    await eventually(() => h.twilio.tasks()[0], 'a task from the accepted update');
  });

  it('has no Telegram webhook route in polling mode', async () => {
    h = await startHarness();
    const res = await fetch(`${h.config.PUBLIC_BASE_URL}/telegram/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(404);
  });
});
