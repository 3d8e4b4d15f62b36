/**
 * The report as a reader sees it: a run against the reference server with a fault (so one case
 * fails), `cpm-conformance report`, then Chromium (Debian's, driven by playwright-core) opens the
 * report over HTTP on 127.0.0.1, navigates to the failing case and finds its ladder diagram with
 * the failing message marked, the spec link and the step attachments. A screenshot is saved under
 * .tmp/test-output/reporting/.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { serveStatic, type StaticServer } from '../../reporters/static-server';
import { cli, TEST_OUTPUT } from './support/cli';

jest.setTimeout(4 * 60_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);
const inCI = process.env.CI === 'true';
const CASE = 'TC-LEAVE-01 [udp, core-emulation, devices 1+1, proxy]';

if (!haveChromium && !inCI) {
  console.warn(`skipping the browser test of the HTML report: ${CHROMIUM} not found; install it with 'apt-get install -y chromium' (.ci/run does)`);
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

  it('shows the failing case with its ladder (failing message marked), the spec link and the step attachments', async () => {
    if (!haveChromium) throw new Error(`CI=true but ${CHROMIUM} is missing: .ci/run must 'apt-get install -y chromium'`);
    const results = path.join(tmp, 'results');
    const run = cli(['run', '--results', results, '--mode', 'proxy', '--reference-fault', 'leave-ok-wrong-cseq', '--grep', '^TC-LEAVE-0[13]']);
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/^FAIL\s+TC-LEAVE-01 \[udp, core-emulation/m);
    const out = path.join(tmp, 'report');
    const rep = cli(['report', '--results', results, '--out', out, '--history', path.join(tmp, 'history.jsonl')], 120_000);
    expect(rep.err).toBe('');
    expect(rep.code).toBe(0);

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
    page.on('request', (r) => {
      if (!r.url().startsWith(server!.url) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) foreign.push(r.url());
    });
    await page.goto(`${server.url}index.html`);

    // Navigate to the failing case through the report's own search and tree.
    await page.getByTestId('search-input').fill(CASE);
    await page.getByTestId('tree-leaf').filter({ hasText: CASE }).first().click();
    await page.getByTestId('test-result-status-failed').waitFor();
    await expect(page.getByTestId('test-result-info-title').textContent()).resolves.toContain(CASE);

    // The spec link (tms) and the steps of the spec flow with their attachments.
    const links = await page.getByTestId('test-result-meta-link').evaluateAll((els) => els.map((e) => `${e.textContent} ${(e.closest('a') ?? e.querySelector('a'))?.getAttribute('href') ?? ''}`));
    expect(links.join('\n')).toMatch(/LEAVE-OK: OMA CR.*C\.2\.3\.1/);
    expect(links.join('\n')).toContain('openmobilealliance.org');
    const steps = await page.getByTestId('test-result-step-title').allTextContents();
    expect(steps.some((s) => s.startsWith('Step 9-14'))).toBe(true);
    expect(steps.some((s) => s.startsWith('Step 3'))).toBe(true);

    // Attachments: the ladder, the exchange page, the pcap and the per-step SIP messages.
    await page.getByTestId('test-result-tab-attachments').click();
    const headers = await page.getByTestId('test-result-attachment-header').allTextContents();
    expect(headers.some((h) => h.includes('SIP ladder diagram'))).toBe(true);
    expect(headers.some((h) => h.includes('SIP exchange'))).toBe(true);
    expect(headers.some((h) => h.includes('trace.pcap'))).toBe(true);
    expect(headers.some((h) => /BYE sip:/.test(h))).toBe(true);
    expect(headers.some((h) => h.includes('fail finding'))).toBe(true);

    await page.getByTestId('test-result-attachment-header').filter({ hasText: 'SIP ladder diagram' }).click();
    const img = page.getByTestId('test-result-attachment').filter({ hasText: 'SIP ladder diagram' }).locator('img');
    await img.waitFor();
    await page.waitForFunction((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0, await img.elementHandle());
    // The picture the reader sees is our SVG: the failing 200 OK is marked, with the expected template beside it.
    const svg = await img.evaluate(async (el) => (await fetch((el as HTMLImageElement).src)).text());
    expect(svg).toMatch(/<g class="msg failing" data-seq="\d+" data-step="9-14">/);
    expect(svg).toMatch(/200 OK\s+✗/);
    expect(svg).toContain('expected: Via');
    expect(svg).toContain('CSeq 4 BYE');

    await img.scrollIntoViewIfNeeded();
    fs.mkdirSync(TEST_OUTPUT, { recursive: true });
    const shot = path.join(TEST_OUTPUT, 'report-failing-case.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(fs.statSync(shot).size).toBeGreaterThan(10_000);
    // Nothing was fetched from anywhere but the local report server.
    expect(foreign).toEqual([]);
  });
});
