/**
 * The options of `cpm-conformance load` and their bounds (docs/load.md, Limits): the rate, the
 * duration, the in-flight count and every other quantity is bounded, and a bad value is a usage
 * error naming the option (exit 2), never a crash or an unbounded run.
 */
export interface LoadArgs {
  target?: string;
  flow: string;
  rate: number;
  duration: number;
  ramp: number;
  devices?: number;
  users?: number;
  'max-concurrent': number;
  'judge-every': number;
  'keep-failures': number;
  transport?: 'udp' | 'tcp' | 'tls';
  topology?: 'direct' | 'core-emulation';
  mode?: 'proxy' | 'b2bua';
  'reference-fault'?: string[];
  shard?: string;
  results: string;
}

export const LOAD_BOUNDS = {
  rate: 2000,
  durationS: 3600,
  maxConcurrent: 2000,
  users: 20_000,
  devices: 100,
  judgeEvery: 100_000,
  keepFailures: 100,
} as const;

const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const whole = (v: unknown) => num(v) && Number.isInteger(v as number);

/** The first bad option, as a message naming it; null when every option is in bounds. */
export function checkLoadArgs(a: LoadArgs): string | null {
  if (!num(a.rate) || a.rate <= 0 || a.rate > LOAD_BOUNDS.rate) return `--rate must be a number above 0 and at most ${LOAD_BOUNDS.rate} flows per second, got ${String(a.rate)}`;
  if (!num(a.duration) || a.duration < 1 || a.duration > LOAD_BOUNDS.durationS) return `--duration must be 1 to ${LOAD_BOUNDS.durationS} seconds, got ${String(a.duration)}`;
  if (!num(a.ramp) || a.ramp < 0 || a.ramp > a.duration) return `--ramp must be 0 to --duration (${String(a.duration)}) seconds, got ${String(a.ramp)}`;
  if (!whole(a['max-concurrent']) || a['max-concurrent'] < 1 || a['max-concurrent'] > LOAD_BOUNDS.maxConcurrent) return `--max-concurrent must be a whole number from 1 to ${LOAD_BOUNDS.maxConcurrent}, got ${String(a['max-concurrent'])}`;
  if (a.users !== undefined && (!whole(a.users) || a.users < 1 || a.users > LOAD_BOUNDS.users)) return `--users must be a whole number from 1 to ${LOAD_BOUNDS.users}, got ${String(a.users)}`;
  if (a.devices !== undefined && (!whole(a.devices) || a.devices < 2 || a.devices > LOAD_BOUNDS.devices)) return `--devices must be a whole number from 2 to ${LOAD_BOUNDS.devices} (CPM-MLD-007 needs another device to cancel), got ${String(a.devices)}`;
  if (!whole(a['judge-every']) || a['judge-every'] < 1 || a['judge-every'] > LOAD_BOUNDS.judgeEvery) return `--judge-every must be a whole number from 1 to ${LOAD_BOUNDS.judgeEvery}, got ${String(a['judge-every'])}`;
  if (!whole(a['keep-failures']) || a['keep-failures'] < 0 || a['keep-failures'] > LOAD_BOUNDS.keepFailures) return `--keep-failures must be a whole number from 0 to ${LOAD_BOUNDS.keepFailures}, got ${String(a['keep-failures'])}`;
  return null;
}
