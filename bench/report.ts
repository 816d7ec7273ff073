import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchOptions } from './options.js';
import type { DrainSample, LatencySample, MemorySample, OpeningSample, ThroughputSample } from './phases.js';
import type { Direction, Target } from './rig.js';
import { median } from './stats.js';

export interface BenchResult {
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly machine: { node: string; cpus: number; cpuModel: string };
  readonly store: 'sqlite' | 'postgres';
  readonly options: BenchOptions;
  readonly opening: OpeningSample;
  readonly throughput: readonly ThroughputSample[];
  readonly latency: readonly LatencySample[];
  readonly memory: { idleFresh: MemorySample; idleAfterLoad: MemorySample; known: readonly MemorySample[] };
  /** Telegram down, then back (skipped with --drain 0). */
  readonly drain?: DrainSample;
  /** With --tracing: how many spans the bridge exported to the local OTLP sink. */
  readonly tracing?: { readonly spansExported: number };
}

type Row = readonly [measure: string, bridge: string, relay: string, ratio: string, target: string];

const NAMES: Record<Direction, string> = { c: 'customer → agent', a: 'agent → customer' };
const TARGET_THROUGHPUT_RATIO = 0.75;
const TARGET_P99_MS = 5;
const TARGET_HEAP_PER_CUSTOMER = 2048;
/** A process this busy (share of one core) is what limits the figure. */
const SATURATED = 0.85;
/** Other processes using this many cores make the run noisy. */
const NOISY_CORES = 0.3;

const int = (n: number) => (Number.isFinite(n) ? (Math.round(n) || 0).toLocaleString('en') : '–');
const ms = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(1) : n.toFixed(0)) : '–');
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const pct = (n: number) => (Number.isFinite(n) ? `${Math.round(n * 100)}%` : '–');
const verdict = (met: boolean) => (met ? 'met' : 'missed');

function samples(result: BenchResult, target: Target, direction: Direction): ThroughputSample[] {
  return result.throughput.filter((s) => s.target === target && s.direction === direction);
}

function latencies(result: BenchResult, target: Target, direction: Direction): LatencySample[] {
  return result.latency.filter((l) => l.target === target && l.direction === direction);
}

/** The latency round with the median p99. */
function medianLatency(result: BenchResult, target: Target, direction: Direction): LatencySample | undefined {
  const rounds = latencies(result, target, direction).sort((a, b) => a.p99Ms - b.p99Ms);
  return rounds[Math.floor((rounds.length - 1) / 2)];
}

/** Bridge ÷ relay, round by round (samples of one round ran back to back), then the median. */
function throughputRatio(result: BenchResult, direction: Direction): number {
  const bridge = samples(result, 'bridge', direction);
  const relay = samples(result, 'relay', direction);
  return median(bridge.map((b, i) => b.messagesPerSecond / (relay[i]?.messagesPerSecond ?? NaN)));
}

/** Marginal heap of one more idle known customer, from the restarts with the fewest and the most. */
function heapPerKnownCustomer(memory: BenchResult['memory']): number {
  const points = [memory.idleFresh, ...memory.known].sort((a, b) => a.knownCustomers - b.knownCustomers);
  const low = points.length > 2 ? (points[1] as MemorySample) : (points[0] as MemorySample);
  const high = points[points.length - 1] as MemorySample;
  return (high.heapUsedBytes - low.heapUsedBytes) / (high.knownCustomers - low.knownCustomers);
}

