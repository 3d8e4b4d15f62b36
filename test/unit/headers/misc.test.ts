import { parseCSeq } from '../../../src/sip/headers/cseq';
import { parseChallenge, parseCredentials, formatChallenge, formatCredentials } from '../../../src/sip/headers/auth';
import { parseReason, formatReason } from '../../../src/sip/headers/reason';
import { parseReferTo, embeddedHeader } from '../../../src/sip/headers/refer-to';
import { parseReplaces, formatReplaces, parseTargetDialog, formatTargetDialog } from '../../../src/sip/headers/dialog-id';
import { parseEvent, parseSubscriptionState } from '../../../src/sip/headers/event';
import { parseContentType, parseContentLength } from '../../../src/sip/headers/content';
import { parseMaxForwards } from '../../../src/sip/headers/max-forwards';
import { tokenList } from '../../../src/sip/headers/option-tags';
import { conversationId, contributionId } from '../../../src/sip/headers/cpm';

describe('CSeq (§20.16)', () => {
  it('parses number and method with any LWS', () => {
    expect(parseCSeq('  4711 \t INVITE ')).toEqual({ seq: 4711, method: 'INVITE' });
    expect(parseCSeq('0 NEWMETHOD')).toEqual({ seq: 0, method: 'NEWMETHOD' });
  });
  it.each(['', 'one INVITE', '1', '1 INV ITE', '-1 BYE', '1 <x>'])('null for %j', (t) => { expect(parseCSeq(t)).toBeNull(); });
});

describe('digest challenge/credentials (§22, RFC 7616)', () => {
  it('unquotes quoted values and keeps tokens', () => {
    const c = parseChallenge('Digest realm="atlanta.com", domain="sip:ss1.carrier.com", qop="auth,auth-int",nonce="f84f1cec41e6cbe5aea9c8e88d359", opaque="", stale=FALSE, algorithm=MD5');
    expect(c).toEqual({ scheme: 'Digest', params: { realm: 'atlanta.com', domain: 'sip:ss1.carrier.com', qop: 'auth,auth-int', nonce: 'f84f1cec41e6cbe5aea9c8e88d359', opaque: '', stale: 'FALSE', algorithm: 'MD5' } });
    expect(formatChallenge(c!)).toBe('Digest realm="atlanta.com", domain="sip:ss1.carrier.com", qop="auth,auth-int", nonce="f84f1cec41e6cbe5aea9c8e88d359", opaque="", stale=FALSE, algorithm=MD5');
  });
  it('quotes credentials per RFC 7616 §3.4 (qop and nc bare)', () => {
    const text = 'Digest username="bob", realm="biloxi.com", nonce="dcd98b", uri="sip:bob@biloxi.com", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae4", opaque="5ccc069c", algorithm=MD5';
    const c = parseCredentials(text);
    expect(c?.params['qop']).toBe('auth');
    expect(formatCredentials(c!)).toBe(text);
  });
  it('handles escaped quotes in values', () => {
    expect(parseChallenge('Digest realm="a\\"b"')?.params['realm']).toBe('a"b');
    expect(formatChallenge({ scheme: 'Digest', params: { realm: 'a"b' } })).toBe('Digest realm="a\\"b"');
  });
  it.each(['', 'Digest realm', 'Digest realm="x', 'Digest realm="x" nonce="y"', 'Digest =x'])('null for %j', (t) => {
    expect(parseChallenge(t)).toBeNull();
  });
});

describe('Reason (RFC 3326)', () => {
  it('parses protocol, cause and quoted text', () => {
    const r = parseReason('SIP ;cause=200 ;text="Call completed elsewhere"');
    expect(r).toMatchObject({ protocol: 'SIP', cause: 200, text: 'Call completed elsewhere' });
    expect(formatReason(r!)).toBe('SIP;cause=200;text="Call completed elsewhere"');
  });
  it.each(['', ';cause=1', 'SIP;cause=abc', 'SIP;text="x'])('null for %j', (t) => { expect(parseReason(t)).toBeNull(); });
});

