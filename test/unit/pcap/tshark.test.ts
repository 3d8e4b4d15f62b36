/**
 * tshark, an independent decoder, must read every message the writer emits as SIP with valid
 * checksums and no expert warning (TCP sequence mistakes show up as warnings), and the reader must
 * read what tshark itself writes (pcapng).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPcap } from '../../../src/sip/pcap/reader';
import { writePcap } from '../../../src/sip/pcap/writer';
import { describeWithTools } from '../../interop/support/tools';
import { tsharkCheckEntries, tsharkCheckPcap } from '../../interop/support/tshark';
import { SDP, entry, invite, ok } from './fixtures';

const A: [string, number] = ['127.0.0.1', 40123];
const B: [string, number] = ['127.0.0.1', 5060];

function trace() {
  const es = [];
  for (let i = 0; i < 5; i++) {
    const t = BigInt(i) * 1_000_000n;
    es.push(entry('udp', 'sent', A, B, invite(i, SDP), t), entry('udp', 'received', A, B, ok(i), t + 1n));
    es.push(entry('tcp', 'sent', ['127.0.0.1', 40200], ['127.0.0.1', 5062], invite(10 + i, SDP), t + 2n));
    es.push(entry('tcp', 'received', ['127.0.0.1', 40200], ['127.0.0.1', 5062], ok(10 + i), t + 3n));
    es.push(entry('tls', 'sent', ['127.0.0.1', 40300], ['127.0.0.1', 5061], invite(20 + i), t + 4n));
    es.push(entry('udp', 'sent', ['::1', 40400], ['::1', 5060], invite(30 + i, SDP), t + 5n));
    es.push(entry('tcp', 'received', ['::1', 40500], ['::1', 5063], ok(40 + i), t + 6n));
  }
  es.push(entry('tcp', 'sent', ['127.0.0.1', 40200], ['127.0.0.1', 5062], invite(99, 'y'.repeat(100_000), 'text/plain'), 9_000_000n));
  return es;
}

describeWithTools(['tshark'], 'pcap writer judged by tshark', () => {
  it('tshark decodes every written message, in order, with no malformed packet or expert warning', async () => {
    const es = trace();
    const check = await tsharkCheckEntries(es, { direction: 'both', failOn: 'warn' });
    if (!check.ok) throw new Error(`${check.problems.join('\n')}\n${check.tsharkText}`);
    expect(check.sipMessages).toBe(es.length);
  });

  it('the check bites: a corrupted checksum and an unreadable message are reported with tshark\'s text', async () => {
    const pcap = writePcap([entry('udp', 'sent', A, B, invite(1))]);
    pcap[24 + 16 + 20 + 7] ^= 0xff; // UDP checksum of the only packet
    const check = await tsharkCheckPcap(pcap, ['INVITE sip:bob@example.com SIP/2.0'], { ports: [5060] });
    expect(check.ok).toBe(false);
    expect(check.tsharkText).toMatch(/Bad checksum/);
    const garbage = await tsharkCheckEntries([entry('udp', 'sent', A, B, 'hello, not SIP\r\n\r\n')]);
    expect(garbage.ok).toBe(false);
    expect(garbage.problems.join()).toMatch(/malformed|decoded/);
  });

  it('reads back the pcapng tshark writes from our pcap', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cpm-pcapng-'));
    try {
      const es = trace();
      writeFileSync(join(dir, 'in.pcap'), writePcap(es));
      execFileSync('tshark', ['-r', join(dir, 'in.pcap'), '-F', 'pcapng', '-w', join(dir, 'out.pcapng')], { stdio: 'ignore', timeout: 20000 });
      const r = readPcap(readFileSync(join(dir, 'out.pcapng')));
      expect(r.errors).toEqual([]);
      expect(r.payloads.map((p) => p.payload.toString())).toEqual(es.map((e) => e.raw.toString()));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
