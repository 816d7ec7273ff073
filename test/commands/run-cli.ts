import { execFile } from 'node:child_process';
import type { Config } from '../../src/config.js';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `node bin/flex-bridge.js …` as an operator runs it, with only `env` (no inherited settings).
 * Asynchronous on purpose: the bridge the command talks to runs in this test process.
 */
export function runCli(args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/flex-bridge.js', ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * The settings a running test bridge was started with, as the environment a CLI command reads: a list
 * comma-separated, an object (FLEX_TASK_ATTRIBUTES) as JSON.
 */
export function envOf(config: Config): Record<string, string> {
  const asEnv = (value: unknown) => (typeof value === 'object' && !Array.isArray(value) ? JSON.stringify(value) : String(value));
  return Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined).map(([k, v]) => [k, asEnv(v)]));
}

/** The status word and the detail of the doctor line for `name`, e.g. `['PASS', 'token accepted: …']`. */
export function doctorLine(stdout: string, name: string): [string, string] | undefined {
  for (const line of stdout.split('\n')) {
    const match = /^(PASS|FAIL|SKIP) {2}(.+?) {2,}(.*)$/.exec(line);
    if (match && match[2] === name) return [match[1]!, match[3]!];
  }
  return undefined;
}
