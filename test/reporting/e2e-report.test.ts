/**
 * The report as a reader sees it (issue 13), in Chromium (Debian's, driven by playwright-core).
 *
 * Over HTTP on 127.0.0.1: runs against the reference server with a fault (so cases fail), a second
 * SUT's results built into the same report folder and history file, the last run rebuilt twice:
 * - the tree's counts equal the header's, in total and per status (one tree entry per result);
 * - the Graphs page's pass rate and "of N" are the overview's (N/A left out of both);
 * - a FAIL page shows expected, the actual value with the message it came from, and why expected;
 * - the spec link names the clause, the steps follow the spec flow;
 * - the History tab of a case shows only its SUT's earlier run (not the other SUT's, not a rebuild);
 * - the ladder is an HTML attachment with the SVG inline at its own width (hover titles), the
 *   failing message marked, lifelines in the spec figure's order;
 * - the ladder and exchange frames are as tall as their content: no 150 px frame, no blank strip;
 * - the case's cases/<case>/ladder.svg is the very SVG the HTML attachment draws;
 * - the conformance matrix is linked from the overview;
 * - no stack line ("at file:line:col") or class name on any result page or in any result file,
 *   no jest label; `run` prints no jest Validation Warning;
 * - no request leaves 127.0.0.1, and none fails (no 404, no failed load).
 * From disk (file://), `report --single-file` of a vendor's target with N/A results:
 * - the Graphs page's pass rate and "of N" are the overview's; the tree's counts the header's;
 * - N/A results in one branch of their own, collapsed on load (no N/A leaf drawn), its count the header's;
 * - the ladder and exchange frames are as tall as their content (Allure cannot measure a frame of
 *   a page opened from disk; the report makes it measurable), no blank strip under the ladder;
 * - no stack line on the page; no request but to the file itself (file:, blob:, data:), and none fails.
 * Screenshots are saved under .tmp/test-output/reporting/.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BrowserContext, Page, Request } from 'playwright-core';
import { caseSlug } from '../../reporters/case-artifacts';
import { serveStatic, type StaticServer } from '../../reporters/static-server';
import {
  CHROMIUM, expandAttachments, frameSizes, launchChromium, openCase, passRates, referenceEnv, reportData, startReferenceChild, writeVendorTarget, localPortsBeside,
  type FrameSize, type ReferenceChild, type Tree,
} from '../../bench/report-browser';
import { cli, TEST_OUTPUT } from './support/cli';

jest.setTimeout(6 * 60_000);

const haveChromium = fs.existsSync(CHROMIUM);
const inCI = process.env.CI === 'true';
const CASE = 'TC-LEAVE-01 [udp, core-emulation, devices 1+1, proxy]';
const RUN = ['--mode', 'proxy', '--reference-fault', 'leave-ok-wrong-cseq', '--grep', '^TC-LEAVE-0[13]'];
/** The vendor target's case that runs (UDP, direct); its other variants are N/A. */
const VENDOR_CASE = 'TC-LEAVE-01 [udp, direct, devices 1+1]';
/** A line of a Node stack trace, or a class name a reader has no use for. */
const STACK_LINE = /^\s*at .+:\d+:\d+\)?$|processTicksAndRejections|ConformanceAssertionError/m;
const FRAMES = ['SIP ladder diagram', 'SIP exchange'];

if (!haveChromium && !inCI) {
  console.warn(`skipping the browser test of the HTML report: ${CHROMIUM} not found; install it with 'apt-get install -y chromium' (.ci/run does)`);
}

/** The same results as from another SUT: only the SUT's identity differs (what history is keyed by). */
function asOtherSut(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
  const env = path.join(to, 'environment.properties');
  fs.writeFileSync(env, fs.readFileSync(env, 'utf8').replace(/^sut\.name=.*$/m, 'sut.name=Other vendor CPM server').replace(/^sut\.version=.*$/m, 'sut.version=9.9'));
}

