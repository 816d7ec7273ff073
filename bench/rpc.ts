import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * The bench's processes talk over Node's IPC channel: the parent calls named commands, a child
 * answers each one. Structured-clone serialization, so typed arrays cross as they are.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each host declares its own argument types
type Api = Record<string, (args: any) => unknown>;

interface Call {
  readonly id: number;
  readonly cmd: string;
  readonly args: unknown;
}

type Answer = { readonly id: number; readonly ok: true; readonly result: unknown } | { readonly id: number; readonly ok: false; readonly error: string };

/** In a child: answers the parent's calls with `api`, then says it is ready (with `info`, e.g. its URLs). */
export function serve(api: Api, info: unknown = null): void {
  const send = (message: unknown) => process.send?.(message);
  process.on('message', (call: Call) => {
    const handler = api[call.cmd];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown command ${call.cmd}`);
        return handler(call.args);
      })
      .then(
        (result) => send({ id: call.id, ok: true, result }),
        (err: unknown) => send({ id: call.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
      );
  });
  send({ ready: info });
}

export interface ChildOptions {
  readonly env?: Record<string, string>;
  readonly nodeArgs?: readonly string[];
  /** Where the child's stdout and stderr go (a file descriptor); inherited when absent. */
  readonly outputFd?: number;
}

/** A bench process started from a TypeScript file (through tsx) with an RPC channel to it. */
export class Child<A extends Api> {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited: string | undefined;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly info: unknown,
  ) {
    child.on('message', (answer: Answer) => {
      const waiter = this.pending.get(answer.id);
      if (!waiter) return;
      this.pending.delete(answer.id);
      if (answer.ok) waiter.resolve(answer.result);
      else waiter.reject(new Error(`${name}: ${answer.error}`));
    });
    child.on('exit', (code, signal) => {
      this.exited = `${name} exited (${signal ?? code})`;
      for (const waiter of this.pending.values()) waiter.reject(new Error(this.exited));
      this.pending.clear();
    });
  }

  /** Starts `script` (relative to bench/) and resolves once it called `serve`. */
  static async start<A extends Api>(name: string, script: string, opts: ChildOptions = {}): Promise<Child<A>> {
    const output = opts.outputFd ?? 'inherit';
    const child = fork(fileURLToPath(new URL(script, import.meta.url)), [], {
      execArgv: ['--import', 'tsx', ...(opts.nodeArgs ?? [])],
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', output, output, 'ipc'],
      serialization: 'advanced',
    });
    const info = await new Promise<unknown>((resolve, reject) => {
      const onMessage = (message: { ready?: unknown }) => {
        if (!('ready' in message)) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message.ready);
      };
      const onExit = (code: number | null) => reject(new Error(`${name} exited while starting (${code})`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
    return new Child<A>(name, child, info);
  }

  get pid(): number {
    return this.child.pid as number;
  }

  call<K extends keyof A & string>(cmd: K, args: Parameters<A[K]>[0]): Promise<Awaited<ReturnType<A[K]>>> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, cmd, args } satisfies Call);
    });
  }

  /** SIGTERM (after closing the channel, so the child can exit by itself) and wait for the exit. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    if (this.child.connected) this.child.disconnect();
    this.child.kill('SIGTERM');
    await exited;
  }
}
