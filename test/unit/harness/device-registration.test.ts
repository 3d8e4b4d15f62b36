/**
 * A device's registration (src/harness/device-registration.ts): one Call-ID and rising CSeq across
 * its REGISTERs (RFC 3261 §10.2.4), and `holdBinding` (a load slot, docs/load.md): a repeated
 * registration is answered from the binding's 2xx while half its Expires is left, refreshed with a
 * real REGISTER after that, never once the binding is removed or the device is closing.
 */
import { header, type SipRequest, type SipResponse } from '../../../src/sip/message';
import { createResponse } from '../../../src/sip/request-builder';
import { DeviceRegistration, type Registrant } from '../../../src/harness/device-registration';
import type { ClientTransaction } from '../../../src/sip/endpoint';

function registrant(answer: (req: SipRequest) => SipResponse): Registrant & { sent: SipRequest[] } {
  let cseq = 1;
  const sent: SipRequest[] = [];
  return {
    sent, aor: 'sip:alice@cpm.example.com', instanceId: 'urn:uuid:1', contact: '<sip:alice@127.0.0.1:5070>', outbound: { host: '127.0.0.1', port: 5060 },
    newRequest: (method, uri, to, extra) => ({
      kind: 'request', method, uri, version: 'SIP/2.0', body: Buffer.alloc(0),
      headers: [{ name: 'Call-ID', value: `c${cseq}` }, { name: 'CSeq', value: `${cseq++} ${method}` }, { name: 'To', value: `<${to}>` }, { name: 'Contact', value: '' }, ...extra],
    }),
    send: (req) => {
      sent.push(req);
      return Promise.resolve({ tx: { request: req } as unknown as ClientTransaction, response: answer(req) });
    },
    sentCseq: () => undefined,
  };
}

const ok = (req: SipRequest) => createResponse(req, 200);

test('without holdBinding every register sends a REGISTER, one Call-ID throughout (§10.2.4)', async () => {
  const d = registrant(ok);
  const r = new DeviceRegistration(d);
  await r.register('cpm.example.com', 600);
  await r.register('cpm.example.com', 600);
  expect(d.sent).toHaveLength(2);
  expect(new Set(d.sent.map((m) => header(m, 'Call-ID'))).size).toBe(1);
});

test('holdBinding: the same registration again is the binding\'s 2xx, no REGISTER; another Expires or registrar sends one', async () => {
  const d = registrant(ok);
  const r = new DeviceRegistration(d, true);
  const first = await r.register('cpm.example.com', 600);
  expect(await r.register('cpm.example.com', 600)).toBe(first);
  expect(d.sent).toHaveLength(1);
  await r.register('cpm.example.com', 300);
  await r.register('other.example.com', 300);
  expect(d.sent).toHaveLength(3);
});

test('holdBinding: a binding the registrar grants for 0 s is refreshed at once (§10.2.4), a refused one is not held', async () => {
  const short = registrant((req) => {
    const res = createResponse(req, 200);
    res.headers.push({ name: 'Expires', value: '0' });
    return res;
  });
  const r = new DeviceRegistration(short, true);
  await r.register('cpm.example.com', 600);
  await r.register('cpm.example.com', 600);
  expect(short.sent).toHaveLength(2);
  const refused = registrant((req) => createResponse(req, 403));
  const r2 = new DeviceRegistration(refused, true);
  expect((await r2.register('cpm.example.com', 600))?.status).toBe(403);
  expect((await r2.register('cpm.example.com', 600))?.status).toBe(403);
  expect(refused.sent).toHaveLength(2);
});

test('holdBinding: after the binding is removed, or once closing, nothing is answered from it', async () => {
  const d = registrant(ok);
  const r = new DeviceRegistration(d, true);
  await r.register('cpm.example.com', 600);
  await r.unregister();
  expect(header(d.sent[1], 'Expires')).toBe('0');
  expect(r.registered).toBe(false);
  await r.register('cpm.example.com', 600);
  expect(d.sent).toHaveLength(3);
  r.closing = true;
  expect(await r.register('cpm.example.com', 600)).toBeNull();
  expect(d.sent).toHaveLength(3);
});
