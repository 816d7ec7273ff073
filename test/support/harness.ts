import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type RunningApp } from '../../src/app.js';
import { loadConfig, secretValues, type Config } from '../../src/config.js';
import type { ChatAdapter } from '../../src/core/chat-adapter.js';
import { createLogger, type Logger } from '../../src/log.js';
import { SANDBOX_CREDENTIALS, startSandbox, type Sandbox } from '@flex-bridge/emulators';
import type { DiscordEmulator, DiscordEmulatorOptions } from '@flex-bridge/emulators';
import type { TelegramEmulator } from '@flex-bridge/emulators';
import type { TwilioEmulator } from '@flex-bridge/emulators';
import { freePort } from '@flex-bridge/emulators';

export const { workspaceSid: WORKSPACE_SID, workflowSid: WORKFLOW_SID } = SANDBOX_CREDENTIALS;

/**
 * The bridge's own notices to customers (chat opened, agent joined, chat ended) and to agents (a returning
 * customer) off, so a test counts exactly the messages it is about; the tests of those notices turn them on.
 */
export const WITHOUT_CHAT_NOTICES = {
  CHAT_OPENED_NOTICE: 'off',
  CHAT_ENDED_NOTICE: 'off',
  AGENT_JOINED_NOTICE: 'off',
  RETURNING_CUSTOMER_NOTICE: 'off',
} as const;

export function tempDatabaseUrl(): string {
  return `sqlite:${join(mkdtempSync(join(tmpdir(), 'flex-bridge-test-')), 'bridge.db')}`;
}

export interface Harness {
  readonly telegram: TelegramEmulator;
  readonly twilio: TwilioEmulator;
  readonly config: Config;
  app: RunningApp;
  /** Stops the bridge, runs `whileDown`, and starts the bridge again on the same database. */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

/** What a test may set on the bridge beyond its settings: `clock`, the time business hours are judged by. */
export interface HarnessOptions {
  readonly clock?: () => number;
}

/**
 * The emulators on loopback (or `sandbox`, when the test started its own), and the real bridge
 * configured against them (extra settings in `env`; `adapters` instead of the configured ones).
 */
export async function startHarness(
  env: Record<string, string> = {},
  sandbox?: Sandbox,
  adapters?: (config: Config, log: Logger) => ChatAdapter[],
  options: HarnessOptions = {},
): Promise<Harness> {
  const [box, port] = await Promise.all([sandbox ?? startSandbox(), freePort()]);
  const config = loadConfig({
    ...box.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: tempDatabaseUrl(),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...WITHOUT_CHAT_NOTICES,
    ...env,
  });
  const log = createLogger({ level: config.LOG_LEVEL, secrets: secretValues(config) });
  const start = () => startApp(config, log, { ...(adapters ? { adapters: adapters(config, log) } : {}), clock: options.clock });
  const harness: Harness = {
    telegram: box.telegram,
    twilio: box.twilio,
    config,
    app: await start(),
    async restart(whileDown) {
      await harness.app.stop();
      await whileDown?.();
      harness.app = await start();
    },
    /** Also fails the test when the bridge sent Twilio a request Twilio's OpenAPI definitions refuse. */
    async stop() {
      await harness.app.stop(1000);
      await box.stop();
      failOnTwilioContractViolations(box.twilio);
    },
  };
  return harness;
}

/** Throws when `twilio` received a request that Twilio's OpenAPI definitions (twilio/twilio-oai) refuse. */
export function failOnTwilioContractViolations(twilio: TwilioEmulator): void {
  const violations = twilio.contractViolations;
  if (violations.length > 0) throw new Error(`requests Twilio's OpenAPI definitions refuse: ${JSON.stringify(violations)}`);
}

/**
 * The harness with the Discord emulator too, so the bridge also runs its Discord adapter. Its `stop()`
 * fails when the bridge sent Discord a request Discord's OpenAPI definition refuses.
 */
export async function startHarnessWithDiscord(
  env: Record<string, string> = {},
  discordOptions: Omit<DiscordEmulatorOptions, 'token'> = {},
  options: HarnessOptions = {},
): Promise<{ h: Harness; discord: DiscordEmulator }> {
  const box = await startSandbox({ discord: 0 }, '127.0.0.1', { discord: discordOptions });
  const h = await startHarness(env, box, undefined, options).catch(async (err: unknown) => {
    await box.stop();
    throw err;
  });
  const discord = box.discord as DiscordEmulator;
  const stop = h.stop;
  h.stop = async () => {
    await stop();
    if (discord.contractViolations.length > 0) throw new Error(`requests Discord's OpenAPI definition refuses: ${JSON.stringify(discord.contractViolations)}`);
  };
  return { h, discord };
}
