/**
 * Ctrl-C reaches every running case, wherever it runs. The CLI's signal handler lives in the main
 * context, while the cases run inside jest's test context, whose `process` is a copy that never
 * sees the real signals; a BroadcastChannel (worker_threads) is shared by both. On an interrupt
 * each case stops as inconclusive and its devices still clean up at the SUT (src/harness/teardown.ts),
 * then say they are done, so the CLI can wait for them, bounded, before it exits.
 */
import { randomUUID } from 'node:crypto';
import { BroadcastChannel } from 'node:worker_threads';

const CHANNEL = 'cpm-conformance-run-interrupt';

/**
 * Who says busy / idle: this module instance. Each jest test file loads its own copy, and the two
 * reference PF modes run their files on two threads at once: the CLI waits until every one is idle.
 */
const SELF = randomUUID();

type Message = { kind: 'interrupt' } | { kind: 'busy'; from: string } | { kind: 'idle'; from: string };

let listener: BroadcastChannel | undefined;
/** Once interrupted, stays so: a case that would start after Ctrl-C never starts (the run is ending). */
const controller = new AbortController();
let running = 0;

/** The signal a case watches; the channel listens only while cases run, so it never holds the process. */
export function caseStarted(): AbortSignal {
  running++;
  if (!listener) {
    listener = new BroadcastChannel(CHANNEL);
    listener.unref();
    const me = listener;
    me.onmessage = (e) => {
      if ((e as { data: Message }).data.kind !== 'interrupt') return;
      controller.abort();
      // Answered, so the CLI knows this context still has cases cleaning up even if none starts now.
      if (running > 0) me.postMessage({ kind: 'busy', from: SELF } satisfies Message);
    };
  }
  // Said on every start: after an interrupt, the CLI waits until nothing has started for a while.
  listener.postMessage({ kind: 'busy', from: SELF } satisfies Message);
  return controller.signal;
}

/** A case finished (its cleanup included); the last one tells the CLI everything is clean. */
export function caseEnded(): void {
  running = Math.max(0, running - 1);
  if (running > 0 || !listener) return;
  listener.postMessage({ kind: 'idle', from: SELF } satisfies Message);
  listener.close();
  listener = undefined;
}

/** How long no case may have been busy before an interrupted run counts as clean. */
const SETTLE_MS = 250;
/** The interrupt is repeated so a case context that starts listening later (the next suite file) hears it too. */
const REPEAT_MS = 25;

/**
 * Interrupt every running case and wait until they have cleaned up: idle, and nothing started for
 * a moment since — at most `boundMs`. Resolves true when that happened in time.
 */
export function interruptRun(boundMs: number): Promise<boolean> {
  const ch = new BroadcastChannel(CHANNEL);
  return new Promise<boolean>((resolve) => {
    let lastBusy = Date.now();
    /** Every case context heard from, and whether it still has cases running. */
    const busy = new Map<string, boolean>();
    const started = Date.now();
    const tick = setInterval(() => {
      ch.postMessage({ kind: 'interrupt' } satisfies Message);
      const allIdle = busy.size > 0 && [...busy.values()].every((b) => !b);
      if (allIdle && Date.now() - lastBusy >= SETTLE_MS) done(true);
      else if (Date.now() - started >= boundMs) done(false);
    }, REPEAT_MS);
    const done = (ok: boolean) => {
      clearInterval(tick);
      ch.close();
      resolve(ok);
    };
    ch.onmessage = (e) => {
      const m = (e as { data: Message }).data;
      if (m.kind === 'busy') {
        lastBusy = Date.now();
        busy.set(m.from, true);
      } else if (m.kind === 'idle') busy.set(m.from, false);
    };
    // Cases in this very context (no jest in between) hear it on their own channel too.
    ch.postMessage({ kind: 'interrupt' } satisfies Message);
  });
}

/**
 * Keep every case context interrupted until the returned function is called: the CLI holds this
 * from Ctrl-C until the suites have ended, so a case whose turn comes later (a queued variant, a
 * test file that starts later) is "not run", never started against the SUT. Also resolves, like
 * interruptRun, whether everything was idle within `boundMs`.
 */
export function holdInterrupted(boundMs: number): { idle: Promise<boolean>; release: () => void } {
  const ch = new BroadcastChannel(CHANNEL);
  const tick = setInterval(() => ch.postMessage({ kind: 'interrupt' } satisfies Message), REPEAT_MS);
  ch.postMessage({ kind: 'interrupt' } satisfies Message);
  const idle = interruptRun(boundMs);
  let released = false;
  return {
    idle,
    release: () => {
      if (released) return;
      released = true;
      clearInterval(tick);
      ch.close();
    },
  };
}
