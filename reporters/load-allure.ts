/**
 * One Allure result per failing flow of a load run (docs/load.md), none per passing one: a run of
 * thousands of flows gives a report of the few that matter. Each names the requirement of its
 * root cause (the case's own finding), and carries the ladder of the flow and its messages, as a
 * `run` case result does (docs/reporting.md). Written at once, so the flow's evidence is not held.
 */
import { randomUUID } from 'node:crypto';
import { FileSystemWriter } from 'allure-js-commons/sdk/reporter';
import { Stage, Status, type Attachment, type TestResult } from 'allure-js-commons';
import type { FlowResult } from '../src/harness/load/flow-run';
import type { HarnessTarget } from '../src/harness/target';
import { buildCaseView } from './case-view';
import { renderLadder } from './ladder';
import { entryText } from './sip-text';
import { findingText } from './finding-view';

export class LoadAllureWriter {
  private readonly writer: FileSystemWriter;
  written = 0;

  constructor(readonly resultsDir: string, private readonly flow: string, private readonly target: HarnessTarget) {
    this.writer = new FileSystemWriter({ resultsDir });
  }

  private attach(name: string, type: string, ext: string, content: string): Attachment {
    const source = `${randomUUID()}-attachment.${ext}`;
    this.writer.writeAttachment(source, Buffer.from(content));
    return { name, type, source };
  }

  /** Write the result of one failing flow (its evidence must be present). */
  write(r: FlowResult, flowIndex: number): void {
    const ev = r.evidence;
    if (!ev) return;
    const attachments: Attachment[] = [];
    try {
      const view = buildCaseView({ key: r.key, verdict: r.verdict, trace: ev.trace, steps: ev.steps, findings: ev.findings, reason: r.reason }, [
        { host: this.target.pfA.host, port: this.target.pfA.port, label: 'PF A' },
        { host: this.target.pfB.host, port: this.target.pfB.port, label: 'PF B' },
      ]);
      attachments.push(this.attach('ladder', 'image/svg+xml', 'svg', renderLadder(view)));
    } catch (e) {
      // A view that cannot be drawn must not lose the verdict: the messages below still show it.
      attachments.push(this.attach('ladder not drawn', 'text/plain', 'txt', (e as Error).message));
    }
    attachments.push(this.attach('messages', 'text/plain', 'txt', ev.trace.map(entryText).join('\n\n')));
    const status = r.verdict === 'fail' ? Status.FAILED : Status.BROKEN;
    const result: TestResult = {
      uuid: randomUUID(),
      name: `${r.key} — load flow #${flowIndex} (${r.slot})`,
      fullName: `load:${this.flow}:${r.key}#${flowIndex}`,
      historyId: `load:${this.flow}:${r.key}#${flowIndex}`,
      status,
      statusDetails: { message: r.reason ? findingText(r.reason) : r.verdict, trace: ev.findings.map((f) => findingText(f)).join('\n\n') },
      stage: Stage.FINISHED,
      steps: ev.steps.map((s) => ({
        name: s.title, status: s.verdict === 'pass' || s.verdict === 'non-strict' ? Status.PASSED : s.verdict === 'fail' ? Status.FAILED : Status.BROKEN,
        statusDetails: s.findings[0] ? { message: findingText(s.findings[0]) } : {}, stage: Stage.FINISHED, steps: [], attachments: [], parameters: [], start: s.start, stop: s.stop,
      })),
      attachments,
      parameters: [{ name: 'flow', value: this.flow }, { name: 'slot', value: r.slot }],
      labels: [
        { name: 'feature', value: `load: ${this.flow}` },
        { name: 'suite', value: 'load' },
        ...(r.reason?.requirement ? [{ name: 'story', value: r.reason.requirement }, { name: 'tag', value: r.reason.requirement }] : []),
      ],
      links: [],
      start: r.startedAt,
      stop: r.startedAt + r.durationMs,
    };
    this.writer.writeResult(result);
    this.written++;
  }
}

/**
 * The run's own evidence as Allure global attachments (shown beside the failing flows): the
 * latency-over-time SVG and the JSON summary with its percentiles and encoded histograms.
 */
export function writeLoadGlobals(resultsDir: string, summaryJson: string, svg: string): void {
  const writer = new FileSystemWriter({ resultsDir });
  const now = Date.now();
  const attachments: Array<Attachment & { timestamp: number }> = [
    { name: 'latency over time (INVITE→200 p50/p95/p99 per second)', type: 'image/svg+xml', source: `${randomUUID()}-attachment.svg`, timestamp: now },
    { name: 'load summary (JSON)', type: 'application/json', source: `${randomUUID()}-attachment.json`, timestamp: now },
  ];
  writer.writeAttachment(attachments[0].source, Buffer.from(svg));
  writer.writeAttachment(attachments[1].source, Buffer.from(summaryJson));
  writer.writeGlobals(`${randomUUID()}-globals.json`, { attachments, errors: [] });
}

