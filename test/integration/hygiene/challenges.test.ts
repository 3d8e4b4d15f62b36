/**
 * Issue 12, "challenges on any request": a real PF challenges more than REGISTER. The devices answer
 * 401/407 on INVITE, BYE, REFER, NOTIFY, MESSAGE and re-INVITE with their credentials as a UA does
 * (RFC 3261 §22.2–22.3): same Call-ID, CSeq + 1, a new branch; CANCEL and ACK are never challenged
 * (§22.1). A registrar's 423 is retried with its Min-Expires (§10.2.8). The peer is a strict PF
 * built on the engine over real UDP sockets, which challenges everything it may.
 */
import { SipEndpoint, type ServerTransaction } from '../../../src/sip/endpoint';
import { addHeader, header, type SipRequest } from '../../../src/sip/message';
import { createResponse } from '../../../src/sip/request-builder';
import { createChallenge, verify } from '../../../src/sip/digest';
import { createTransport } from '../../../src/sip/transport/factory';
import { Tap } from '../../../src/sip/transport/tap';
import { Device } from '../../../src/harness/device';
import { Dialog } from '../../../src/sip/dialog';

jest.setTimeout(30_000);

const REALM = 'cpm.example.com';
const PASSWORD = 'bob-secret';
const TIMERS = { t1: 100, t2: 800, t4: 1000 };

interface StrictPf {
  endpoint: SipEndpoint;
  /** Requests as received, in order (challenged ones included). */
  seen: SipRequest[];
  close(): Promise<void>;
}

/** A PF that challenges every request without valid credentials: 401 for REGISTER, 407 otherwise (§22.3). */
async function strictPf(minExpires = 3600): Promise<StrictPf> {
  const transport = await createTransport({ protocol: 'udp', host: '127.0.0.1', port: 0, tap: new Tap(), owner: 'PF' });
  const endpoint = new SipEndpoint({ transports: [transport], timers: TIMERS, name: 'PF' });
  const seen: SipRequest[] = [];
  endpoint.onRequest((tx: ServerTransaction) => {
    const req = tx.request;
    seen.push(req);
    const registering = req.method === 'REGISTER';
    const creds = header(req, registering ? 'Authorization' : 'Proxy-Authorization');
    const ok = creds !== undefined && verify(creds, { method: req.method, realm: REALM, password: (u) => (u === 'bob' ? PASSWORD : undefined) }) === 'ok';
    if (!ok) {
      const res = createResponse(req, registering ? 401 : 407);
      addHeader(res, registering ? 'WWW-Authenticate' : 'Proxy-Authenticate', createChallenge({ realm: REALM }));
      void tx.respond(res);
      return;
    }
    const expires = Number(header(req, 'Expires'));
    if (registering && expires > 0 && expires < minExpires) {
      const res = createResponse(req, 423);
      addHeader(res, 'Min-Expires', String(minExpires));
      void tx.respond(res);
      return;
    }
    const res = createResponse(req, 200);
    if (req.method === 'INVITE') addHeader(res, 'Contact', `<sip:pf@127.0.0.1:${transport.local.port}>`);
    void tx.respond(res);
  });
  return { endpoint, seen, close: () => endpoint.close() };
}

async function device(pf: StrictPf, password = PASSWORD): Promise<Device> {
  const transport = await createTransport({ protocol: 'udp', host: '127.0.0.1', port: 0, tap: new Tap(), owner: 'B1' });
  return new Device({ name: 'B1', aor: `sip:bob@${REALM}`, username: 'bob', password, realm: REALM, transport, outbound: pf.endpoint.transports[0].local, timers: TIMERS, responseTimeoutMs: 2000 });
}

const cseqOf = (r: SipRequest) => Number(header(r, 'CSeq')?.split(' ')[0]);

