/**
 * The live progress line of `cpm-conformance load` on a TTY (docs/load.md): the rate achieved,
 * flows in flight, verdicts so far and the latency percentiles of the key transactions, redrawn
 * in place once a second. Nothing is drawn when stderr is not a terminal (CI logs stay clean).
 */
import type { LoadProgress } from '../../src/harness/load/load-run';

export function progressLine(p: LoadProgress, durationS: number): string {
  const v = p.verdicts;
  const rate = p.atS > 0 ? (p.counts.started / Math.min(p.atS, durationS)).toFixed(1) : '0.0';
  const l = p.latency['INVITE→200'];
  const c = p.latency['CANCEL→487'];
  const b = p.latency['BYE→200'];
  const lat = (name: string, f: { count: number; p50: number; p95: number; p99: number }) => (f.count ? ` ${name} ${f.p50}/${f.p95}/${f.p99}` : '');
  if (p.phase === 'registering' || p.phase === 'unregistering') return `${p.phase} the devices…`;
  return `${p.atS.toFixed(0).padStart(4)} s  ${rate}/s  in flight ${p.inFlight}  shed ${p.counts.shed}  pass ${v.pass}  fail ${v.fail}  inconc ${v.inconclusive + v.error}` +
    `  ms p50/p95/p99:${lat('INVITE→200', l)}${lat('CANCEL→487', c)}${lat('BYE→200', b)}`;
}

/** Redraws one line on a TTY stream; `done` ends it with a newline. */
export class ProgressLine {
  private drawn = false;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  get enabled(): boolean {
    return this.stream.isTTY === true;
  }

  draw(text: string): void {
    if (!this.enabled) return;
    const width = Math.max(20, (this.stream.columns || 160) - 1);
    this.stream.write(`\r\x1b[K${text.slice(0, width)}`);
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}
