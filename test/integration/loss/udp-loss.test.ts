/**
 * Transactions over real UDP loopback with 30 % datagram loss each way (tap fault injection on
 * alice's socket, which drops on send and on receive; bob's tap is clean so each direction loses
 * 30 %, not 51 %):
 * RFC 3261 §17 retransmissions (Timers A, E, G and the UAS 2xx retransmission of §13.3.1.4, with
 * the UAC re-ACKing every 2xx) must still complete INVITE/200/ACK, OPTIONS and BYE.
 */
import { SipEndpoint, type ServerTransaction } from '../../../src/sip/endpoint';
import { Dialog } from '../../../src/sip/dialog';
import { createRequest, createResponse } from '../../../src/sip/request-builder';
import { newBranch, newTag } from '../../../src/sip/ids';
import { addHeader, type SipRequest } from '../../../src/sip/message';
import { formatHostPort } from '../../../src/sip/transport/address';
import { Tap } from '../../../src/sip/transport/tap';
import { createTransport } from '../../../src/sip/transport/factory';

const TIMERS = { t1: 50, t2: 400, t4: 500 };

describe.each([0xc0ffee, 7, 2024])('transactions over lossy UDP loopback (loss seed %i)', (seed) => {
  let tap: Tap;
  let bobTap: Tap;
  let alice: SipEndpoint;
  let bob: SipEndpoint;

  beforeEach(async () => {
    tap = new Tap(seed);
    bobTap = new Tap();
    const [ta, tb] = await Promise.all([
      createTransport({ protocol: 'udp', host: '127.0.0.1', port: 0, tap, owner: 'alice' }),
      createTransport({ protocol: 'udp', host: '127.0.0.1', port: 0, tap: bobTap, owner: 'bob' }),
    ]);
    alice = new SipEndpoint({ transports: [ta], timers: TIMERS, name: 'alice' });
    bob = new SipEndpoint({ transports: [tb], timers: TIMERS, name: 'bob' });
  });

  afterEach(async () => {
    await Promise.all([alice.close(), bob.close()]);
  });

  it('completes INVITE/200/ACK, OPTIONS and BYE through retransmission while datagrams are dropped', async () => {
    const bobAddr = bob.transports[0].local;
    const bobUri = `sip:bob@${formatHostPort(bobAddr)}`;
    const aliceUri = `sip:alice@${formatHostPort(alice.transports[0].local)}`;
    const uasDialogs: Dialog[] = [];
    const acked = new Set<string>();
    bob.onAck((ack) => acked.add(ack.headers.find((h) => /^call-id$/i.test(h.name))?.value ?? ''));
    bob.onRequest((tx: ServerTransaction) => {
      const tag = newTag();
      if (tx.request.method === 'INVITE') {
        const ok = createResponse(tx.request, 200, undefined, { toTag: tag });
        addHeader(ok, 'Contact', `<${bobUri}>`);
        uasDialogs.push(Dialog.fromUas(tx.request, tag, bobUri));
        void tx.respond(ok);
      } else {
        void tx.respond(createResponse(tx.request, 200, undefined, { toTag: tag }));
      }
    });
    tap.lossRate = 0.3;

    const calls = 3;
    for (let i = 0; i < calls; i++) {
      const inv = createRequest({ method: 'INVITE', uri: bobUri, from: `<${aliceUri}>`, to: `<${bobUri}>`, contact: `<${aliceUri}>` });
      const tx = alice.request(inv, bobAddr);
      let ack: SipRequest | null = null;
      // §13.2.2.4: the UAC core ACKs every 2xx, retransmissions included (RFC 6026 Accepted state).
      tx.onResponse((res) => {
        if (res.status < 200 || res.status >= 300) return;
        if (!ack) {
          const d = Dialog.fromUac(tx.request, res);
          ack = d.createRequest('ACK');
          addHeader(ack, 'Via', `SIP/2.0/UDP ${formatHostPort(alice.transports[0].local)};branch=${newBranch()};rport`, 'top');
        }
        void alice.send(ack, bobAddr);
      });
      const res = await tx.final;
      expect(res?.status).toBe(200);
      const dialog = Dialog.fromUac(tx.request, res!);

      const options = alice.request(createRequest({ method: 'OPTIONS', uri: bobUri, from: `<${aliceUri}>`, to: `<${bobUri}>` }), bobAddr);
      expect((await options.final)?.status).toBe(200);

      const bye = alice.request(dialog.createRequest('BYE'), bobAddr);
      expect((await bye.final)?.status).toBe(200);
    }
    // The ACK may itself be lost; the 2xx retransmission makes the UAC re-send it. Give it 64*T1.
    const deadline = Date.now() + 64 * TIMERS.t1;
    while (acked.size < calls && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(acked.size).toBe(calls);

    const dropped = tap.entries.filter((e) => e.dropped);
    expect(dropped.length).toBeGreaterThan(0);
    // Retransmissions happened: some request or response crossed the wire more than once.
    const sentCounts = new Map<string, number>();
    for (const e of tap.entries) {
      if (e.direction !== 'sent') continue;
      const k = e.raw.toString('latin1');
      sentCounts.set(k, (sentCounts.get(k) ?? 0) + 1);
    }
    const retransmitted = [...sentCounts.values()].filter((n) => n > 1).length;
    expect(retransmitted).toBeGreaterThan(0);
    console.log(`udp-loss: ${tap.entries.length} trace entries, ${dropped.length} dropped, ${retransmitted} distinct messages retransmitted`);
  }, 60_000);
});
