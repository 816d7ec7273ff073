import { afterEach, describe, expect, it } from 'vitest';
import type { AdapterHealth, ChatAdapter } from '../../src/core/chat-adapter.js';
import { startApp, type RunningApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { SANDBOX_CREDENTIALS } from '@flex-bridge/emulators';
import { startHarness, tempDatabaseUrl, type Harness } from '../support/harness.js';
import { eventually } from '../support/wait.js';

/** An adapter whose connection state the test sets, as a gateway would change it. */
class ScriptedAdapter implements ChatAdapter {
  readonly network = 'scripted';
  readonly capabilities = { maxTextLength: 2000, media: false, typing: false };
  state: AdapterHealth = { ready: false, detail: 'gateway connecting' };
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async send(): Promise<never> {
    throw new Error('this test sends nothing');
  }
  health(): AdapterHealth {
    return this.state;
  }
}

let app: RunningApp | undefined;
let h: Harness | undefined;
afterEach(async () => {
  await app?.stop(0);
  await h?.stop();
  app = undefined;
  h = undefined;
});

async function startWith(adapter: ChatAdapter): Promise<RunningApp> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
    DATABASE_URL: tempDatabaseUrl(),
    TWILIO_ACCOUNT_SID: SANDBOX_CREDENTIALS.accountSid,
    TWILIO_AUTH_TOKEN: SANDBOX_CREDENTIALS.authToken,
    FLEX_WORKSPACE_SID: SANDBOX_CREDENTIALS.workspaceSid,
    // Satisfies the "some network is enabled" rule; the scripted adapter replaces Telegram's.
    TELEGRAM_BOT_TOKEN: SANDBOX_CREDENTIALS.telegramToken,
  });
  return startApp(config, createLogger({ level: 'silent', secrets: [] }), { adapters: [adapter] });
}

async function readyz(url: string) {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; components: Record<string, AdapterHealth> } };
}

describe('/readyz', () => {
  it('follows the adapter: 503 naming it while it is not connected, 200 once it is', async () => {
    const adapter = new ScriptedAdapter();
    app = await startWith(adapter);

    expect(await readyz(app.url)).toEqual({
      status: 503,
      body: { status: 'not ready', components: { store: { ready: true, detail: 'reachable' }, scripted: { ready: false, detail: 'gateway connecting' } } },
    });
    adapter.state = { ready: true, detail: 'gateway ready' };
    expect(await readyz(app.url)).toEqual({
      status: 200,
      body: { status: 'ready', components: { store: { ready: true, detail: 'reachable' }, scripted: { ready: true, detail: 'gateway ready' } } },
    });
    adapter.state = { ready: false, detail: 'gateway closed with 4004' };
    expect(await readyz(app.url)).toMatchObject({ status: 503, body: { components: { scripted: { ready: false, detail: 'gateway closed with 4004' } } } });
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
  });

  it('is 503 when the store does not answer, without the driver\'s error (it goes to the log)', async () => {
    const adapter = new ScriptedAdapter();
    adapter.state = { ready: true, detail: 'gateway ready' };
    app = await startWith(adapter);
    expect((await readyz(app.url)).status).toBe(200);

    await app.store.close();
    const { status, body } = await readyz(app.url);
    expect(status).toBe(503);
    expect(body.components.store).toEqual({ ready: false, detail: 'does not answer (see the log)' });
    expect(body.components.scripted).toEqual({ ready: true, detail: 'gateway ready' });
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
  });

  it('reports Telegram polling, and turns 503 when Telegram revokes the token', async () => {
    h = await startHarness();
    expect(await readyz(h.app.url)).toEqual({
      status: 200,
      body: { status: 'ready', components: { store: { ready: true, detail: 'reachable' }, telegram: { ready: true, detail: 'polling' } } },
    });

    h.telegram.failNext({ method: 'getUpdates', error_code: 401 });
    h.telegram.addUser({ id: 7, first_name: 'Ann' });
    h.telegram.userSends(7, 'ends the long poll that is waiting, so the next one meets the 401');
    const notReady = await eventually(async () => {
      const answer = await readyz(h!.app.url);
      return answer.status === 503 ? answer : undefined;
    }, 'readiness to drop');
    expect(notReady.body.components.telegram).toEqual({ ready: false, detail: 'Telegram rejected the bot token (401); polling stopped' });
  });
});