describe('Refer-To with escaped Replaces (RFC 3515, RFC 3891 §3)', () => {
  it('exposes the embedded Replaces unescaped, parseable as Replaces', () => {
    const r = parseReferTo('<sip:dave@denver.example.org?Replaces=12345%40192.168.118.3%3Bto-tag%3D12345%3Bfrom-tag%3D5FFE-3994>');
    const rep = embeddedHeader(r!, 'replaces');
    expect(rep).toBe('12345@192.168.118.3;to-tag=12345;from-tag=5FFE-3994');
    expect(parseReplaces(rep!)).toMatchObject({ callId: '12345@192.168.118.3', toTag: '12345', fromTag: '5FFE-3994', earlyOnly: false });
    expect(r?.parsedUri?.host).toBe('denver.example.org');
  });
  it('keeps a non-sip Refer-To', () => {
    expect(parseReferTo('<urn:service:x>')?.embeddedHeaders).toEqual({});
  });
});

describe('Replaces / Target-Dialog', () => {
  it('Replaces with early-only round-trips', () => {
    const r = parseReplaces('98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff;early-only')!;
    expect(r).toMatchObject({ callId: '98732@sip.example.com', toTag: 'ff87ff', fromTag: 'r33th4x0r', earlyOnly: true });
    expect(parseReplaces(formatReplaces(r))).toEqual(r);
  });
  it('Target-Dialog', () => {
    const t = parseTargetDialog('fa77as7dad8-sd98ajzz@host.example.com;local-tag=1928301774;remote-tag=a73kszlfl')!;
    expect(t).toMatchObject({ callId: 'fa77as7dad8-sd98ajzz@host.example.com', localTag: '1928301774', remoteTag: 'a73kszlfl' });
    expect(parseTargetDialog(formatTargetDialog(t))).toEqual(t);
  });
  it.each(['', 'x;to-tag=1', 'x;from-tag=1', ';to-tag=1;from-tag=2', 'a b;to-tag=1;from-tag=2'])('Replaces null for %j', (t) => {
    expect(parseReplaces(t)).toBeNull();
  });
});

describe('Event / Subscription-State (RFC 6665)', () => {
  it('parses event with id', () => {
    expect(parseEvent('refer;id=93809824')).toMatchObject({ package: 'refer', id: '93809824' });
    expect(parseEvent('')).toBeNull();
  });
  it('parses subscription state', () => {
    expect(parseSubscriptionState('terminated;reason=noresource')).toMatchObject({ state: 'terminated', reason: 'noresource' });
    expect(parseSubscriptionState('Active;expires=60')).toMatchObject({ state: 'active', expires: 60 });
    expect(parseSubscriptionState('active;expires=soon')).toBeNull();
  });
});

describe('simple scalars and lists', () => {
  it('Content-Type/Length, Max-Forwards', () => {
    expect(parseContentType('Message/SIPfrag;version=2.0')).toMatchObject({ mediaType: 'message/sipfrag', params: { version: '2.0' } });
    expect(parseContentType('multipart/mixed; boundary="a b"')?.params['boundary']).toBe('a b');
    expect(parseContentType('text')).toBeNull();
    expect(parseContentLength(' 42 ')).toBe(42);
    expect(parseContentLength('4 2')).toBeNull();
    expect(parseMaxForwards('70')).toBe(70);
    expect(parseMaxForwards('x')).toBeNull();
  });
  const m = {
    headers: [
      { name: 'Require', value: 'tdialog, 100rel' }, { name: 'k', value: 'replaces' }, { name: 'Supported', value: 'timer' },
      { name: 'Conversation-ID', value: ' f81d4fae ' }, { name: 'Contribution-ID', value: 'abc' },
    ],
  };
  it('token lists across fields and compact forms', () => {
    expect(tokenList(m, 'require')).toEqual(['tdialog', '100rel']);
    expect(tokenList(m, 'supported')).toEqual(['replaces', 'timer']);
    expect(conversationId(m)).toBe('f81d4fae');
    expect(contributionId(m)).toBe('abc');
    expect(conversationId({ headers: [] })).toBeNull();
  });
});
