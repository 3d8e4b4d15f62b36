/**
 * History of the HTML report: one entry per run, whatever the number of rebuilds. Allure appends a
 * data point each time it generates; a results set rebuilt (--single-file, --open, a second look)
 * replaced its earlier entry instead of adding a duplicate. A run is recognised by its results:
 * its SUT (in the test case IDs), the names and start times of its test results, which Allure
 * keeps in each history entry.
 * Also the finishing touches of a generated report: the conformance matrix as a page linked from
 * the overview, the metrics widget Allure's page asks for even when it has none (a 404), and a
 * height for attachment frames Allure cannot measure (a report opened from disk).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

interface HistoryItem { name?: string; start?: number; testCaseId?: string; historyId?: string }
interface HistoryPoint { testResults?: Record<string, HistoryItem> }

function idOf(items: Array<[string, number | undefined]>): string {
  const h = createHash('sha256');
  for (const [k, s] of items.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) h.update(`${k}|${s ?? ''}\n`);
  return h.digest('hex');
}

/** The run a (polished) results folder holds. */
export function resultsSetId(dir: string): string {
  const items: Array<[string, number | undefined]> = [];
  for (const f of fs.readdirSync(dir)) {
    if (!f.endsWith('-result.json')) continue;
    try {
      const r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as HistoryItem;
      // Allure's history key starts with md5(testCaseId), which carries the SUT (allure-polish.ts).
      items.push([`${createHash('md5').update(r.testCaseId ?? '').digest('hex')}|${r.name ?? ''}`, r.start]);
    } catch {
      // unreadable result: Allure skips it too
    }
  }
  return idOf(items);
}

function pointId(line: string): string | undefined {
  try {
    const p = JSON.parse(line) as HistoryPoint;
    return idOf(Object.values(p.testResults ?? {}).map((v) => [`${(v.historyId ?? '').split('.')[0]}|${v.name ?? ''}`, v.start]));
  } catch {
    return undefined;
  }
}

/** The history text without the entries of this run (a rebuild shows it once, as the latest). */
export function withoutRun(text: string, runId: string): string {
  const lines = text.split('\n').filter((l) => l.trim() && pointId(l) !== runId);
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** Store the history Allure wrote (work copy): earlier runs, then this run once. */
export function keepRun(historyPath: string, workHistory: string, runId: string): void {
  const lines = fs.readFileSync(workHistory, 'utf8').split('\n').filter((l) => l.trim());
  const mine = lines.filter((l) => pointId(l) === runId).slice(-1);
  const before = fs.existsSync(historyPath) ? withoutRun(fs.readFileSync(historyPath, 'utf8'), runId) : '';
  fs.writeFileSync(historyPath, `${before}${mine.map((l) => `${l}\n`).join('')}`);
}

const escHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The matrix Markdown as a static page: headings, tables, list items, paragraphs. */
export function markdownPage(md: string, title: string): string {
  const out: string[] = [];
  let table: string[][] = [];
  const flush = () => {
    if (!table.length) return;
    const rows = table.filter((r) => !r.every((c) => /^:?-+:?$/.test(c.trim())));
    out.push(`<table>${rows.map((r, i) => `<tr>${r.map((c) => (i === 0 ? `<th>${escHtml(c.trim())}</th>` : `<td>${escHtml(c.trim())}</td>`)).join('')}</tr>`).join('')}</table>`);
    table = [];
  };
  for (const line of md.split('\n')) {
    if (line.startsWith('|')) {
      table.push(line.replace(/^\||\|$/g, '').split(/(?<!\\)\|/));
      continue;
    }
    flush();
    const h = /^(#{1,4}) (.*)$/.exec(line);
    if (h) out.push(`<h${h[1].length}>${escHtml(h[2])}</h${h[1].length}>`);
    else if (/^[-*] /.test(line)) out.push(`<li>${escHtml(line.slice(2))}</li>`);
    else if (line.trim()) out.push(`<p>${escHtml(line)}</p>`);
  }
  flush();
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"><title>${escHtml(title)}</title>
<style>body{font-family:DejaVu Sans,Arial,sans-serif;margin:16px}table{border-collapse:collapse;font-size:13px;margin:8px 0}td,th{border:1px solid #cfd8dc;padding:3px 6px;text-align:left;vertical-align:top}th{background:#eceff1}</style>
</head><body>${out.join('\n')}</body></html>\n`;
}

/** The link the overview carries to the matrix (Allure has no slot for a report-wide document). */
export const MATRIX_LINK_ID = 'cpm-conformance-matrix-link';
const FRAME_STYLE_ID = 'cpm-attachment-frame-size';

export function finishReport(out: string, conformanceDir: string, singleFile: boolean): void {
  const md = path.join(conformanceDir, 'conformance-report.md');
  const index = path.join(out, 'index.html');
  if (fs.existsSync(md)) {
    fs.mkdirSync(path.join(out, 'conformance'), { recursive: true });
    fs.writeFileSync(path.join(out, 'conformance', 'conformance-report.html'), markdownPage(fs.readFileSync(md, 'utf8'), 'Conformance matrix'));
    const link = `<a id="${MATRIX_LINK_ID}" href="conformance/conformance-report.html" target="_blank" rel="noopener" style="position:fixed;right:16px;bottom:16px;z-index:10000;background:#1565c0;color:#fff;padding:8px 12px;border-radius:4px;font:14px DejaVu Sans,Arial,sans-serif;text-decoration:none">Conformance matrix</a>`;
    const html = fs.readFileSync(index, 'utf8');
    if (!html.includes(MATRIX_LINK_ID)) fs.writeFileSync(index, html.replace(/<\/body>/i, `${link}</body>`));
  }
  // Opened from disk (--single-file), an attachment frame is a blob of an opaque origin: Allure
  // cannot measure it and left the browser's 150 px; it gets most of the window instead.
  const page = fs.readFileSync(index, 'utf8');
  if (!page.includes(FRAME_STYLE_ID)) {
    fs.writeFileSync(index, page.replace(/<\/head>/i, `<style id="${FRAME_STYLE_ID}">iframe[title="HTML attachment"]:not([height]){height:85vh}</style></head>`));
  }
  // The Graphs page's ring divides by every result, N/A included; the overview leaves N/A out.
  const charts = path.join(out, 'widgets', 'charts.json');
  if (fs.existsSync(charts)) {
    const c = JSON.parse(fs.readFileSync(charts, 'utf8')) as { general?: Record<string, { type?: string; title?: string; data?: Record<string, number> }> };
    for (const chart of Object.values(c.general ?? {})) {
      if (chart.type !== 'currentStatus' || !chart.data?.skipped) continue;
      chart.data.total -= chart.data.skipped;
      delete chart.data.skipped;
      chart.title = `${chart.title ?? 'Current status'} (N/A left out, as on the overview)`;
    }
    fs.writeFileSync(charts, JSON.stringify(c));
  }
  // The page fetches widgets/metrics.json on every load; Allure writes it only when a run has metrics.
  const metrics = path.join(out, 'widgets', 'metrics.json');
  if (!singleFile && fs.existsSync(path.dirname(metrics)) && !fs.existsSync(metrics)) fs.writeFileSync(metrics, JSON.stringify({ current: [], history: [] }));
}
