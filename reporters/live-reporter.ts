/**
 * Jest reporter for `cpm-conformance run`: one live line per case variant (verdict, id, title,
 * duration), taking the verdict from the verdict log the suite wrote.
 */
import { readVerdicts } from './verdict-log';
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
  private printed = new Set<string>();

  constructor(_globalConfig: unknown, options: Options) {
    this.opts = options;
  }

  onTestCaseResult(_test: unknown, r: TestCaseResultLike): void {
    const recs = readVerdicts(this.opts.verdictLog);
    const rec = [...recs].reverse().find((x) => r.title.startsWith(x.key) && !this.printed.has(x.key));
    if (!rec) return;
    this.printed.add(rec.key);
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
