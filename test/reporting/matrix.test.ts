import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { REQUIREMENTS } from '../../src/harness/requirements';
import type { Verdict } from '../../src/harness/verdict';
import { buildMatrix, matrixMarkdown } from '../../reporters/matrix';
import { classify, classifyAll, formatBaselineSummary, makeBaseline, readBaseline, verdictsForExit, writeBaseline, BaselineError } from '../../reporters/baseline';
import { junitXml } from '../../reporters/junit';
import type { VerdictRecord } from '../../reporters/verdict-log';

function rec(key: string, verdict: Verdict, requirements: string[], judged: Record<string, Verdict> = {}): VerdictRecord {
  return {
    key, id: key.split(' ')[0], title: `title of ${key}`, feature: 'Closing a 1-1 CPM session (C.2.3.1)', variant: { transport: 'udp', topology: 'direct', devices: [1, 1] } as VerdictRecord['variant'],
    verdict, requirements, requirementVerdicts: judged, durationMs: 12, sutAgents: ['RefServer/1.0'],
    reason: verdict === 'pass' ? undefined : { message: verdict === 'n/a' ? 'not applicable: the ICS does not claim transfer' : `${verdict} <because> | of it`, requirement: requirements[0], step: '14', expected: 'CSeq 3 BYE' },
  };
}

const records = [
  rec('TC-A-01 [udp]', 'pass', ['LEAVE-ORIG', 'LEAVE-TERM'], { 'LEAVE-ORIG': 'pass', 'LEAVE-TERM': 'pass' }),
  rec('TC-A-02 [udp]', 'fail', ['LEAVE-OK', 'LEAVE-ORIG'], { 'LEAVE-ORIG': 'pass', 'LEAVE-OK': 'fail' }),
  rec('TC-A-03 [udp]', 'non-strict', ['RFC3261-15.1.2'], { 'RFC3261-15.1.2': 'non-strict' }),
  rec('TC-T-01 [udp]', 'n/a', ['TRF-MP-ACCEPT']),
  rec('TC-A-04 [udp]', 'inconclusive', ['RFC3261-16.6']),
];

const input = {
  records, sut: { name: 'Demo SUT', version: '1.0' }, ics: { transfer: { csInMediaPath: false } }, harnessVersion: '0.1.0',
  run: { transports: ['udp'], topologies: ['direct'], pfMode: 'proxy', strict: false },
  catalogueCases: new Map([['LEAVE-ORIG', 1], ['LEAVE-TERM', 1], ['LEAVE-OK', 1], ['RFC3261-15.1.2', 1], ['TRF-MP-ACCEPT', 1], ['RFC3261-16.6', 1], ['CPM-MLD-007', 3]]),
  now: new Date('2026-01-01T00:00:00Z'),
};

describe('conformance matrix', () => {
  const m = buildMatrix(input);

  it('lists every requirement of the catalogue, in order, with the verdict its cases earned', () => {
    expect(m.requirements.map((r) => r.id)).toEqual(REQUIREMENTS.map((r) => r.id));
    const v = Object.fromEntries(m.requirements.map((r) => [r.id, r.verdict]));
    expect(v).toMatchObject({ 'LEAVE-ORIG': 'pass', 'LEAVE-OK': 'fail', 'RFC3261-15.1.2': 'non-strict', 'RFC3261-16.6': 'inconclusive' });
    expect(m.requirements.find((r) => r.id === 'LEAVE-ORIG')!.cases.map((c) => c.key)).toEqual(['TC-A-01 [udp]', 'TC-A-02 [udp]']);
    expect(m.requirements.find((r) => r.id === 'LEAVE-OK')!.clause).toMatch(/C\.2\.3\.1/);
  });

  it('lists requirements no applicable case covered as not tested, saying why', () => {
    const row = (id: string) => m.requirements.find((r) => r.id === id)!;
    expect(row('TRF-MP-ACCEPT')).toMatchObject({ verdict: 'not tested', note: expect.stringMatching(/not applicable per ICS: the ICS does not claim transfer/) });
    expect(row('CPM-MLD-007')).toMatchObject({ verdict: 'not tested', note: 'not selected in this run' });
    expect(m.totals.byRequirementVerdict['not tested']).toBe(REQUIREMENTS.length - 5);
    expect(m.totals.byVerdict).toMatchObject({ pass: 1, fail: 1, 'non-strict': 1, 'n/a': 1, inconclusive: 1 });
    expect(m.verdict).toBe('fail');
  });

  it('validates against the published schema', () => {
    const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'schema', 'conformance-report.schema.json'), 'utf8'));
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const json = JSON.parse(JSON.stringify(m));
    expect(validate(json) ? [] : validate.errors).toEqual([]);
  });

  it('renders Markdown: every requirement a row, ICS and totals, no table broken by the data', () => {
    const md = matrixMarkdown(m);
    for (const r of REQUIREMENTS) expect(md).toContain(`| **${r.id}**`);
    expect(md).toContain('"csInMediaPath": false');
    expect(md).toMatch(/- 5 case variants: 1 pass, 1 non-strict, 1 fail, 1 inconclusive, 0 error, 1 n\/a/);
    expect(md).toContain('fail &lt;because&gt; \\| of it');
    expect(md).toContain('RefServer/1.0');
  });
});

