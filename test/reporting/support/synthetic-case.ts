/**
 * A hand-built case for the reporting tests: A1 → PF A (SUT) → B1, a BYE and a 200 OK whose CSeq
 * the SUT got wrong, a retransmission, and a hostile header value (markup and control octets).
 */
import { parseMessage } from '../../../src/sip/codec/parse';
import type { TraceEntry } from '../../../src/sip/transport/tap';
import type { StepRecord } from '../../../src/harness/context';
import type { Finding } from '../../../src/harness/finding';
import type { CaseEvidence } from '../../../reporters/case-view';

export const A1 = { host: '127.0.0.1', port: 40001 };
export const B1 = { host: '127.0.0.1', port: 40002 };
export const PFA = { host: '127.0.0.1', port: 5060 };

const bye = (cseq: number, extra = '') => [
  'BYE sip:bob@127.0.0.1:40002 SIP/2.0',
  'Via: SIP/2.0/UDP 127.0.0.1:40001;branch=z9hG4bKa1',
  'Max-Forwards: 70',
  'From: <sip:alice@cpm.example.com>;tag=a',
  'To: <sip:bob@cpm.example.com>;tag=b',
  'Call-ID: c1@test',
  `CSeq: ${cseq} BYE`,
  ...(extra ? [extra] : []),
  'Content-Length: 0', '', '',
].join('\r\n');

const ok = (cseq: number) => [
  'SIP/2.0 200 OK',
  'Via: SIP/2.0/UDP 127.0.0.1:40001;branch=z9hG4bKa1',
  'From: <sip:alice@cpm.example.com>;tag=a',
  'To: <sip:bob@cpm.example.com>;tag=b',
  'Call-ID: c1@test',
  `CSeq: ${cseq} BYE`,
  'Server: <script>alert(1)</script> evil\x01SUT',
  'Content-Length: 0', '', '',
].join('\r\n');

export function entry(seq: number, owner: string, direction: 'sent' | 'received', local: typeof A1, remote: typeof A1, text: string, protocol: 'udp' | 'tcp' = 'udp'): TraceEntry {
  const raw = Buffer.from(text, 'latin1');
  return { seq, at: BigInt(1_000_000_000 + seq * 1_000_000), wallMs: 1_700_000_000_000 + seq, direction, flow: { protocol, local, remote }, raw, message: parseMessage(raw).message, owner };
}

export function syntheticCase(protocol: 'udp' | 'tcp' = 'udp'): CaseEvidence & { trace: TraceEntry[] } {
  const trace = [
    entry(0, 'A1', 'sent', A1, PFA, bye(3), protocol),
    entry(1, 'A1', 'sent', A1, PFA, bye(3), protocol), // retransmission
    entry(2, 'B1', 'received', B1, PFA, bye(3, 'X-Note: <b>hi</b>'), protocol),
    entry(3, 'B1', 'sent', B1, PFA, ok(3), protocol),
    entry(4, 'A1', 'received', A1, PFA, ok(4), protocol),
  ];
  const failing: Finding = {
    verdict: 'fail', requirement: 'LEAVE-OK', step: '14', message: 'the OK at A1 does not match its leaving request: CSeq: expected 3 BYE, got 4 BYE',
    expected: 'CSeq 3 BYE', actual: trace[4], fields: ['CSeq'],
  };
  const steps: StepRecord[] = [
    { id: '1', title: 'Client A sends the leaving request', verdict: 'pass', start: 0, stop: 1, entries: trace.slice(0, 2), findings: [],
      checks: [{ requirement: 'LEAVE-ORIG', verdict: 'pass', message: 'BYE left A1', fields: ['Max-Forwards'], entrySeq: 0 }] },
    { id: '7', title: 'delivered to Client B', verdict: 'pass', start: 1, stop: 2, entries: trace.slice(2, 4), findings: [] },
    { id: '14', title: 'the OK reaches Client A', verdict: 'fail', start: 2, stop: 3, entries: trace.slice(4), findings: [failing],
      checks: [{ requirement: 'LEAVE-OK', verdict: 'fail', message: failing.message, expected: 'CSeq 3 BYE', fields: ['CSeq'], entrySeq: 4 }] },
  ];
  return { key: 'TC-SYN-01 [udp, direct, devices 1+1]', title: 'synthetic <case>', verdict: 'fail', trace, steps, findings: [failing], reason: failing };
}
