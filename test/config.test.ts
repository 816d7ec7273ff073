import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleartextUpstreams, ConfigError, customerTextSettings, loadConfig, secretValues } from '../src/config.js';

const VALID = {
  PUBLIC_BASE_URL: 'https://bridge.example.com',
  TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'twilio-auth-token-value',
  FLEX_WORKSPACE_SID: `WS${'0'.repeat(32)}`,
  TELEGRAM_BOT_TOKEN: '123456789:AAsecretTokenValue0123456789',
};

function problemsOf(env: Record<string, string>): { key: string; message: string }[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('PUBLIC_BASE_URL', () => {
  it('refuses http:// for a host other than loopback, naming the key', () => {
    for (const url of ['http://bridge.example.com', 'http://10.0.0.7:3000', 'http://127.0.0.1.example.com']) {
      expect(problemsOf({ ...VALID, PUBLIC_BASE_URL: url })).toEqual([
        { key: 'PUBLIC_BASE_URL', message: `expected an https:// URL (http:// only for a loopback host such as http://127.0.0.1:3000) (got "${url}")` },
      ]);
    }
  });

  it('accepts https:// anywhere and http:// on loopback (local runs, the sandbox)', () => {
    for (const url of ['https://bridge.example.com/prefix', 'http://127.0.0.1:3000', 'http://127.8.9.10', 'http://localhost:3000', 'http://[::1]:3000']) {
      expect(problemsOf({ ...VALID, PUBLIC_BASE_URL: url })).toEqual([]);
    }
  });
});

describe('TELEGRAM_WEBHOOK_SECRET', () => {
  const webhook = { ...VALID, TELEGRAM_MODE: 'webhook' };

  it('refuses a secret shorter than 32 characters without echoing it', () => {
    const weak = 'short_but-allowed-by-Telegram';
    const problems = problemsOf({ ...webhook, TELEGRAM_WEBHOOK_SECRET: weak });
    expect(problems).toEqual([
      { key: 'TELEGRAM_WEBHOOK_SECRET', message: 'expected 32–256 characters of A-Z a-z 0-9 _ - (e.g. `openssl rand -hex 32`)' },
    ]);
    expect(JSON.stringify(problems)).not.toContain(weak);
  });

  it('accepts 32 to 256 characters of the alphabet Telegram allows', () => {
    expect(problemsOf({ ...webhook, TELEGRAM_WEBHOOK_SECRET: 'a'.repeat(32) })).toEqual([]);
    expect(problemsOf({ ...webhook, TELEGRAM_WEBHOOK_SECRET: '_-Az09'.repeat(42) + 'abcd' })).toEqual([]);
    expect(problemsOf({ ...webhook, TELEGRAM_WEBHOOK_SECRET: 'a'.repeat(257) })[0]?.key).toBe('TELEGRAM_WEBHOOK_SECRET');
  });
});

describe('METRICS_PUBLIC', () => {
  it('is off unless set to true, and cannot be combined with METRICS_TOKEN', () => {
    expect(loadConfig(VALID).METRICS_PUBLIC).toBe(false);
    expect(loadConfig({ ...VALID, METRICS_PUBLIC: 'true' }).METRICS_PUBLIC).toBe(true);
    expect(problemsOf({ ...VALID, METRICS_PUBLIC: 'true', METRICS_TOKEN: 'metrics-token-0123456789' })).toEqual([
      { key: 'METRICS_PUBLIC', message: 'set METRICS_TOKEN or METRICS_PUBLIC=true, not both' },
    ]);
    expect(problemsOf({ ...VALID, METRICS_PUBLIC: 'yes' })[0]?.key).toBe('METRICS_PUBLIC');
  });
});

describe('secretValues', () => {
  it('holds the password of every URL setting that may carry one, as written and decoded', () => {
    const config = loadConfig({
      ...VALID,
      DATABASE_URL: 'postgres://flex:db%2Fpass@db.internal/flex',
      TWILIO_API_BASE_URL: 'http://egress:egress-pass@127.0.0.1:8080',
      TELEGRAM_API_ROOT: 'https://bot:bot-api-pass@botapi.internal',
      DISCORD_API_BASE_URL: 'https://discord:discord-pass@discord.internal/api',
    });
    expect(secretValues(config)).toEqual(
      expect.arrayContaining(['db%2Fpass', 'db/pass', 'egress-pass', 'bot-api-pass', 'discord-pass', config.TWILIO_AUTH_TOKEN]),
    );
  });
});

describe('cleartextUpstreams', () => {
  it('names the upstream URL settings that are http:// to a host other than loopback', () => {
    expect(cleartextUpstreams(loadConfig(VALID))).toEqual([]);
    const config = loadConfig({
      ...VALID,
      TWILIO_API_BASE_URL: 'http://egress-proxy:8080',
      TELEGRAM_API_ROOT: 'http://127.0.0.1:8081',
      DISCORD_API_BASE_URL: 'http://discord-proxy.internal/api',
    });
    expect(cleartextUpstreams(config)).toEqual(['TWILIO_API_BASE_URL', 'DISCORD_API_BASE_URL']);
  });
});

describe('a malformed URL setting', () => {
  it('is echoed without its password', () => {
    const problems = problemsOf({
      ...VALID,
      DATABASE_URL: 'postgresql+psycopg://flex:SuperSecretPw@db.internal/flex',
      TWILIO_API_BASE_URL: 'egress://proxy:proxy-pass@egress:8080 /',
    });
    expect(problems).toEqual([
      { key: 'DATABASE_URL', message: 'expected sqlite:<path> or postgres://… (got "postgresql+psycopg://flex:[REDACTED]@db.internal/flex")' },
      { key: 'TWILIO_API_BASE_URL', message: 'expected an absolute URL such as https://bridge.example.com (got "egress://proxy:[REDACTED]@egress:8080 /")' },
    ]);
  });
});

describe('FLEX_STUDIO_READ_BACK_MS', () => {
  it('reads back at 1, 3 and 8 s by default, takes a list or off, and refuses delays out of range', () => {
    expect(loadConfig(VALID).FLEX_STUDIO_READ_BACK_MS).toEqual([1000, 3000, 8000]);
    expect(loadConfig({ ...VALID, FLEX_STUDIO_READ_BACK_MS: '500,2000' }).FLEX_STUDIO_READ_BACK_MS).toEqual([500, 2000]);
    expect(loadConfig({ ...VALID, FLEX_STUDIO_READ_BACK_MS: 'off' }).FLEX_STUDIO_READ_BACK_MS).toEqual([]);
    expect(problemsOf({ ...VALID, FLEX_STUDIO_READ_BACK_MS: '50' })[0]?.key).toBe('FLEX_STUDIO_READ_BACK_MS');
    expect(problemsOf({ ...VALID, FLEX_STUDIO_READ_BACK_MS: '1000;2000' })[0]?.key).toBe('FLEX_STUDIO_READ_BACK_MS');
  });
});

describe('CUSTOMER_TEXTS_FILE', () => {
  const fileWith = (content: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'texts-'));
    const path = join(dir, 'texts.json');
    writeFileSync(path, content);
    return path;
  };

  it('reads the shipped example: every text of the settings in each of its languages', () => {
    const texts = loadConfig({ ...VALID, CUSTOMER_TEXTS_FILE: 'config/customer-texts.example.json' }).CUSTOMER_TEXTS_FILE;
    expect([...(texts?.keys() ?? [])]).toEqual(['de', 'es', 'fr', 'pt']);
    for (const set of texts?.values() ?? []) expect(Object.keys(set).sort()).toEqual([...customerTextSettings].sort());
  });

  it('takes "off" for a text switched off in one language, and lowercases tags', () => {
    const path = fileWith(JSON.stringify({ 'pt-BR': { CHAT_ENDED_NOTICE: 'off', CHAT_OPENED_NOTICE: 'Recebemos.' } }));
    expect(loadConfig({ ...VALID, CUSTOMER_TEXTS_FILE: path }).CUSTOMER_TEXTS_FILE).toEqual(
      new Map([['pt-br', { CHAT_ENDED_NOTICE: undefined, CHAT_OPENED_NOTICE: 'Recebemos.' }]]),
    );
  });

  it.each([
    ['not JSON', '{', 'a readable JSON file'],
    ['a list', '[]', 'a JSON object of languages'],
    ['a tag that is no language', '{"german": {}}', 'language tags'],
    ['a setting that is no customer text', '{"de": {"TWILIO_AUTH_TOKEN": "x"}}', 'only settings of texts for customers'],
    ['an empty text', '{"de": {"CHAT_OPENED_NOTICE": ""}}', 'texts that their settings accept'],
    ['a menu entry over Telegram\'s 256 characters', `{"de": {"TELEGRAM_END_COMMAND_DESCRIPTION": "${'x'.repeat(257)}"}}`, 'TELEGRAM_END_COMMAND_DESCRIPTION'],
    ['a text that is not text', '{"de": {"CHAT_OPENED_NOTICE": 7}}', 'not text'],
  ])('stops the process naming the key for %s', (_, content, expected) => {
    const [problem] = problemsOf({ ...VALID, CUSTOMER_TEXTS_FILE: fileWith(content) });
    expect(problem?.key).toBe('CUSTOMER_TEXTS_FILE');
    expect(problem?.message).toContain(expected);
  });

  it('names a file that is not there', () => {
    const [problem] = problemsOf({ ...VALID, CUSTOMER_TEXTS_FILE: '/nonexistent/texts.json' });
    expect(problem).toMatchObject({ key: 'CUSTOMER_TEXTS_FILE', message: expect.stringContaining('/nonexistent/texts.json') });
  });
});

