import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLegacyFlexFlow } from '../../src/flex/legacy-chat-flow.js';
import { createTwilioClient } from '../../src/flex/twilio-client.js';
import { createLogger } from '../../src/log.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox-env.js';
import { tempDatabaseUrl } from '../support/harness.js';
import { freePort } from '../support/ports.js';
import { eventually } from '../support/wait.js';

const ANN = { id: 5012345678, username: 'ann', first_name: 'Ann' };

let box: Sandbox | undefined;
let app: RunningApp | undefined;
afterEach(async () => {
  await app?.stop(1000);
  await box?.stop();
  app = undefined;
  box = undefined;
});

/** A bridge in legacy-chat mode on a Flex Flow made the way `flex-bridge setup` makes it. */
async function startLegacyBridge(): Promise<Sandbox> {
  const [sandbox, port] = await Promise.all([startSandbox(), freePort()]);
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
  const config = loadConfig({
    ...sandbox.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: tempDatabaseUrl(),
    LOG_LEVEL: 'silent',
    FLEX_MODE: 'legacy-chat',
    FLEX_FLOW_SID: flowSid,
    FLEX_CHAT_SERVICE_SID: chatServiceSid,
    FLEX_WORKSPACE_SID: '',
  });
  app = await startApp(config, createLogger({ level: 'silent', secrets: [] }));
  return sandbox;
}

describe('legacy-chat: Telegram customer → Flex agent, a file', () => {
  it('uploads it to the chat service’s MCS and posts it with MediaSid, the caption as the body', async () => {
    const sandbox = await startLegacyBridge();
    sandbox.telegram.addUser(ANN);
    const data = randomBytes(5000);
    sandbox.telegram.userSendsFile(ANN.id, { kind: 'photo', data, caption: 'my receipt' });

    const channelSid = await eventually(() => sandbox.twilio.legacyChat.channels()[0]?.sid, 'a chat channel');
    const [message] = await eventually(() => {
      const messages = sandbox.twilio.legacyChat.messages(channelSid);
      return messages.length > 0 ? messages : undefined;
    }, 'the message in the channel');
    expect(message).toMatchObject({ from: `telegram_${ANN.id}`, body: 'my receipt', mediaSid: expect.stringMatching(/^ME/) });
    expect(sandbox.twilio.mediaContent(message!.mediaSid!)?.equals(data)).toBe(true);
    const upload = sandbox.twilio.requests.find((r) => r.host === 'mcs.us1.twilio.com');
    expect(upload?.path).toBe(`/v1/Services/${sandbox.twilio.account.chatServiceSid}/Media`);
  });
});
