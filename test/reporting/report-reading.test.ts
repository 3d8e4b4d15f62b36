/**
 * What issue 13 asked of the report, without a browser: the finding's expected / actual / why, the
 * lane order of the ladder, the runner's context not drawn as a failing message, "not reached" in
 * the matrix, the results as Allure reads them (one story, tags, N/A epic, no traces, jest labels
 * gone, SUT-keyed history), and one history entry per run whatever the rebuilds.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findingParts, findingText } from '../../reporters/finding-view';
import { buildCaseView } from '../../reporters/case-view';
import { ladderPage, renderLadder } from '../../reporters/ladder';
import { lookedAt, renderExchange } from '../../reporters/exchange-html';
import { buildMatrix } from '../../reporters/matrix';
import { NA_EPIC, polishResults, readerMessage } from '../../reporters/allure-polish';
import { keepRun, resultsSetId, withoutRun } from '../../reporters/report-history';
import type { VerdictRecord } from '../../reporters/verdict-log';
import LiveReporter from '../../reporters/live-reporter';
import { A1, B1, PFA, entry, syntheticCase } from './support/synthetic-case';

describe('a finding as the reader sees it', () => {
  const c = syntheticCase();

  it('says expected, the actual value with the message it came from (hop, trace number), and why expected', () => {
    const f = { ...c.reason!, expected: '68 (70 sent by A1 − 1 for each of the 2 Via(s) the SUT added)', fields: ['CSeq', 'Via', 'X-Absent'] };
    const p = findingParts(f);
    expect(p.expected).toBe('68');
    expect(p.actualValues).toEqual(['CSeq: 4 BYE']);
    expect(p.alsoCompared).toEqual(['Via: SIP/2.0/UDP 127.0.0.1:40001;branch=z9hG4bKa1', 'X-Absent: (absent)']);
    expect(p.actualFrom).toMatch(/^200 OK — #4 A1 ← 127\.0\.0\.1:5060/);
    expect(p.why).toMatch(/^70 sent by A1 − 1 for each .*; LEAVE-OK \(flow, OMA CR.*\): The OK response/);
    const text = findingText(f);
    expect(text).toMatch(/^FAIL LEAVE-OK \(step 14\): the OK at A1/);
    expect(text).toMatch(/\nexpected: 68\nactual: CSeq: 4 BYE\n {2}in 200 OK — #4 /);
    expect(text).toContain('\nthe message:\n#4 A1');
  });

  it('is drawn with all its parts beside the failing arrow; the exchange page says the same', () => {
    const svg = renderLadder(buildCaseView(c, [{ ...PFA, label: 'SUT PF A' }]));
    expect(svg).toContain('actual: CSeq: 4 BYE');
    expect(svg).toContain('why expected: LEAVE-OK');
    expect(svg).not.toContain('marker-end'); // drawn heads: Allure's frame dropped marker references
    const html = renderExchange(c, [{ ...PFA, label: 'SUT PF A' }]);
    expect(html).toMatch(/<b>actual:<\/b> <span class="actual">CSeq: 4 BYE<\/span>/);
    expect(html).toMatch(/<a href="#m4">200 OK — #4 A1/);
    const page = ladderPage(svg, c.key);
    expect(page).toMatch(/^<!DOCTYPE html>[\s\S]*<div class="ladder-box"><div class="lanes">[\s\S]*<\/div><svg [^>]*class="ladder"/);
    // The sticky copy of the lane heads names every lifeline.
    expect(/<div class="lanes">([\s\S]*?)<\/div>/.exec(page)?.[1].match(/class="head">[^<]*/g)).toEqual(['class="head">A1', 'class="head">SUT PF A', 'class="head">B1']);
  });

  it('marks the header lines a check named, not a word of its sentence ("from PF B" is no From header)', () => {
    expect([...lookedAt({ fields: [], message: 'the leaving request did not reach B1 from PF B', expected: 'top Via naming PF B' }, ['From', 'Via', 'v'])]).toEqual(['via']);
  });

  it('keeps the runner\'s context ("the last message the SUT sent") off the failing marks', () => {
    const ctx = { verdict: 'inconclusive' as const, message: 'the last message the SUT sent before the case ended: "BYE\\r\\n"', actual: c.trace[2], context: true };
    const view = buildCaseView({ ...c, verdict: 'inconclusive', findings: [ctx], reason: ctx }, [{ ...PFA, label: 'SUT PF A' }]);
    expect(view.arrows.some((a) => a.finding)).toBe(false);
  });
});

