/**
 * Latency over time of a load run as an SVG (docs/load.md): p50 / p95 / p99 of INVITE→200 per
 * second, with the flows started per second beneath, so a SUT that holds its conformance but not
 * its latency (or the reverse) shows where in the run it happened. Plain SVG, no script.
 */
import type { LoadSummary } from '../src/harness/load/summary';
import type { KeyTransaction } from '../src/harness/load/latency';
import { esc } from './case-view';

const W = 900;
const H = 360;
const PAD = { l: 60, r: 20, t: 30, b: 40 };

export function latencySvg(s: LoadSummary, kind: KeyTransaction = 'INVITE→200'): string {
  const pts = s.timeline.filter((p) => p.latency);
  const maxT = Math.max(1, ...s.timeline.map((p) => p.atS));
  const maxMs = Math.max(1, ...pts.map((p) => p.latency![kind].p99));
  const maxRate = Math.max(1, ...s.timeline.map((p) => p.started));
  const plotH = (H - PAD.t - PAD.b) * 0.7;
  const rateH = (H - PAD.t - PAD.b) * 0.25;
  const x = (t: number) => PAD.l + (t / maxT) * (W - PAD.l - PAD.r);
  const y = (ms: number) => PAD.t + plotH - (ms / maxMs) * plotH;
  const line = (key: 'p50' | 'p95' | 'p99', color: string) => {
    const d = pts.filter((p) => p.latency![kind].count > 0).map((p, i) => `${i ? 'L' : 'M'}${x(p.atS).toFixed(1)},${y(p.latency![kind][key]).toFixed(1)}`).join(' ');
    return d ? `<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5"><title>${key}</title></path>` : '';
  };
  const base = PAD.t + plotH + rateH + 10;
  const bars = s.timeline.map((p) => {
    const h = (p.started / maxRate) * rateH;
    return `<rect x="${(x(p.atS) - 2).toFixed(1)}" y="${(base - h).toFixed(1)}" width="3" height="${h.toFixed(1)}" fill="#9ab"><title>${p.atS} s: ${p.started} started, ${p.shed} shed</title></rect>`;
  }).join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="${PAD.l - 6}" y="${y(maxMs * f) + 4}" text-anchor="end" font-size="10">${(maxMs * f).toFixed(1)}</text>`).join('');
  const tticks = [0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="${x(maxT * f)}" y="${H - 12}" text-anchor="middle" font-size="10">${Math.round(maxT * f)} s</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">
<title>${esc(`${kind} latency over time — load ${s.flow}, ${s.offered.rate}/s`)}</title>
<rect width="${W}" height="${H}" fill="#fff"/>
<text x="${PAD.l}" y="18" font-size="13">${esc(`${kind} (ms) per second — ${s.flow} at ${s.offered.rate}/s; p50 blue, p95 orange, p99 red; bars: flows started per second (max ${maxRate})`)}</text>
<line x1="${PAD.l}" y1="${PAD.t}" x2="${PAD.l}" y2="${PAD.t + plotH}" stroke="#333"/>
<line x1="${PAD.l}" y1="${PAD.t + plotH}" x2="${W - PAD.r}" y2="${PAD.t + plotH}" stroke="#333"/>
${ticks}${tticks}
${line('p50', '#1f77b4')}${line('p95', '#ff7f0e')}${line('p99', '#d62728')}
${bars}
</svg>
`;
}
