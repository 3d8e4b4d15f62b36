/**
 * The report as a reader sees it (issue 13): runs against the reference server with a fault (so
 * cases fail), a second SUT's results built into the same report folder and history file, then
 * Chromium (Debian's, driven by playwright-core) opens the report over HTTP on 127.0.0.1 and
 * checks what a vendor's test engineer needs:
 * - the tree counts equal the header counts (one tree entry per result);
 * - a FAIL page shows expected, the actual value with the message it came from, and why expected;
 * - the ladder is an HTML attachment with the SVG inline (hover titles), failing message marked;
 * - the history of a case shows only its SUT's runs, one entry per run whatever the rebuilds;
 * - the conformance matrix is linked from the overview; the Graphs ring counts as the header does;
 * - no stack line ("at file:line:col") and no class name on any page or result the reader opens;
 * - no request leaves 127.0.0.1, and none fails (no 404).
 * Screenshots are saved under .tmp/test-output/reporting/.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { serveStatic, type StaticServer } from '../../reporters/static-server';
import { cli, TEST_OUTPUT } from './support/cli';

jest.setTimeout(6 * 60_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);
const inCI = process.env.CI === 'true';
const CASE = 'TC-LEAVE-01 [udp, core-emulation, devices 1+1, proxy]';
const RUN = ['--mode', 'proxy', '--reference-fault', 'leave-ok-wrong-cseq', '--grep', '^TC-LEAVE-0[13]'];
/** A line of a Node stack trace. */
const STACK_LINE = /^\s*at .+:\d+:\d+\)?$|processTicksAndRejections|ConformanceAssertionError/m;

if (!haveChromium && !inCI) {
  console.warn(`skipping the browser test of the HTML report: ${CHROMIUM} not found; install it with 'apt-get install -y chromium' (.ci/run does)`);
}

/** The same results as from another SUT: only the SUT's identity differs (what history is keyed by). */
function asOtherSut(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
  const env = path.join(to, 'environment.properties');
  fs.writeFileSync(env, fs.readFileSync(env, 'utf8').replace(/^sut\.name=.*$/m, 'sut.name=Other vendor CPM server').replace(/^sut\.version=.*$/m, 'sut.version=9.9'));
}

async function openCase(page: Page, name: string): Promise<void> {
  await page.getByTestId('search-input').fill(name);
  await page.getByTestId('tree-leaf').filter({ hasText: name }).first().click();
  await expect(page.getByTestId('test-result-info-title').textContent()).resolves.toContain(name);
}

