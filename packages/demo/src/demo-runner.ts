import type { DemoConsole } from './demo-console.js';
import { startDemoRun, type DemoRun, type DemoRunOptions } from './demo-run.js';
import { EventStream } from './event-stream.js';
import { ConsoleRequestError } from './request-error.js';
import type { ConsoleSnapshot, DemoMode } from './views.js';

export type DemoRunnerOptions = Omit<DemoRunOptions, 'publish' | 'mode'> & {
  /** Told once the console switched to another mode (the terminal prints the new bridge URL). */
  readonly onSwitched?: (run: DemoRun) => void;
};

interface Live {
  readonly run: DemoRun;
  /** Whether the run's updates reach the page; closed once another run takes over. */
  readonly gate: { open: boolean };
}

/**
 * The run the console shows, and the mode switch: the run in the other mode starts first, then takes
 * over the page (which gets a fresh snapshot), then the old run stops. A run that fails to start
 * leaves the current one as it was.
 */
export class DemoRunner {
  private switching: Promise<ConsoleSnapshot> | undefined;

  private constructor(
    private readonly opts: DemoRunnerOptions,
    readonly stream: EventStream,
    private live: Live,
  ) {
    live.gate.open = true;
  }

  static async start(mode: DemoMode, opts: DemoRunnerOptions): Promise<DemoRunner> {
    const stream = new EventStream();
    return new DemoRunner(opts, stream, await startLive(mode, opts, stream));
  }

  get run(): DemoRun {
    return this.live.run;
  }

  get console(): DemoConsole {
    return this.live.run.console;
  }

  snapshot(): ConsoleSnapshot {
    return this.console.snapshot();
  }

  async switchTo(mode: DemoMode): Promise<ConsoleSnapshot> {
    if (this.switching) throw new ConsoleRequestError(409, 'the demo is already switching modes');
    if (mode === this.run.mode) return this.snapshot();
    this.switching = this.replaceRun(mode);
    try {
      return await this.switching;
    } finally {
      this.switching = undefined;
    }
  }

  /** Stops the current run, after a switch under way has finished. */
  async stop(): Promise<void> {
    await this.switching?.catch(() => undefined);
    this.live.gate.open = false;
    await this.live.run.stop();
  }

  private async replaceRun(mode: DemoMode): Promise<ConsoleSnapshot> {
    const next = await startLive(mode, this.opts, this.stream);
    const previous = this.live;
    previous.gate.open = false;
    next.gate.open = true;
    this.live = next;
    this.stream.broadcast({ type: 'snapshot', snapshot: this.snapshot() });
    this.opts.onSwitched?.(next.run);
    await previous.run.stop();
    return this.snapshot();
  }
}

async function startLive(mode: DemoMode, opts: DemoRunnerOptions, stream: EventStream): Promise<Live> {
  const gate = { open: false };
  const publish: DemoRunOptions['publish'] = (update) => {
    if (gate.open) stream.broadcast(update);
  };
  const run = await startDemoRun({ ...opts, mode, publish });
  return { run, gate };
}
