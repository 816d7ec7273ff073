import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig, secretValues } from '../src/config.js';
import { createLogger } from '../src/log.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, destination };
}

describe('logger', () => {
  it('scrubs configured secrets from messages, fields and errors', () => {
    const token = '123456789:AAsecretTokenValue0123456789';
    const { lines, destination } = capture();
    const log = createLogger({ level: 'info', secrets: [token, 'twilio-auth-token-value'], destination });
    log.info(`calling https://api.telegram.org/bot${token}/getMe`);
    log.error({ err: new Error(`request to /bot${token}/sendMessage failed`) }, 'send failed');
    log.warn({ config: { authToken: 'twilio-auth-token-value' }, headers: { authorization: 'Basic abc' } }, 'cfg');
    const out = lines.join('');
    expect(out).not.toContain(token);
    expect(out).not.toContain('twilio-auth-token-value');
    expect(out).not.toContain('Basic abc');
    expect(out.match(/\[REDACTED\]/g)?.length).toBeGreaterThanOrEqual(4);
  });

  it('scrubs the DATABASE_URL password, as written in the URL and as the driver decodes it', () => {
    const config = loadConfig({
      PUBLIC_BASE_URL: 'https://bridge.example.com',
      TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'twilio-auth-token-value',
      FLEX_WORKSPACE_SID: `WS${'0'.repeat(32)}`,
      FLEX_WORKFLOW_SID: `WW${'0'.repeat(32)}`,
      TELEGRAM_BOT_TOKEN: '123456789:AAsecretTokenValue0123456789',
      DATABASE_URL: 'postgres://bridge:s3cr%40t-db-pass@db.internal:5432/flex',
    });
    const { lines, destination } = capture();
    const log = createLogger({ level: 'info', secrets: secretValues(config), destination });
    log.error({ err: new Error('password authentication failed: s3cr@t-db-pass') }, 'connect to postgres://bridge:s3cr%40t-db-pass@db.internal failed');
    const out = lines.join('');
    expect(out).not.toContain('s3cr@t-db-pass');
    expect(out).not.toContain('s3cr%40t-db-pass');
    expect(out).toContain('db.internal');
  });

  it('redacts credential headers wherever a request or an HTTP client error carries them', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'info', secrets: [], destination });
    const headers = {
      Authorization: 'Basic QUMwMDA6dHdpbGlvLWF1dGgtdG9rZW4=',
      'X-Twilio-Signature': 'tJzvU1d5cV0dQ3kR1Y2A1b2C3d4=',
      'x-telegram-bot-api-secret-token': 'telegram-webhook-secret-0123456789abcdef',
      'proxy-authorization': 'Bearer proxy-credential',
    };
    log.warn({ headers }, 'webhook');
    log.warn({ req: { method: 'POST', headers } }, 'request');
    log.error({ err: Object.assign(new Error('Request failed with status code 502'), { config: { headers } }) }, 'twilio call failed');
    const out = lines.join('');
    for (const value of Object.values(headers)) expect(out).not.toContain(value);
    expect(out).toContain('"X-Twilio-Signature":"[REDACTED]"');
  });

  it('scrubs configured secrets from every field, child bindings and the message an error lends', () => {
    const token = '123456789:AAsecretTokenValue0123456789';
    const metricsToken = 'metrics"token\\with-quotes';
    const { lines, destination } = capture();
    const log = createLogger({ level: 'info', secrets: [token, metricsToken], destination });
    log.info({ error: `https://api.telegram.org/bot${token}/getMe failed` }, 'delivery failed');
    log.child({ upstream: `token ${token}` }).warn('child');
    log.warn({ err: new Error(`wrong ${metricsToken}`) });
    log.info({ detail: { nested: [`Bearer ${metricsToken}`] } }, 'nested');
    const out = lines.join('');
    expect(out).not.toContain(token);
    expect(out).not.toContain(JSON.stringify(metricsToken).slice(1, -1));
    expect(out).not.toContain('AAsecretTokenValue');
    expect(lines).toHaveLength(4);
  });

  it('redacts credentials by their shape even when they were not configured', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'info', secrets: [], destination });
    log.warn({ url: 'https://api.telegram.org/file/bot987654:AAotherBotToken_0123456789/photos/a.jpg' }, 'download failed');
    log.warn('connect to postgres://flex:other-db-password@db.internal:5432/flex failed');
    log.warn({ problem: 'sent Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig' }, 'refused');
    const out = lines.join('');
    expect(out).not.toContain('AAotherBotToken');
    expect(out).not.toContain('other-db-password');
    expect(out).not.toContain('eyJhbGciOiJIUzI1NiJ9');
    expect(out).toContain('postgres://flex:[REDACTED]@db.internal:5432/flex');
    expect(out).toContain('/file/bot[REDACTED]/photos/a.jpg');
  });
});
