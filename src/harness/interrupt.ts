/**
 * Ctrl-C reaches every running case, wherever it runs. The CLI's signal handler lives in the main
 * context, while the cases run inside jest's test context, whose `process` is a copy that never
 * sees the real signals; a BroadcastChannel (worker_threads) is shared by both. On an interrupt
 * each case stops as inconclusive and its devices still clean up at the SUT (src/harness/teardown.ts),
 * then say they are done, so the CLI can wait for them, bounded, before it exits.
 */
import { BroadcastChannel } from 'node:worker_threads';

const CHANNEL = 'cpm-conformance-run-interrupt';

type Message = { kind: 'interrupt' } | { kind: 'busy' } | { kind: 'idle' };

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
    listener.onmessage = (e) => {
      if ((e as { data: Message }).data.kind === 'interrupt') controller.abort();
    };
  }
  // Said on every start: after an interrupt, the CLI waits until nothing has started for a while.
  listener.postMessage({ kind: 'busy' } satisfies Message);
  return controller.signal;
}

/** A case finished (its cleanup included); the last one tells the CLI everything is clean. */
export function caseEnded(): void {
  running = Math.max(0, running - 1);
  if (running > 0 || !listener) return;
  listener.postMessage({ kind: 'idle' } satisfies Message);
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
    let idle = false;
    const started = Date.now();
    const tick = setInterval(() => {
      ch.postMessage({ kind: 'interrupt' } satisfies Message);
      if (idle && Date.now() - lastBusy >= SETTLE_MS) done(true);
      else if (Date.now() - started >= boundMs) done(false);
    }, REPEAT_MS);
    const done = (ok: boolean) => {
      clearInterval(tick);
      ch.close();
      resolve(ok);
    };
    ch.onmessage = (e) => {
      const kind = (e as { data: Message }).data.kind;
      if (kind === 'busy') {
        lastBusy = Date.now();
        idle = false;
      } else if (kind === 'idle') idle = true;
    };
    // Cases in this very context (no jest in between) hear it on their own channel too.
    ch.postMessage({ kind: 'interrupt' } satisfies Message);
  });
}
