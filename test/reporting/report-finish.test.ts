/**
 * What `report` adds after Allure (issue 13), without a browser: the Graphs ring's total without
 * N/A in both report forms, the frame-sizing script and the matrix link in the page, and the
 * category each kind of verdict message lands in (Allure 3 takes the first that matches).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { CATEGORIES } from '../../reporters/categories';
import { FRAME_SCRIPT_ID, MATRIX_LINK_ID, embeddedRingWithoutNa, finishReport, ringWithoutNa } from '../../reporters/report-finish';

const CHARTS = { general: { a: { type: 'currentStatus', title: 'Current status', data: { total: 100, passed: 3, failed: 2, broken: 9, skipped: 86 } }, b: { type: 'statusDynamics', data: [] } } };

describe('the Graphs ring', () => {
  it('divides by the results the overview counts: N/A out of the total', () => {
    const c = JSON.parse(ringWithoutNa(JSON.stringify(CHARTS))) as typeof CHARTS;
    expect(c.general.a.data).toEqual({ total: 14, passed: 3, failed: 2, broken: 9 });
    expect(c.general.a.title).toMatch(/N\/A left out/);
    expect(c.general.b).toEqual(CHARTS.general.b);
  });

  it('is fixed in the data a single-file report embeds too', () => {
    const b64 = Buffer.from(JSON.stringify(CHARTS)).toString('base64');
    const html = `<script>Promise.allSettled([d("widgets/tree.json","e30="),d("widgets/charts.json","${b64}")])</script>`;
    const fixed = /d\("widgets\/charts\.json","([^"]+)"\)/.exec(embeddedRingWithoutNa(html))![1];
    expect(JSON.parse(Buffer.from(fixed, 'base64').toString('utf8')).general.a.data.total).toBe(14);
    expect(embeddedRingWithoutNa(html)).toContain('d("widgets/tree.json","e30=")');
  });
});

describe('finishReport', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cpm-finish-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('adds the frame-sizing script once, the matrix page and link, no fixed frame height', () => {
    const out = path.join(tmp, 'report');
    const conf = path.join(tmp, 'conformance');
    fs.mkdirSync(path.join(out, 'widgets'), { recursive: true });
    fs.mkdirSync(conf);
    fs.writeFileSync(path.join(conf, 'conformance-report.md'), '# Matrix\n\n| id | verdict |\n|---|---|\n| LEAVE-OK | FAIL |\n');
    fs.writeFileSync(path.join(out, 'index.html'), '<html><head><title>r</title></head><body></body></html>');
    fs.writeFileSync(path.join(out, 'widgets', 'charts.json'), JSON.stringify(CHARTS));
    finishReport(out, conf, false);
    finishReport(out, conf, false);
    const html = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
    expect(html.split(`id="${FRAME_SCRIPT_ID}"`)).toHaveLength(2);
    expect(html.split(`id="${MATRIX_LINK_ID}"`)).toHaveLength(2);
    expect(html).toMatch(new RegExp(`<script id="${FRAME_SCRIPT_ID}">[\\s\\S]*</script></head>`));
    // The frame gets its content's height from Allure's own measurement, never a fixed one.
    expect(html).not.toMatch(/iframe[^{]*\{[^}]*height/);
    expect(fs.readFileSync(path.join(out, 'conformance', 'conformance-report.html'), 'utf8')).toContain('<td>LEAVE-OK</td>');
    expect(JSON.parse(fs.readFileSync(path.join(out, 'widgets', 'charts.json'), 'utf8')).general.a.data.total).toBe(14);
    expect(fs.existsSync(path.join(out, 'widgets', 'metrics.json'))).toBe(true);
  });

  it('gives a page script that parses and copies a blob frame from the Blob itself, even once its URL is revoked', async () => {
    const out = path.join(tmp, 'report-script');
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'index.html'), '<html><head></head><body></body></html>');
    finishReport(out, path.join(tmp, 'none'), true);
    const html = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
    const body = new RegExp(`<script id="${FRAME_SCRIPT_ID}">([\\s\\S]*?)</script>`).exec(html)?.[1] ?? '';
    // A syntax error here leaves every frame of a report opened from disk at 150 px, unreadable.
    const script = new vm.Script(body);
    const attrs = new Map<string, string>([['sandbox', 'allow-same-origin']]);
    const loads: Array<() => void> = [];
    const frame = {
      src: '', contentDocument: null as object | null,
      getAttribute: (k: string) => attrs.get(k) ?? null, setAttribute: (k: string, v: string) => void attrs.set(k, v), removeAttribute: (k: string) => void attrs.delete(k),
      addEventListener: (_e: string, f: () => void) => void loads.push(f), removeEventListener: (_e: string, f: () => void) => void loads.splice(loads.indexOf(f), 1),
    };
    let observed: (() => void) | undefined;
    const revoked = new Set<string>();
    const page = {
      self: { origin: 'null' }, Blob,
      URL: { createObjectURL: (blob: Blob) => `blob:null/${blob.size}`, revokeObjectURL: (u: string) => revoked.add(u) },
      fetch: () => Promise.reject(new TypeError('revoked')),
      document: { documentElement: {}, querySelectorAll: () => [frame] },
      MutationObserver: class { constructor(f: () => void) { observed = f; } observe() { /* the page's DOM */ } },
    };
    script.runInNewContext(page);
    frame.src = page.URL.createObjectURL(new Blob(['<p>ladder</p>'], { type: 'text/html; charset=utf-8' }) as never);
    page.URL.revokeObjectURL(frame.src);
    observed?.();
    await new Promise((r) => setTimeout(r, 20));
    expect([...revoked]).toEqual(['blob:null/13']);
    expect(attrs.get('srcdoc')).toBe('<p>ladder</p>');
    expect(attrs.get('data-cpm-src')).toBe(frame.src);
    // The blob load committed after the copy (unreadable document): the copy is loaded again, then left alone once readable.
    attrs.delete('srcdoc');
    loads[0]();
    expect(attrs.get('srcdoc')).toBe('<p>ladder</p>');
    frame.contentDocument = {};
    loads[0]();
    expect(loads).toEqual([]);
  });
});