function tableRows(result: BenchResult): Row[] {
  const rows: Row[] = [];
  for (const direction of ['c', 'a'] as const) {
    const bridge = median(samples(result, 'bridge', direction).map((s) => s.messagesPerSecond));
    const relay = median(samples(result, 'relay', direction).map((s) => s.messagesPerSecond));
    const ratio = throughputRatio(result, direction);
    rows.push([
      `${NAMES[direction]}, msg/s`,
      int(bridge),
      int(relay),
      pct(ratio),
      `≥ ${pct(TARGET_THROUGHPUT_RATIO)}: ${verdict(ratio >= TARGET_THROUGHPUT_RATIO)}`,
    ]);
  }
  for (const direction of ['c', 'a'] as const) {
    const of = (target: Target) => medianLatency(result, target, direction);
    const show = (l: LatencySample | undefined) => (l ? `${ms(l.p50Ms)} / ${ms(l.p99Ms)} / ${ms(l.maxMs)}${l.lost ? ` (${l.lost} lost)` : ''}` : '–');
    const bridge = of('bridge');
    rows.push([
      `${NAMES[direction]} latency at ${result.options.latencyRate}/s, p50 / p99 / max ms`,
      show(bridge),
      show(of('relay')),
      '',
      `p99 ≤ ${TARGET_P99_MS} ms: ${verdict((bridge?.p99Ms ?? Infinity) <= TARGET_P99_MS)}`,
    ]);
    const spread = (target: Target) => {
      const p99s = latencies(result, target, direction).map((l) => l.p99Ms);
      return p99s.length ? `${ms(Math.min(...p99s))}–${ms(Math.max(...p99s))}` : '–';
    };
    rows.push([`${NAMES[direction]} p99 over the ${result.options.latencyRounds} latency rounds, ms`, spread('bridge'), spread('relay'), '', '']);
  }
  const { drain } = result;
  if (drain) {
    const normal = median(samples(result, 'bridge', 'a').map((s) => s.messagesPerSecond));
    rows.push([
      `drain of ${int(drain.backlogRows)} agent messages queued in a ${drain.outageSeconds.toFixed(0)} s Telegram outage, msg/s`,
      int(drain.messagesPerSecond),
      '',
      `${pct(drain.messagesPerSecond / normal)} of agent → customer flat out`,
      '',
    ]);
    const q = drain.quiet;
    rows.push([
      `meanwhile, ${drain.quietCustomers} customers without a backlog at ${q.ratePerSecond}/s, p50 / p99 / max ms`,
      `${ms(q.p50Ms)} / ${ms(q.p99Ms)} / ${ms(q.maxMs)}${q.lost ? ` (${q.lost} lost)` : ''}`,
      '',
      '',
      '',
    ]);
    if (drain.loop) {
      const l = drain.loop;
      rows.push([
        'meanwhile, the bridge\'s event loop: busy, delay p50 / p99 / max ms',
        `${pct(l.utilization)}, ${ms(l.delayP50Ms)} / ${ms(l.delayP99Ms)} / ${ms(l.delayMaxMs)}`,
        '',
        '',
        '',
      ]);
    }
  }
  for (const direction of ['c', 'a'] as const) {
    const cpu = (target: Target) => median(samples(result, target, direction).map((s) => s.cpuUsPerMessage));
    rows.push([`${NAMES[direction]}, CPU µs per message, flat out`, int(cpu('bridge')), int(cpu('relay')), '', '']);
    const paced = (target: Target) => median(latencies(result, target, direction).map((l) => l.cpuUsPerMessage));
    rows.push([`${NAMES[direction]}, CPU µs per message at ${result.options.latencyRate}/s`, int(paced('bridge')), int(paced('relay')), '', '']);
  }
  rows.push(['chat opening for new customers, chats/s', int(result.opening.chatsPerSecond), '', '', '']);
  const { memory } = result;
  const peakRss = Math.max(...result.throughput.filter((s) => s.target === 'bridge').map((s) => s.processes.bridge?.peakRssBytes ?? 0));
  rows.push(['start: process spawned → /readyz 200, ms', int(memory.idleFresh.startToReadyMs), '', '', '']);
  rows.push(['RSS idle, fresh start, MB', mb(memory.idleFresh.rssBytes), '', '', '']);
  rows.push([`RSS idle after the load (${int(memory.idleAfterLoad.knownCustomers)} open chats), MB`, mb(memory.idleAfterLoad.rssBytes), '', '', '']);
  for (const k of memory.known) rows.push([`RSS idle, restarted with ${int(k.knownCustomers)} known customers, MB`, mb(k.rssBytes), '', '', '']);
  rows.push(['RSS under load (peak), MB', mb(peakRss), '', '', '']);
  const heap = heapPerKnownCustomer(memory);
  rows.push(['heap per idle known customer, bytes', int(heap), '', '', `≤ ${TARGET_HEAP_PER_CUSTOMER}: ${verdict(heap <= TARGET_HEAP_PER_CUSTOMER)}`]);
  return rows;
}

