import { buildCaseView, esc } from '../../reporters/case-view';
import { renderLadder } from '../../reporters/ladder';
import { renderExchange } from '../../reporters/exchange-html';
import { PFA, syntheticCase } from './support/synthetic-case';

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