describe('categories', () => {
  const categoryOf = (status: 'failed' | 'broken' | 'skipped', message: string): string[] =>
    CATEGORIES.filter((c) => c.matchedStatuses.includes(status) && (!c.messageRegex || new RegExp(c.messageRegex).test(message))).map((c) => c.name);

  it.each([
    ['broken', 'Error: Inconclusive: INCONC: not run: the run was interrupted (Ctrl-C / SIGTERM) before this case started', 'Not run: interrupted'],
    ['broken', 'Inconclusive: not run: the run was interrupted (Ctrl-C / SIGTERM) before this case started', 'Not run: interrupted'],
    ['broken', 'Inconclusive: the run was interrupted (Ctrl-C / SIGTERM) before this case ended; its devices cleaned up at the SUT', 'Not run: interrupted'],
    ['broken', 'Inconclusive (step fork): B5 was never reached\nthe message: … the run was interrupted', 'Inconclusive'],
    ['broken', 'Inconclusive (step fork): no INVITE reached B5', 'Inconclusive'],
    ['broken', 'Harness error: the topology could not be built', 'Harness error'],
    ['broken', 'Known deviation (baseline): Inconclusive: not run: the run was interrupted', 'Known deviation (baseline)'],
    ['failed', 'FAIL LEAVE-OK (step 14): the OK at A1', 'SUT non-conformance'],
    ['skipped', "not applicable: the target's transport is udp, this variant needs tcp", 'Not applicable (target configuration)'],
    ['skipped', 'not applicable: the SUT does not claim session transfer', 'Not applicable (ICS)'],
  ] as const)('%s "%s" → %s, and only there', (status, message, category) => {
    expect(categoryOf(status, message)).toEqual([category]);
  });
});
