/**
 * The ladder of TC-TRF-MP-01 with its MSRP frames drawn beside the SIP (issue 17, "what it must
 * show"), taken in Chromium from the report the CLI builds, so it can be re-taken after a change:
 *
 *   npm run -s build && node dist/bench/msrp-ladder-screenshot.js [--out docs/screenshots]
 *
 * Writes trf-mp-01-msrp-ladder.png: the reference CS in B2BUA mode, TCP, direct topology, scrolled
 * to the step where the session goes on after the transfer (T9): the transferee's SEND to the CS,
 * the CS's SEND to the target, the success REPORT back, in teal dashes among the SIP arrows.
 * Not part of npm test (one CLI run, one report, one browser).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CHROMIUM, CLI, ROOT, expandAttachments, launchChromium, openCase } from './report-browser';

const CASE = 'TC-TRF-MP-01 [tcp, direct, devices 2+1, b2bua]';

function cli(args: string[]): void {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 240_000, killSignal: 'SIGKILL', env: { ...process.env, FORCE_COLOR: '0' } });
  if (r.status !== 0) throw new Error(`cpm-conformance ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
}

async function main(): Promise<void> {
  const outArg = process.argv.indexOf('--out');
  const dir = path.resolve(ROOT, outArg > 0 ? process.argv[outArg + 1]! : path.join('docs', 'screenshots'));
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cpm-msrp-shot-'));
  const browser = await launchChromium(path.join(tmp, 'profile'), { width: 1920, height: 1000 });
  try {
    cli(['run', '--mode', 'b2bua', '--transport', 'tcp', '--grep', 'TC-TRF-MP-01', '--results', path.join(tmp, 'results')]);
    cli(['report', '--results', path.join(tmp, 'results'), '--out', path.join(tmp, 'report'), '--single-file', '--history', path.join(tmp, 'history.jsonl')]);
    const page = await browser.newPage();
    page.setDefaultTimeout(30_000);
    await page.goto(`file://${path.join(tmp, 'report', 'index.html')}`);
    await openCase(page, CASE);
    await expandAttachments(page, ['SIP ladder diagram']);
    const header = page.getByTestId('test-result-attachment-header').filter({ hasText: 'SIP ladder diagram' }).first();
    await header.locator('button').nth(4).click(); // the attachment's full view
    const modal = page.locator('[class*="modal-wrapper"]').first();
    await modal.locator('iframe').waitFor();
    await modal.locator('button').nth(2).click(); // full window
    await page.waitForTimeout(1000);
    // Scrolled to the first MSRP arrow of step T9 (the chat after the transfer); the lane heads stay on top.
    const found = await modal.frameLocator('iframe').locator('svg.ladder').evaluate((svg) => {
      const box = svg.closest('.ladder-box') as HTMLElement;
      const first = [...svg.querySelectorAll('g.msg.msrp')].find((g) => g.getAttribute('data-step') === 'T9') as SVGGElement | undefined;
      if (first) box.scrollTop = first.getBBox().y - 120;
      return svg.querySelectorAll('g.msg.msrp').length;
    });
    if (found === 0) throw new Error('the ladder shows no MSRP arrow');
    const bottom = await modal.locator('iframe').evaluate((f) => f.getBoundingClientRect().bottom);
    await page.waitForTimeout(300);
    const file = path.join(dir, 'trf-mp-01-msrp-ladder.png');
    await page.screenshot({ path: file, clip: { x: 0, y: 0, width: 1920, height: Math.min(1000, Math.ceil(bottom) + 12) } });
    process.stdout.write(`${path.relative(ROOT, file)} (${Math.round(fs.statSync(file).size / 1024)} KB, ${found} MSRP arrows in the ladder)\n`);
  } finally {
    await browser.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`msrp-ladder-screenshot: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