test('REGISTER 401 then 423: answered with credentials, then retried with Min-Expires (§22.2, §10.2.8)', async () => {
  const pf = await strictPf();
  const d = await device(pf);
  try {
    const res = await d.register(REALM, 600);
    expect(res?.status).toBe(200);
    const regs = pf.seen.filter((r) => r.method === 'REGISTER');
    expect(regs.map((r) => header(r, 'Expires'))).toEqual(['600', '600', '3600', '3600']);
    expect(new Set(regs.map((r) => header(r, 'Call-ID'))).size).toBe(1); // one Call-ID for all (§10.2.4)
    expect(regs.map(cseqOf)).toEqual([...regs.map(cseqOf)].sort((a, b) => a - b)); // rising CSeq
    // The removal continues the same CSeq space and is challenged and answered too.
    expect((await d.unregister())?.status).toBe(200);
    const last = pf.seen[pf.seen.length - 1];
    expect(header(last, 'Expires')).toBe('0');
    expect(cseqOf(last)).toBeGreaterThan(cseqOf(regs[regs.length - 1]));
  } finally {
    await d.close();
    await pf.close();
  }
});

test.each(['INVITE', 'MESSAGE', 'REFER', 'NOTIFY'])('%s challenged with 407 is retried once with Proxy-Authorization, same Call-ID, CSeq + 1', async (method) => {
  const pf = await strictPf();
  const d = await device(pf);
  try {
    const req = method === 'INVITE' ? d.inviteRequest(`sip:alice@${REALM}`) : d.newRequest(method, `sip:alice@${REALM}`, `sip:alice@${REALM}`);
    const tx = d.endpoint.request(req, d.outbound);
    const heard: number[] = [];
    tx.onResponse((res) => heard.push(res.status));
    const final = await tx.final;
    expect(final?.status).toBe(200);
    const got = pf.seen.filter((r) => r.method === method);
    expect(got).toHaveLength(2);
    expect(header(got[0], 'Proxy-Authorization')).toBeUndefined();
    expect(header(got[1], 'Proxy-Authorization')).toMatch(/^Digest .*username="bob"/);
    expect(header(got[1], 'Call-ID')).toBe(header(got[0], 'Call-ID'));
    expect(cseqOf(got[1])).toBe(cseqOf(got[0]) + 1);
    expect(header(got[1], 'Via')).not.toBe(header(got[0], 'Via')); // a new branch (§8.1.3.5)
    // The TU never sees the challenge as an answer; it sees the request as finally sent.
    expect(heard).not.toContain(407);
    expect(tx.request.headers.some((h) => h.name === 'Proxy-Authorization')).toBe(true);
  } finally {
    await d.close();
    await pf.close();
  }
});

test('in-dialog BYE and re-INVITE are answered with credentials too; CANCEL is never challenged', async () => {
  const pf = await strictPf();
  const d = await device(pf);
  try {
    const invite = d.inviteRequest(`sip:alice@${REALM}`);
    const tx = d.endpoint.request(invite, d.outbound);
    const answer = await tx.final;
    expect(answer?.status).toBe(200);
    const dialog = Dialog.fromUac(tx.request, answer!);
    await d.ack(dialog, tx.request);
    for (const m of ['INVITE', 'BYE']) {
      const { response } = await d.inDialog(dialog, m);
      expect(response?.status).toBe(200);
    }
    const inDialog = pf.seen.filter((r) => /;\s*tag=/.test(header(r, 'To') ?? ''));
    expect(inDialog.map((r) => `${r.method}${header(r, 'Proxy-Authorization') ? '+auth' : ''}`)).toEqual(['INVITE', 'INVITE+auth', 'BYE', 'BYE+auth']);
    // Every in-dialog request, retries included, has a higher CSeq than the one before (§12.2.1.1).
    const seqs = [cseqOf(tx.request), ...inDialog.map(cseqOf)];
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1])).toBe(true);
    expect(pf.seen.some((r) => r.method === 'CANCEL' || r.method === 'ACK')).toBe(false); // the ACK is end to end; nothing else was cancelled
  } finally {
    await d.close();
    await pf.close();
  }
});

test('wrong credentials: the 407 is the final answer (the case can say "answered 407"), one retry only', async () => {
  const pf = await strictPf();
  const d = await device(pf, 'not-the-password');
  try {
    const tx = d.endpoint.request(d.inviteRequest(`sip:alice@${REALM}`), d.outbound);
    expect((await tx.final)?.status).toBe(407);
    expect(pf.seen.filter((r) => r.method === 'INVITE')).toHaveLength(2);
  } finally {
    await d.close();
    await pf.close();
  }
});
