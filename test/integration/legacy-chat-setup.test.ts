import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_CREDENTIALS } from '@flex-bridge/emulators';
import { TwilioEmulator } from '@flex-bridge/emulators';

const STUDIO_FLOW = `FW${'6'.repeat(32)}`;

let twilio: TwilioEmulator;
let baseUrl: string;
beforeEach(async () => {
  twilio = new TwilioEmulator({ accountSid: SANDBOX_CREDENTIALS.accountSid, authToken: SANDBOX_CREDENTIALS.authToken });
  baseUrl = await twilio.start();
});
afterEach(async () => {
  await twilio.stop();
});

/** Runs `flex-bridge setup` as a real process with only the given environment. */
function setup(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/flex-bridge.js', 'setup', ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const credentials = () => ({
  TWILIO_ACCOUNT_SID: SANDBOX_CREDENTIALS.accountSid,
  TWILIO_AUTH_TOKEN: SANDBOX_CREDENTIALS.authToken,
  TWILIO_API_BASE_URL: baseUrl,
});

describe('flex-bridge setup (a real process against the Twilio emulator)', () => {
  it('creates the custom-channel Studio Flex Flow and prints its SID and the settings to use', async () => {
    const run = await setup(['--studio-flow-sid', STUDIO_FLOW], {
      ...credentials(),
      FLEX_CHAT_SERVICE_SID: twilio.account.chatServiceSid,
    });

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [flow] = twilio.legacyChat.flexFlows();
    expect(run.stdout).toContain(`Created Flex Flow ${flow!.sid}`);
    expect(run.stdout.split('\n')).toEqual(
      expect.arrayContaining(['FLEX_MODE=legacy-chat', `FLEX_FLOW_SID=${flow!.sid}`, `FLEX_CHAT_SERVICE_SID=${twilio.account.chatServiceSid}`]),
    );
    expect(twilio.requests.map((r) => `${r.method} ${r.host}${r.path}`)).toEqual(['POST flex-api.twilio.com/v1/FlexFlows']);
    expect(twilio.requests[0]!.params).toEqual({
      FriendlyName: 'flex-bridge custom chat',
      ChatServiceSid: twilio.account.chatServiceSid,
      ChannelType: 'custom',
      IntegrationType: 'studio',
      'Integration.FlowSid': STUDIO_FLOW,
      ContactIdentity: 'flex-bridge',
      Enabled: 'true',
    });
    expect(flow).toMatchObject({ channelType: 'custom', integrationType: 'studio', enabled: true });
  });

  it('takes the inputs from flags as well, the flag winning over the environment', async () => {
    const run = await setup(
      [`--chat-service-sid=${twilio.account.chatServiceSid}`, `--studio-flow-sid=${STUDIO_FLOW}`, '--friendly-name', 'Support chat'],
      { ...credentials(), FLEX_STUDIO_FLOW_SID: `FW${'7'.repeat(32)}` },
    );

    expect(run.code).toBe(0);
    expect(twilio.requests[0]!.params).toMatchObject({ FriendlyName: 'Support chat', 'Integration.FlowSid': STUDIO_FLOW });
  });

  it('exits 2 naming each missing input, and creates nothing', async () => {
    const run = await setup([], { TWILIO_ACCOUNT_SID: SANDBOX_CREDENTIALS.accountSid, TWILIO_API_BASE_URL: baseUrl });

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('TWILIO_AUTH_TOKEN: required');
    expect(run.stderr).toContain('--chat-service-sid (or FLEX_CHAT_SERVICE_SID): required');
    expect(run.stderr).toContain('--studio-flow-sid (or FLEX_STUDIO_FLOW_SID): required');
    expect(run.stdout).toBe('');
    expect(twilio.requests).toEqual([]);
  });

  it('exits 2 on a malformed SID or an unknown option', async () => {
    const malformed = await setup(['--studio-flow-sid', 'FO123'], {
      ...credentials(),
      FLEX_CHAT_SERVICE_SID: twilio.account.chatServiceSid,
    });
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('--studio-flow-sid (or FLEX_STUDIO_FLOW_SID): expected a Twilio SID: FW followed by 32 hex digits');

    const unknown = await setup(['--flow', STUDIO_FLOW], credentials());
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--flow: unknown option');
    expect(twilio.requests).toEqual([]);
  });
});
