import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { LEGACY_MESSAGE_WEBHOOK_PATH } from '../../src/flex/legacy-chat.js';
import { createLegacyFlexFlow } from '../../src/flex/legacy-chat-flow.js';
import { twilioSignature } from '../../src/flex/signature.js';
import { createTwilioClient } from '../../src/flex/twilio-client.js';
import { createLogger } from '../../src/log.js';
import type { DiscordEmulator } from '@flex-bridge/emulators';
import { startSandbox, type Sandbox } from '@flex-bridge/emulators';
import { failOnTwilioContractViolations, tempDatabaseUrl, WITHOUT_CHAT_NOTICES } from '../support/harness.js';
import { freePort, sampleJpeg, samplePng } from '@flex-bridge/emulators';
import { eventually } from '../support/wait.js';

const ANN = { id: 5012345678, username: 'ann', first_name: 'Ann' };
const BOB = { id: '1100000000000000002', username: 'bob', global_name: 'Bob' } as const;

let box: Sandbox | undefined;
let app: RunningApp | undefined;
afterEach(async () => {
  await app?.stop(1000);
  await box?.stop();
  const twilio = box?.twilio;
  app = undefined;
  box = undefined;
  if (twilio) failOnTwilioContractViolations(twilio);
});

/** A bridge in legacy-chat mode on a Flex Flow made the way `flex-bridge setup` makes it; Discord too when asked. */
async function startLegacyBridge({ discord = false } = {}): Promise<{ sandbox: Sandbox; publicBaseUrl: string }> {
  const [sandbox, port] = await Promise.all([startSandbox(discord ? { discord: 0 } : {}), freePort()]);
  box = sandbox;
  const client = createTwilioClient({
    accountSid: sandbox.env.TWILIO_ACCOUNT_SID!,
    authToken: sandbox.env.TWILIO_AUTH_TOKEN!,
    apiBaseUrl: sandbox.env.TWILIO_API_BASE_URL,
  });
  const chatServiceSid = sandbox.twilio.account.chatServiceSid;
  const flowSid = await createLegacyFlexFlow(client, {
    friendlyName: 'flex-bridge media test',
    chatServiceSid,
    studioFlowSid: `FW${'5'.repeat(32)}`,
    contactIdentity: 'flex-bridge',
  });
  const publicBaseUrl = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    ...sandbox.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: publicBaseUrl,
    DATABASE_URL: tempDatabaseUrl(),
    LOG_LEVEL: 'silent',
    FLEX_MODE: 'legacy-chat',
    FLEX_FLOW_SID: flowSid,
    FLEX_CHAT_SERVICE_SID: chatServiceSid,
    FLEX_WORKSPACE_SID: '',
    ...WITHOUT_CHAT_NOTICES,
  });
  app = await startApp(config, createLogger({ level: 'silent', secrets: [] }));
  return { sandbox, publicBaseUrl };
}

/** The customer's channel, once their first message is in it. */
async function channelWithFirstMessage(sandbox: Sandbox): Promise<string> {
  const channelSid = await eventually(() => sandbox.twilio.legacyChat.channels()[0]?.sid, 'a chat channel');
  await eventually(() => sandbox.twilio.legacyChat.messages(channelSid).length > 0 || undefined, 'the first message in the channel');
  return channelSid;
}

describe('legacy-chat: Telegram customer → Flex agent, a file', () => {
  it('uploads it to the chat service’s MCS and posts it with MediaSid, the caption as the body', async () => {
    const { sandbox } = await startLegacyBridge();
    sandbox.telegram.addUser(ANN);
    const data = randomBytes(5000);
    sandbox.telegram.userSendsFile(ANN.id, { kind: 'photo', data, caption: 'my receipt' });

    const channelSid = await channelWithFirstMessage(sandbox);
    const [message] = sandbox.twilio.legacyChat.messages(channelSid);
    expect(message).toMatchObject({ from: `telegram_${ANN.id}`, body: 'my receipt', media: { sid: expect.stringMatching(/^ME/), size: data.length } });
    expect(sandbox.twilio.mediaContent(message!.media!.sid)?.equals(data)).toBe(true);
    const upload = sandbox.twilio.requests.find((r) => r.host === 'mcs.us1.twilio.com');
    expect(upload?.path).toBe(`/v1/Services/${sandbox.twilio.account.chatServiceSid}/Media`);
  });
});

