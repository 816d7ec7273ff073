import { afterEach, describe, expect, it } from 'vitest';
import { createLegacyFlexFlow } from '../../src/flex/legacy-chat-flow.js';
import { createTwilioClient } from '../../src/flex/twilio-client.js';
import { DiscordEmulator } from '@flex-bridge/emulators';
import { startSandbox, type Sandbox } from '@flex-bridge/emulators';
import { startHarness, tempDatabaseUrl, type Harness } from '../support/harness.js';
import { freePort } from '@flex-bridge/emulators';
import { doctorLine, envOf, runCli } from './run-cli.js';

let h: Harness | undefined;
let box: Sandbox | undefined;
let discord: DiscordEmulator | undefined;
afterEach(async () => {
  await h?.stop();
  await box?.stop();
  await discord?.stop();
  h = undefined;
  box = undefined;
  discord = undefined;
});

const DISCORD_TOKEN = 'discord-sandbox-token-not-a-secret';

async function doctor(env: Record<string, string>) {
  const result = await runCli(['doctor'], env);
  const line = (name: string) => doctorLine(result.stdout, name);
  return { ...result, line };
}

describe('flex-bridge doctor', () => {
  it('passes every check against a healthy bridge on the emulators, and prints no secret', async () => {
    h = await startHarness();
    const env = envOf(h.config);
    const { code, stdout, line } = await doctor(env);

    expect(code).toBe(0);
    expect(line('config')?.[0]).toBe('PASS');
    expect(line('database')).toEqual(['PASS', expect.stringContaining('answers; 0 open conversation(s)')]);
    expect(line('outbox')).toEqual(['PASS', '0 pending, 0 dead-lettered']);
    expect(line('telegram bot')).toEqual(['PASS', 'token accepted: @flex_bridge_bot (id 100000001)']);
    expect(line('telegram updates')).toEqual(['PASS', 'polling, no webhook set; 0 pending update(s)']);
    expect(line('twilio credentials')?.[0]).toBe('PASS');
    // The Twilio emulator serves Conversations and Interactions only, so TaskRouter cannot be asked.
    expect(line('FLEX_WORKSPACE_SID')).toEqual([
      'SKIP',
      `not checked: TWILIO_API_BASE_URL (${h.config.TWILIO_API_BASE_URL}) does not serve this taskrouter.twilio.com lookup`,
    ]);
    expect(line('FLEX_WORKFLOW_SID')?.[0]).toBe('SKIP');
    expect(line('FLEX_TASK_CHANNEL')).toEqual(['PASS', `task channel "chat" found in ${h.config.FLEX_WORKSPACE_SID}`]);
    expect(line('public url')).toEqual(['PASS', expect.stringContaining(`${h.config.PUBLIC_BASE_URL}/healthz answered`)]);
    expect(line('twilio signatures')).toEqual(['PASS', `a webhook signed for ${h.config.PUBLIC_BASE_URL}/flex/conversations/events was accepted`]);
    expect(line('discord')).toEqual(['SKIP', 'DISCORD_BOT_TOKEN not set']);
    expect(stdout).toMatch(/\n9 passed, 0 failed, 3 skipped\n$/);
    for (const secret of [env.TWILIO_AUTH_TOKEN!, env.TELEGRAM_BOT_TOKEN!]) expect(stdout).not.toContain(secret);
  });

  it('fails the Twilio check, and skips the SIDs, when Twilio cannot be reached', async () => {
    h = await startHarness();
    await h.twilio.stop();
    const { code, line } = await doctor(envOf(h.config));
    expect(code).toBe(1);
    expect(line('twilio credentials')).toEqual(['FAIL', `cannot reach Twilio at ${h.config.TWILIO_API_BASE_URL}: ECONNREFUSED`]);
    expect(line('FLEX_WORKSPACE_SID')).toEqual(['SKIP', 'needs the twilio credentials check to pass']);
    expect(line('telegram bot')?.[0]).toBe('PASS');
  });

  it('fails a task channel the workspace does not have: every chat would fail to route', async () => {
    h = await startHarness();
    const { code, line } = await doctor({ ...envOf(h.config), FLEX_TASK_CHANNEL: 'chatt' });
    expect(code).toBe(1);
    expect(line('FLEX_TASK_CHANNEL')).toEqual([
      'FAIL',
      `workspace ${h.config.FLEX_WORKSPACE_SID} has no task channel "chatt" (it has: default, voice, chat, sms, video, email); every chat's routing would fail`,
    ]);
  });

  it('names rejected tokens without printing them', async () => {
    h = await startHarness();
    const wrong = { TWILIO_AUTH_TOKEN: 'wrong-auth-token-0123456789', TELEGRAM_BOT_TOKEN: '100000001:wrong-telegram-token-abcdefgh' };
    const { code, stdout, line } = await doctor({ ...envOf(h.config), ...wrong });
    expect(code).toBe(1);
    expect(line('telegram bot')).toEqual(['FAIL', 'Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized)']);
    expect(line('telegram updates')).toEqual(['SKIP', 'needs the telegram bot check to pass']);
    expect(line('twilio credentials')).toEqual(['FAIL', 'Twilio rejected TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN (401)']);
    // The running bridge signs with the real token, so a webhook signed with the wrong one is refused.
    expect(line('twilio signatures')?.[0]).toBe('FAIL');
    for (const secret of Object.values(wrong)) expect(stdout).not.toContain(secret);
  });

  it('fails the signature check when PUBLIC_BASE_URL is not the URL the bridge checks signatures against', async () => {
    h = await startHarness();
    const elsewhere = h.config.PUBLIC_BASE_URL.replace('127.0.0.1', 'localhost');
    const { code, line } = await doctor({ ...envOf(h.config), PUBLIC_BASE_URL: elsewhere });
    expect(code).toBe(1);
    expect(line('public url')?.[0]).toBe('PASS');
    expect(line('twilio signatures')).toEqual(['FAIL', expect.stringContaining(`a webhook signed for ${elsewhere}/flex/conversations/events was refused (403)`)]);
  });

  it('fails the public url check when nothing answers there', async () => {
    h = await startHarness();
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const { code, line } = await doctor({ ...envOf(h.config), PUBLIC_BASE_URL: nowhere });
    expect(code).toBe(1);
    expect(line('public url')).toEqual(['FAIL', expect.stringContaining(`${nowhere}/healthz: ECONNREFUSED`)]);
    expect(line('twilio signatures')).toEqual(['SKIP', 'needs PUBLIC_BASE_URL to reach the bridge']);
  });

  it('fails the database check when DATABASE_URL cannot be opened', async () => {
    h = await startHarness();
    const { code, line } = await doctor({ ...envOf(h.config), DATABASE_URL: 'sqlite:/dev/null/flex-bridge.db' });
    expect(code).toBe(1);
    expect(line('database')).toEqual(['FAIL', expect.stringMatching(/^cannot open sqlite:\/dev\/null\/flex-bridge\.db: /)]);
    expect(line('outbox')).toBeUndefined();
  });

  it('checks the Telegram webhook against TELEGRAM_MODE', async () => {
    h = await startHarness({ TELEGRAM_MODE: 'webhook', TELEGRAM_WEBHOOK_SECRET: 'doctor-webhook-secret-0123456789abcdef' });
    const env = envOf(h.config);
    const webhook = `${h.config.PUBLIC_BASE_URL}/telegram/webhook`;
    expect((await doctor(env)).line('telegram updates')).toEqual(['PASS', `webhook ${webhook}; 0 pending update(s)`]);

    // Another deployment of the same bot configured for polling would be refused by Telegram.
    const polling = await doctor({ ...env, TELEGRAM_MODE: 'polling' });
    expect(polling.code).toBe(1);
    expect(polling.line('telegram updates')).toEqual(['FAIL', expect.stringContaining(`TELEGRAM_MODE=polling but a webhook is set (${webhook})`)]);
  });

  it('logs in to Discord when DISCORD_BOT_TOKEN is set', async () => {
    h = await startHarness();
    discord = new DiscordEmulator({ token: DISCORD_TOKEN, botUser: { username: 'support-bot' } });
    const discordEnv = { DISCORD_BOT_TOKEN: DISCORD_TOKEN, DISCORD_API_BASE_URL: await discord.start() };

    const good = await doctor({ ...envOf(h.config), ...discordEnv });
    expect(good.line('discord')).toEqual(['PASS', expect.stringMatching(/^token accepted: bot support-bot \(id \d+\); \d+ of \d+ gateway logins left today$/)]);

    const bad = await doctor({ ...envOf(h.config), ...discordEnv, DISCORD_BOT_TOKEN: 'not-the-discord-token-at-all' });
    expect(bad.code).toBe(1);
    expect(bad.line('discord')).toEqual(['FAIL', 'Discord rejected DISCORD_BOT_TOKEN (401)']);
    expect(bad.stdout).not.toContain('not-the-discord-token-at-all');
  });

  it('looks up the legacy-chat SIDs where the emulator serves them', async () => {
    box = await startSandbox();
    const client = createTwilioClient({ accountSid: box.env.TWILIO_ACCOUNT_SID!, authToken: box.env.TWILIO_AUTH_TOKEN!, apiBaseUrl: box.env.TWILIO_API_BASE_URL });
    const chatServiceSid = box.twilio.account.chatServiceSid;
    const flowSid = await createLegacyFlexFlow(client, {
      friendlyName: 'doctor test flow',
      chatServiceSid,
      studioFlowSid: `FW${'5'.repeat(32)}`,
      contactIdentity: 'flex-bridge',
    });
    const env = {
      ...box.env,
      FLEX_MODE: 'legacy-chat',
      FLEX_FLOW_SID: flowSid,
      FLEX_CHAT_SERVICE_SID: chatServiceSid,
      FLEX_WORKSPACE_SID: '',
      PUBLIC_BASE_URL: `http://127.0.0.1:${await freePort()}`,
      DATABASE_URL: tempDatabaseUrl(),
    };

    const found = await doctor(env);
    expect(found.line('FLEX_FLOW_SID')).toEqual(['PASS', `${flowSid} found: "doctor test flow"`]);
    expect(found.line('FLEX_CHAT_SERVICE_SID')?.[0]).toBe('SKIP');
    expect(found.line('FLEX_WORKSPACE_SID')).toBeUndefined();

    const missing = `FO${'9'.repeat(32)}`;
    const wrong = await doctor({ ...env, FLEX_FLOW_SID: missing });
    expect(wrong.line('FLEX_FLOW_SID')).toEqual(['FAIL', `${missing} was not found in account ${box.env.TWILIO_ACCOUNT_SID}`]);
  });

  it('lists every configuration problem as a failed check', async () => {
    const { code, stdout } = await doctor({ TELEGRAM_BOT_TOKEN: '123:AAAAAAAAAAAAAAAAAAAAAAAAAAAA', TWILIO_ACCOUNT_SID: 'AC1' });
    expect(code).toBe(1);
    expect(stdout).toContain('FAIL  config  TWILIO_ACCOUNT_SID: expected a Twilio SID');
    expect(stdout).toContain('FAIL  config  PUBLIC_BASE_URL: required');
    expect(stdout).toContain('FAIL  config  TWILIO_AUTH_TOKEN: required');
  });
});
