/**
 * Jest reporter for `cpm-conformance run`: one live line per case variant (verdict, id, title,
 * duration), taking the verdict from the verdict log the suite wrote.
 */
import { VerdictTail, type VerdictRecord } from './verdict-log';
import { VERDICT_LABEL } from '../src/harness/verdict';

interface Options {
  verdictLog: string;
  color?: boolean;
}

interface TestCaseResultLike {
  title: string;
  status: string;
  duration?: number | null;
}

const COLORS: Record<string, string> = { PASS: '32', 'NON-STRICT': '33', FAIL: '31', INCONC: '35', ERROR: '35', 'N/A': '90' };

export default class LiveReporter {
  private readonly opts: Options;
  private readonly tail: VerdictTail;
  /** Records read from the log and not printed yet. */
  private readonly unprinted: VerdictRecord[] = [];

  constructor(_globalConfig: unknown, options: Options) {
    this.opts = options;
    this.tail = new VerdictTail(options.verdictLog);
  }

  onTestCaseResult(_test: unknown, r: TestCaseResultLike): void {
    this.unprinted.push(...this.tail.next());
    const at = this.unprinted.findIndex((x) => r.title.startsWith(x.key));
    if (at < 0) return;
    const [rec] = this.unprinted.splice(at, 1);
    const label = VERDICT_LABEL[rec.verdict];
    const tag = this.opts.color ? `\x1b[${COLORS[label] ?? '0'}m${label.padEnd(10)}\x1b[0m` : label.padEnd(10);
    const reason = rec.verdict !== 'pass' && rec.reason ? `\n           ${rec.reason.requirement ? `${rec.reason.requirement} ` : ''}${rec.reason.step ? `step ${rec.reason.step}: ` : ''}${rec.reason.message.split('\n')[0].slice(0, 300)}` : '';
    // The requirements the case listed but never checked: stopped before them, not "not applicable".
    const unreached = rec.verdict !== 'pass' && rec.verdict !== 'n/a' ? rec.requirements.filter((id) => !(id in rec.requirementVerdicts)) : [];
    const notReached = unreached.length ? `\n           not reached (the case stopped earlier): ${unreached.join(', ')}` : '';
    process.stdout.write(`${tag} ${rec.key}  ${rec.title}  (${rec.durationMs} ms)${reason}${notReached}\n`);
  }

  onTestResult(): void {}

  getLastError(): Error | undefined {
    return undefined;
  }
}
