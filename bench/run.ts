import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { postgresDatabase, sqliteDatabase } from './database.js';
import { parseOptions } from './options.js';
import {
  measureDrain,
  measureIdleMemory,
  measureLatency,
  measureOpening,
  measureThroughput,
  type DrainSample,
  type LatencySample,
  type MemorySample,
  type ThroughputSample,
} from './phases.js';
import { printAndSave, type BenchResult } from './report.js';
import { OtlpSink } from './otlp-sink.js';
import { Rig, type Direction, type Target } from './rig.js';

/**
 * `npm run bench`: the bridge and the minimal relay side by side, between the same emulators, each
 * in its own process. Phases: idle memory, chat opening, warm-up, interleaved throughput rounds,
 * latency at a fixed rate, then restarts with many known customers for memory. See docs/performance.md.
 */

const opts = parseOptions(process.argv.slice(2));
const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
const profileDir = opts.profile ? join(resultsDir, 'profiles') : undefined;
if (profileDir) mkdirSync(profileDir, { recursive: true });
const workDir = mkdtempSync(join(tmpdir(), 'flex-bridge-bench-'));
const db = opts.postgres ? await postgresDatabase(opts.postgres) : sqliteDatabase(workDir);
const startedAt = new Date();
const step = (what: string) => console.log(`[${((Date.now() - startedAt.getTime()) / 1000).toFixed(0).padStart(3)} s] ${what}`);

const DIRECTIONS: readonly Direction[] = ['c', 'a'];
/** Agent replies per second to the customers without a backlog during the drain. */
const QUIET_RATE = 20;
const TARGETS: readonly Target[] = ['bridge', 'relay'];

step(`starting the emulators, the relay and the bridge (${db.kind})`);
const sink = opts.tracing ? await OtlpSink.start() : undefined;
const rig = await Rig.start({ customers: opts.customers, workDir, profileDir, otlpUrl: sink?.url }, db);
let failed = false;
try {
  await rig.startBridge();
  const idleFresh = await measureIdleMemory(rig, 0);

  step(`${opts.customers} new customers write: the bridge opens their chats`);
  const opening = await measureOpening(rig);
  await rig.findBridgeConversations();
  await rig.openRelayConversations();

  step('warm-up');
  const burstSize = new Map<string, number>();
  for (const direction of DIRECTIONS) {
    for (const target of TARGETS) {
      const warm = await measureThroughput(rig, target, direction, opts.customers * 2);
      // Each measured burst should last about burstSeconds at this carrier's speed.
      burstSize.set(direction + target, Math.max(opts.customers * 2, Math.round(warm.messagesPerSecond * opts.burstSeconds)));
    }
  }

  const throughput: ThroughputSample[] = [];
  for (let round = 1; round <= opts.rounds; round++) {
    step(`throughput round ${round} of ${opts.rounds}`);
    for (const direction of DIRECTIONS) {
      for (const target of TARGETS) {
        throughput.push(await measureThroughput(rig, target, direction, burstSize.get(direction + target) as number));
      }
    }
  }

  const latencies: LatencySample[] = [];
  for (let round = 1; round <= opts.latencyRounds; round++) {
    step(`latency at ${opts.latencyRate} msg/s, round ${round} of ${opts.latencyRounds}`);
    for (const direction of DIRECTIONS) {
      for (const target of TARGETS) latencies.push(await measureLatency(rig, target, direction, opts.latencyRate, opts.latencySeconds));
    }
  }
  let drain: DrainSample | undefined;
  if (opts.drainRows > 0) {
    step(`Telegram down while agents write ${opts.drainRows.toLocaleString('en')} messages, then back: the drain`);
    drain = await measureDrain(rig, opts.drainRows, QUIET_RATE);
  }
  const idleAfterLoad = await measureIdleMemory(rig, opts.customers);

  const known: MemorySample[] = [];
  for (const count of opts.knownCustomers) {
    step(`restarting the bridge with ${count.toLocaleString('en')} known customers`);
    await rig.stopBridge();
    await db.seedTo(count);
    await rig.startBridge();
    known.push(await measureIdleMemory(rig, count));
  }

  const result: BenchResult = {
    startedAt: startedAt.toISOString(),
    durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
    machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown' },
    store: db.kind,
    options: opts,
    opening,
    throughput,
    latency: latencies,
    ...(drain ? { drain } : {}),
    memory: { idleFresh, idleAfterLoad, known },
    ...(sink ? { tracing: { spansExported: sink.spans } } : {}),
  };
  printAndSave(result, resultsDir, opts.updateDocs);
} catch (err) {
  failed = true;
  console.error(`bench failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exitCode = 1;
} finally {
  await rig.stop();
  await sink?.stop();
  await db.close();
  if (failed || opts.keep) console.log(`bridge logs and database kept in ${workDir}`);
  else rmSync(workDir, { recursive: true, force: true });
}
