/**
 * Driving the generated HTML report in Chromium (Debian's, through playwright-core) the way a
 * vendor's test engineer reads it; shared by the browser test of the report
 * (test/reporting/e2e-report.test.ts) and the screenshot script (bench/report-screenshots.ts).
 * Also a second SUT for them: the reference server as a separate process described by a target
 * file, so a report folder can hold two SUTs' runs and N/A results (a target offering one
 * transport and topology).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ROOT = path.resolve(__dirname, '..', ...(path.basename(path.dirname(__dirname)) === 'dist' ? ['..'] : []));
export const CLI = path.join(ROOT, 'dist', 'bin', 'cpm-conformance.js');

/** Chromium with its own profile, no background traffic (the report must work with no network). */
export function launchChromium(profileDir: string, viewport = { width: 1400, height: 1000 }): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    timeout: 30_000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A data file of the report as the page has it: fetched from a multi-file report, or decoded from
 * the base64 a single-file report embeds (`window.allureReportData`).
 */
export function reportData<T>(page: Page, file: string): Promise<T> {
  return page.evaluate(async (f) => {
    const embedded = (window as unknown as { allureReportData?: Record<string, string> }).allureReportData?.[f];
    if (embedded) return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(embedded), (c) => c.charCodeAt(0))));
    return (await fetch(f)).json();
  }, file) as Promise<T>;
}

export interface Tree {
  root: { groups: string[]; leaves: string[] };
  groupsById: Record<string, { groups?: string[]; leaves?: string[]; statistic: { total: number } }>;
  leavesById: Record<string, { nodeId: string; name: string; status: string }>;
}

/** Opens the result whose name starts with `name` (its page, whether its tree branch is open or not). */
export async function openCase(page: Page, name: string, known?: Tree): Promise<void> {
  const tree = known ?? await reportData<Tree>(page, 'widgets/tree.json');
  const leaf = Object.values(tree.leavesById).find((l) => l.name === name || l.name.startsWith(`${name} `));
  if (!leaf) throw new Error(`no result named ${name} in the report`);
  await page.evaluate((id) => { window.location.hash = id; }, leaf.nodeId);
  await page.getByTestId('test-result-info-title').filter({ hasText: name }).waitFor();
}

/** Opens the Attachments tab and expands the named attachments. */
export async function expandAttachments(page: Page, names: string[]): Promise<void> {
  await page.getByTestId('test-result-tab-attachments').click();
  for (const n of names) {
    await page.getByTestId('test-result-attachment-header').filter({ hasText: n }).first().click();
    await page.getByTestId('test-result-attachment').filter({ hasText: n }).first().locator('iframe').waitFor();
  }
}

export interface FrameSize {
  attachment: string;
  /** The frame's height in the report. */
  frame: number;
  /** Its document's height (null: the report cannot read the frame, as Allure could not). */
  content: number | null;
  /** The lowest bottom edge of the document's body content (the ladder's scroll box, the exchange). */
  bodyBottom: number | null;
  /** How the frame is filled: `srcdoc` (copied in, readable), `blob` (Allure's URL), and the copy's mark: shown when a check fails. */
  filled: string;
}

