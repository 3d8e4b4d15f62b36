/**
 * Writes one case result into the running Allure test (docs/reporting.md): labels, links, parameters,
 * the quoted spec sentence, one step per spec flow step with the SIP messages it exchanged, and
 * the verdict mapping of docs/architecture.md, Verdicts.
 */
import * as path from 'node:path';
import * as allure from 'allure-js-commons';
import { Severity } from 'allure-js-commons';
export { findingText } from './finding-view';
import type { CaseResult } from '../src/harness/runner';
import { requirement } from '../src/harness/requirements';
import type { HarnessTarget } from '../src/harness/target';
import { findingText } from './finding-view';
import { buildCaseArtifacts, stepText, type CaseArtifacts } from './case-artifacts';
import type { CaseEvidence, SutAddress } from './case-view';
import { TimeSlicer } from './loop-yield';
import { ladderPage } from './ladder';
import { RENDERER_GLOBAL, type CaseRenderer } from './render-pool';

const SEVERITY: Record<string, Severity> = {
  SHALL: Severity.CRITICAL, MUST: Severity.CRITICAL, 'MUST NOT': Severity.CRITICAL, flow: Severity.CRITICAL,
  SHOULD: Severity.NORMAL, 'SHOULD NOT': Severity.NORMAL,
};

/** The SUT's addresses as the ladder names them. */
export function sutAddresses(target: Pick<HarnessTarget, 'pfA' | 'pfB'>): SutAddress[] {
  const same = target.pfA.host === target.pfB.host && target.pfA.port === target.pfB.port;
  return same
    ? [{ ...target.pfA, label: 'SUT PF A/B' }]
    : [{ ...target.pfA, label: 'SUT PF A' }, { ...target.pfB, label: 'SUT PF B' }];
}

export interface ReportCaseOptions {
  /** Write the ladder, exchange page and pcap under <resultsDir>/conformance/cases/ too. */
  resultsDir?: string;
  /** The case's files, already being rendered since the case ended (renderEarly). */
  rendered?: Promise<CaseArtifacts>;
}

/** The render worker the test environment handed to the suites (render-pool.ts), if any. */
function caseRenderer(): CaseRenderer | undefined {
  return (globalThis as Record<string, unknown>)[RENDERER_GLOBAL] as CaseRenderer | undefined;
}

/**
 * Starts rendering a case's ladder, exchange page and pcap on the render worker the moment the case
 * ends, before its test's turn to report comes; undefined without a render worker (reportCase then
 * renders in this thread). Why: the tests report in declaration order, so every case declared after
 * a long one (TC-MLD-007-14 waits out Timer B) waited for it and then for each earlier render in
 * turn: measured, the last 3–3.5 s of a default run were reports rendered one by one after the last
 * case had ended (issue 14). Rendered as they end, they overlap the cases still running.
 */
export function renderEarly(r: CaseResult, target: HarnessTarget, resultsDir: string): Promise<CaseArtifacts> | undefined {
  const renderer = caseRenderer();
  if (!renderer) return undefined;
  const art = renderer.render(r, sutAddresses(target), resultsDir);
  art.catch(() => undefined); // awaited by reportCase; never an unhandled rejection meanwhile
  return art;
}

