/**
 * Screenshots of the HTML report for docs/screenshots/ (issue 13, "what it must show"), taken in
 * Chromium from reports built by the CLI, so they can be re-taken after a change to the report:
 *
 *   npm run -s build && node dist/bench/report-screenshots.js [--out docs/screenshots]
 *
 * - fail-first-screen.png: a FAIL case's first screen (reference fault mld-cancel-wrong-cseq,
 *   TC-MLD-007-02): requirement, step, expected, the actual value and the message it came from;
 * - ladder-5-devices.png: the ladder of a 5-device case (TC-MLD-007-01, core emulation) at 100 %,
 *   in Allure's full-window attachment view;
 * - tree-counts.png: the overview of a vendor target's run (N/A results included): the tree's
 *   counts equal the header's;
 * - history-per-sut.png: the History tab of a case after two SUTs' runs were built into one report
 *   folder and history file: only its own SUT's earlier run.
 * Not part of npm test: it runs the CLI six times and takes about a minute.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { CHROMIUM, CLI, ROOT, expandAttachments, launchChromium, openCase, referenceEnv, startReferenceChild, writeVendorTarget } from './report-browser';

const VIEWPORT = { width: 1400, height: 1000 };

function cli(args: string[], env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 240_000, killSignal: 'SIGKILL', env: { ...process.env, FORCE_COLOR: '0', ...env } });
  // A FAIL run exits 1: that is the point of some of these runs; anything else is a broken step.
  if (r.status !== 0 && r.status !== 1) throw new Error(`cpm-conformance ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** One self-contained report (it opens from disk), history shared through `history`. */
function report(results: string, out: string, history: string): string {
  cli(['report', '--results', results, '--out', out, '--single-file', '--history', history]);
  return `file://${path.join(out, 'index.html')}`;
}

async function shoot(page: Page, file: string, clip?: { x: number; y: number; width: number; height: number }): Promise<void> {
  await page.waitForTimeout(300); // the tab's transitions settle
  await page.screenshot({ path: file, ...(clip ? { clip } : {}) });
  process.stdout.write(`${path.relative(ROOT, file)} (${Math.round(fs.statSync(file).size / 1024)} KB)\n`);
}

