/**
 * The open-loop arrival process of a load run (docs/load.md): flows arrive on a schedule set by
 * the rate alone — after a linear ramp, one every 1/rate s — never by the completion of earlier
 * flows, so a slow SUT shows as flows in flight and arrivals shed, not as a lower offered rate
 * (the "coordinated omission" a closed loop hides). In flight is bounded by the free slots: an
 * arrival that finds none is shed and counted, never queued without bound.
 */

export interface ArrivalSchedule {
  /** Flows per second once ramped up. */
  rate: number;
  durationMs: number;
  /** Linear ramp from 0 to `rate` over this long (0: full rate from the start). */
  rampMs: number;
}

/** Arrivals due by `elapsedMs` (the integral of the rate: a triangle over the ramp, then a line). */
export function arrivalsDue(s: ArrivalSchedule, elapsedMs: number): number {
  const t = Math.min(Math.max(elapsedMs, 0), s.durationMs) / 1000;
  const ramp = Math.min(s.rampMs, s.durationMs) / 1000;
  if (ramp > 0 && t < ramp) return Math.floor((s.rate * t * t) / (2 * ramp));
  return Math.floor(s.rate * (t - ramp / 2));
}

export interface OpenLoopCounts {
  /** Arrivals the schedule made due. */
  due: number;
  /** Flows started on a free slot. */
  started: number;
  /** Arrivals that found every slot busy (the generator, or the SUT, fell behind). */
  shed: number;
  /** Flows ended. */
  done: number;
}

/**
 * Drive arrivals until the duration is over or `signal` aborts; `launch` starts one flow on a free
 * slot (`take` returns undefined when none is free). Resolves once every started flow has ended.
 * The schedule is checked every `tickMs` (bounded timer work: one timer at a time).
 */
export async function runOpenLoop<S>(s: ArrivalSchedule, pool: { take(): S | undefined; give(slot: S): void }, launch: (slot: S, index: number) => Promise<void>, counts: OpenLoopCounts, signal: AbortSignal, tickMs = 5): Promise<void> {
  const started = performance.now();
  const running = new Set<Promise<void>>();
  let index = 0;
  while (!signal.aborted) {
    const elapsed = performance.now() - started;
    const due = arrivalsDue(s, elapsed);
    while (counts.due < due) {
      counts.due++;
      const slot = pool.take();
      if (slot === undefined) {
        counts.shed++;
        continue;
      }
      counts.started++;
      const p: Promise<void> = launch(slot, index++)
        .catch(() => undefined)
        .finally(() => {
          counts.done++;
          pool.give(slot);
          running.delete(p);
        });
      running.add(p);
    }
    if (elapsed >= s.durationMs) break;
    await new Promise<void>((r) => {
      const onAbort = () => { clearTimeout(timer); r(); };
      const timer = setTimeout(() => { signal.removeEventListener('abort', onAbort); r(); }, tickMs);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
  await Promise.all([...running]);
}
