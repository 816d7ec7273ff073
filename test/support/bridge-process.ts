import { spawn, type ChildProcess } from 'node:child_process';
import type { Sandbox } from '@flex-bridge/emulators';
import { tempDatabaseUrl, WITHOUT_CHAT_NOTICES } from './harness.js';
import { freePort } from '@flex-bridge/emulators';

/** The bridge as a real child process (`flex-bridge start`), for crash and shutdown tests. */
export class BridgeProcess {
  private child: ChildProcess | undefined;
  output = '';

  constructor(private readonly env: Record<string, string>) {}

  start(): Promise<void> {
    this.output = '';
    const child = spawn(process.execPath, ['bin/flex-bridge.js', 'start'], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...WITHOUT_CHAT_NOTICES, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const collect = (d: Buffer) => (this.output += d.toString());
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    return new Promise((resolve, reject) => {
      const onData = () => {
        if (this.output.includes('flex-bridge started')) {
          child.stdout!.off('data', onData);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`bridge exited early (${code}): ${this.output.slice(-2000)}`)));
    });
  }

  kill(signal: NodeJS.Signals): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child?.exitCode ?? null);
    child.removeAllListeners('exit');
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill(signal);
    return exited;
  }
}

/**
 * The bridge as a child process against `box`, on a SQLite file that outlives it, for crash tests.
 * The claim a killed process held on the row it was delivering runs out after 1.5 s.
 */
export async function bridgeForCrashes(box: Sandbox): Promise<BridgeProcess> {
  const port = await freePort();
  return new BridgeProcess({
    ...box.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: tempDatabaseUrl(),
    DELIVERY_LEASE_MS: '1500',
  });
}