/** What limited each throughput figure: the carrier's CPU, a saturated emulator, or other load on the machine. */
function notes(result: BenchResult): string[] {
  const out: string[] = [];
  for (const direction of ['c', 'a'] as const) {
    for (const target of ['bridge', 'relay'] as const) {
      const runs = samples(result, target, direction);
      const share = (name: string) => median(runs.map((s) => s.processes[name]?.cpuShare ?? NaN));
      const loop = median(runs.map((s) => s.loop?.utilization ?? NaN));
      const others = median(runs.map((s) => s.otherCores));
      const parts = [
        `${target} ${pct(share(target))}${Number.isNaN(loop) ? '' : ` (event loop busy ${pct(loop)})`}`,
        `telegram emulator ${pct(share('telegram'))}`,
        `twilio emulator ${pct(share('twilio'))}`,
        ...(result.store === 'postgres' ? [`postgres ${pct(share('postgres'))}`] : []),
        `other processes ${others.toFixed(2)} cores`,
      ];
      const machine = runs.length ? median(runs.map((s) => Object.values(s.processes).reduce((sum, p) => sum + p.cpuShare, s.otherCores))) : NaN;
      const limits: string[] = [];
      if (share(target) >= SATURATED || loop >= SATURATED) limits.push(`${target}-bound (CPU)`);
      for (const name of ['telegram', 'twilio']) if (share(name) >= SATURATED) limits.push(`${name}-emulator-bound`);
      if (machine >= result.machine.cpus * SATURATED) limits.push(`all ${result.machine.cpus} cores busy`);
      if (others >= NOISY_CORES) limits.push('noisy machine');
      out.push(`${NAMES[direction]} via ${target}: ${parts.join(', ')}${limits.length ? ` — ${limits.join(', ')}` : ''}`);
    }
  }
  return out;
}

/** What the bridge's own event loop did in the median latency round: the stalls a message can wait behind. */
function latencyNotes(result: BenchResult): string[] {
  return (['c', 'a'] as const).flatMap((direction) => {
    const loop = medianLatency(result, 'bridge', direction)?.loop;
    if (!loop) return [];
    return [
      `${NAMES[direction]} at ${result.options.latencyRate}/s: the bridge's event loop busy ${pct(loop.utilization)}, ` +
        `late by p50 ${ms(loop.delayP50Ms)} / p99 ${ms(loop.delayP99Ms)} / max ${ms(loop.delayMaxMs)} ms; ` +
        `${int(loop.gcPauses)} GC pauses, ${ms(loop.gcTotalMs)} ms in all, the longest ${ms(loop.gcMaxMs)} ms`,
    ];
  });
}

function markdown(result: BenchResult): string {
  const rows = tableRows(result);
  const header = `| measure | bridge | relay (limit) | bridge ÷ relay | target |\n|---|---:|---:|---:|---|`;
  const body = rows.map((r) => `| ${r.join(' | ')} |`).join('\n');
  return [
    `Run ${result.startedAt} · store ${result.store} · Node ${result.machine.node} · ${result.machine.cpus} × ${result.machine.cpuModel} · ` +
      `${result.options.customers} customers per carrier · ${result.options.rounds} throughput rounds, ${result.options.latencyRounds} latency rounds (median shown) · ` +
      `${Math.round(result.durationSeconds)} s` +
      (result.tracing ? ` · tracing on (${result.tracing.spansExported.toLocaleString('en')} spans exported)` : ''),
    '',
    header,
    body,
    '',
    'CPU during the throughput bursts, as a share of one core (median over rounds), and what limited each figure:',
    '',
    ...notes(result).map((n) => `- ${n}`),
    '',
    'The bridge in the latency round shown (event loop delay sampled every millisecond):',
    '',
    ...latencyNotes(result).map((n) => `- ${n}`),
  ].join('\n');
}

