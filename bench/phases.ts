import type { LoopStats } from './hosts/bridge-host.js';
import type { TelegramHostApi } from './hosts/telegram-host.js';
import { ProcessMeter, rssBytes, type Usage } from './proc.js';
import type { Direction, Rig, Target } from './rig.js';
import type { Child } from './rpc.js';
import { now } from './hosts/load.js';
import { latency, sustainedRate, type LatencySummary } from './stats.js';

type StampApi = Pick<TelegramHostApi, 'sentTimes' | 'waitReceived' | 'receivedTimes'>;

/** A process's CPU ms, its share of one core over the phase (1 = a core busy throughout), and its peak RSS. */
type ProcessUsage = Usage['processes'][string];

export interface ThroughputSample {
  readonly target: Target;
  readonly direction: Direction;
  readonly sent: number;
  readonly received: number;
  readonly messagesPerSecond: number;
  readonly wallMs: number;
  /** CPU of the carrier (bridge or relay) per message received, in µs. */
  readonly cpuUsPerMessage: number;
  readonly processes: Record<string, ProcessUsage>;
  /** Cores used meanwhile by other processes on the machine. */
  readonly otherCores: number;
  /** The bridge's event loop meanwhile (bridge only). */
  readonly loop?: LoopStats;
}

export interface LatencySample extends LatencySummary {
  readonly target: Target;
  readonly direction: Direction;
  readonly ratePerSecond: number;
  readonly sent: number;
  /** CPU of the carrier per message at this rate, in µs: fixed costs are shared by fewer messages than in a burst. */
  readonly cpuUsPerMessage: number;
  readonly processes: Record<string, ProcessUsage>;
  readonly otherCores: number;
  /** The bridge's event loop meanwhile (bridge only). */
  readonly loop?: LoopStats;
}

const WAIT_MS = 120_000;

/** Sends `count` messages going `direction` at once (or at `ratePerSecond`) through `target`; waits for all. */
async function drive(rig: Rig, target: Target, direction: Direction, count: number, ratePerSecond?: number) {
  const { from, to } = rig.seq(direction, count);
  const meter = new ProcessMeter(rig.processes(target));
  if (target === 'bridge') await rig.bridge?.call('loop', undefined);
  meter.start();
  if (direction === 'c') {
    const load = { target, ids: rig.customers[target], seqStart: from, count };
    await (ratePerSecond ? rig.telegram.call('paced', { ...load, ratePerSecond }) : rig.telegram.call('burst', load));
  } else {
    const load = { sids: rig.conversations[target], seqStart: from, count };
    await (ratePerSecond ? rig.twilio.call('paced', { ...load, ratePerSecond }) : rig.twilio.call('burst', load));
  }
  // Both hosts answer these the same way: where the messages start and where they arrive.
  const ends: Child<StampApi>[] = direction === 'c' ? [rig.telegram, rig.twilio] : [rig.twilio, rig.telegram];
  const [sender, receiver] = ends as [Child<StampApi>, Child<StampApi>];
  const received = await receiver.call('waitReceived', { from, to, timeoutMs: WAIT_MS });
  const usage = meter.stop();
  const loop = target === 'bridge' ? await rig.bridge?.call('loop', undefined) : undefined;
  const sentAt = await sender.call('sentTimes', { from, to });
  const receivedAt = await receiver.call('receivedTimes', { from, to });
  return { received, usage, sentAt, receivedAt, loop };
}

export async function measureThroughput(rig: Rig, target: Target, direction: Direction, count: number): Promise<ThroughputSample> {
  const { received, usage, receivedAt, loop } = await drive(rig, target, direction, count);
  return {
    target,
    direction,
    sent: count,
    received,
    messagesPerSecond: sustainedRate(receivedAt),
    wallMs: usage.wallMs,
    cpuUsPerMessage: ((usage.processes[target]?.cpuMs ?? NaN) * 1000) / received,
    processes: usage.processes,
    otherCores: usage.otherCores,
    loop,
  };
}

export async function measureLatency(
  rig: Rig,
  target: Target,
  direction: Direction,
  ratePerSecond: number,
  seconds: number,
): Promise<LatencySample> {
  const count = Math.round(ratePerSecond * seconds);
  const { usage, sentAt, receivedAt, loop } = await drive(rig, target, direction, count, ratePerSecond);
  // The first second is the system settling into the rate.
  const { processes, otherCores } = usage;
  const cpuUsPerMessage = ((processes[target]?.cpuMs ?? NaN) * 1000) / count;
  return { target, direction, ratePerSecond, sent: count, cpuUsPerMessage, ...latency(sentAt, receivedAt, 1000), processes, otherCores, loop };
}

export interface OpeningSample {
  readonly chats: number;
  readonly seconds: number;
  readonly chatsPerSecond: number;
  readonly bridgeCpuMsPerChat: number;
}

/**
 * Every bridge customer writes for the first time, all at once: a chat is open when its Flex task
 * exists (the agent can see it). Leaves every customer with an open chat for the phases after it.
 */