/** The header's counts (total and per status) and the tree's, counted from its leaves. */
async function treeAndHeader(page: Page): Promise<{ header: Record<string, number>; tree: Record<string, number>; groupTotals: number }> {
  await page.getByTestId('metadata-item-total').waitFor();
  const header: Record<string, number> = {};
  for (const s of ['total', 'passed', 'failed', 'broken', 'skipped']) {
    const item = page.getByTestId(`metadata-item-${s}`);
    header[s] = (await item.count()) ? Number((await item.textContent())?.replace(/\D+/g, '')) : 0;
  }
  const t = await reportData<Tree>(page, 'widgets/tree.json');
  const leaves = (g: { groups?: string[]; leaves?: string[] }): string[] => [...(g.leaves ?? []), ...(g.groups ?? []).flatMap((id) => leaves(t.groupsById[id]))];
  const all = leaves(t.root);
  const tree: Record<string, number> = { total: all.length, passed: 0, failed: 0, broken: 0, skipped: 0 };
  for (const id of all) tree[t.leavesById[id].status] = (tree[t.leavesById[id].status] ?? 0) + 1;
  const groupTotals = t.root.groups.reduce((n, id) => n + t.groupsById[id].statistic.total, 0) + t.root.leaves.length;
  return { header, tree, groupTotals };
}

/**
 * Each frame as tall as its document, more than the browser's default 150 px, and ending where
 * the document's content ends (within a pixel of rounding): no blank strip under the ladder.
 */
function expectSizedToContent(sizes: FrameSize[]): void {
  expect(sizes.map((s) => s.attachment)).toEqual(FRAMES);
  for (const s of sizes) {
    expect({ ...s, frame: Math.round(s.frame) }).toEqual({ ...s, frame: s.content });
    expect(s.frame).toBeGreaterThan(150);
    expect({ attachment: s.attachment, strip: Math.abs(s.frame - s.bodyBottom!) <= 2 ? 0 : s.frame - s.bodyBottom! }).toEqual({ attachment: s.attachment, strip: 0 });
  }
}

/** Every result page of the report, read as text: no stack line, no class name. */
async function expectNoStackOnResultPages(page: Page): Promise<number> {
  const t = await reportData<Tree>(page, 'widgets/tree.json');
  for (const leaf of Object.values(t.leavesById)) {
    await openCase(page, leaf.name, t);
    expect({ page: leaf.name, hit: STACK_LINE.exec(await page.locator('body').innerText())?.[0] ?? null }).toEqual({ page: leaf.name, hit: null });
  }
  return Object.keys(t.leavesById).length;
}

/** An attachment frame's blob document dropped as the reader moves to another page (Allure revokes it): no failed load. */
function abandonedFrame(r: Request): boolean {
  return r.url().startsWith('blob:') && r.failure()?.errorText === 'net::ERR_ABORTED';
}

/** Every string of a JSON value (a result file: its message, steps, parameters, …). */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === 'object') return Object.values(v).flatMap(strings);
  return [];
}

