/**
 * The offline HTML report (docs/reporting.md): Allure 3 (the `allure` npm package, no Java) generates the
 * "Awesome" report from the results, with history/trend across runs in a history file; then every
 * third-party or analytics script Allure embeds (a Google Tag Manager tag, research P5) is stripped
 * and the output is scanned: vendors open this on confidential systems, so a report that would
 * load anything from elsewhere is refused. The run's conformance folder (matrix, JUnit, ladders,
 * pcaps, exchange pages) is copied in so one folder carries everything.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CONFORMANCE_DIR } from './case-artifacts';
import { CATEGORIES } from './categories';
import { polishResults } from './allure-polish';
import { keepRun, resultsSetId, withoutRun } from './report-history';
import { finishReport } from './report-finish';

export interface GenerateOptions {
  results: string;
  out: string;
  singleFile?: boolean;
  /** JSON-lines history file Allure appends one run to (trend across runs). */
  historyPath?: string;
  name?: string;
  timeoutMs?: number;
}

export interface GenerateOutcome {
  out: string;
  index: string;
  stripped: string[];
  historyPath?: string;
}

function allureCli(): string {
  // `allure` is ESM with a single export: resolve its entry and step to the bin next to dist/.
  return path.join(path.dirname(require.resolve('allure')), '..', 'cli.js');
}

/**
 * Allure's charts with the current-status ring drawing what the overview counts: N/A (skipped)
 * left out of the slices here, and out of the total it divides by in finishReport
 * (report-finish.ts). The overview said 21.42 % and the Graphs page 3 % for the same run (issue 13).
 */
function chartsOption(): { charts?: unknown[] } {
  try {
    const load = createRequire(require.resolve('allure'));
    const { defaultChartsConfig } = load('@allurereport/charts-api') as { defaultChartsConfig: Array<{ type: string }> };
    return {
      charts: defaultChartsConfig.map((c) => (c.type === 'currentStatus'
        ? { ...c, statuses: ['passed', 'failed', 'broken', 'unknown'] }
        : c)),
    };
  } catch {
    return {}; // an Allure without the module: its default charts
  }
}

