/**
 * The finishing touches of a generated Allure report (issue 13), applied after `allure generate`:
 * - the conformance matrix as a page, linked from the overview (Allure has no slot for a
 *   report-wide document);
 * - the Graphs page's current-status ring counting what the overview counts (N/A left out), in
 *   the widget file of a multi-file report and in the data embedded in a single-file one;
 * - attachment frames sized to their content also when the report is opened from disk;
 * - the metrics widget the page asks for on every load even when a run has none (a 404).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

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

/** The link the overview carries to the matrix. */
export const MATRIX_LINK_ID = 'cpm-conformance-matrix-link';
/** The script that sizes attachment frames of a report opened from disk. */
export const FRAME_SCRIPT_ID = 'cpm-attachment-frame-size';

interface Charts { general?: Record<string, { type?: string; title?: string; data?: Record<string, number> }> }

/**
 * The Graphs page's ring divides by every result, N/A included, where the overview leaves N/A out:
 * 3 % against 21.42 % for the same run. Allure's `statuses` option only hides the slice; the total
 * it divides by is the run's statistic, so the skipped count is taken out of it here.
 */
export function ringWithoutNa(json: string): string {
  const c = JSON.parse(json) as Charts;
  for (const chart of Object.values(c.general ?? {})) {
    if (chart.type !== 'currentStatus' || !chart.data?.skipped) continue;
    chart.data.total -= chart.data.skipped;
    delete chart.data.skipped;
    chart.title = `${chart.title ?? 'Current status'} (N/A left out, as on the overview)`;
  }
  return JSON.stringify(c);
}

/** A single-file report carries each widget as `d("widgets/x.json","<base64 of the JSON>")`. */
const EMBEDDED_CHARTS = /(\bd\(\s*"widgets\/charts\.json"\s*,\s*")([A-Za-z0-9+/=]+)("\s*\))/;

export function embeddedRingWithoutNa(html: string): string {
  return html.replace(EMBEDDED_CHARTS, (_all, head: string, b64: string, tail: string) =>
    `${head}${Buffer.from(ringWithoutNa(Buffer.from(b64, 'base64').toString('utf8')), 'utf8').toString('base64')}${tail}`);
}

/**
 * Allure shows an HTML attachment in an iframe whose `src` is a blob URL, sandboxed with
 * `allow-same-origin` (no scripts), and sets its height from the frame's document on load. A page
 * opened from disk has an opaque origin (the URL Standard leaves the origin of a file: URL to the
 * browser; Chromium makes it opaque), so the blob document counts as cross-origin, cannot be
 * measured, and keeps the browser's default 150 px. The same text as `srcdoc` gets the report's
 * own origin (HTML Standard: an about:srcdoc document inherits its container's origin), so
 * Allure's measurement on load then gives the frame its content's height: no fixed size, no blank
 * strip under a short page. A frame allowed to run scripts is left alone: same origin plus scripts
 * would let an attachment reach into the report.
 */
const FRAME_SCRIPT = `<script id="${FRAME_SCRIPT_ID}">(function () {
  // self.origin, not location.origin: Chromium says "file://" for the latter, "null" for the former.
  if (self.origin !== 'null') return;
  // The frame's text is read from the Blob Allure made, kept here as it is made: Allure revokes the
  // blob URL when the attachment re-renders or closes, and a copy fetched through a revoked URL
  // fails (the frame then stayed cross-origin at 150 px on a loaded machine). Bounded: the newest 64.
  var blobs = new Map();
  var create = URL.createObjectURL;
  URL.createObjectURL = function (o) {
    var url = create.call(URL, o);
    if (o instanceof Blob && o.type.toLowerCase().indexOf('text/html') === 0) {
      blobs.set(url, o);
      if (blobs.size > 64) blobs.delete(blobs.keys().next().value);
    }
    return url;
  };
  function read(src) {
    var blob = blobs.get(src);
    return blob ? blob.text() : fetch(src).then(function (r) { return r.text(); });
  }
  function fix(f) {
    var sandbox = f.getAttribute('sandbox');
    if (sandbox === null || /allow-scripts/.test(sandbox) || f.src.indexOf('blob:') !== 0 || f.getAttribute('data-cpm-src') === f.src) return;
    var src = f.src;
    f.setAttribute('data-cpm-src', src);
    read(src).then(function (text) {
      if (f.src !== src) return;
      f.setAttribute('srcdoc', text);
      // A blob load still under way may commit after the srcdoc one on a busy machine, leaving the
      // srcdoc attribute set over an unreadable document: load the copy again (at most 3 times).
      var tries = 0;
      f.addEventListener('load', function again() {
        var readable = false;
        try { readable = f.contentDocument !== null; } catch (e) { readable = false; }
        if (readable || f.src !== src || ++tries > 3) return f.removeEventListener('load', again);
        f.removeAttribute('srcdoc');
        f.setAttribute('srcdoc', text);
      });
    }).catch(function () { f.setAttribute('data-cpm-src', 'unreadable ' + src); });
  }
  function scan() { document.querySelectorAll('iframe').forEach(fix); }
  new MutationObserver(scan).observe(document.documentElement, { subtree: true, childList: true, attributes: true, attributeFilter: ['src'] });
  scan();
})();</script>`;

export function finishReport(out: string, conformanceDir: string, singleFile: boolean): void {
  const md = path.join(conformanceDir, 'conformance-report.md');
  const index = path.join(out, 'index.html');
  let html = fs.readFileSync(index, 'utf8');
  if (fs.existsSync(md)) {
    fs.mkdirSync(path.join(out, 'conformance'), { recursive: true });
    fs.writeFileSync(path.join(out, 'conformance', 'conformance-report.html'), markdownPage(fs.readFileSync(md, 'utf8'), 'Conformance matrix'));
    const link = `<a id="${MATRIX_LINK_ID}" href="conformance/conformance-report.html" target="_blank" rel="noopener" style="position:fixed;right:16px;bottom:16px;z-index:10000;background:#1565c0;color:#fff;padding:8px 12px;border-radius:4px;font:14px DejaVu Sans,Arial,sans-serif;text-decoration:none">Conformance matrix</a>`;
    if (!html.includes(MATRIX_LINK_ID)) html = html.replace(/<\/body>/i, `${link}</body>`);
  }
  // In the head, so the observer is there before the app draws its first frame.
  if (!html.includes(FRAME_SCRIPT_ID)) html = html.replace(/<\/head>/i, `${FRAME_SCRIPT}</head>`);
  if (singleFile) html = embeddedRingWithoutNa(html);
  fs.writeFileSync(index, html);
  const charts = path.join(out, 'widgets', 'charts.json');
  if (fs.existsSync(charts)) fs.writeFileSync(charts, ringWithoutNa(fs.readFileSync(charts, 'utf8')));
  // The page fetches widgets/metrics.json on every load; Allure writes it only when a run has metrics.
  const metrics = path.join(out, 'widgets', 'metrics.json');
  if (!singleFile && fs.existsSync(path.dirname(metrics)) && !fs.existsSync(metrics)) fs.writeFileSync(metrics, JSON.stringify({ current: [], history: [] }));
}