describe('ladder lanes', () => {
  it('follow the spec figure: A devices, Core A, PF A, PF B, Core B, B devices', () => {
    const PFB = { host: '127.0.0.1', port: 5061 };
    const CA = { host: '127.0.0.1', port: 41001 };
    const CB = { host: '127.0.0.1', port: 41002 };
    const B2 = { host: '127.0.0.1', port: 40003 };
    const msg = (n: number) => `MESSAGE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK${n}\r\nCSeq: ${n} MESSAGE\r\nCall-ID: c${n}\r\nContent-Length: 0\r\n\r\n`;
    // First appearance order B1, Core B, PF B, B2, A1, Core A, PF A: what the ladder drew before.
    const trace = [
      entry(0, 'B1', 'sent', B1, CB, msg(0)), entry(1, 'Core B', 'sent', CB, PFB, msg(1)), entry(2, 'B2', 'sent', B2, CB, msg(2)),
      entry(3, 'A1', 'sent', A1, CA, msg(3)), entry(4, 'Core A', 'sent', CA, PFA, msg(4)),
    ];
    const view = buildCaseView({ key: 'k', verdict: 'pass', trace, steps: [], findings: [] }, [{ ...PFA, label: 'SUT PF A' }, { ...PFB, label: 'SUT PF B' }]);
    expect(view.lifelines.map((l) => l.label)).toEqual(['A1', 'Core A', 'SUT PF A', 'SUT PF B', 'Core B', 'B1', 'B2']);
    const lane = (name: string) => view.lifelines.find((l) => l.label === name)!.index;
    expect(view.arrows.map((a) => [a.from, a.to])).toEqual([[lane('B1'), lane('Core B')], [lane('Core B'), lane('SUT PF B')], [lane('B2'), lane('Core B')], [lane('A1'), lane('Core A')], [lane('Core A'), lane('SUT PF A')]]);
  });
});

function rec(key: string, verdict: VerdictRecord['verdict'], requirements: string[], judged: VerdictRecord['requirementVerdicts'], reason?: VerdictRecord['reason']): VerdictRecord {
  return { key, id: key.split(' ')[0], title: 't', feature: 'Closing a 1-1 CPM session (C.2.3.1)', variant: { transport: 'udp', topology: 'direct', devices: [1, 1] } as VerdictRecord['variant'], verdict, requirements, requirementVerdicts: judged, durationMs: 1, sutAgents: [], reason };
}

describe('matrix: not reached is its own reason', () => {
  it('does not call a requirement not applicable when its case stopped before it', () => {
    const m = buildMatrix({
      records: [
        rec('TC-LEAVE-01 [udp]', 'fail', ['LEAVE-ORIG', 'LEAVE-OK'], { 'LEAVE-ORIG': 'fail' }, { message: 'x', requirement: 'LEAVE-ORIG', step: '2-7' }),
        rec('TC-LEAVE-01 [tcp]', 'n/a', ['LEAVE-ORIG', 'LEAVE-OK'], {}, { message: "not applicable: the target's transport is udp, this variant needs tcp" }),
      ],
      sut: { name: 'S' }, ics: {}, harnessVersion: '0', run: { transports: ['udp'], topologies: ['direct'], pfMode: 'proxy', strict: false },
    });
    const row = m.requirements.find((r) => r.id === 'LEAVE-OK')!;
    expect(row.verdict).toBe('not tested');
    expect(row.note).toMatch(/^not reached in 1 case\(s\): TC-LEAVE-01 \[udp\] stopped earlier \(FAIL LEAVE-ORIG at step 2-7\); other variants not applicable to the target configuration/);
    expect(row.note).not.toMatch(/per ICS/);
  });
});

describe('live line: not reached is its own reason', () => {
  it('says "not reached (the case stopped earlier)" for the requirements a case listed but never checked, and nothing of the kind for a pass or an N/A', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cpm-live-'));
    const log = path.join(dir, 'cpm-verdicts.jsonl');
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
    try {
      const live = new LiveReporter({}, { verdictLog: log, color: false });
      const stopped = rec('TC-LEAVE-01 [udp]', 'fail', ['LEAVE-ORIG', 'LEAVE-TERM', 'LEAVE-OK'], { 'LEAVE-ORIG': 'fail' }, { message: 'no BYE', requirement: 'LEAVE-ORIG', step: '2-7' });
      const passed = rec('TC-LEAVE-02 [udp]', 'pass', ['LEAVE-ORIG', 'LEAVE-OK'], { 'LEAVE-ORIG': 'pass' });
      const na = rec('TC-LEAVE-03 [tcp]', 'n/a', ['LEAVE-OK'], {}, { message: "not applicable: the target's transport is udp, this variant needs tcp" });
      fs.writeFileSync(log, [stopped, passed, na].map((r) => JSON.stringify(r)).join('\n') + '\n');
      for (const r of [stopped, passed, na]) live.onTestCaseResult(undefined, { title: `${r.key} t`, status: 'passed' });
    } finally {
      write.mockRestore();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^FAIL\s+TC-LEAVE-01 \[udp\] .*\n\s+LEAVE-ORIG step 2-7: no BYE\n\s+not reached \(the case stopped earlier\): LEAVE-TERM, LEAVE-OK\n$/);
    expect(lines[0]).not.toMatch(/not applicable/);
    expect(lines[1]).not.toMatch(/not reached/);
    expect(lines[2]).not.toMatch(/not reached/);
  });
});

