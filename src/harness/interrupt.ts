/**
 * Ctrl-C reaches every running case, wherever it runs. The CLI's signal handler lives in the main
 * context, while the cases run inside jest's test context, whose `process` is a copy that never
 * sees the real signals; a BroadcastChannel (worker_threads) is shared by both. On an interrupt
 * each case stops as inconclusive and its devices still clean up at the SUT (src/harness/teardown.ts),
 * then say they are done, so the CLI can wait for them, bounded, before it exits.
 */
import { BroadcastChannel } from 'node:worker_threads';

const CHANNEL = 'cpm-conformance-run-interrupt';

type Message = { kind: 'interrupt' } | { kind: 'idle' };

let listener: BroadcastChannel | undefined;
let controller = new AbortController();
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
  return controller.signal;
}

/** A case finished (its cleanup included); the last one tells the CLI everything is clean. */
export function caseEnded(): void {
  running = Math.max(0, running - 1);
  if (running > 0 || !listener) return;
  const interruptedRun = controller.signal.aborted;
  listener.postMessage({ kind: 'idle' } satisfies Message);
  listener.close();
  listener = undefined;
  if (interruptedRun) controller = new AbortController();
}

/**
 * Interrupt every running case and wait until they have cleaned up, at most `boundMs`. Resolves
 * true when they said so in time.
 */
export function interruptRun(boundMs: number): Promise<boolean> {
  const ch = new BroadcastChannel(CHANNEL);
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => done(false), boundMs);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      ch.close();
      resolve(ok);
    };
    ch.onmessage = (e) => {
      if ((e as { data: Message }).data.kind === 'idle') done(true);
    };
    // Cases in this very context (no jest in between) hear it on their own channel too.
    ch.postMessage({ kind: 'interrupt' } satisfies Message);
  });
}