describe('business hours', () => {
  it('are parsed, with holidays, a time zone and the policy that waits for the opening by default', () => {
    const config = loadConfig({ ...VALID, BUSINESS_HOURS: 'mon-fri 09:00-17:00', BUSINESS_HOLIDAYS: '2026-12-25', BUSINESS_TIMEZONE: 'Europe/Berlin' });
    expect(config.BUSINESS_HOURS?.[1]).toEqual([{ start: 540, end: 1020 }]);
    expect(config.BUSINESS_HOLIDAYS).toEqual(new Set(['2026-12-25']));
    expect(config.AFTER_HOURS_POLICY).toBe('reply-and-route-when-open');
    expect(config.AFTER_HOURS_NOTICE).toContain('{opens}');
    expect(loadConfig(VALID).BUSINESS_HOURS).toBeUndefined();
  });

  it('refuse malformed hours, dates, zones and policies, naming the key', () => {
    expect(problemsOf({ ...VALID, BUSINESS_HOURS: 'mon-fry 09:00-17:00', BUSINESS_TIMEZONE: 'Europe/Berlin' })).toEqual([
      {
        key: 'BUSINESS_HOURS',
        message:
          'expected weekly hours such as "mon-fri 09:00-17:00; sat 10:00-14:00"; "mon-fry 09:00-17:00": "mon-fry" is not a day or days such as mon, sat-sun or mon-fri (got "mon-fry 09:00-17:00")',
      },
    ]);
    expect(problemsOf({ ...VALID, BUSINESS_HOLIDAYS: '2026-13-01', BUSINESS_TIMEZONE: 'Europe/Berlin' }).map((p) => p.key)).toEqual(['BUSINESS_HOLIDAYS']);
    expect(problemsOf({ ...VALID, BUSINESS_HOURS: 'mon 09:00-17:00', BUSINESS_TIMEZONE: 'Europe/Berlinn' })).toEqual([
      { key: 'BUSINESS_TIMEZONE', message: 'expected an IANA time zone such as Europe/Berlin (got "Europe/Berlinn")' },
    ]);
    expect(problemsOf({ ...VALID, AFTER_HOURS_POLICY: 'reply' }).map((p) => p.key)).toEqual(['AFTER_HOURS_POLICY']);
  });

  it('need a time zone, and exclude SCHEDULE_URL', () => {
    expect(problemsOf({ ...VALID, BUSINESS_HOURS: 'mon 09:00-17:00' })).toEqual([
      { key: 'BUSINESS_TIMEZONE', message: 'required with BUSINESS_HOURS or BUSINESS_HOLIDAYS' },
    ]);
    expect(problemsOf({ ...VALID, BUSINESS_HOLIDAYS: '2026-12-25', BUSINESS_TIMEZONE: 'UTC', SCHEDULE_URL: 'https://schedule.example.com/check' })).toEqual([
      { key: 'SCHEDULE_URL', message: 'set SCHEDULE_URL or BUSINESS_HOURS/BUSINESS_HOLIDAYS, not both' },
    ]);
    expect(problemsOf({ ...VALID, SCHEDULE_URL: 'https://schedule.example.com/check' })).toEqual([]);
  });
});