describe('results as Allure reads them', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cpm-polish-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, r: object) => fs.writeFileSync(path.join(dir, `${name}-result.json`), JSON.stringify(r));
  const read = (name: string) => JSON.parse(fs.readFileSync(path.join(dir, `${name}-result.json`), 'utf8'));
  const jestLabels = ['language', 'framework', 'package', 'host', 'thread', 'parentSuite'].map((name) => ({ name, value: 'x' }));
  const stories = ['LEAVE-ORIG', 'LEAVE-OK'].map((value) => ({ name: 'story', value }));

  beforeAll(() => {
    fs.writeFileSync(path.join(dir, 'environment.properties'), 'sut.name=Vendor X (faults: a)\nsut.version=\nics={"transfer":{"pull":true}}\nsut.seen.server_user_agent=(none sent)\n');
    fs.writeFileSync(path.join(dir, 'cpm-verdicts.jsonl'), [
      rec('TC-LEAVE-01 [udp]', 'fail', ['LEAVE-ORIG', 'LEAVE-OK'], { 'LEAVE-ORIG': 'pass', 'LEAVE-OK': 'fail' }, { message: 'x', requirement: 'LEAVE-OK' }),
      rec('TC-LEAVE-01 [tcp]', 'n/a', ['LEAVE-ORIG', 'LEAVE-OK'], {}, { message: "not applicable: the target's transport is udp, this variant needs tcp" }),
      rec('TC-LEAVE-02 [tcp]', 'n/a', ['LEAVE-ORIG'], {}, { message: "not applicable: the target's transport is udp, this variant needs tcp" }),
    ].map((r) => JSON.stringify(r)).join('\n'));
    write('fail', { name: 'TC-LEAVE-01 [udp] t', status: 'failed', testCaseId: 'TC-LEAVE-01', historyId: 'h1', labels: [...jestLabels, { name: 'epic', value: 'OMA CPM' }, ...stories],
      statusDetails: { message: 'FAIL LEAVE-OK: x', trace: 'ConformanceAssertionError: FAIL LEAVE-OK: x\n    at reportCase (/r/allure-case.ts:86:21)' },
      steps: [{ statusDetails: { message: 'x', trace: 'Error: x\n    at processTicksAndRejections (node:internal)' } }] });
    write('na', { name: 'TC-LEAVE-01 [tcp] t', status: 'skipped', testCaseId: 'TC-LEAVE-01', labels: [{ name: 'epic', value: 'OMA CPM' }, ...stories], statusDetails: { message: "not applicable: the target's transport is udp, this variant needs tcp" } });
    // As allure-jest writes a skipped test: no testCaseId, no historyId.
    write('na-bare', { name: 'TC-LEAVE-02 [tcp] t', status: 'skipped', labels: [], statusDetails: { message: "not applicable: the target's transport is udp, this variant needs tcp" } });
    write('err', { name: 'TC-X-01 [udp] t', status: 'broken', labels: [], statusDetails: { message: 'Harness error: ERROR: harness error: TypeError: boom', trace: 'Error: Harness error\n    at f (/x.ts:1:2)' } });
    polishResults(dir);
  });

  it('gives each result one story (the failed requirement), every requirement as a tag, and no jest label', () => {
    const r = read('fail');
    expect(r.labels.filter((l: { name: string }) => l.name === 'story')).toEqual([{ name: 'story', value: 'LEAVE-OK' }]);
    expect(r.labels.filter((l: { name: string }) => l.name === 'tag').map((l: { value: string }) => l.value)).toEqual(['LEAVE-ORIG', 'LEAVE-OK']);
    expect(r.labels.map((l: { name: string }) => l.name)).not.toEqual(expect.arrayContaining(['language']));
    expect(r.labels.some((l: { name: string }) => ['language', 'framework', 'package', 'host', 'thread', 'parentSuite'].includes(l.name))).toBe(false);
    expect(r.fullName).toBe('Closing a 1-1 CPM session (C.2.3.1) / TC-LEAVE-01 [udp]');
  });

  it('drops every stack trace; a harness error keeps its trace in a debug attachment', () => {
    expect(JSON.stringify(read('fail'))).not.toMatch(/ at |ConformanceAssertionError/);
    const e = read('err');
    expect(e.statusDetails).toEqual({ message: 'Harness error: harness error: TypeError: boom' });
    expect(e.attachments[0].name).toBe('debug: harness stack trace');
    expect(fs.readFileSync(path.join(dir, e.attachments[0].source), 'utf8')).toContain('at f (/x.ts:1:2)');
    expect(readerMessage('Inconclusive: INCONCLUSIVE (step fork): B5 never received the INVITE')).toBe('Inconclusive (step fork): B5 never received the INVITE');
  });

  it('puts N/A under its own epic, grouped by reason, and keys history by SUT', () => {
    const n = read('na');
    expect(n.labels.filter((l: { name: string }) => ['epic', 'feature', 'story'].includes(l.name)).map((l: { value: string }) => l.value))
      .toEqual([NA_EPIC, 'target configuration (transport / topology)', "the target's transport is udp, this variant needs tcp"]);
    expect(read('fail').testCaseId).toMatch(/^TC-LEAVE-01@sut:[0-9a-f]{12}$/);
    expect(read('fail').testCaseId).toBe(n.testCaseId);
    // Allure would key a skipped jest test by its full name alone: another SUT's run would show.
    expect(read('na-bare').testCaseId).toBe(`TC-LEAVE-02 [tcp]@sut:${/@sut:(.*)$/.exec(n.testCaseId)![1]}`);
  });

  it('completes environment.properties: unset version said, ICS one key per knob', () => {
    const env = fs.readFileSync(path.join(dir, 'environment.properties'), 'utf8');
    expect(env).toMatch(/^sut\.version=\(not set: add sut\.version to the target config\)$/m);
    expect(env).toMatch(/^ics\.transfer\.pull=true$/m);
    expect(env).not.toMatch(/^ics=/m);
  });
});

