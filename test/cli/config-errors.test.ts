import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const cli = (env: Record<string, string>) =>
  spawnSync(process.execPath, ['bin/flex-bridge.js', 'start'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });

describe('flex-bridge start with a bad configuration', () => {
  it('exits non-zero naming each bad key and what it expects, without echoing secrets', () => {
    const result = cli({
      TELEGRAM_BOT_TOKEN: '123456:secret!malformed',
      TWILIO_ACCOUNT_SID: 'AC123',
      TWILIO_AUTH_TOKEN: 'short',
      PORT: 'eighty',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('TWILIO_ACCOUNT_SID: expected a Twilio SID: AC followed by 32 hex digits');
    expect(result.stderr).toContain('PUBLIC_BASE_URL: required');
    expect(result.stderr).toContain('PORT: expected');
    expect(result.stderr).toContain('TELEGRAM_BOT_TOKEN: expected a bot token');
    expect(result.stderr).toContain('FLEX_WORKSPACE_SID: required in conversations mode');
    expect(result.stderr).not.toContain('secret!malformed');
  });

  it('requires a webhook secret in Telegram webhook mode', () => {
    const result = cli({
      TELEGRAM_BOT_TOKEN: '123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      TELEGRAM_MODE: 'webhook',
      TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'x'.repeat(32),
      PUBLIC_BASE_URL: 'https://bridge.example.com',
      FLEX_WORKSPACE_SID: `WS${'0'.repeat(32)}`,
    });
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe('Invalid configuration:\n  TELEGRAM_WEBHOOK_SECRET: required when TELEGRAM_MODE=webhook');
  });

  it('refuses a weak webhook secret and a cleartext public URL, naming both and echoing no secret', () => {
    const weak = 'guessable_secret';
    const result = cli({
      TELEGRAM_BOT_TOKEN: '123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      TELEGRAM_MODE: 'webhook',
      TELEGRAM_WEBHOOK_SECRET: weak,
      TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'x'.repeat(32),
      PUBLIC_BASE_URL: 'http://bridge.example.com',
      FLEX_WORKSPACE_SID: `WS${'0'.repeat(32)}`,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('PUBLIC_BASE_URL: expected an https:// URL (http:// only for a loopback host');
    expect(result.stderr).toContain('TELEGRAM_WEBHOOK_SECRET: expected 32–256 characters');
    expect(result.stdout + result.stderr).not.toContain(weak);
  });
});
