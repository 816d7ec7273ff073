import { startConsoleServer } from './console-server.js';
import type { DemoRun } from './demo-run.js';
import { DemoRunner } from './demo-runner.js';
import type { DemoMode } from './views.js';

export interface DemoOptions {
  readonly mode?: DemoMode;
  /** The console's port; 0 picks a free one. */
  readonly port?: number;
  /** The bridge's log level; default `warn`, so the terminal stays quiet and the console tells the story. */
  readonly logLevel?: string;
  readonly prettyLogs?: boolean;
  /** Told once the console switched the bridge to another Flex mode. */
  readonly onSwitched?: (run: Pick<DemoRun, 'mode' | 'bridgeUrl'>) => void;
}

export interface RunningDemo {
  readonly consoleUrl: string;
  /** The bridge now running; a mode switch in the console starts a new one. */
  readonly bridgeUrl: string;
  readonly mode: DemoMode;
  /** Stops the console, the bridge and the emulators, and deletes the demo's database. */
  stop(): Promise<void>;
}

export const DEFAULT_CONSOLE_PORT = 4000;
const HOST = '127.0.0.1';

/**
 * The whole bridge on one machine: the Telegram, Discord and Twilio emulators, the real bridge
 * configured against them (see demo-run.ts) and the web console, which can switch the Flex mode.
 */
export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const runner = await DemoRunner.start(options.mode ?? 'conversations', {
    host: HOST,
    logLevel: options.logLevel,
    prettyLogs: options.prettyLogs,
    onSwitched: options.onSwitched,
  });
  const port = options.port ?? DEFAULT_CONSOLE_PORT;
  const server = await startConsoleServer(runner, port, HOST).catch(async (err: unknown) => {
    await runner.stop();
    if ((err as { code?: string }).code === 'EADDRINUSE') throw new Error(`port ${port} is in use: pass --port N (0 picks a free one)`);
    throw err;
  });
  let stopping: Promise<void> | undefined;
  return {
    consoleUrl: server.url,
    get bridgeUrl() {
      return runner.run.bridgeUrl;
    },
    get mode() {
      return runner.run.mode;
    },
    stop: () =>
      (stopping ??= (async () => {
        await server.close().catch(() => undefined);
        await runner.stop();
      })()),
  };
}
