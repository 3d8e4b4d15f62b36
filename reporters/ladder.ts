/**
 * The SIP ladder diagram of one case as a standalone SVG (docs/reporting.md): one lifeline per device,
 * core and SUT address, one arrow per wire message with its method/status and CSeq beside it (MSRP
 * frames of the session's media in their own colour and dash, labelled by method and chunk) and
 * the key headers on hover (<title>), retransmissions dashed, the spec step beside each arrow, the
 * failing message in red with the expected template beside it. Every text is escaped: the SUT's
 * octets are hostile input, and the SVG contains no script and loads nothing.
 */
import { esc, type CaseView, type Arrow } from './case-view';
import { VERDICT_LABEL } from '../src/harness/verdict';
import type { Finding } from '../src/harness/finding';
import { findingParts } from './finding-view';

const COL = 170;
const LEFT = 124;
const TOP = 78;
const ROW = 38;
const NOTE_W = 420;
const RED = '#c62828';
const ORANGE = '#ef6c00';
const GREY = '#455a64';
/** MSRP frames (the session's media, RFC 4975) in teal, so the chat stands apart from the signalling. */
const TEAL = '#00796b';

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(/\s+/)) {
      if (line && (line + ' ' + word).length > width) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
      while (line.length > width) {
        out.push(line.slice(0, width));
        line = line.slice(width);
      }
    }
    out.push(line);
  }
  return out;
}

