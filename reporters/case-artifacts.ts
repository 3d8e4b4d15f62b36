/**
 * Per-case evidence files (design §7): the ladder diagram (SVG), the exchange page (HTML) and the
 * trace as pcap, written next to the Allure results (for readers without Allure) and attached to
 * the case's Allure result.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writePcap } from '../src/sip/pcap/writer';
import { buildCaseView, isKeepAlive, wireMessages, type CaseEvidence, type SutAddress } from './case-view';
import { renderLadder } from './ladder';
import { renderExchange } from './exchange-html';

export interface CaseArtifacts {
  svg: string;
  html: string;
  pcap: Buffer;
  /** SIP messages written to the pcap (the trace's wire messages). */
  pcapMessages: number;
  /** Files written, relative to the results directory (absent when no directory was given). */
  files?: { ladder: string; exchange: string; pcap: string };
}

/** File-system-safe name of a case variant key ("TC-LEAVE-01 [udp, direct, devices 1+1]"). */
export function caseSlug(key: string): string {
  return key.replace(/[^A-Za-z0-9+.-]+/g, '_').replace(/^_+|_+$/g, '');
}

/** The folder under the results directory that holds the run's reports and per-case files. */
export const CONFORMANCE_DIR = 'conformance';

export function buildCaseArtifacts(r: CaseEvidence, sut: readonly SutAddress[], resultsDir?: string): CaseArtifacts {
  const svg = renderLadder(buildCaseView(r, sut));
  const html = renderExchange(r, sut, svg);
  // Keep-alives are not SIP messages (RFC 5626 §3.5.1); a message traced at both ends is written once.
  const wire = wireMessages(r.trace).kept.filter((e) => !isKeepAlive(e));
  const pcap = writePcap(wire, { dedupe: false });
  const out: CaseArtifacts = { svg, html, pcap, pcapMessages: wire.length };
  if (resultsDir) {
    const rel = path.join(CONFORMANCE_DIR, 'cases', caseSlug(r.key));
    const dir = path.join(resultsDir, rel);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'ladder.svg'), svg);
    fs.writeFileSync(path.join(dir, 'exchange.html'), html);
    fs.writeFileSync(path.join(dir, 'trace.pcap'), pcap);
    out.files = { ladder: path.join(rel, 'ladder.svg'), exchange: path.join(rel, 'exchange.html'), pcap: path.join(rel, 'trace.pcap') };
  }
  return out;
}
