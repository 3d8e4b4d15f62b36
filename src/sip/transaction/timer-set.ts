/**
 * Named one-shot timers of one transaction. A transaction clears all of them when it terminates,
 * so nothing outlives it (jest must exit on its own, and the endpoint's close() must be total).
 */
export class TimerSet {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  /** (Re)arm a timer; an armed timer of the same name is replaced. */
  set(name: string, ms: number, fire: () => void): void {
    this.clear(name);
    const handle = setTimeout(() => {
      this.timers.delete(name);
      fire();
    }, ms);
    this.timers.set(name, handle);
  }

  clear(name: string): void {
    const h = this.timers.get(name);
    if (h !== undefined) clearTimeout(h);
    this.timers.delete(name);
  }

  has(name: string): boolean {
    return this.timers.has(name);
  }

  clearAll(): void {
    for (const h of this.timers.values()) clearTimeout(h);
    this.timers.clear();
  }
}