function trim(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/**
 * The note of a finding: message, expected (complete: the template lines that matter, Call-ID and
 * CSeq, come last), actual value and why it was expected. Bounded so a hostile SUT's megabyte
 * header cannot make a megabyte picture.
 */
function noteLines(f: Finding, width: number): string[] {
  const p = findingParts(f);
  const out = [...wrap(p.message, width).slice(0, 6)];
  if (p.expected) out.push(...wrap(`expected: ${p.expected}`, width).slice(0, 40));
  if (p.actualValues.length) out.push(...wrap(`actual: ${p.actualValues.join(' | ')}`, width).slice(0, 8));
  else if (p.actualText) out.push(...wrap(`actual: ${p.actualText}`, width).slice(0, 4));
  if (p.why) out.push(...wrap(`why expected: ${p.why}`, width).slice(0, 8));
  return out;
}

function colour(a: Arrow): string {
  if (!a.finding) return a.kind === 'msrp' ? TEAL : GREY;
  return a.finding.verdict === 'non-strict' ? ORANGE : RED;
}

export function renderLadder(v: CaseView): string {
  const lanes = Math.max(v.lifelines.length, 1);
  const notesX = LEFT + lanes * COL + 10;
  const hasNotes = v.arrows.some((a) => a.finding) || v.looseFindings.length > 0;
  const width = notesX + (hasNotes ? NOTE_W : 20);
  const x = (i: number) => LEFT + i * COL + COL / 2;
  const body: string[] = [];
  let y = TOP;
  let noteY = TOP;

  for (const a of v.arrows) {
    y += ROW;
    const x1 = x(a.from);
    const x2 = x(a.to);
    const c = colour(a);
    const cls = ['msg', a.kind === 'msrp' ? 'msrp' : '', a.finding ? (a.finding.verdict === 'non-strict' ? 'non-strict' : 'failing') : '', a.retransmission ? 'retransmission' : ''].filter(Boolean).join(' ');
    const dash = a.retransmission ? ' stroke-dasharray="6 4"' : a.kind === 'msrp' ? ' stroke-dasharray="9 2 2 2"' : '';
    const sw = a.finding ? 2.5 : 1.4;
    const label = `${a.retransmission ? '↻ ' : ''}${trim(a.label, a.kind === 'msrp' ? 40 : 34)}${a.finding ? (a.finding.verdict === 'non-strict' ? '  ⚠' : '  ✗') : ''}`;
    const mid = (x1 + x2) / 2;
    const g: string[] = [];
    g.push(`<g class="${cls}" data-seq="${a.seq}"${a.step ? ` data-step="${esc(a.step)}"` : ''}>`);
    g.push(`<title>${esc([`#${a.seq} ${a.protocol}${a.retransmission ? ' (retransmission)' : ''}${a.step ? ` — step ${a.step}` : ''}`, ...a.hover].join('\n'))}</title>`);
    if (a.finding) g.push(`<rect x="${LEFT - 4}" y="${y - 24}" width="${lanes * COL + 8}" height="${ROW - 4}" fill="${a.finding.verdict === 'non-strict' ? '#fff3e0' : '#ffebee'}"/>`);
    // Arrowheads are drawn, not <marker>s: Allure's HTML attachment frame drops marker references.
    if (x1 === x2) {
      g.push(`<path d="M${x1},${y - 6} h40 v12 h-31" fill="none" stroke="${c}" stroke-width="${sw}"${dash}/>`);
      g.push(`<path class="head" d="M${x1 + 1},${y + 6} l9,-4.5 v9 z" fill="${c}"/>`);
    } else {
      const dir = x2 > x1 ? 1 : -1;
      g.push(`<line x1="${x1}" y1="${y}" x2="${x2 - dir * 9}" y2="${y}" stroke="${c}" stroke-width="${sw}"${dash}/>`);
      g.push(`<path class="head" d="M${x2 - dir},${y} l${-dir * 10},-4.5 v9 z" fill="${c}"/>`);
    }
    g.push(`<text x="${x1 === x2 ? x1 + 46 : mid}" y="${y - 5}" text-anchor="${x1 === x2 ? 'start' : 'middle'}" class="label" fill="${a.finding || a.kind === 'msrp' ? c : '#000'}"${a.finding ? ' font-weight="bold"' : ''}>${esc(label)}</text>`);
    if (a.kind === 'msrp') g.push(`<text x="${x1 === x2 ? x1 + 46 : mid}" y="${y + 11}" text-anchor="${x1 === x2 ? 'start' : 'middle'}" class="small">${esc(a.protocol)}</text>`);
    else if (a.cseq) g.push(`<text x="${x1 === x2 ? x1 + 46 : mid}" y="${y + 11}" text-anchor="${x1 === x2 ? 'start' : 'middle'}" class="small">${esc(trim(`CSeq ${a.cseq} · ${a.protocol}`, 40))}</text>`);
    g.push(`<text x="6" y="${y - 2}" class="small">+${a.atMs.toFixed(1)} ms</text>`);
    if (a.step) g.push(`<text x="6" y="${y + 11}" class="step">${esc(trim(`step ${a.step}`, 19))}</text>`);
    if (a.finding && hasNotes) {
      const f = a.finding;
      const lines = [`${findingParts(f).head} at #${a.seq}`, ...noteLines(f, 62)];
      const ny = Math.max(noteY, y - 14);
      g.push(`<line x1="${Math.max(x1, x2) + 4}" y1="${y}" x2="${notesX}" y2="${ny + 6}" stroke="${c}" stroke-width="0.8" stroke-dasharray="2 3"/>`);
      g.push(`<rect class="expected" x="${notesX}" y="${ny - 8}" width="${NOTE_W - 10}" height="${lines.length * 14 + 8}" fill="#fff" stroke="${c}"/>`);
      lines.forEach((l, i) => g.push(`<text x="${notesX + 6}" y="${ny + 6 + i * 14}" class="${i === 0 ? 'note-head' : 'note'}" fill="${i === 0 ? c : '#000'}">${esc(l)}</text>`));
      noteY = ny + lines.length * 14 + 16;
    }
    g.push('</g>');
    body.push(g.join(''));
  }

  // Findings that name no message: a box under the diagram (e.g. "no OK within 2500 ms").
  let footY = Math.max(y, noteY) + 30;
  for (const f of v.looseFindings) {
    const c = f.verdict === 'non-strict' ? ORANGE : RED;
    const lines = [findingParts(f).head, ...noteLines(f, 110)];
    body.push(`<g class="finding loose ${f.verdict === 'non-strict' ? 'non-strict' : 'failing'}"><rect class="expected" x="${LEFT}" y="${footY - 12}" width="${Math.max(lanes * COL, 700)}" height="${lines.length * 14 + 8}" fill="#fff" stroke="${c}"/>${lines
      .map((l, i) => `<text x="${LEFT + 6}" y="${footY + 2 + i * 14}" class="${i === 0 ? 'note-head' : 'note'}" fill="${i === 0 ? c : '#000'}">${esc(l)}</text>`).join('')}</g>`);
    footY += lines.length * 14 + 20;
  }
  const height = footY + 10;
  const fullWidth = Math.max(width, v.looseFindings.length ? LEFT + Math.max(lanes * COL, 700) + 20 : 0);

  const heads = v.lifelines.map((l) => {
    const cx = x(l.index);
    return `<g class="lifeline${l.sut ? ' sut' : ''}"><rect x="${cx - COL / 2 + 8}" y="26" width="${COL - 16}" height="36" rx="4" fill="${l.sut ? '#e3f2fd' : '#f5f5f5'}" stroke="${l.sut ? '#1565c0' : '#9e9e9e'}"/>` +
      `<text x="${cx}" y="41" text-anchor="middle" class="head">${esc(trim(l.label, 24))}</text>` +
      `<text x="${cx}" y="55" text-anchor="middle" class="small">${esc(trim(l.sub, 30))}</text>` +
      `<line x1="${cx}" y1="62" x2="${cx}" y2="${y + 16}" stroke="${l.sut ? '#1565c0' : '#bdbdbd'}" stroke-dasharray="${l.sut ? '0' : '3 3'}"/></g>`;
  });
  const title = `${v.key}${v.title ? ` — ${v.title}` : ''}`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${fullWidth}" height="${height}" viewBox="0 0 ${fullWidth} ${height}" font-family="DejaVu Sans, Arial, sans-serif" class="ladder" data-verdict="${esc(v.verdict)}">`,
    `<title>${esc(`SIP ladder: ${title}`)}</title>`,
    '<defs>',
    '<style>.label{font-size:12px}.small{font-size:9.5px;fill:#546e7a}.step{font-size:10px;fill:#1565c0;font-weight:bold}.head{font-size:11.5px;font-weight:bold}.note{font-size:10.5px}.note-head{font-size:11px;font-weight:bold}</style>',
    '</defs>',
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="6" y="16" font-size="13" font-weight="bold">${esc(trim(title, 160))}  [${VERDICT_LABEL[v.verdict]}]</text>`,
    ...heads,
    ...body,
    v.arrows.length === 0 ? `<text x="${LEFT}" y="${TOP + 20}" class="label">(no SIP message on the wire)</text>` : '',
    '</svg>',
    '',
  ].join('\n');
}

/**
 * The ladder inline in an HTML page: Allure shows an SVG attachment as an <img>, shrunk to the
 * pane's width and without hover (a 5-device ladder read at 48 %); an HTML attachment is a frame
 * in which the inline SVG keeps its size, scrolls, and shows each arrow's key headers on hover.
 * The box is bounded in height: Allure sizes the frame to its content, and a 7000 px frame put the
 * horizontal scroll bar (the B devices' lanes) out of reach.
 */
export function ladderPage(svg: string, key: string): string {
  // The lifeline heads again, sticky at the top of the scroll box: 200 rows down, a reader still
  // sees which lane is B4 (the heads are the first three elements of each lifeline group).
  const width = /<svg[^>]*\bwidth="(\d+(?:\.\d+)?)"/.exec(svg)?.[1] ?? '0';
  const heads = [...svg.matchAll(/<g class="lifeline[^"]*">(<rect [^>]*\/>)(<text [^>]*>[^<]*<\/text>)(<text [^>]*>[^<]*<\/text>)/g)].map((m) => `${m[1]}${m[2]}${m[3]}`);
  const lanes = heads.length
    ? `<div class="lanes"><svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="66" viewBox="0 0 ${width} 66" font-family="DejaVu Sans, Arial, sans-serif"><style>.head{font-size:11.5px;font-weight:bold}.small{font-size:9.5px;fill:#546e7a}</style><rect y="22" width="100%" height="44" fill="#fff" fill-opacity="0.95"/>${heads.join('')}</svg></div>`
    : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${esc(`SIP ladder: ${key}`)}</title>
<style>body{margin:0;font-family:DejaVu Sans,Arial,sans-serif}.ladder-box{overflow:auto;max-height:720px}.ladder-box svg{display:block}.lanes{position:sticky;top:0;z-index:1;height:0;overflow:visible}</style>
</head><body><div class="ladder-box">${lanes}${svg.replace(/^<\?xml[^>]*>\s*/, '')}</div></body></html>
`;
}
