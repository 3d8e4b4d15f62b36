/**
 * A bounded queue of things that arrived (messages, REPORTs) with bounded waits for them: every
 * wait has a timeout, and closing the inbox fails every waiter at once, so no caller can hang on
 * a connection that is gone. Items nobody waits for are kept, up to `max` (oldest dropped first).
 */
export class Inbox<T> {
  private readonly items: T[] = [];
  private readonly waiters = new Set<{ match: (item: T) => boolean; resolve: (item: T) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }>();
  private closedWith: Error | undefined;
  /** Items dropped because the inbox was full. */
  dropped = 0;

  constructor(private readonly what: string, private readonly max = 1024) {}

  get size(): number {
    return this.items.length;
  }

  /** Hand the item to the oldest matching waiter, or keep it. */
  push(item: T): void {
    for (const w of this.waiters) {
      if (w.match(item)) {
        this.waiters.delete(w);
        clearTimeout(w.timer);
        w.resolve(item);
        return;
      }
    }
    this.items.push(item);
    if (this.items.length > this.max) {
      this.items.shift();
      this.dropped++;
    }
  }

  /** The first item (already here or arriving within timeoutMs) that matches; rejects on timeout or close. */
  next(timeoutMs: number, match: (item: T) => boolean = () => true): Promise<T> {
    const i = this.items.findIndex(match);
    if (i >= 0) return Promise.resolve(this.items.splice(i, 1)[0]!);
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise((resolve, reject) => {
      const w = {
        match, resolve, reject,
        timer: setTimeout(() => {
          this.waiters.delete(w);
          reject(new Error(`no ${this.what} within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.add(w);
    });
  }

  /** Everything kept so far, removed from the inbox. */
  drain(): T[] {
    return this.items.splice(0, this.items.length);
  }

  /** Fail every waiter now and every later wait that finds nothing kept. */
  close(err: Error): void {
    this.closedWith ??= err;
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(this.closedWith);
    }
    this.waiters.clear();
  }
}
