import { Dialog } from '../../../src/sip/dialog';
import { header, headerFields, type SipRequest } from '../../../src/sip/message';
import { createResponse } from '../../../src/sip/request-builder';

function invite(extra: Array<{ name: string; value: string }> = []): SipRequest {
  return {
    kind: 'request', version: 'SIP/2.0', method: 'INVITE', uri: 'sip:bob@cpm.test',
    headers: [
      { name: 'Via', value: 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKa' },
      { name: 'From', value: '"Alice" <sip:alice@cpm.test>;tag=a1' },
      { name: 'To', value: '<sip:bob@cpm.test>' },
      { name: 'Call-ID', value: 'c1' },
      { name: 'CSeq', value: '5 INVITE' },
      { name: 'Contact', value: '<sip:alice@127.0.0.1:5060>' },
      ...extra,
    ],
    body: Buffer.alloc(0),
  };
}

describe('Dialog (RFC 3261 §12)', () => {
  it('UAC: route set = Record-Route reversed, remote target = Contact, CSeq increments (§12.1.2, §12.2.1.1)', () => {
    const req = invite();
    const res = createResponse(req, 200, undefined, { toTag: 'b1' });
    res.headers.push({ name: 'Record-Route', value: '<sip:p2.cpm.test;lr>, <sip:p1.cpm.test;lr>' }, { name: 'Contact', value: '<sip:bob@127.0.0.1:5070>' });
    const d = Dialog.fromUac(req, res);
    expect(d).toMatchObject({ callId: 'c1', localTag: 'a1', remoteTag: 'b1', localSeq: 5, remoteSeq: undefined, remoteTarget: 'sip:bob@127.0.0.1:5070', secure: false, state: 'confirmed' });
    expect(d.routeSet).toEqual(['sip:p1.cpm.test;lr', 'sip:p2.cpm.test;lr']);
    expect(d.localUri).toBe('sip:alice@cpm.test');
    const bye = d.createRequest('BYE');
    expect(bye.uri).toBe('sip:bob@127.0.0.1:5070');
    expect(headerFields(bye, 'Route').map((f) => f.value)).toEqual(['<sip:p1.cpm.test;lr>', '<sip:p2.cpm.test;lr>']);
    expect(header(bye, 'CSeq')).toBe('6 BYE');
    expect(header(bye, 'From')).toBe('"Alice" <sip:alice@cpm.test>;tag=a1');
    expect(header(bye, 'To')).toBe('<sip:bob@cpm.test>;tag=b1');
    expect(header(bye, 'Contact')).toBeUndefined();
    expect(header(d.createRequest('ACK'), 'CSeq')).toBe('6 ACK');
    expect(header(d.createRequest('REFER'), 'CSeq')).toBe('7 REFER');
    expect(header(d.createRequest('REFER'), 'Contact')).toBe('<sip:alice@127.0.0.1:5060>');
    expect(d.matches(res)).toBe(true);
    expect(d.matches(bye)).toBe(true);
    expect(d.matches(createResponse(req, 200, undefined, { toTag: 'other' }))).toBe(false);
  });

  it('UAS: route set in order, remote seq from the request; a lower CSeq is out of order (§12.2.2)', () => {
    const req = invite([{ name: 'Record-Route', value: '<sip:p1.cpm.test;lr>' }, { name: 'Record-Route', value: '<sip:p2.cpm.test;lr>' }]);
    const d = Dialog.fromUas(req, 'b1', 'sip:bob@127.0.0.1:5070');
    expect(d).toMatchObject({ localTag: 'b1', remoteTag: 'a1', remoteSeq: 5, localSeq: undefined, remoteTarget: 'sip:alice@127.0.0.1:5060' });
    expect(d.routeSet).toEqual(['sip:p1.cpm.test;lr', 'sip:p2.cpm.test;lr']);
    const bye = d.createRequest('BYE');
    expect(header(bye, 'CSeq')).toBe('1 BYE');
    expect(header(bye, 'From')).toBe('<sip:bob@cpm.test>;tag=b1');
    expect(header(bye, 'To')).toBe('"Alice" <sip:alice@cpm.test>;tag=a1');
    const inDialog = (method: string, seq: number, contact?: string): SipRequest => {
      const r = d.createRequest(method);
      r.headers = [
        { name: 'From', value: '<sip:alice@cpm.test>;tag=a1' }, { name: 'To', value: '<sip:bob@cpm.test>;tag=b1' },
        { name: 'Call-ID', value: 'c1' }, { name: 'CSeq', value: `${seq} ${method}` },
        ...(contact ? [{ name: 'Contact', value: `<${contact}>` }] : []),
      ];
      return r;
    };
    expect(d.receive(inDialog('ACK', 5))).toBe(true);
    expect(d.receive(inDialog('INVITE', 6, 'sip:alice@127.0.0.1:6000'))).toBe(true);
    expect(d.remoteTarget).toBe('sip:alice@127.0.0.1:6000');
    expect(d.receive(inDialog('BYE', 4))).toBe(false);
    expect(d.remoteSeq).toBe(6);
    expect(d.receive(inDialog('BYE', 7))).toBe(true);
  });

  it('strict router: first route into the R-URI, remote target as the last Route (§12.2.1.1)', () => {
    const req = invite();
    const res = createResponse(req, 200, undefined, { toTag: 'b1' });
    res.headers.push({ name: 'Record-Route', value: '<sip:p2.cpm.test;lr>' }, { name: 'Record-Route', value: '<sip:strict.cpm.test;transport=tcp>' });
    res.headers.push({ name: 'Contact', value: '<sip:bob@127.0.0.1:5070>' });
    const d = Dialog.fromUac(req, res);
    const bye = d.createRequest('BYE');
    expect(bye.uri).toBe('sip:strict.cpm.test;transport=tcp');
    expect(headerFields(bye, 'Route').map((f) => f.value)).toEqual(['<sip:p2.cpm.test;lr>', '<sip:bob@127.0.0.1:5070>']);
  });

  it('early dialog from a 1xx is confirmed by the 2xx, whose route set and target win (§13.2.2.4, §12.2.1.2)', () => {
    const req = invite();
    const ringing = createResponse(req, 180, undefined, { toTag: 'b1' });
    ringing.headers.push({ name: 'Record-Route', value: '<sip:old.cpm.test;lr>' });
    const d = Dialog.fromUac(req, ringing);
    expect(d.state).toBe('early');
    expect(d.remoteTarget).toBe('sip:bob@cpm.test');
    const ok = createResponse(req, 200, undefined, { toTag: 'b1' });
    ok.headers.push({ name: 'Record-Route', value: '<sip:new.cpm.test;lr>' }, { name: 'Contact', value: '<sip:bob@127.0.0.1:7000>' });
    d.update(ok);
    expect(d.state).toBe('confirmed');
    expect(d.routeSet).toEqual(['sip:new.cpm.test;lr']);
    expect(d.remoteTarget).toBe('sip:bob@127.0.0.1:7000');
    expect(d.secure).toBe(false);
    expect(() => Dialog.fromUac(req, createResponse(req, 100))).toThrow(/To tag/);
  });
});
