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
});
