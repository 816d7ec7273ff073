/**
 * The compiled bridge as it ships (`npm run build`, then `node bin/flex-bridge.js start`) against the
 * emulators: time from spawning the process to /readyz answering 200, and RSS once idle, on an empty
 * SQLite database and again after seeding it with known customers. Discord too with `--discord`.
 * `npm run bench:start -- [--discord] [known,known]` (default 100000).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startSandbox } from '@flex-bridge/emulators';
import { sqliteDatabase } from './database.js';
import { rssBytes } from './proc.js';

const args = process.argv.slice(2);
const withDiscord = args.includes('--discord');
const knownCounts = (args.find((a) => /^\d/.test(a)) ?? '100000').split(',').map(Number);
const SETTLE_MS = 3_000;

execFileSync(process.execPath, [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
const dir = mkdtempSync(join(tmpdir(), 'flex-bridge-start-'));
const db = sqliteDatabase(dir);
const box = await startSandbox(withDiscord ? { discord: 0 } : {});

async function measure(): Promise<{ readyMs: number; rssMb: number }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, ['bin/flex-bridge.js', 'start'], {
    env: { PATH: process.env.PATH ?? '', ...box.env, PORT: String(port), HOST: '127.0.0.1', PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, DATABASE_URL: db.url, LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      const status = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0);
      if (status === 200) break;
      if (child.exitCode !== null) throw new Error(`the bridge exited (${child.exitCode})`);
      if (performance.now() - started > 60_000) throw new Error('the bridge did not become ready in 60 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const readyMs = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    return { readyMs, rssMb: rssBytes(child.pid as number) / 2 ** 20 };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

try {
  const networks = withDiscord ? 'Telegram and Discord' : 'Telegram';
  const fresh = await measure();
  console.log(`${networks}, SQLite, empty database: ready in ${fresh.readyMs.toFixed(0)} ms, idle RSS ${fresh.rssMb.toFixed(1)} MB`);
  for (const known of knownCounts) {
    await db.seedTo(known);
    const seeded = await measure();
    console.log(`${networks}, SQLite, ${known.toLocaleString('en')} known customers: ready in ${seeded.readyMs.toFixed(0)} ms, idle RSS ${seeded.rssMb.toFixed(1)} MB`);
  }
} finally {
  await box.stop();
  rmSync(dir, { recursive: true, force: true });
}