describe('baseline of known deviations', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cpm-baseline-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('records the current failures and classifies the next run: pass, regression, known, fixed, new', () => {
    const file = path.join(tmp, 'baseline.json');
    writeBaseline(file, makeBaseline(records, { name: 'Demo SUT' }));
    const b = readBaseline(file);
    expect(b.deviations.map((d) => d.key)).toEqual(['TC-A-02 [udp]', 'TC-A-04 [udp]']);
    const next = [
      rec('TC-A-01 [udp]', 'fail', ['LEAVE-ORIG'], { 'LEAVE-ORIG': 'fail' }),
      rec('TC-A-02 [udp]', 'fail', ['LEAVE-OK'], { 'LEAVE-OK': 'fail' }),
      rec('TC-A-04 [udp]', 'pass', ['RFC3261-16.6'], { 'RFC3261-16.6': 'pass' }),
      rec('TC-A-09 [udp]', 'pass', ['LEAVE-OK'], { 'LEAVE-OK': 'pass' }),
    ];
    const status = classifyAll(next, b);
    expect([...status.values()]).toEqual(['regression', 'known', 'fixed', 'new']);
    expect(classify({ key: 'TC-A-03 [udp]', verdict: 'non-strict' }, b)).toBe('pass');
    // A known deviation does not fail the exit code; the regression does.
    expect(verdictsForExit(next, status)).toEqual(['fail', 'pass', 'pass']);
    expect(verdictsForExit([next[1]], status)).toEqual([]);
    const summary = formatBaselineSummary(next, status, file);
    expect(summary).toMatch(/1 regression \(pass→FAIL\), 1 known deviation \(xfail\), 1 fixed \(xfail→PASS\), 1 new/);
    expect(summary).toMatch(/pass→FAIL\s+TC-A-01/);
    expect(summary).toMatch(/xfail→PASS\s+TC-A-04/);
    const m = buildMatrix({ ...input, records: next, baseline: { file, status } });
    expect(m.totals.byBaseline).toEqual({ pass: 0, regression: 1, known: 1, fixed: 1, new: 1 });
    expect(matrixMarkdown(m)).toContain('XFAIL (known deviation)');
  });

  it('refuses a file that is not a baseline', () => {
    const bad = path.join(tmp, 'bad.json');
    fs.writeFileSync(bad, '{"hello":1}');
    expect(() => readBaseline(bad)).toThrow(BaselineError);
  });
});

describe('JUnit XML', () => {
  it('maps verdicts: fail → failure, inconclusive → error, n/a → skipped with the reason, known deviation → skipped', () => {
    const xml = junitXml(records, { timestamp: new Date('2026-01-01T00:00:00Z') });
    expect(xml).toMatch(/<testsuites name="cpm-conformance" tests="5" failures="1" errors="1" skipped="1"/);
    expect(xml).toMatch(/<failure message="FAIL LEAVE-OK \(step 14\): fail &lt;because&gt; \| of it" type="FAIL">/);
    expect(xml).toMatch(/<error message="INCONC[^"]*" type="INCONC">/);
    expect(xml).toContain('<skipped message="not applicable: the ICS does not claim transfer"/>');
    expect(xml).toMatch(/<system-out>NON-STRICT RFC3261-15\.1\.2/);
    const known = junitXml(records, { baseline: new Map([['TC-A-02 [udp]', 'known' as const]]) });
    expect(known).toMatch(/failures="0" errors="1" skipped="2"/);
    expect(known).toContain('XFAIL (known deviation)');
  });
});