(haveChromium || inCI ? describe : describe.skip)('HTML report in a real browser', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cpm-e2e-'));
  let server: StaticServer | undefined;
  let browser: BrowserContext | undefined;

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await server?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('reads right: counts, FAIL expected/actual/why, HTML ladder, per-SUT history, matrix link, no internals, nothing off 127.0.0.1', async () => {
    if (!haveChromium) throw new Error(`CI=true but ${CHROMIUM} is missing: .ci/run must 'apt-get install -y chromium'`);
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
    browser = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(tmp, 'profile-')), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 1000 },
      timeout: 30_000,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await browser.newPage();
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
    await page.goto(`${server.url}index.html`);

    // Tree counts equal the header counts: each result sits once in the tree.
    await page.getByTestId('metadata-item-total').waitFor();
    const header = Number((await page.getByTestId('metadata-item-total').textContent())?.replace(/\D+/g, ''));
    const tree = await page.evaluate(async () => (await fetch('widgets/tree.json')).json()) as {
      root: { groups: string[]; leaves: string[] }; groupsById: Record<string, { groups?: string[]; leaves?: string[]; statistic: { total: number } }>;
    };
    const leaves = (g: { groups?: string[]; leaves?: string[] }): number => (g.leaves?.length ?? 0) + (g.groups ?? []).reduce((n, id) => n + leaves(tree.groupsById[id]), 0);
    expect(leaves(tree.root)).toBe(header);
    expect(tree.root.groups.reduce((n, id) => n + tree.groupsById[id].statistic.total, 0) + tree.root.leaves.length).toBe(header);
    // The Graphs page's ring counts what the header counts (N/A left out of both).
    const charts = await page.evaluate(async () => (await fetch('widgets/charts.json')).json()) as { general: Record<string, { type: string; data: Record<string, number> }> };
    const ring = Object.values(charts.general).find((c) => c.type === 'currentStatus')!.data;
    const skippedItem = page.getByTestId('metadata-item-skipped');
    const skipped = (await skippedItem.count()) ? Number((await skippedItem.textContent())?.replace(/\D+/g, '')) : 0;
    expect(ring.total).toBe(header - skipped);
    // The matrix is one click from the overview.
    const matrixHref = await page.locator('#cpm-conformance-matrix-link').getAttribute('href');
    expect(matrixHref).toBe('conformance/conformance-report.html');
    const matrix = await page.evaluate(async (u) => (await fetch(u)).text(), matrixHref!);
    expect(matrix).toMatch(/LEAVE-OK/);
    fs.mkdirSync(TEST_OUTPUT, { recursive: true });
    await page.screenshot({ path: path.join(TEST_OUTPUT, 'report-overview-tree.png') });

    // A FAIL's first screen: expected, the actual value and the message it came from, why expected.
    await openCase(page, CASE);
    await page.getByTestId('test-result-status-failed').waitFor();
    const overview = await page.locator('body').innerText();
    expect(overview).toMatch(/expected: Via .*CSeq \d+ BYE/);
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
    await page.getByTestId('test-result-tab-attachments').click();
    const headers = await page.getByTestId('test-result-attachment-header').allTextContents();
    for (const want of ['SIP ladder diagram', 'SIP exchange', 'trace.pcap', 'fail finding']) expect(headers.some((h) => h.includes(want))).toBe(true);
    await page.getByTestId('test-result-attachment-header').filter({ hasText: 'SIP ladder diagram' }).click();
    const frame = page.getByTestId('test-result-attachment').filter({ hasText: 'SIP ladder diagram' }).frameLocator('iframe');
    const svg = await frame.locator('svg.ladder').evaluate((el) => el.outerHTML);
    expect(svg).toMatch(/<g class="msg failing" data-seq="\d+" data-step="9-14">/);
    expect(svg).toMatch(/200 OK\s+✗/);
    expect(svg).toContain('expected: Via');
    expect(svg).toMatch(/actual: CSeq: \d+ BYE/);
    expect(svg).toMatch(/<title>#\d+ UDP[^<]*\nSIP\/2\.0 200 OK/);
    // Lifelines in the spec figure's order.
    const lanes = await frame.locator('g.lifeline text.head').allTextContents();
    expect(lanes).toEqual(['A1', 'Core A', 'SUT PF A', 'SUT PF B', 'Core B', 'B1']);
    // Drawn at 100 %: the SVG is as wide in the page as it says it is.
    const size = await frame.locator('svg.ladder').evaluate((el) => ({ drawn: el.getBoundingClientRect().width, own: Number(el.getAttribute('width')) }));
    expect(size.drawn).toBe(size.own);

    // No stack line or class name in any result the reader can open.
    for (const f of fs.readdirSync(path.join(out, 'data', 'test-results'))) {
      const text = fs.readFileSync(path.join(out, 'data', 'test-results', f), 'utf8');
      expect({ f, hit: STACK_LINE.exec(JSON.parse(text).error?.message ?? '')?.[0] ?? null, trace: JSON.parse(text).error?.trace ?? null }).toEqual({ f, hit: null, trace: null });
      expect(text).not.toMatch(/"(language|framework|package|thread|host)"/);
    }
    expect(foreign).toEqual([]);
    expect(failedLoads).toEqual([]);
  });
});