/** The size of each expanded HTML attachment frame once Allure has measured it. */
export async function frameSizes(page: Page, names: string[]): Promise<FrameSize[]> {
  const out: FrameSize[] = [];
  for (const attachment of names) {
    const frame = page.getByTestId('test-result-attachment').filter({ hasText: attachment }).first().locator('iframe[title="HTML attachment"]');
    // Allure sets the height attribute on load; give it the load (and, from disk, the srcdoc load).
    await frame.and(page.locator('iframe[height]')).waitFor({ timeout: 10_000 }).catch(() => undefined);
    // From disk the page swaps the frame's content for a srcdoc copy (report-finish.ts) and Allure
    // then sizes the frame: wait until a readable document is in and the frame has its height,
    // bounded, so a loaded machine is not read early (the assertions judge what is there after).
    // 30 s: under a full npm test beside other work a srcdoc copy was in yet not loaded after 10 s.
    for (const until = Date.now() + 30_000; Date.now() < until;) {
      const ready = await frame.evaluate((f: HTMLIFrameElement) => {
        try {
          const doc = f.contentDocument;
          return (doc?.body?.children.length ?? 0) > 0 && Math.round(f.getBoundingClientRect().height) === doc!.documentElement.scrollHeight;
        } catch {
          return false;
        }
      }).catch(() => false);
      if (ready) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    out.push({ attachment, ...await frame.evaluate((f: HTMLIFrameElement) => {
      let doc: Document | null = null;
      try {
        doc = f.contentDocument;
      } catch {
        doc = null;
      }
      const body = doc?.body;
      const bottom = body ? Math.max(0, ...[...body.children].map((c) => c.getBoundingClientRect().bottom)) + parseFloat(doc!.defaultView!.getComputedStyle(body).marginBottom) : null;
      const filled = `${f.hasAttribute('srcdoc') ? 'srcdoc' : f.src.slice(0, 5)}; mark: ${f.getAttribute('data-cpm-src')?.replace(f.src, 'src') ?? 'none'}`;
      return { frame: f.getBoundingClientRect().height, content: doc ? doc.documentElement.scrollHeight : null, bodyBottom: bottom === null ? null : Math.ceil(bottom), filled };
    }) });
  }
  return out;
}

/**
 * The pass-rate ring of the overview and of the Graphs page ("72%", and "of 25" on the Graphs
 * page), read from the overview the page shows; it comes back to the overview after (hash routes:
 * no reload of a single-file report's megabytes).
 */
export async function passRates(page: Page): Promise<{ overview: string; graphs: string; graphsOf: number }> {
  await page.getByTestId('metadata-item-total').waitFor();
  const overview = /^(\d+(?:\.\d+)?%)$/m.exec(await page.locator('body').innerText())?.[1] ?? '';
  await page.evaluate(() => { window.location.hash = '#/charts'; });
  await page.getByText(/^Current status/).first().waitFor();
  const graphs = /Current status[^\n]*\n+(?:[^\n]*\n+)*?(\d+(?:\.\d+)?%)\n+of (\d+)/.exec(await page.locator('body').innerText());
  await page.evaluate(() => { window.location.hash = ''; });
  await page.getByTestId('metadata-item-total').waitFor();
  return { overview, graphs: graphs?.[1] ?? '', graphsOf: Number(graphs?.[2] ?? NaN) };
}

export interface ReferenceChild {
  pfA: string;
  pfB: string;
  stop(): Promise<void>;
}

/** The reference server as a separate process (a SUT the run did not start), UDP on free ports. */
export function startReferenceChild(faults: string[] = []): Promise<ReferenceChild> {
  const child: ChildProcess = spawn(process.execPath, [CLI, 'reference-server', '--port', '0', '--transport', 'udp', ...faults.flatMap((f) => ['--fault', f])], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = () => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGINT');
    setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => void stop().then(() => reject(new Error(`the reference server did not start: ${out}`))), 20_000);
    child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /PF A \S+ (127\.0\.0\.1:\d+), PF B (127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ pfA: m[1], pfB: m[2], stop });
      }
    });
    child.once('exit', () => reject(new Error(`the reference server exited: ${out}`)));
  });
}

/**
 * A 1,000-port `local.ports` range clear of the reference child's ports: the child listens where the
 * OS put it (`--port 0`), and a fixed 32000-32999 once held it, so `validate` refused the target
 * ("contains sut.port … where the SUT listens") and the vendor run ended 2 in `npm test`.
 */
export function localPortsBeside(ref: ReferenceChild): { from: number; to: number } {
  const taken = [ref.pfA, ref.pfB].map((a) => Number(a.split(':').pop()));
  for (let from = 32000; from <= 59000; from += 1000) {
    if (!taken.some((p) => p >= from && p <= from + 999)) return { from, to: from + 999 };
  }
  throw new Error(`no 1000-port range clear of ${taken.join(', ')}`);
}

/** The environment a run against the reference child needs: its ports, for the target file's placeholders. */
export function referenceEnv(ref: ReferenceChild): NodeJS.ProcessEnv {
  return { REFERENCE_PF_A_PORT: ref.pfA.split(':')[1], REFERENCE_PF_B_PORT: ref.pfB.split(':')[1] };
}

/**
 * A target file for the reference child as some vendor's SUT: its name and version (what history
 * is keyed by, with the file's hash: the ports stay placeholders, so every run of one vendor reads
 * the same file; see referenceEnv), UDP and the direct topology only, so the other variants are
 * N/A (target configuration), and no transfer claimed (N/A by ICS).
 */
export function writeVendorTarget(file: string, sut: { name: string; version: string }, localPorts: { from: number; to: number }): void {
  const fixture = fs.readFileSync(path.join(ROOT, 'fixtures', 'targets', 'reference.yaml'), 'utf8');
  const text = fixture
    .replace(/^( {2}name:).*$/m, `$1 ${JSON.stringify(sut.name)}\n  version: ${JSON.stringify(sut.version)}`)
    .replace(/\$\{REFERENCE_TRANSPORT:-udp\}/g, 'udp')
    .replace(/\$\{REFERENCE_TOPOLOGY:-direct\}/g, 'direct')
    .replace(/\$\{REFERENCE_PF_MODE:-proxy\}/g, 'proxy')
    .replace(/ports: \{ from: \d+, to: \d+ \}/, `ports: { from: ${localPorts.from}, to: ${localPorts.to} }`)
    .replace(/^ {2}transfer: .*$/m, '  transfer: { csInMediaPath: false, csNotInMediaPath: false, pull: false }');
  fs.writeFileSync(file, text);
}
