import { openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { SANDBOX_CREDENTIALS } from '@flex-bridge/emulators';
import type { BenchDatabase } from './database.js';
import type { BridgeHostApi } from './hosts/bridge-host.js';
import type { Direction } from './hosts/load.js';
import type { Target, TelegramHostApi } from './hosts/telegram-host.js';
import type { TwilioHostApi } from './hosts/twilio-host.js';
import type { RelayApi } from './relay.js';
import { pidsNamed } from './proc.js';
import { Child } from './rpc.js';

export type { Direction } from './hosts/load.js';
export type { Target } from './hosts/telegram-host.js';

export interface RigOptions {
  readonly customers: number;
  readonly workDir: string;
  /** Where the bridge writes V8 CPU profiles (--cpu-prof), if profiling. */
  readonly profileDir?: string;
  /** An OTLP/HTTP endpoint: the bridge runs with tracing on and exports its spans there. */
  readonly otlpUrl?: string;
}

interface TelegramInfo {
  urls: Record<Target, string>;
  tokens: Record<Target, string>;
}

/**
 * Every process of a bench run, each on its own: the Telegram emulator host, the Twilio emulator host,
 * the bridge (restartable) and the relay; plus who the customers are and the numbering of messages.
 */
export class Rig {
  bridge: Child<BridgeHostApi> | undefined;
  bridgeUrl = '';
  /** From spawning the bridge's process to its /readyz answering 200, at its latest start. */
  startToReadyMs = NaN;
  /** Telegram user ids of each target's customers; conversation sids in the same order once open. */
  readonly customers: Record<Target, number[]>;
  readonly conversations: Record<Target, string[]> = { bridge: [], relay: [] };
  private readonly nextSeq: Record<Direction, number> = { c: 1, a: 1 };
  private bridgeStarts = 0;
  private bridgePort: number | undefined;

  private constructor(
    private readonly opts: RigOptions,
    private readonly db: BenchDatabase,
    readonly telegram: Child<TelegramHostApi>,
    readonly twilio: Child<TwilioHostApi>,
    readonly relay: Child<RelayApi>,
    private readonly telegramInfo: TelegramInfo,
    private readonly twilioUrl: string,
  ) {
    const ids = (base: number) => Array.from({ length: opts.customers }, (_, i) => base + i);
    this.customers = { bridge: ids(1_000_001), relay: ids(2_000_001) };
  }

  static async start(opts: RigOptions, db: BenchDatabase): Promise<Rig> {
    const telegram = await Child.start<TelegramHostApi>('telegram emulator', './hosts/telegram-host.ts');
    const twilio = await Child.start<TwilioHostApi>('twilio emulator', './hosts/twilio-host.ts');
    const telegramInfo = telegram.info as TelegramInfo;
    const twilioUrl = (twilio.info as { url: string }).url;
    const relay = await Child.start<RelayApi>('relay', './relay.ts', {
      env: {
        PATH: process.env.PATH ?? '',
        RELAY_TELEGRAM_API_ROOT: telegramInfo.urls.relay,
        RELAY_TELEGRAM_TOKEN: telegramInfo.tokens.relay,
        RELAY_TWILIO_API_BASE_URL: twilioUrl,
        RELAY_TWILIO_ACCOUNT_SID: SANDBOX_CREDENTIALS.accountSid,
        RELAY_TWILIO_AUTH_TOKEN: SANDBOX_CREDENTIALS.authToken,
      },
    });
    const rig = new Rig(opts, db, telegram, twilio, relay, telegramInfo, twilioUrl);
    await telegram.call('addCustomers', { target: 'bridge', ids: rig.customers.bridge });
    await telegram.call('addCustomers', { target: 'relay', ids: rig.customers.relay });
    return rig;
  }

  /** Reserves `count` sequence numbers for messages going `direction`. */
  seq(direction: Direction, count: number): { from: number; to: number } {
    const from = this.nextSeq[direction];
    this.nextSeq[direction] += count;
    return { from, to: from + count };
  }

  /** What to measure while `target` carries messages: it, the emulators, and the database server if there is one. */
  processes(target: Target): Record<string, number | (() => number[])> {
    const carrier = target === 'bridge' ? this.bridge : this.relay;
    if (!carrier) throw new Error('the bridge is not running');
    const processes: Record<string, number | (() => number[])> = { [target]: carrier.pid, telegram: this.telegram.pid, twilio: this.twilio.pid };
    if (this.db.kind === 'postgres') processes.postgres = () => pidsNamed('postgres');
    return processes;
  }

  /** Starts `flex-bridge start` against the emulators and waits until /readyz says ready. */
  async startBridge(): Promise<void> {
    // The same port on a restart, so the webhooks of the chats it opened still reach it.
    const port = this.bridgePort ??= await freePort();
    this.bridgeUrl = `http://127.0.0.1:${port}`;
    const log = openSync(join(this.opts.workDir, `bridge-${++this.bridgeStarts}.log`), 'a');
    const started = performance.now();
    const profile = this.opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${this.opts.profileDir}`] : [];
    try {
      this.bridge = await Child.start<BridgeHostApi>('bridge', './hosts/bridge-host.ts', {
        nodeArgs: ['--expose-gc', ...profile],
        outputFd: log,
        env: {
          PATH: process.env.PATH ?? '',
          PORT: String(port),
          HOST: '127.0.0.1',
          PUBLIC_BASE_URL: this.bridgeUrl,
          DATABASE_URL: this.db.url,
          LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
          TWILIO_ACCOUNT_SID: SANDBOX_CREDENTIALS.accountSid,
          TWILIO_AUTH_TOKEN: SANDBOX_CREDENTIALS.authToken,
          TWILIO_API_BASE_URL: this.twilioUrl,
          FLEX_WORKSPACE_SID: SANDBOX_CREDENTIALS.workspaceSid,
          FLEX_WORKFLOW_SID: SANDBOX_CREDENTIALS.workflowSid,
          TELEGRAM_BOT_TOKEN: this.telegramInfo.tokens.bridge,
          TELEGRAM_API_ROOT: this.telegramInfo.urls.bridge,
          // A few customers carry the whole load, faster than any person types; the relay has no limits either.
          CUSTOMER_MESSAGES_PER_MINUTE: '0',
          CUSTOMER_MAX_PENDING: '0',
          NEW_CHATS_PER_MINUTE: '0',
          // The relay sends customers nothing of its own.
          CHAT_OPENED_NOTICE: 'off',
          CHAT_ENDED_NOTICE: 'off',
          AGENT_JOINED_NOTICE: 'off',
          ...(this.opts.otlpUrl ? { OTEL_EXPORTER_OTLP_ENDPOINT: this.opts.otlpUrl, OTEL_SERVICE_NAME: 'flex-bridge-bench' } : {}),
        },
      });
    } finally {
      closeSync(log);
    }
    await waitReady(`${this.bridgeUrl}/readyz`);
    this.startToReadyMs = performance.now() - started;
  }

  async stopBridge(): Promise<void> {
    await this.bridge?.stop();
    this.bridge = undefined;
  }

  /** Gives the relay a conversation per customer, like the ones the bridge opened for its own. */
  async openRelayConversations(): Promise<void> {
    const ids = this.customers.relay;
    const relayUrl = (this.relay.info as { url: string }).url;
    const identities = ids.map((id) => `telegram_${id}`);
    const sids = await this.twilio.call('createConversations', { identities, webhookUrl: `${relayUrl}/twilio` });
    this.conversations.relay = sids;
    await this.relay.call('routes', { routes: ids.map((chatId, i) => ({ chatId, sid: sids[i] as string, identity: identities[i] as string })) });
  }

  /** Finds the conversations the bridge opened, in the order of its customers. */
  async findBridgeConversations(): Promise<void> {
    const found = await this.twilio.call('conversationsOf', { webhookUrlPrefix: this.bridgeUrl });
    const byIdentity = new Map(found.map((c) => [c.identity, c.sid]));
    this.conversations.bridge = this.customers.bridge.map((id) => {
      const sid = byIdentity.get(`telegram_${id}`);
      if (!sid) throw new Error(`the bridge opened no conversation for customer ${id}`);
      return sid;
    });
  }

  async stop(): Promise<void> {
    await this.stopBridge();
    await Promise.all([this.relay.stop(), this.telegram.stop(), this.twilio.stop()]);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitReady(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await fetch(url).then((r) => r.status, () => 0);
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`${url} did not become ready (last status ${status})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
