import { EventEmitter } from 'node:events';
import { expect } from 'vitest';
import { DeliveryError } from '../../../src/core/delivery-error.js';
import pino, { type Logger } from 'pino';
import { DiscordAdapter, type DiscordAdapterOptions } from '../../../adapters/discord/discord-adapter.js';
import type { InboundSink } from '../../../src/core/chat-adapter.js';
import type { InboundMessage } from '../../../src/core/messages.js';
import { DiscordEmulator, type DiscordEmulatorOptions } from '@flex-bridge/emulators';
import { SqliteStore } from '../../../src/store/sqlite.js';

export const TOKEN = 'adapter-test-token-0123456789abcdef';
export const ALICE = { id: '1100000000000000001', username: 'alice', global_name: 'Alice Liddell' } as const;
export const BOB = { id: '1100000000000000002', username: 'bob' } as const;

/** Tracks what a test started, so afterEach stops adapters, then emulators. */
export class AdapterRig {
  private readonly adapters: DiscordAdapter[] = [];
  private readonly emulators: DiscordEmulator[] = [];
  private store: SqliteStore | undefined;

  /** The database the test's adapters share, as processes of one deployment do. */
  get sessions(): SqliteStore {
    this.store ??= new SqliteStore(':memory:');
    return this.store;
  }

  async emulator(options: Partial<DiscordEmulatorOptions> = {}): Promise<DiscordEmulator> {
    const emulator = new DiscordEmulator({ token: TOKEN, ...options });
    this.emulators.push(emulator);
    await emulator.start();
    emulator.addUser(ALICE);
    emulator.addUser(BOB);
    return emulator;
  }

  adapter(emulator: DiscordEmulator, log: Logger = pino({ level: 'silent' }), token = TOKEN, options: Partial<DiscordAdapterOptions> = {}): DiscordAdapter {
    const adapter = new DiscordAdapter({ token, apiBaseUrl: emulator.restBaseUrl, log, sessions: this.sessions, ...options });
    this.adapters.push(adapter);
    return adapter;
  }

  /** Started and holding the gateway, as a single process (or the leader) runs it. */
  async started(emulator: DiscordEmulator, sink: InboundSink = async () => {}, log?: Logger, options?: Partial<DiscordAdapterOptions>): Promise<DiscordAdapter> {
    const adapter = this.adapter(emulator, log, TOKEN, options);
    await adapter.start(sink);
    await adapter.exclusiveIntake.start();
    return adapter;
  }

  /** Also fails the test when the adapter sent a request Discord's OpenAPI definition refuses. */
  async tearDown(): Promise<void> {
    const violations = this.emulators.flatMap((emulator) => emulator.contractViolations);
    await Promise.all(this.adapters.splice(0).map((adapter) => adapter.stop()));
    await Promise.all(this.emulators.splice(0).map((emulator) => emulator.stop()));
    await this.store?.close();
    this.store = undefined;
    if (violations.length > 0) throw new Error(`requests Discord's OpenAPI definition refuses: ${JSON.stringify(violations)}`);
  }
}

/** A sink that keeps what it was handed and lets a test wait for it. */
export class SinkRecorder {
  readonly received: InboundMessage[] = [];
  private readonly arrivals = new EventEmitter();

  readonly sink: InboundSink = async (message) => {
    this.received.push(message);
    this.arrivals.emit('message');
  };

  /** Resolves once at least `count` messages arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs = 5000): Promise<InboundMessage[]> {
    if (this.received.length >= count) return Promise.resolve([...this.received]);
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.received.length < count) return;
        clearTimeout(timer);
        this.arrivals.off('message', check);
        resolve([...this.received]);
      };
      const timer = setTimeout(() => {
        this.arrivals.off('message', check);
        reject(new Error(`timed out waiting for ${count} message(s) at the sink, got ${this.received.length}`));
      }, timeoutMs);
      this.arrivals.on('message', check);
    });
  }
}

export type LogLine = Record<string, unknown>;

/** A pino logger whose lines a test can read, and wait for. */
export class LogCapture {
  readonly lines: LogLine[] = [];
  private readonly raw: string[] = [];
  private readonly written = new EventEmitter();
  readonly log: Logger = pino({ level: 'debug' }, {
    write: (line: string) => {
      this.raw.push(line);
      const parsed = JSON.parse(line) as LogLine;
      this.lines.push(parsed);
      this.written.emit('line', parsed);
    },
  });

  text(): string {
    return this.raw.join('');
  }

  /** Resolves with the first line whose `msg` is `msg`, logged already or from now on. */
  waitFor(msg: string, timeoutMs = 5000): Promise<LogLine> {
    const found = this.lines.find((line) => line.msg === msg);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const check = (line: LogLine) => {
        if (line.msg !== msg) return;
        clearTimeout(timer);
        this.written.off('line', check);
        resolve(line);
      };
      const timer = setTimeout(() => {
        this.written.off('line', check);
        reject(new Error(`"${msg}" was not logged`));
      }, timeoutMs);
      this.written.on('line', check);
    });
  }
}

/** The DeliveryError a promise rejects with. */
export async function failureOf(promise: Promise<unknown>): Promise<DeliveryError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}