describe('legacy-chat: Flex agent → Telegram customer, a file', () => {
  async function openedByAnn() {
    const { sandbox, publicBaseUrl } = await startLegacyBridge();
    sandbox.telegram.addUser(ANN);
    sandbox.telegram.userSends(ANN.id, 'hello');
    return { sandbox, publicBaseUrl, channelSid: await channelWithFirstMessage(sandbox) };
  }

  it.each([
    ['image/jpeg', 'photo.jpg', 'sendPhoto', 'photo'],
    ['application/pdf', 'terms.pdf', 'sendDocument', 'document'],
  ])('carries %s (%s) from the chat service’s MCS to %s, the text as its caption', async (contentType, filename, method, field) => {
    const { sandbox, channelSid } = await openedByAnn();
    // Telegram decodes a photo: only a real picture passes sendPhoto.
    const data = contentType === 'image/jpeg' ? sampleJpeg(640, 480) : randomBytes(32 * 1024);
    const sent = sandbox.twilio.legacyChat.agentSendFile(channelSid, { data, contentType, filename }, 'here you go');

    await sandbox.telegram.waitForRequest(method);
    const [received] = await sandbox.telegram.waitForMessages(ANN.id, 1);
    expect(received!.caption).toBe('here you go');
    const file = received![field] as { file_id: string } | { file_id: string }[];
    const fileId = Array.isArray(file) ? file[0]!.file_id : file.file_id;
    expect(sandbox.telegram.fileContents(fileId)?.equals(data)).toBe(true);
    const lookup = `/v1/Services/${sandbox.twilio.account.chatServiceSid}/Media/${sent.media!.sid}`;
    expect(sandbox.twilio.requests.some((r) => r.host === 'mcs.us1.twilio.com' && r.method === 'GET' && r.path === lookup)).toBe(true);
  });

  it('sends a text over the 1024-character caption limit as a message after the photo', async () => {
    const { sandbox, channelSid } = await openedByAnn();
    const long = 'x'.repeat(1500);
    sandbox.twilio.legacyChat.agentSendFile(channelSid, { data: samplePng(200, 100), contentType: 'image/png', filename: 'chart.png' }, long);

    const [photo, text] = await sandbox.telegram.waitForMessages(ANN.id, 2);
    expect(photo).toMatchObject({ photo: expect.any(Array) });
    expect(photo).not.toHaveProperty('caption');
    expect(text!.text).toBe(long);
  });

  it('refuses an onMessageSent whose MediaSid is not a media SID with 400, and sends nothing', async () => {
    const { sandbox, publicBaseUrl, channelSid } = await openedByAnn();
    const url = `${publicBaseUrl}${LEGACY_MESSAGE_WEBHOOK_PATH}?channel=${channelSid}`;
    const params = {
      EventType: 'onMessageSent',
      ChannelSid: channelSid,
      MessageSid: `IM${'7'.repeat(32)}`,
      From: 'agent_alice',
      Body: 'a file',
      Source: 'SDK',
      MediaSid: 'not-a-media-sid',
    };
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilioSignature(sandbox.twilio.account.authToken, url, params),
      },
      body: new URLSearchParams(params).toString(),
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: expect.stringContaining('MediaSid') });
    sandbox.twilio.legacyChat.agentSend(channelSid, 'after the bad webhook');
    const [only] = await sandbox.telegram.waitForMessages(ANN.id, 1);
    expect(only!.text).toBe('after the bad webhook');
  });
});

describe('legacy-chat: Flex agent → Discord customer, a file', () => {
  it('sends it as a DM attachment, the text as its content', async () => {
    const { sandbox } = await startLegacyBridge({ discord: true });
    const discord = sandbox.discord as DiscordEmulator;
    discord.addUser(BOB);
    discord.userSendsDm(BOB.id, 'Hello');
    const channelSid = await channelWithFirstMessage(sandbox);
    const data = randomBytes(10_000);
    sandbox.twilio.legacyChat.agentSendFile(channelSid, { data, contentType: 'application/pdf', filename: 'terms.pdf' }, 'our terms');

    const [sent] = await discord.waitForMessages(BOB.id, 1);
    expect(sent!.message.content).toBe('our terms');
    expect(sent!.message.attachments).toEqual([expect.objectContaining({ filename: 'terms.pdf', size: data.length })]);
    expect(discord.attachmentContents(sent!.message.attachments[0]!.url)?.equals(data)).toBe(true);
  });
});
