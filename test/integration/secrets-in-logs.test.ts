import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '@flex-bridge/emulators';
import { startApp, type RunningApp } from '../../src/app.js';
import { loadConfig, secretValues } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { failOnTwilioContractViolations, tempDatabaseUrl } from '../support/harness.js';
import { eventually } from '../support/wait.js';

const PROXY_PASSWORD = 'bot-api-proxy-password';

/**
 * A self-hosted Bot API server behind a proxy that wants a password: getMe works, and getUpdates
 * answers with the proxy's HTML error page, which telegraf cannot parse. Its error then names the
 * request URL, bot token (and proxy password) included, in its message and its stack.
 */
async function botApiBehindFailingProxy(): Promise<{ server: Server; root: string }> {
  const server = createServer((req, res) => {
    if (req.url?.endsWith('/getMe')) {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ ok: true, result: { id: 100000001, is_bot: true, first_name: 'Support', username: 'support_bot' } }));
    } else if (req.url?.endsWith('/deleteWebhook')) {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ ok: true, result: true }));
    } else {
      res.statusCode = 404;
      res.setHeader('content-type', 'text/html');
      res.end('<html><body>404 Not Found</body></html>');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, root: `http://bridge:${PROXY_PASSWORD}@127.0.0.1:${(server.address() as AddressInfo).port}` };
}

let sandbox: Sandbox | undefined;
let app: RunningApp | undefined;
let botApi: Server | undefined;
afterEach(async () => {
  await app?.stop(0);
  await sandbox?.stop();
  botApi?.close();
  const twilio = sandbox?.twilio;
  sandbox = undefined;
  if (twilio) failOnTwilioContractViolations(twilio);
});

describe('secrets in the log of a failing bridge', () => {
  it('never writes the bot token or a password in a URL setting, though the adapter error carries both', async () => {
    sandbox = await startSandbox();
    const fake = await botApiBehindFailingProxy();
    botApi = fake.server;
    const config = loadConfig({
      ...sandbox.env,
      TELEGRAM_API_ROOT: fake.root,
      PORT: '0',
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
      DATABASE_URL: tempDatabaseUrl(),
    });
    let out = '';
    const destination = new Writable({
      write(chunk, _enc, done) {
        out += String(chunk);
        done();
      },
    });
    app = await startApp(config, createLogger({ level: 'info', secrets: secretValues(config), destination }));

    await eventually(() => out.includes('telegram polling failed; retrying'), 'the failed poll in the log');
    expect(out).toContain('invalid json response body');
    expect(out).toContain('/bot[REDACTED]/getUpdates');
    expect(out).not.toContain(config.TELEGRAM_BOT_TOKEN!.split(':')[1]);
    expect(out).not.toContain(PROXY_PASSWORD);
  });
});
