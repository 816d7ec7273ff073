import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
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
});
