import { buildCaseView, esc } from '../../reporters/case-view';
import { renderLadder } from '../../reporters/ladder';
import { renderExchange } from '../../reporters/exchange-html';
import { PFA, syntheticCase } from './support/synthetic-case';
import type { TraceEntry } from '../../src/sip/transport/tap';
import { chunkMessage } from '../../src/msrp/chunker';
import { buildResponse } from '../../src/msrp/build';
import { header } from '../../src/msrp/message';
import { parseFrame } from '../../src/msrp/parse';
import { serializeFrame } from '../../src/msrp/serialize';
import { msrpUri } from '../../src/msrp/uri';

const SUT = [{ ...PFA, label: 'SUT PF A' }];

describe('ladder diagram', () => {
  const c = syntheticCase();
  const view = buildCaseView(c, SUT);

  it('has one lifeline per device and SUT address, one arrow per wire message', () => {
    expect(view.lifelines.map((l) => [l.label, l.sut])).toEqual([['A1', false], ['SUT PF A', true], ['B1', false]]);
    expect(view.arrows.map((a) => a.label)).toEqual(['BYE', 'BYE', 'BYE', '200 OK', '200 OK']);
    expect(view.arrows.map((a) => [a.from, a.to])).toEqual([[0, 1], [0, 1], [1, 2], [2, 1], [1, 0]]);
  });

  it('marks retransmissions, the spec step of each arrow and the failing message with its expected template', () => {
    expect(view.arrows.map((a) => a.retransmission)).toEqual([false, true, false, false, false]);
    expect(view.arrows.map((a) => a.step)).toEqual(['1', '1', '7', '7', '14']);
    expect(view.arrows[4].finding?.requirement).toBe('LEAVE-OK');
    const svg = renderLadder(view);
    expect(svg).toMatch(/<g class="msg failing" data-seq="4" data-step="14">/);
    expect(svg).toContain('class="msg retransmission"');
    expect(svg).toContain('expected: CSeq 3 BYE');
    expect(svg).toContain('step 14');
    expect(svg).toContain('CSeq 4 BYE');
    expect(svg).toMatch(/<title>[^<]*Call-ID: c1@test/); // key headers on hover
  });

  it('escapes every SUT octet: no injected markup, no XML-forbidden characters', () => {
    const svg = renderLadder(view);
    expect(svg).not.toContain('<script');
    expect(svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(svg).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    expect(esc('a\u0001<')).toBe('a\\x01&lt;');
    // One pass does what escaping forbidden characters, then each markup character, did.
    expect(esc(`&<>"'\u0000\u0008\u000b\u007f\u0085\u009f\ufffe\uffff\t\r\n\u00a0é`)).toBe(`&amp;&lt;&gt;&quot;&#39;\\x00\\x08\\x0b\\x7f\\x85\\x9f\\xfffe\\xffff\t\r\n\u00a0é`);
    expect(esc('Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1')).toBe('Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1');
  });

  it('collapses a message traced at both ends of a loopback hop into one arrow', () => {
    const twin = syntheticCase();
    // B1 sending to A1 directly: both sockets are ours, so the same octets are traced twice.
    const sent = { ...twin.trace[3], seq: 5, flow: { protocol: 'udp' as const, local: { host: '127.0.0.1', port: 40002 }, remote: { host: '127.0.0.1', port: 40001 } } };
    const got = { ...twin.trace[3], seq: 6, owner: 'A1', direction: 'received' as const, flow: { protocol: 'udp' as const, local: { host: '127.0.0.1', port: 40001 }, remote: { host: '127.0.0.1', port: 40002 } } };
    const v = buildCaseView({ ...twin, trace: [...twin.trace, sent, got] }, SUT);
    expect(v.arrows).toHaveLength(6);
    expect(v.arrows[5].seqs).toEqual([5, 6]);
  });
});

describe('SIP exchange page', () => {
  const html = renderExchange(syntheticCase(), SUT);
  it('shows each step with its messages, highlights the headers the assertion looked at, outlines the failing message', () => {
    expect(html).toContain('Step 14: the OK reaches Client A');
    expect(html).toMatch(/<div class="msg bad" id="m4">/);
    expect(html).toContain('<mark class="looked-at">CSeq: 4 BYE</mark>');
    expect(html).toContain('<mark class="looked-at">Max-Forwards: 70</mark>');
    expect(html).toContain('expected:</b> CSeq 3 BYE');
  });
  it('is static and escaped: no script element, a CSP that forbids loading anything', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain("default-src 'none'");
    expect(html).toContain('&lt;b&gt;hi&lt;/b&gt;');
  });
});

describe('MSRP frames on the ladder (RFC 4975)', () => {
  // A1 sends a three-chunk message to B1 over one TCP connection; B1 answers each SEND with 200.
  const c = syntheticCase();
  const A1M = { host: '127.0.0.1', port: 41001 };
  const B1M = { host: '127.0.0.1', port: 41002 };
  const chunks = chunkMessage({ toPath: [msrpUri('msrp://127.0.0.1:41002/bbbb;tcp')], fromPath: [msrpUri('msrp://127.0.0.1:41001/aaaa;tcp')], body: Buffer.from('x'.repeat(30)), chunkSize: 10 });
  const frames = chunks.flatMap((s) => [{ f: s, from: 'A1' }, { f: buildResponse(s, 200), from: 'B1' }]);
  const msrp: TraceEntry[] = frames.map(({ f, from }, i) => {
    const raw = serializeFrame(f);
    const sent = from === 'A1';
    return {
      seq: c.trace.length + i, at: BigInt(2_000_000_000 + i * 1_000_000), wallMs: 1_700_000_001_000 + i, direction: 'sent', owner: from,
      flow: { protocol: 'tcp', local: sent ? A1M : B1M, remote: sent ? B1M : A1M }, raw, message: null, protocol: 'msrp', msrp: parseFrame(raw).frame,
    };
  });
  const trace = [...c.trace.map((e) => ({ ...e })), ...msrp];
  // The devices' MSRP sockets are theirs: one of their SIP entries names each address as theirs.
  const view = buildCaseView({ ...c, trace }, SUT);

  it('draws each frame as an arrow between the devices, labelled by method and chunk, in its own style', () => {
    const m = view.arrows.filter((a) => a.kind === 'msrp');
    expect(m.map((a) => a.label)).toEqual(['MSRP SEND (chunk 1/3)', 'MSRP 200 OK', 'MSRP SEND (chunk 2/3)', 'MSRP 200 OK', 'MSRP SEND (chunk 3/3)', 'MSRP 200 OK']);
    const lanes = view.lifelines.map((l) => l.label);
    expect(m.map((a) => [lanes[a.from], lanes[a.to]])[0]).toEqual(['A1', 'B1']);
    expect(m[0].hover).toContain(`Message-ID: ${header(chunks[0], 'Message-ID')}`);
    const svg = renderLadder(view);
    expect(svg).toContain('class="msg msrp"');
    expect(svg).toContain('MSRP SEND (chunk 1/3)');
    expect(svg).toContain('MSRP/TCP');
  });

  it('leaves the SIP arrows as they were', () => {
    expect(view.arrows.filter((a) => a.kind === 'sip').map((a) => a.label)).toEqual(['BYE', 'BYE', 'BYE', '200 OK', '200 OK']);
  });

  it('shows the frames on the exchange page with their hop', () => {
    const html = renderExchange({ ...c, trace }, SUT);
    expect(html).toContain('MSRP/TCP 127.0.0.1:41001');
    expect(html).toContain(`MSRP ${chunks[0].transactionId} SEND`);
  });
});