describe('FLEX_TASK_ATTRIBUTES', () => {
  it('takes a JSON object, none by default, and refuses anything else naming the key', () => {
    expect(loadConfig(VALID).FLEX_TASK_ATTRIBUTES).toEqual({});
    expect(loadConfig({ ...VALID, FLEX_TASK_ATTRIBUTES: '{"brand":"acme","conversations":{"conversation_label_1":"eu"}}' }).FLEX_TASK_ATTRIBUTES).toEqual({
      brand: 'acme',
      conversations: { conversation_label_1: 'eu' },
    });
    for (const bad of ['["acme"]', '"acme"', 'null', '{brand: acme}']) {
      expect(problemsOf({ ...VALID, FLEX_TASK_ATTRIBUTES: bad })).toEqual([
        { key: 'FLEX_TASK_ATTRIBUTES', message: expect.stringContaining('a JSON object') },
      ]);
    }
  });

  it('may be written as an object in a config file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'flex-bridge-config-')), 'config.json');
    writeFileSync(file, JSON.stringify({ FLEX_TASK_ATTRIBUTES: { brand: 'acme' } }));
    expect(loadConfig({ ...VALID, CONFIG_FILE: file }).FLEX_TASK_ATTRIBUTES).toEqual({ brand: 'acme' });
  });
});

describe('AGENT_NAME_PREFIX and RETURNING_CUSTOMER_NOTICE', () => {
  it('name no agent by default, tell the agent about a returning customer by default, and are switched with off', () => {
    expect(loadConfig(VALID).AGENT_NAME_PREFIX).toBeUndefined();
    expect(loadConfig({ ...VALID, AGENT_NAME_PREFIX: '{agent}: ' }).AGENT_NAME_PREFIX).toBe('{agent}: ');
    expect(loadConfig(VALID).RETURNING_CUSTOMER_NOTICE).toContain('{count}');
    expect(loadConfig({ ...VALID, RETURNING_CUSTOMER_NOTICE: 'off' }).RETURNING_CUSTOMER_NOTICE).toBeUndefined();
  });
});