(haveChromium || inCI ? describe : describe.skip)('HTML report in a real browser', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cpm-e2e-'));
  let server: StaticServer | undefined;
  let browser: BrowserContext | undefined;
  let reference: ReferenceChild | undefined;

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`CI=true but ${CHROMIUM} is missing: .ci/run must 'apt-get install -y chromium'`);
    browser = await launchChromium(fs.mkdtempSync(path.join(tmp, 'profile-')));
    fs.mkdirSync(TEST_OUTPUT, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await server?.close();
    await reference?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('over HTTP: counts, Graphs = overview, FAIL expected/actual/why, HTML ladder (= ladder.svg), frames sized, per-SUT history, matrix link, no internals, nothing off 127.0.0.1', async () => {
    const out = path.join(tmp, 'report');
    const history = path.join(tmp, 'history.jsonl');
    const first = path.join(tmp, 'results-1');
    const run1 = cli(['run', '--results', first, ...RUN]);
    expect(run1.code).toBe(1);
    expect(run1.out).toMatch(/^FAIL\s+TC-LEAVE-01 \[udp, core-emulation/m);
    // jest's own warnings stay out of the reader's way.
    expect(`${run1.out}${run1.err}`).not.toMatch(/Validation Warning/);
    asOtherSut(first, path.join(tmp, 'results-other'));
    const second = path.join(tmp, 'results-2');
    expect(cli(['run', '--results', second, ...RUN]).code).toBe(1);
    // Three runs (two SUTs) built into one folder and one history file; the last one rebuilt twice.
    for (const results of [first, path.join(tmp, 'results-other'), second, second]) {
      const rep = cli(['report', '--results', results, '--out', out, '--history', history], 120_000);
      expect(rep.err).toBe('');
      expect(rep.code).toBe(0);
    }
    expect(fs.readFileSync(history, 'utf8').trim().split('\n')).toHaveLength(3);

    server = await serveStatic(out);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await browser!.newPage();
    page.setDefaultTimeout(20_000);
    const foreign: string[] = [];
    const failedLoads: string[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.protocol !== 'blob:' && u.protocol !== 'data:' && u.hostname !== '127.0.0.1') foreign.push(r.url());
    });
    page.on('response', (r) => {
      if (r.status() >= 400) failedLoads.push(`${r.status()} ${r.url()}`);
    });
    page.on('requestfailed', (r) => {
      if (!abandonedFrame(r)) failedLoads.push(`${r.failure()?.errorText ?? 'failed'} ${r.url()}`);
    });
    const base = `${server.url}index.html`;
    await page.goto(base);

    // Tree counts equal the header counts: each result sits once in the tree, in total and per status.
    const counts = await treeAndHeader(page);
    expect(counts.tree).toEqual(counts.header);
    expect(counts.groupTotals).toBe(counts.header.total);
    // The Graphs page's ring counts what the header counts (N/A left out of both).
    const charts = await reportData<{ general: Record<string, { type: string; data: Record<string, number> }> }>(page, 'widgets/charts.json');
    expect(Object.values(charts.general).find((c) => c.type === 'currentStatus')!.data.total).toBe(counts.header.total - counts.header.skipped);
    const rates = await passRates(page);
    expect(rates.graphs).toBe(rates.overview);
    expect(rates.graphsOf).toBe(counts.header.total - counts.header.skipped);
    // The matrix is one click from the overview.
    const matrixHref = await page.locator('#cpm-conformance-matrix-link').getAttribute('href');
    expect(matrixHref).toBe('conformance/conformance-report.html');
    const matrix = await page.evaluate(async (u) => (await fetch(u)).text(), matrixHref!);
    expect(matrix).toMatch(/LEAVE-OK/);
    await page.screenshot({ path: path.join(TEST_OUTPUT, 'report-overview-tree.png') });

    // A FAIL's first screen: expected, the actual value and the message it came from, why expected.
    await openCase(page, CASE);
    await page.getByTestId('test-result-status-failed').waitFor();
    const overview = await page.locator('body').innerText();
    expect(overview).toMatch(/expected: SIP\/2\.0 200\s+Call-ID: \S+\s+CSeq: \d+ BYE\s+Via: /);
    expect(overview).toMatch(/actual: CSeq: \d+ BYE/);
    expect(overview).toMatch(/in 200 OK — #\d+ /);
    expect(overview).toMatch(/why expected: LEAVE-OK/);
    expect(overview).not.toMatch(STACK_LINE);
    await page.screenshot({ path: path.join(TEST_OUTPUT, 'report-failing-case.png') });

    // The spec link and the steps of the spec flow.
    const links = await page.getByTestId('test-result-meta-link').evaluateAll((els) => els.map((e) => `${e.textContent} ${(e.closest('a') ?? e.querySelector('a'))?.getAttribute('href') ?? ''}`));
    expect(links.join('\n')).toMatch(/LEAVE-OK: OMA CR.*C\.2\.3\.1/);
    const steps = await page.getByTestId('test-result-step-title').allTextContents();
    expect(steps.some((s) => s.startsWith('Step 9-14'))).toBe(true);

    // History: this SUT's earlier run only (not the other SUT's, not the rebuild).
    await page.getByTestId('test-result-tab-history').click();
    await expect(page.getByTestId('test-result-tab-history').textContent()).resolves.toMatch(/History\s*1$/);

    // The ladder: an HTML attachment, the SVG inline (hover titles work), the failing 200 OK marked.
    await expandAttachments(page, FRAMES);
    const headers = await page.getByTestId('test-result-attachment-header').allTextContents();
    for (const want of ['SIP ladder diagram', 'SIP exchange', 'trace.pcap', 'fail finding']) expect(headers.some((h) => h.includes(want))).toBe(true);
    const frame = page.getByTestId('test-result-attachment').filter({ hasText: 'SIP ladder diagram' }).frameLocator('iframe');
    const svg = await frame.locator('svg.ladder').evaluate((el) => el.outerHTML);
    expect(svg).toMatch(/<g class="msg failing" data-seq="\d+" data-step="9-14">/);
    expect(svg).toMatch(/200 OK\s+✗/);
    expect(svg).toMatch(/expected: SIP\/2\.0 200[\s\S]*CSeq: \d+ BYE/);
    expect(svg).toMatch(/actual: CSeq: \d+ BYE/);
    expect(svg).toMatch(/<title>#\d+ UDP[^<]*\nSIP\/2\.0 200 OK/);
    // Lifelines in the spec figure's order.
    const lanes = await frame.locator('g.lifeline text.head').allTextContents();
    expect(lanes).toEqual(['A1', 'Core A', 'SUT PF A', 'SUT PF B', 'Core B', 'B1']);
    // Drawn at 100 %: the SVG is as wide in the page as it says it is.
    const size = await frame.locator('svg.ladder').evaluate((el) => ({ drawn: el.getBoundingClientRect().width, own: Number(el.getAttribute('width')) }));
    expect(size.drawn).toBe(size.own);
    // The frames are as tall as what they show.
    expectSizedToContent(await frameSizes(page, FRAMES));
    // The same ladder drawn the same way for readers without Allure: cases/<case>/ladder.svg is the SVG the attachment embeds.
    const svgFile = fs.readFileSync(path.join(out, 'conformance', 'cases', caseSlug(CASE), 'ladder.svg'), 'utf8').replace(/^<\?xml[^>]*\?>\s*/, '');
    expect(svgFile).toMatch(/^<svg [^>]*class="ladder"/);
    const attachmentsDir = path.join(out, 'data', 'attachments');
    const embedding = fs.readdirSync(attachmentsDir).filter((f) => f.endsWith('.html') && fs.readFileSync(path.join(attachmentsDir, f), 'utf8').includes(svgFile));
    expect(embedding.length).toBeGreaterThan(0);

    // No stack line or class name on any result page, nor anywhere in a result file; no jest label.
    expect(await expectNoStackOnResultPages(page)).toBe(counts.header.total);
    for (const f of fs.readdirSync(path.join(out, 'data', 'test-results'))) {
      const text = fs.readFileSync(path.join(out, 'data', 'test-results', f), 'utf8');
      const json = JSON.parse(text) as { error?: { trace?: string } };
      expect({ f, hit: strings(json).find((s) => STACK_LINE.test(s)) ?? null, trace: json.error?.trace ?? null }).toEqual({ f, hit: null, trace: null });
      expect(text).not.toMatch(/"(language|framework|package|thread|host)"/);
    }
    expect(foreign).toEqual([]);
    expect(failedLoads).toEqual([]);
    await page.close();
  });

  it('from disk (--single-file): Graphs = overview with N/A results, counts, N/A collapsed, frames sized to content, nothing but the file', async () => {
    reference = await startReferenceChild();
    const target = path.join(tmp, 'vendor.yaml');
    writeVendorTarget(target, { name: 'Vendor lab CPM server', version: '4.1' }, localPortsBeside(reference));
    const results = path.join(tmp, 'results-vendor');
    const run = cli(['run', '--target', target, '--results', results, '--grep', '^TC-LEAVE-0[13]'], 240_000, referenceEnv(reference));
    // The exit code with the run's last output: a run that ends 2 (no verdict recorded) says why.
    expect({ code: run.code, tail: run.code === 0 ? '' : `${run.out.slice(-2000)}\n${run.err.slice(-2000)}` }).toEqual({ code: 0, tail: '' });
    expect(run.out).toMatch(/^8 case variants: 2 pass, 6 n\/a$/m);
    await reference.stop();
    const out = path.join(tmp, 'report-single');
    const rep = cli(['report', '--results', results, '--out', out, '--single-file', '--history', path.join(tmp, 'history-vendor.jsonl')], 120_000);
    expect(rep.err).toBe('');
    expect(rep.code).toBe(0);

    const page = await browser!.newPage();
    page.setDefaultTimeout(20_000);
    const elsewhere: string[] = [];
    page.on('request', (r) => {
      if (!/^(file|blob|data):/.test(r.url())) elsewhere.push(r.url());
    });
    const failedLoads: string[] = [];
    page.on('requestfailed', (r) => {
      if (!abandonedFrame(r)) failedLoads.push(`${r.failure()?.errorText ?? 'failed'} ${r.url()}`);
    });
    const base = `file://${path.join(out, 'index.html')}`;
    await page.goto(base);
    const counts = await treeAndHeader(page);
    expect(counts.header.skipped).toBeGreaterThan(0);
    expect(counts.tree).toEqual(counts.header);
    // The run: 21.42 % on the overview, 3 % on the Graphs page (N/A counted there only).
    const rates = await passRates(page);
    expect(rates.overview).toMatch(/^\d/);
    expect(rates.graphs).toBe(rates.overview);
    expect(rates.graphsOf).toBe(counts.header.total - counts.header.skipped);
    // N/A results out of the way: one branch of their own, collapsed on load, as many as the header's skipped.
    const na = page.getByTestId('tree-section').filter({ hasText: /^Not applicable \(N\/A\)/ });
    await expect(na.count()).resolves.toBe(1);
    expect(Number((await na.innerText()).replace(/^Not applicable \(N\/A\)/, '').replace(/\D+/g, ''))).toBe(counts.header.skipped);
    const naNames = new Set(Object.values((await reportData<Tree>(page, 'widgets/tree.json')).leavesById).filter((l) => l.status === 'skipped').map((l) => l.name));
    expect(naNames.size).toBe(counts.header.skipped);
    const drawn = await page.getByTestId('tree-leaf-title').allTextContents();
    expect(drawn.filter((t) => [...naNames].some((n) => n.startsWith(t.trim()) || t.includes(n)))).toEqual([]);
    // Collapsed: its reason groups appear only once the reader opens it.
    const reasonGroup = page.getByTestId('tree-section').filter({ hasText: /^target configuration \(transport \/ topology\)/ });
    await expect(reasonGroup.count()).resolves.toBe(0);
    await na.getByTestId('tree-arrow').click();
    await reasonGroup.first().waitFor();

    await openCase(page, VENDOR_CASE);
    await expandAttachments(page, FRAMES);
    const sizes = await frameSizes(page, FRAMES);
    // From disk Allure cannot read the frame (content null) and leaves it at 150 px: made readable here.
    expect(sizes.filter((s) => s.content === null)).toEqual([]);
    expectSizedToContent(sizes);
    await page.getByTestId('test-result-attachment').filter({ hasText: 'SIP ladder diagram' }).screenshot({ path: path.join(TEST_OUTPUT, 'report-single-file-ladder.png') });
    // The result pages are drawn as over HTTP (every one read in the test above): the opened one here.
    expect(await page.locator('body').innerText()).not.toMatch(STACK_LINE);
    expect(elsewhere).toEqual([]);
    expect(failedLoads).toEqual([]);
    await page.close();
  });
});
