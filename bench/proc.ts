import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time and resident memory of another process, read from /proc (Linux), so the measured process
 * needs no debug endpoint and does no work for the measurement.
 */

const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** User + system CPU time the process has used so far, in ms (resolution: one clock tick, usually 10 ms). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; the fields after its closing parenthesis do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Every process whose command name is `name` (e.g. the PostgreSQL server's backends). */
export function pidsNamed(name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

/** Resident set size in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  return Number(kb ?? NaN) * 1024;
}

/** CPU time all processes of the machine have used so far, in ms (from /proc/stat). */
function machineCpuMs(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  // user nice system idle iowait irq softirq steal guest…: busy is user to softirq, without idle and iowait
  // (steal is time the hypervisor gave to other machines; guest is already counted in user).
  const busy = fields.reduce((sum, n, i) => (i === 3 || i === 4 || i > 6 ? sum : sum + n), 0);
  return (busy * 1000) / CLOCK_TICKS_PER_SECOND;
}

export interface Usage {
  readonly wallMs: number;
  readonly processes: Record<string, { cpuMs: number; cpuShare: number; peakRssBytes: number }>;
  /** Cores used meanwhile by everything else on the machine (other sessions, the bench's own driver): noise. */
  readonly otherCores: number;
}

/** CPU used by each named process between `start()` and `stop()`, and the peak RSS seen meanwhile. */
export class ProcessMeter {
  private readonly startCpu = new Map<string, number>();
  private readonly peakRss = new Map<string, number>();
  private startedAt = 0;
  private startMachineCpu = 0;
  private timer: NodeJS.Timeout | undefined;

  /** `processes`: a pid, or a way to find a group of them (whose CPU is summed; no RSS). */
  constructor(private readonly processes: Readonly<Record<string, number | (() => number[])>>) {}

  start(): void {
    this.startedAt = performance.now();
    this.startMachineCpu = machineCpuMs();
    for (const name of Object.keys(this.processes)) this.startCpu.set(name, this.cpuOf(name));
    this.sampleRss();
    this.timer = setInterval(() => this.sampleRss(), 200);
  }

  stop(): Usage {
    clearInterval(this.timer);
    this.sampleRss();
    const wallMs = performance.now() - this.startedAt;
    const processes: Usage['processes'] = {};
    let ours = 0;
    for (const name of Object.keys(this.processes)) {
      const used = this.cpuOf(name) - (this.startCpu.get(name) ?? 0);
      ours += used;
      processes[name] = { cpuMs: used, cpuShare: used / wallMs, peakRssBytes: this.peakRss.get(name) ?? NaN };
    }
    const otherCores = Math.max(0, (machineCpuMs() - this.startMachineCpu - ours) / wallMs);
    return { wallMs, processes, otherCores };
  }

  private cpuOf(name: string): number {
    const which = this.processes[name];
    if (typeof which === 'number') return cpuMs(which);
    return (which?.() ?? []).reduce((sum, pid) => {
      try {
        return sum + cpuMs(pid);
      } catch {
        return sum; // exited meanwhile
      }
    }, 0);
  }

  private sampleRss(): void {
    for (const [name, which] of Object.entries(this.processes)) {
      if (typeof which === 'number') this.peakRss.set(name, Math.max(this.peakRss.get(name) ?? 0, rssBytes(which)));
    }
  }
}