export async function measureOpening(rig: Rig): Promise<OpeningSample> {
  const ids = rig.customers.bridge;
  const { from, to } = rig.seq('c', ids.length);
  const tasksBefore = await rig.twilio.call('taskCount', undefined);
  const meter = new ProcessMeter(rig.processes('bridge'));
  meter.start();
  await rig.telegram.call('burst', { target: 'bridge', ids, seqStart: from, count: ids.length });
  const taskTimes = await rig.twilio.call('taskTimes', { since: tasksBefore, count: ids.length, timeoutMs: WAIT_MS });
  await rig.twilio.call('waitReceived', { from, to, timeoutMs: WAIT_MS });
  const usage = meter.stop();
  const sentAt = await rig.telegram.call('sentTimes', { from, to });
  await rig.twilio.call('receivedTimes', { from, to });
  if (taskTimes.length < ids.length) throw new Error(`only ${taskTimes.length} of ${ids.length} chats opened`);
  const seconds = (Math.max(...taskTimes) - (sentAt[0] as number)) / 1000;
  return {
    chats: ids.length,
    seconds,
    chatsPerSecond: ids.length / seconds,
    bridgeCpuMsPerChat: (usage.processes.bridge?.cpuMs ?? NaN) / ids.length,
  };
}

export interface MemorySample {
  readonly knownCustomers: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  /** The running bridge's start: process spawned → /readyz 200. */
  readonly startToReadyMs: number;
}

/** The idle bridge's memory after a full GC: RSS from /proc, the heap from the process itself. */
export async function measureIdleMemory(rig: Rig, knownCustomers: number, settleMs = 1500): Promise<MemorySample> {
  const bridge = rig.bridge;
  if (!bridge) throw new Error('the bridge is not running');
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const { heapUsed } = await bridge.call('memory', undefined);
  return { knownCustomers, rssBytes: rssBytes(bridge.pid), heapUsedBytes: heapUsed, startToReadyMs: rig.startToReadyMs };
}

export interface DrainSample {
  /** Agent messages queued for customers while Telegram was down. */
  readonly backlogRows: number;
  /** Customers holding that backlog; the quiet ones had none. */
  readonly backloggedCustomers: number;
  readonly quietCustomers: number;
  /** Telegram down: from the first queued message to its return. */
  readonly outageSeconds: number;
  /** From Telegram's return to the last queued message received. */
  readonly drainSeconds: number;
  /** Queued messages received per second while draining (the retry backoff included). */
  readonly messagesPerSecond: number;
  /** Agent replies to the quiet customers throughout the drain, at `quietRate` per second. */
  readonly quiet: LatencySummary & { readonly ratePerSecond: number };
  /** The bridge's event loop from Telegram's return to the end of the drain. */
  readonly loop?: LoopStats;
}

/**
 * Telegram goes down while agents keep writing (`backlogRows` messages to all but 1% of the
 * customers), then comes back: how fast the backlog drains, and the latency meanwhile of the
 * customers whose chats had no backlog.
 */
export async function measureDrain(rig: Rig, backlogRows: number, quietRate: number): Promise<DrainSample> {
  const sids = rig.conversations.bridge;
  const quietCount = Math.max(1, Math.floor(sids.length / 100));
  const quiet = sids.slice(0, quietCount);
  const backlogged = sids.slice(quietCount);
  const answered = await rig.twilio.call('webhooksAnswered', undefined);
  await rig.telegram.call('outage', { down: true });
  const flood = rig.seq('a', backlogRows);
  await rig.twilio.call('burst', { sids: backlogged, seqStart: flood.from, count: backlogRows });
  const stored = await rig.twilio.call('waitWebhooksAnswered', { count: answered + backlogRows, timeoutMs: WAIT_MS * 5 });
  if (stored < answered + backlogRows) throw new Error(`the bridge stored ${stored - answered} of ${backlogRows} messages during the outage`);
  const floodSent = await rig.twilio.call('sentTimes', flood);

  await rig.bridge?.call('loop', undefined);
  await rig.telegram.call('outage', { down: false });
  const backAt = now();
  const draining = rig.telegram.call('waitReceived', { ...flood, timeoutMs: WAIT_MS * 5 });
  let over = false;
  void draining.finally(() => (over = true));
  // The queued messages go out as their retries come due, which may be well after Telegram's
  // return: the quiet replies go on, a second at a time, until the last one is out.
  const quietSeconds: { from: number; to: number }[] = [];
  do {
    const second = rig.seq('a', quietRate);
    quietSeconds.push(second);
    await rig.twilio.call('paced', { sids: quiet, seqStart: second.from, count: quietRate, ratePerSecond: quietRate });
  } while (!over);
  const drained = await draining;
  const loop = await rig.bridge?.call('loop', undefined);
  const floodReceived = await rig.telegram.call('receivedTimes', flood);
  const quietSent: number[] = [];
  const quietReceived: number[] = [];
  for (const second of quietSeconds) {
    await rig.telegram.call('waitReceived', { ...second, timeoutMs: WAIT_MS });
    quietSent.push(...(await rig.twilio.call('sentTimes', second)));
    quietReceived.push(...(await rig.telegram.call('receivedTimes', second)));
  }
  if (drained < backlogRows) throw new Error(`only ${drained} of ${backlogRows} queued messages arrived after the outage`);

  const lastReceived = Math.max(...floodReceived);
  return {
    backlogRows,
    backloggedCustomers: backlogged.length,
    quietCustomers: quiet.length,
    outageSeconds: (backAt - (floodSent[0] as number)) / 1000,
    drainSeconds: (lastReceived - backAt) / 1000,
    messagesPerSecond: (backlogRows * 1000) / (lastReceived - backAt),
    quiet: { ratePerSecond: quietRate, ...latency(Float64Array.from(quietSent), Float64Array.from(quietReceived), 0) },
    loop,
  };
}