/** Markers of third-party / analytics code that must never be in a shared report. */
export const THIRD_PARTY_MARKERS = /googletagmanager|google-analytics|googleanalytics|gtag\(|\bdataLayer\b|doubleclick\.net|analytics\.js|segment\.(io|com)|hotjar|mixpanel|clarity\.ms|yandex\.ru\/metrika|plausible\.io/i;

const REMOTE = /^\s*(https?:)?\/\//i;

/**
 * Remove from HTML every <script> that loads a remote URL or carries analytics code, every
 * <noscript> tracking iframe, and <link> preconnect/prefetch/stylesheet to a remote host.
 */
export function stripThirdParty(html: string): { html: string; removed: string[] } {
  const removed: string[] = [];
  let out = html.replace(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi, (all, attrs: string, body: string) => {
    const src = /\bsrc\s*=\s*["']?([^"'\s>]+)/i.exec(attrs)?.[1];
    if ((src && REMOTE.test(src)) || (!src && THIRD_PARTY_MARKERS.test(body))) {
      removed.push(all.slice(0, 120));
      return '';
    }
    return all;
  });
  out = out.replace(/<noscript\b[^>]*>[\s\S]*?<\/noscript\s*>/gi, (all) => {
    if (/<iframe\b[^>]*\bsrc\s*=\s*["']?(https?:)?\/\//i.test(all) || THIRD_PARTY_MARKERS.test(all)) {
      removed.push(all.slice(0, 120));
      return '';
    }
    return all;
  });
  out = out.replace(/<link\b[^>]*>/gi, (all) => {
    const href = /\bhref\s*=\s*["']?([^"'\s>]+)/i.exec(all)?.[1];
    if (href && REMOTE.test(href)) {
      removed.push(all.slice(0, 120));
      return '';
    }
    return all;
  });
  return { html: out, removed };
}

function* walk(dir: string): Generator<string> {
  for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) yield* walk(p);
    else yield p;
  }
}

const TEXT = /\.(html?|js|mjs|css|json|svg|txt)$/i;

/**
 * Problems that make a report unfit to share: a <script>/<link>/<iframe>/<img> that loads from a
 * remote host, or analytics markers, in any HTML/JS/CSS/JSON/SVG file of the folder.
 */
export function scanForThirdParty(dir: string): string[] {
  const problems: string[] = [];
  for (const file of walk(dir)) {
    if (!TEXT.test(file)) continue;
    const text = fs.readFileSync(file, 'utf8');
    const rel = path.relative(dir, file);
    const marker = THIRD_PARTY_MARKERS.exec(text);
    if (marker) problems.push(`${rel}: analytics/third-party marker "${marker[0]}" near "${text.slice(Math.max(0, marker.index - 40), marker.index + 60).replace(/\s+/g, ' ')}"`);
    if (/\.html?$/i.test(file) || /\.svg$/i.test(file)) {
      const tag = /<(script|iframe|img|link|source|embed|object)\b[^>]*\b(src|href|data)\s*=\s*["']?(https?:)?\/\/[^"'\s>]+/i.exec(text);
      if (tag) problems.push(`${rel}: loads a remote resource: ${tag[0].slice(0, 160)}`);
    }
    if (/\.css$/i.test(file) && /@import\s+url\(\s*["']?(https?:)?\/\//i.test(text)) problems.push(`${rel}: CSS imports a remote stylesheet`);
  }
  return problems;
}

function run(cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 32 * 1024 * 1024, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ALLURE_NO_ANALYTICS: 'true' } },
      (err, stdout, stderr) => {
        const status = err ? (err as { code?: unknown }).code : 0;
        resolve({ code: typeof status === 'number' ? status : err ? 1 : 0, out: `${stdout}${stderr}` });
      });
  });
}

export class ReportError extends Error {}

export async function generateReport(o: GenerateOptions): Promise<GenerateOutcome> {
  const results = path.resolve(o.results);
  const out = path.resolve(o.out);
  if (!fs.existsSync(results) || !fs.readdirSync(results).some((f) => f.endsWith('-result.json'))) {
    throw new ReportError(`no Allure results in ${results}: run 'cpm-conformance run --results ${o.results}' first`);
  }
  if (out === results || results.startsWith(out + path.sep)) throw new ReportError('--out must not contain the results directory (it is emptied first)');
  // Re-generating into a used folder nests a copy (research P6): start empty.
  fs.rmSync(out, { recursive: true, force: true });
  const historyPath = o.historyPath ? path.resolve(o.historyPath) : undefined;
  if (historyPath) fs.mkdirSync(path.dirname(historyPath), { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cpm-allure-'));
  // Allure reads a polished copy (allure-polish.ts); the run's results stay as written.
  const staged = path.join(tmp, 'results');
  fs.cpSync(results, staged, { recursive: true, filter: (src) => !src.startsWith(path.join(results, CONFORMANCE_DIR, 'cases')) });
  polishResults(staged);
  // Allure appends one history line per generate: it works on a copy, and the line is kept only if
  // this results set is not in the history yet (a rebuild with --single-file / --open is no new run).
  const runId = resultsSetId(staged);
  const workHistory = historyPath ? path.join(tmp, 'history.jsonl') : undefined;
  if (historyPath && workHistory) fs.writeFileSync(workHistory, fs.existsSync(historyPath) ? withoutRun(fs.readFileSync(historyPath, 'utf8'), runId) : '');
  try {
    const config = {
      name: o.name ?? 'OMA CPM conformance',
      output: out,
      ...(workHistory ? { historyPath: workHistory } : {}),
      // Allure 3 takes categories from its config (categories.json in the results serves Allure 2).
      categories: CATEGORIES.map(({ name, matchedStatuses, messageRegex }) => ({ name, matchedStatuses, ...(messageRegex ? { messageRegex } : {}) })),
      plugins: {
        awesome: { options: { reportName: o.name ?? 'OMA CPM conformance', singleFile: o.singleFile === true, reportLanguage: 'en', groupBy: ['epic', 'feature', 'story'], ...chartsOption() } },
      },
    };
    const rc = path.join(tmp, 'allurerc.json');
    fs.writeFileSync(rc, JSON.stringify(config, null, 2));
    const r = await run(process.execPath, [allureCli(), 'generate', staged, '--config', rc, '--output', out], tmp, o.timeoutMs ?? 180_000);
    const index = path.join(out, 'index.html');
    if (r.code !== 0 || !fs.existsSync(index)) throw new ReportError(`allure generate failed (exit ${r.code}):\n${r.out.trim().slice(-2000)}`);
    if (historyPath && workHistory) keepRun(historyPath, workHistory, runId);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  const stripped: string[] = [];
  for (const file of walk(out)) {
    if (!/\.html?$/i.test(file)) continue;
    const before = fs.readFileSync(file, 'utf8');
    const { html, removed } = stripThirdParty(before);
    if (removed.length) {
      fs.writeFileSync(file, html);
      stripped.push(...removed.map((x) => `${path.relative(out, file)}: ${x}`));
    }
  }
  const conf = path.join(results, CONFORMANCE_DIR);
  if (fs.existsSync(conf)) fs.cpSync(conf, path.join(out, CONFORMANCE_DIR), { recursive: true });
  finishReport(out, conf, o.singleFile === true);
  const problems = scanForThirdParty(out);
  if (problems.length) throw new ReportError(`the generated report still references third-party code; refusing it:\n- ${problems.join('\n- ')}`);
  return { out, index: path.join(out, 'index.html'), stripped, historyPath };
}