function plainTable(rows: readonly Row[]): string {
  const all: readonly Row[] = [['measure', 'bridge', 'relay (limit)', 'ratio', 'target'], ...rows];
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...all.map((r) => r[i]?.length ?? 0)));
  return all.map((r) => r.map((cell, i) => (i === 0 || i === 4 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  ')).join('\n');
}

/** The commit measured, `-dirty` when the working tree had changes. */
function measuredCommit(): string {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();
  try {
    return `${git('rev-parse', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') ? '-dirty' : ''}`;
  } catch {
    return 'unknown';
  }
}

const round = (n: number, digits = 1) => (Number.isFinite(n) ? Number(n.toFixed(digits)) : null);

/** bench/results/latest.json: the headline figures under plain names, to compare runs without reading markdown. */
function latestSummary(result: BenchResult, stamp: string): Record<string, unknown> {
  const direction = (d: Direction, prefix: string) => {
    const p99s = latencies(result, 'bridge', d).map((l) => l.p99Ms);
    const bridge = medianLatency(result, 'bridge', d);
    return {
      [`${prefix}_msg_per_s`]: round(median(samples(result, 'bridge', d).map((s) => s.messagesPerSecond)), 0),
      [`${prefix}_relay_msg_per_s`]: round(median(samples(result, 'relay', d).map((s) => s.messagesPerSecond)), 0),
      [`${prefix}_ratio`]: round(throughputRatio(result, d), 3),
      [`${prefix}_p50_ms`]: round(bridge?.p50Ms ?? NaN),
      [`${prefix}_p99_ms`]: round(bridge?.p99Ms ?? NaN),
      [`${prefix}_p99_ms_min`]: round(Math.min(...p99s)),
      [`${prefix}_p99_ms_max`]: round(Math.max(...p99s)),
      [`${prefix}_relay_p99_ms`]: round(medianLatency(result, 'relay', d)?.p99Ms ?? NaN),
      [`${prefix}_loop_delay_p99_ms`]: round(bridge?.loop?.delayP99Ms ?? NaN),
      [`${prefix}_gc_max_pause_ms`]: round(bridge?.loop?.gcMaxMs ?? NaN),
    };
  };
  const { memory, drain } = result;
  const normal = median(samples(result, 'bridge', 'a').map((s) => s.messagesPerSecond));
  return {
    commit: measuredCommit(),
    run: stamp,
    started_at: result.startedAt,
    store: result.store,
    node: result.machine.node,
    cpus: result.machine.cpus,
    latency_rate_per_s: result.options.latencyRate,
    ...direction('c', 'c2a'),
    ...direction('a', 'a2c'),
    opening_chats_per_s: round(result.opening.chatsPerSecond, 0),
    drain_rows: drain?.backlogRows ?? null,
    drain_outage_s: round(drain?.outageSeconds ?? NaN),
    drain_s: round(drain?.drainSeconds ?? NaN),
    drain_msg_per_s: round(drain?.messagesPerSecond ?? NaN, 0),
    drain_vs_a2c_ratio: round((drain?.messagesPerSecond ?? NaN) / normal, 3),
    drain_quiet_p50_ms: round(drain?.quiet.p50Ms ?? NaN),
    drain_quiet_p99_ms: round(drain?.quiet.p99Ms ?? NaN),
    start_to_ready_ms: round(memory.idleFresh.startToReadyMs, 0),
    rss_idle_mb: round(memory.idleFresh.rssBytes / 2 ** 20),
    rss_idle_after_load_mb: round(memory.idleAfterLoad.rssBytes / 2 ** 20),
    rss_idle_known_mb: Object.fromEntries(memory.known.map((k) => [k.knownCustomers, round(k.rssBytes / 2 ** 20)])),
    start_to_ready_known_ms: Object.fromEntries(memory.known.map((k) => [k.knownCustomers, round(k.startToReadyMs, 0)])),
    heap_per_known_customer_bytes: round(heapPerKnownCustomer(memory), 0),
  };
}

/** Where each store's newest table goes in docs/performance.md. */
const docsMarkers = (store: BenchResult['store']) => [`<!-- bench:latest:${store}:start -->`, `<!-- bench:latest:${store}:end -->`] as const;

/** Prints the table, writes `<stamp>-<store>.json` and `.md` to `dir`, and optionally into docs/performance.md. */
export function printAndSave(result: BenchResult, dir: string, updateDocs: boolean): void {
  console.log(`\n${plainTable(tableRows(result))}\n\n${[...notes(result), ...latencyNotes(result)].join('\n')}\n`);
  mkdirSync(dir, { recursive: true });
  const stamp = `${result.startedAt.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}-${result.store}${result.tracing ? '-tracing' : ''}`;
  const summary = markdown(result);
  writeFileSync(join(dir, `${stamp}.json`), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(dir, `${stamp}.md`), `# flex-bridge benchmark\n\n${summary}\n`);
  const latest = `${JSON.stringify(latestSummary(result, stamp), null, 2)}\n`;
  writeFileSync(join(dir, 'latest.json'), latest);
  writeFileSync(join(dir, `latest-${result.store}.json`), latest);
  console.log(`written: bench/results/${stamp}.json and .md, bench/results/latest.json and latest-${result.store}.json`);
  if (!updateDocs) return;
  const docs = fileURLToPath(new URL('../docs/performance.md', import.meta.url));
  const text = existsSync(docs) ? readFileSync(docs, 'utf8') : '';
  const [startMarker, endMarker] = docsMarkers(result.store);
  const start = text.indexOf(startMarker);
  const end = text.indexOf(endMarker);
  if (start === -1 || end < start) throw new Error(`docs/performance.md has no ${startMarker} … ${endMarker} section`);
  writeFileSync(docs, `${text.slice(0, start + startMarker.length)}\n${summary}\n${text.slice(end)}`);
  console.log('updated: docs/performance.md');
}
