import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApp } from '../../../src/index.js';
import { loadConfig, secretValues } from '../../../src/index.js';
import { createLogger } from '../../../src/index.js';
import { startSandbox } from '@flex-bridge/emulators';
import type { TwilioEmulator } from '@flex-bridge/emulators';
import { conversationsSide } from './conversations-side.js';
import { DemoConsole } from './demo-console.js';
import { DEMO_BUSINESS_HOURS, DemoHours } from './demo-hours.js';
import { discordNetwork } from './discord-network.js';
import type { FlexSide } from './flex-side.js';
import { flexSettings } from './flex-settings.js';
import { freePort } from '@flex-bridge/emulators';
import { legacyChatSide } from './legacy-chat-side.js';
import { telegramNetwork } from './telegram-network.js';
import type { ConsoleUpdate, DemoMode } from './views.js';

export interface DemoRunOptions {
  readonly mode: DemoMode;
  readonly host: string;
  readonly logLevel?: string;
  readonly prettyLogs?: boolean;
  readonly publish: (update: ConsoleUpdate) => void;
}

/** The bridge in one Flex mode, the emulators it runs against and the console's model of them. */
export interface DemoRun {
  readonly mode: DemoMode;
  readonly bridgeUrl: string;
  readonly console: DemoConsole;
  /** Stops the bridge and the emulators, and deletes the run's database. */
  stop(): Promise<void>;
}

const AGENT_IDENTITY = 'agent_alex';
/** The agent's name in Flex, which the bridge tells customers when the agent joins their chat. */
const AGENT_NAME = 'Alex';

/**
 * Starts the Telegram, Discord and Twilio emulators, the real bridge (startApp, as `npm start` runs
 * it) configured against them in `mode`, and the console's model of it all.
 */
export async function startDemoRun(options: DemoRunOptions): Promise<DemoRun> {
  const { mode, host } = options;
  const cleanups: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };

  try {
    // A fresh database each run: the emulators start empty too, so old chats would point at nothing.
    const dataDir = await mkdtemp(join(tmpdir(), 'flex-bridge-demo-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const sandbox = await startSandbox({ discord: 0 }, host);
    cleanups.push(() => sandbox.stop());
    sandbox.twilio.agentLogsIn(AGENT_IDENTITY, AGENT_NAME);

    const bridgeUrl = `http://${host}:${await freePort(host)}`;
    const config = loadConfig({
      ...sandbox.env,
      ...(await flexSettings(mode, sandbox)),
      HOST: host,
      PORT: new URL(bridgeUrl).port,
      PUBLIC_BASE_URL: bridgeUrl,
      DATABASE_URL: `sqlite:${join(dataDir, 'demo.db')}`,
      // "No agent available" and "Task canceled" reach the customer within seconds.
      TASK_CHECK_INTERVAL_MS: '2000',
      // An operator's own attributes beside the customer's context, as the Flex desk shows them.
      FLEX_TASK_ATTRIBUTES: JSON.stringify({ brand: 'acme' }),
      ...DEMO_BUSINESS_HOURS,
      // The customer windows show the rating buttons after the agent ends a chat.
      SURVEY: 'on',
      // Customers whose Telegram app speaks German, Spanish, French or Portuguese are answered in it.
      CUSTOMER_TEXTS_FILE: fileURLToPath(new URL('../../../config/customer-texts.example.json', import.meta.url)),
      LOG_LEVEL: options.logLevel ?? 'warn',
    });
    const log = createLogger({
      level: config.LOG_LEVEL,
      secrets: secretValues(config),
      pretty: options.prettyLogs ?? false,
    });

    const hours = new DemoHours(options.publish);
    const demoConsole = new DemoConsole({
      bridgeUrl,
      bridgeIdentity: config.FLEX_BRIDGE_IDENTITY,
      agentIdentity: AGENT_IDENTITY,
      greetings: [config.TELEGRAM_GREETING, ...[...(config.CUSTOMER_TEXTS_FILE?.values() ?? [])].flatMap((texts) => texts.TELEGRAM_GREETING ?? [])],
      twilio: sandbox.twilio,
      flex: flexSide(mode, sandbox.twilio),
      networks: [telegramNetwork(sandbox.telegram), ...(sandbox.discord ? [discordNetwork(sandbox.discord)] : [])],
      hours,
      publish: options.publish,
    });
    const app = await startApp(config, log, { observer: demoConsole.observer, clock: hours.clock });
    cleanups.push(() => app.stop(1000));
    return { mode, bridgeUrl, console: demoConsole, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function flexSide(mode: DemoMode, twilio: TwilioEmulator): FlexSide {
  return mode === 'conversations' ? conversationsSide(twilio, AGENT_IDENTITY) : legacyChatSide(twilio, AGENT_IDENTITY);
}