describe('history: one entry per run', () => {
  it('replaces a rebuilt run\'s entry instead of adding one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cpm-hist-'));
    try {
      fs.writeFileSync(path.join(dir, 'a-result.json'), JSON.stringify({ name: 'TC-1 x', start: 5, testCaseId: 'TC-1@sut:1' }));
      const id = resultsSetId(dir);
      const point = (start: number, tc = 'TC-1@sut:1') => JSON.stringify({ testResults: { k: { name: 'TC-1 x', start, historyId: `${createHash('md5').update(tc).digest('hex')}.p` } } });
      const older = point(1);
      const otherSut = point(5, 'TC-1@sut:2');
      expect(withoutRun(`${older}\n${point(5)}\n${otherSut}\n`, id)).toBe(`${older}\n${otherSut}\n`);
      const store = path.join(dir, 'h.jsonl');
      const work = path.join(dir, 'w.jsonl');
      fs.writeFileSync(store, `${older}\n${point(5)}\n`);
      fs.writeFileSync(work, `${older}\n${point(5)}\n`);
      keepRun(store, work, id);
      expect(fs.readFileSync(store, 'utf8')).toBe(`${older}\n${point(5)}\n`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('recognises a run whose results Allure keys by full name, and leaves out those it leaves out', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cpm-hist-'));
    try {
      const md5 = (s: string) => createHash('md5').update(s).digest('hex');
      fs.writeFileSync(path.join(dir, 'a-result.json'), JSON.stringify({ name: 'TC-1 x', start: 5, testCaseId: 'TC-1@sut:1' }));
      fs.writeFileSync(path.join(dir, 'b-result.json'), JSON.stringify({ name: 'TC-2 y', start: 6, fullName: 'F / TC-2' }));
      // No id at all: Allure writes no history item for it.
      fs.writeFileSync(path.join(dir, 'c-result.json'), JSON.stringify({ name: 'TC-3 z', start: 7 }));
      const point = JSON.stringify({ testResults: {
        k1: { name: 'TC-1 x', start: 5, historyId: `${md5('TC-1@sut:1')}.p` },
        k2: { name: 'TC-2 y', start: 6, historyId: `${md5('F / TC-2')}.q` },
      } });
      expect(withoutRun(`${point}\n`, resultsSetId(dir))).toBe('');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