async function main(): Promise<void> {
  const outArg = process.argv.indexOf('--out');
  const dir = path.resolve(ROOT, outArg > 0 ? process.argv[outArg + 1] : path.join('docs', 'screenshots'));
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cpm-shots-'));
  const browser = await launchChromium(path.join(tmp, 'profile'), VIEWPORT);
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(30_000);

    // (a) A FAIL case's first screen.
    cli(['run', '--reference-fault', 'mld-cancel-wrong-cseq', '--grep', 'MLD-007-02', '--results', path.join(tmp, 'fail')]);
    await page.goto(report(path.join(tmp, 'fail'), path.join(tmp, 'fail-report'), path.join(tmp, 'fail.history.jsonl')));
    await openCase(page, 'TC-MLD-007-02 [udp, direct, devices 1+3, proxy]');
    await page.getByTestId('test-result-status-failed').waitFor();
    await shoot(page, path.join(dir, 'fail-first-screen.png'));

    // (b) A 5-device ladder at 100 %, in Allure's attachment view at full window width.
    cli(['run', '--mode', 'proxy', '--grep', 'TC-MLD-007-01', '--results', path.join(tmp, 'five')]);
    const wide = await browser.newPage();
    await wide.setViewportSize({ width: 1920, height: 1000 });
    wide.setDefaultTimeout(30_000);
    await wide.goto(report(path.join(tmp, 'five'), path.join(tmp, 'five-report'), path.join(tmp, 'five.history.jsonl')));
    await openCase(wide, 'TC-MLD-007-01 [udp, core-emulation, devices 1+5, proxy]');
    await expandAttachments(wide, ['SIP ladder diagram']);
    const header = wide.getByTestId('test-result-attachment-header').filter({ hasText: 'SIP ladder diagram' }).first();
    await header.locator('button').nth(4).click(); // the attachment's full view
    const modal = wide.locator('[class*="modal-wrapper"]').first();
    await modal.locator('iframe').waitFor();
    await modal.locator('button').nth(2).click(); // full window
    // Scrolled to where the invitation forks to the five devices (past the registrations).
    await wide.waitForTimeout(1000);
    const ladder = modal.frameLocator('iframe');
    await ladder.locator('svg.ladder').evaluate((svg) => {
      const box = svg.closest('.ladder-box') as HTMLElement;
      const fork = [...svg.querySelectorAll('g.msg')].find((g) => g.getAttribute('data-step') !== 'pre-register');
      // The lane heads (66 px) stay on top of the scroll box.
      if (fork) box.scrollTop = (fork as SVGGElement).getBBox().y - 72;
    });
    // The view down to the frame's bottom edge (the rest of the window is Allure's empty view).
    const bottom = await modal.locator('iframe').evaluate((f) => f.getBoundingClientRect().bottom);
    await shoot(wide, path.join(dir, 'ladder-5-devices.png'), { x: 0, y: 0, width: 1920, height: Math.min(1000, Math.ceil(bottom) + 12) });
    await wide.close();

    // (c) and (d): vendor X's server with a fault, vendor Y's, then vendor X's fixed, one report folder.
    const out = path.join(tmp, 'vendors-report');
    const history = path.join(tmp, 'vendors.history.jsonl');
    const targets = { x: path.join(tmp, 'vendor-x.yaml'), y: path.join(tmp, 'vendor-y.yaml') };
    writeVendorTarget(targets.x, { name: 'Vendor X CPM server', version: '3.2' }, { from: 33000, to: 33499 });
    writeVendorTarget(targets.y, { name: 'Vendor Y CPM server', version: '1.0' }, { from: 33500, to: 33999 });
    const runs: Array<[string, string, string[]]> = [['x1', targets.x, ['leave-ok-wrong-cseq']], ['y1', targets.y, []], ['x2', targets.x, []]];
    for (const [name, target, faults] of runs) {
      const ref = await startReferenceChild(faults);
      try {
        cli(['run', '--target', target, '--results', path.join(tmp, name)], referenceEnv(ref));
      } finally {
        await ref.stop();
      }
      const url = report(path.join(tmp, name), out, history);
      if (name === 'x1') {
        // Tall enough for the header's counts and the whole first level of the tree at once.
        await page.setViewportSize({ width: VIEWPORT.width, height: 1250 });
        await page.goto(url);
        await page.getByTestId('tree-section').first().waitFor();
        await shoot(page, path.join(dir, 'tree-counts.png'));
        await page.setViewportSize(VIEWPORT);
      }
      if (name === 'x2') {
        await page.goto(url);
        await openCase(page, 'TC-LEAVE-01 [udp, direct, devices 1+1]');
        await page.getByTestId('test-result-tab-history').click();
        await page.getByTestId('test-result-tab-history').filter({ hasText: /History\s*1$/ }).waitFor();
        // What the picture cannot show by itself: which runs went into the folder. Marked as a caption.
        const entries = fs.readFileSync(history, 'utf8').trim().split('\n').length;
        await page.evaluate((text) => {
          const note = document.createElement('div');
          note.textContent = text;
          note.setAttribute('style', 'position:fixed;left:240px;right:240px;top:330px;padding:10px 14px;border:1px dashed #90a4ae;border-radius:6px;background:#fff;font:13px DejaVu Sans,Arial,sans-serif;color:#37474f');
          document.body.appendChild(note);
        }, `Screenshot caption (not part of the report): one report folder and one history file (${entries} entries), built in turn from `
          + 'Vendor X CPM server 3.2 with a fault (TC-LEAVE-01 failed), Vendor Y CPM server 1.0 (TC-LEAVE-01 passed), Vendor X CPM server 3.2 fixed (this page). '
          + "The History tab lists vendor X's earlier run only.");
        await shoot(page, path.join(dir, 'history-per-sut.png'));
      }
    }
  } finally {
    await browser.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`report-screenshots: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