export async function reportCase(r: CaseResult, feature: string, target: HarnessTarget, opts: ReportCaseOptions = {}): Promise<CaseArtifacts> {
  // Other cases are running: report in short slices between turns of the event loop (loop-yield.ts).
  const slicer = new TimeSlicer();
  await slicer.yield();
  const c = r.testCase;
  await allure.epic('OMA CPM');
  await allure.feature(feature);
  for (const id of c.requirements) await allure.story(id);
  const levels = c.requirements.map((id) => requirement(id).level);
  await allure.severity(levels.some((l) => SEVERITY[l] === Severity.CRITICAL) ? Severity.CRITICAL : Severity.NORMAL);
  await allure.label('requirement', c.requirements.join(', '));
  await allure.testCaseId(c.id);
  for (const id of c.requirements) {
    const req = requirement(id);
    if (req.url) await allure.link(req.url, `${id}: ${req.document} §${req.clause}`, 'tms');
  }
  await allure.parameter('transport', r.variant.transport);
  await allure.parameter('topology', r.variant.topology);
  await allure.parameter('devices per user', r.variant.devices.join('+'));
  await allure.parameter('PF mode', target.pfMode);
  await allure.parameter('SUT', `${target.name}${target.version ? ` ${target.version}` : ''}`, { excluded: true });
  await allure.description(
    `${c.title}\n\n${c.spec.document}, ${c.spec.clause}:\n> ${c.spec.sentence}\n\nRequirements: ${c.requirements.map((id) => `${id} — ${requirement(id).summary}`).join('\n')}`,
  );
  if (r.verdict === 'non-strict') {
    await allure.label('tag', 'non-strict');
    await allure.label('non-strict', r.findings.filter((f) => f.verdict === 'non-strict').map((f) => f.requirement ?? f.message).join(', ') || 'yes');
  }
  await allure.label('verdict', r.verdict);

  // The case's evidence first, so it heads the attachments: ladder, exchange, pcap. Rendered and
  // written by the render worker when the environment provides one (render-pool.ts says why).
  const renderer = caseRenderer();
  const art = opts.rendered
    ? await opts.rendered
    : renderer && opts.resultsDir
      ? await renderer.render(r, sutAddresses(target), opts.resultsDir)
      : await buildCaseArtifacts(r, sutAddresses(target), opts.resultsDir, slicer);
  await slicer.yield();
  const evidence: Array<[string, string | Buffer | undefined, string | undefined, string, string]> = [
    // As HTML with the SVG inline (ladderPage says why); the bare SVG is in cases/<case>/ladder.svg.
    ['SIP ladder diagram', art.svg !== undefined ? ladderPage(art.svg, r.key) : undefined, art.files?.ladderPage, 'text/html', 'html'],
    ['SIP exchange (looked-at headers highlighted)', art.html, art.files?.exchange, 'text/html', 'html'],
    ['trace.pcap (Wireshark)', art.pcap, art.files?.pcap, 'application/vnd.tcpdump.pcap', 'pcap'],
  ];
  for (const [name, content, file, contentType, fileExtension] of evidence) {
    if (content !== undefined) await allure.attachment(name, content, { contentType, fileExtension });
    else if (file && opts.resultsDir) await allure.attachmentPath(name, path.join(opts.resultsDir, file), { contentType, fileExtension });
  }

  for (const [i, s] of r.steps.entries()) {
    try {
      await allure.step(`${/^\d/.test(s.id) ? `Step ${s.id}` : s.id}: ${s.title}`, async () => {
        // The step's messages in one attachment, named by their first lines (case-artifacts.ts stepText says why).
        if (s.entries.length > 0) {
          const name = stepAttachmentName(s.entries);
          const file = art.files?.steps?.[i];
          if (art.steps?.[i] !== undefined) await allure.attachment(name, art.steps[i], { contentType: 'text/plain', fileExtension: 'sip' });
          else if (file && opts.resultsDir) await allure.attachmentPath(name, path.join(opts.resultsDir, file), { contentType: 'text/plain', fileExtension: 'sip' });
          else await allure.attachment(name, stepText(s.entries), { contentType: 'text/plain', fileExtension: 'sip' });
        }
        for (const f of s.findings) await allure.attachment(`${f.verdict} finding`, findingText(f), { contentType: 'text/plain', fileExtension: 'txt' });
        if (s.verdict === 'fail' || s.verdict === 'error' || s.verdict === 'inconclusive') {
          const e = new Error(s.findings[0]?.message ?? s.verdict);
          // A SUT failure marks the step "failed" (an assertion), inconclusive / harness error "broken".
          if (s.verdict === 'fail') e.name = 'ConformanceAssertionError';
          // The step's status text is the finding's words: no stack of this reporter, no class name.
          e.stack = e.message;
          throw e;
        }
      });
    } catch {
      // The step's status is recorded; the case verdict is decided below.
    }
  }
  await slicer.yield();
  const traceOptions = { contentType: 'application/json', fileExtension: 'json' };
  if (art.trace !== undefined) await allure.attachment('merged trace (JSON)', art.trace, traceOptions);
  else if (art.files?.trace && opts.resultsDir) await allure.attachmentPath('merged trace (JSON)', path.join(opts.resultsDir, art.files.trace), traceOptions);
  return art;
}

/** "3 SIP messages: → A1 INVITE sip:…, ← A1 SIP/2.0 100 Trying, …", at most 200 characters. */
function stepAttachmentName(entries: CaseEvidence['trace']): string {
  const lines = entries.map((e) => `${e.direction === 'sent' ? '→' : '←'} ${e.owner ?? ''} ${e.message || e.msrp ? firstLine(e.raw) : 'unparseable octets'}`);
  const name = `${entries.length} SIP message${entries.length === 1 ? '' : 's'}: ${lines.join(', ')}`;
  return name.length > 200 ? `${name.slice(0, 199)}…` : name;
}

function firstLine(raw: Buffer): string {
  const i = raw.indexOf('\r\n');
  return raw.subarray(0, i < 0 ? Math.min(raw.length, 80) : Math.min(i, 80)).toString('latin1');
}
