/**
 * Calls made in the same turn of the event loop, carried out together right after that turn. Under
 * load deliveries end in bursts, and a commit costs more than the delete in it. Each call resolves
 * (or rejects) only once its batch is done.
 */
export class TurnBatch<T> {
  private pending: { items: T[]; done: Promise<void> } | undefined;

  constructor(private readonly run: (items: readonly T[]) => void | Promise<void>) {}

  add(item: T): Promise<void> {
    if (!this.pending) {
      const items: T[] = [];
      const done = new Promise<void>((resolve, reject) => {
        setImmediate(() => {
          this.pending = undefined;
          new Promise<void>((ran) => ran(this.run(items))).then(resolve, reject);
        });
      });
      this.pending = { items, done };
    }
    this.pending.items.push(item);
    return this.pending.done;
  }

  /** Resolves once the batch in waiting, if any, is done, however it ends. */
  async settled(): Promise<void> {
    await this.pending?.done.catch(() => undefined);
  }
}
