import { header, headerFields } from '../../../src/sip/message';
import { authorizedRetry, createCancel, createRequest, createResponse } from '../../../src/sip/request-builder';
import { newBranch, newCallId, newTag } from '../../../src/sip/ids';
import { createChallenge, verify } from '../../../src/sip/digest';

describe('request-builder (RFC 3261 §8.1.1, §8.2.6, §9.1)', () => {
  const inv = createRequest({ method: 'INVITE', uri: 'sip:b@cpm.test', from: '<sip:a@cpm.test>', to: '<sip:b@cpm.test>', cseq: 9 });
  inv.headers.unshift({ name: 'Via', value: 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1' }, { name: 'v', value: 'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK0' });
  inv.headers.push({ name: 'Record-Route', value: '<sip:pf.cpm.test;lr>' });

  it('createRequest tags From, sets Max-Forwards, CSeq and a fresh Call-ID', () => {
    expect(header(inv, 'From')).toMatch(/^<sip:a@cpm.test>;tag=\w+$/);
    expect(header(inv, 'Max-Forwards')).toBe('70');
    expect(header(inv, 'CSeq')).toBe('9 INVITE');
    expect(header(inv, 'Call-ID')).toMatch(/^[0-9a-f]{24}$/);
  });

  it('createResponse copies every Via in order, From, To, Call-ID, CSeq; tags To except on 100; Record-Route on 1xx/2xx to INVITE', () => {
    const trying = createResponse(inv, 100);
    expect(trying.reason).toBe('Trying');
    expect(header(trying, 'To')).toBe('<sip:b@cpm.test>');
    expect(headerFields(trying, 'Via').map((f) => f.value)).toHaveLength(2);
    expect(header(trying, 'Record-Route')).toBeUndefined();
    const ok = createResponse(inv, 200, undefined, { toTag: 'x1' });
    expect(header(ok, 'To')).toBe('<sip:b@cpm.test>;tag=x1');
    expect(header(ok, 'Record-Route')).toBe('<sip:pf.cpm.test;lr>');
    expect(header(createResponse(inv, 486), 'To')).toMatch(/;tag=\w+/);
    expect(header(createResponse(inv, 486), 'Record-Route')).toBeUndefined();
  });

  it('createCancel: single Via = INVITE top Via, same CSeq number', () => {
    const c = createCancel(inv);
    expect(headerFields(c, 'Via').map((f) => f.value)).toEqual(['SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1']);
    expect(header(c, 'CSeq')).toBe('9 CANCEL');
    expect(c.uri).toBe(inv.uri);
  });

  it('authorizedRetry drops the Via, increments CSeq and adds Proxy-Authorization for a 407', () => {
    const res = createResponse(inv, 407);
    res.headers.push({ name: 'Proxy-Authenticate', value: createChallenge({ realm: 'cpm.test' }) });
    const retry = authorizedRetry(inv, res, { username: 'a', password: 'p' })!;
    expect(headerFields(retry, 'Via')).toHaveLength(0);
    expect(header(retry, 'CSeq')).toBe('10 INVITE');
    expect(verify(header(retry, 'Proxy-Authorization')!, { method: 'INVITE', realm: 'cpm.test', password: () => 'p' })).toBe('ok');
    expect(authorizedRetry(inv, createResponse(inv, 401), { username: 'a', password: 'p' })).toBeNull();
  });

  it('ids: branch carries the magic cookie; ids are unique', () => {
    expect(newBranch()).toMatch(/^z9hG4bK[0-9a-f]{20}$/);
    expect(newBranch()).not.toBe(newBranch());
    expect(newTag()).not.toBe(newTag());
    expect(newCallId('h.example')).toMatch(/@h\.example$/);
  });
});
