/**
 * What the emulator hosts share: the clock, numbered bench messages, when each was sent or received,
 * and the two ways of sending (a burst, and a fixed rate).
 */

/** Milliseconds on CLOCK_MONOTONIC, which on Linux is one clock for every process: send and receipt times compare across processes. */
export const now = (): number => Number(process.hrtime.bigint()) / 1e6;

/** `c` customer → agent, `a` agent → customer. */
export type Direction = 'c' | 'a';

// About the length of a typical chat line, so encoding and storage costs are realistic.
const FILLER = 'hello, I have a question about my order, could somebody please help me with it?';

export const benchText = (direction: Direction, seq: number): string => `${direction}${seq} ${FILLER}`;

/** The sequence number of a bench message going `direction`, or undefined for anything else. */
export function seqOf(text: string | null | undefined, direction: Direction): number | undefined {
  if (!text || text[0] !== direction) return undefined;
  const seq = Number.parseInt(text.slice(1), 10);
  return Number.isNaN(seq) ? undefined : seq;
}

/** When each numbered message was sent or received, with waiting for a range to be complete. */
export class Stamps {
  private readonly times = new Map<number, number>();
  private watch: { from: number; to: number; seen: number; done: () => void } | undefined;

  mark(seq: number, at = now()): void {
    if (this.times.has(seq)) return;
    this.times.set(seq, at);
    const w = this.watch;
    if (w && seq >= w.from && seq < w.to && ++w.seen === w.to - w.from) w.done();
  }

  /** Times of `from`…`to - 1` (NaN where missing); forgets them to keep memory flat. */
  take(from: number, to: number): Float64Array {
    const out = new Float64Array(to - from);
    for (let seq = from; seq < to; seq++) {
      out[seq - from] = this.times.get(seq) ?? NaN;
      this.times.delete(seq);
    }
    return out;
  }

  /** Resolves with how many of `from`…`to - 1` were marked, once all are or after `timeoutMs`. */
  waitFor(from: number, to: number, timeoutMs: number): Promise<number> {
    let seen = 0;
    for (let seq = from; seq < to; seq++) if (this.times.has(seq)) seen++;
    if (seen === to - from) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        const count = this.watch?.seen ?? seen;
        this.watch = undefined;
        resolve(count);
      };
      const timer = setTimeout(finish, timeoutMs);
      this.watch = { from, to, seen, done: finish };
    });
  }
}

/** Which messages a sending host sends: `count` of them, numbered from `seqStart`. */
export interface LoadSpec {
  readonly seqStart: number;
  readonly count: number;
}

const CHUNK = 200;

/** Sends everything at once, in chunks that let the host's server keep answering meanwhile. */
export async function burst(spec: LoadSpec, sent: Stamps, send: (i: number, seq: number) => void): Promise<void> {
  for (let i = 0; i < spec.count; i++) {
    const seq = spec.seqStart + i;
    sent.mark(seq);
    send(i, seq);
    if (i % CHUNK === CHUNK - 1) await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Open loop at `ratePerSecond`: a slow receiver does not slow the sending down (no coordinated omission). */
export async function paced(spec: LoadSpec & { readonly ratePerSecond: number }, sent: Stamps, send: (i: number, seq: number) => void): Promise<void> {
  const started = now();
  let i = 0;
  while (i < spec.count) {
    const due = Math.min(spec.count, Math.floor(((now() - started) * spec.ratePerSecond) / 1000) + 1);
    for (; i < due; i++) {
      const seq = spec.seqStart + i;
      sent.mark(seq);
      send(i, seq);
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
