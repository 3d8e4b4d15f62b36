/**
 * RFC 3261 §17 transaction timers, derived from T1/T2/T4 (Table 4 of §A). Tests shrink T1 so the
 * state machines run fast; every derived value follows from the three settings.
 */

export interface TimerSettings {
  /** RTT estimate, ms (default 500, §17.1.1.1). */
  t1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses, ms (default 4 s). */
  t2: number;
  /** Maximum time a message remains in the network, ms (default 5 s). */
  t4: number;
  /**
   * Timer B, ms, when set apart from T1: how long an INVITE client transaction waits for any
   * response. RFC 3261 §17.1.1.2 makes it 64·T1 (the default); servers let it be configured on its
   * own (Kamailio's tm `fr_timer`), and the IXIT states it as `ixit.timers.b`.
   */
  b?: number;
}

export const DEFAULT_TIMERS: Readonly<TimerSettings> = { t1: 500, t2: 4000, t4: 5000 };

export function resolveTimers(partial: Partial<TimerSettings> = {}): TimerSettings {
  return {
    t1: partial.t1 ?? DEFAULT_TIMERS.t1,
    t2: partial.t2 ?? DEFAULT_TIMERS.t2,
    t4: partial.t4 ?? DEFAULT_TIMERS.t4,
    ...(partial.b !== undefined ? { b: partial.b } : {}),
  };
}

/** The same timers with Timer B at RFC 3261's 64·T1 (§17.1.1.2): `b` left out. */
export function rfcTimerB(t: TimerSettings): TimerSettings {
  const { t1, t2, t4 } = t;
  return { t1, t2, t4 };
}

/** Timer B: the INVITE client transaction's timeout, 64·T1 unless set apart (§17.1.1.2). */
export function timerB(t: TimerSettings): number {
  return t.b ?? transactionTimeout(t);
}

/** Timers F, H and J, and B unless set apart (timerB): 64*T1 (§17.1.1.2, §17.1.2.2, §17.2.1, §17.2.2). */
export function transactionTimeout(t: TimerSettings): number {
  return 64 * t.t1;
}

/**
 * Timer D: "at least 32 seconds for unreliable transports" (§17.1.1.2), zero for reliable ones.
 * We use 64*T1 (32 s at the default T1) so tests with a small T1 stay fast.
 */
export function timerD(t: TimerSettings, reliable: boolean): number {
  return reliable ? 0 : 64 * t.t1;
}

/** Timers I and K: T4 on unreliable transports, zero on reliable ones (§17.2.1, §17.1.2.2). */
export function timerIK(t: TimerSettings, reliable: boolean): number {
  return reliable ? 0 : t.t4;
}

/** Next interval of a doubling retransmit timer capped at T2 (Timers E and G, §17.1.2.2, §17.2.1). */
export function nextCapped(current: number, t: TimerSettings): number {
  return Math.min(2 * current, t.t2);
}
