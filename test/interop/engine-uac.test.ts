/**
 * The engine as UAC against SIPp as an independent UAS, over UDP and TCP: a basic call
 * (RFC 3261 §13, §15), a Digest challenge answered (§22.2, checked by SIPp's <verifyauth>), and
 * a CANCEL of a ringing INVITE (§9.1). Every message the engine sent must decode in tshark.
 */
import { Dialog } from '../../src/sip/dialog';
import { parseDigestCredentials } from '../../src/sip/digest';
import { header, type SipResponse } from '../../src/sip/message';
import { createRequest } from '../../src/sip/request-builder';
import type { Engine } from './support/engine';
import { startEngine } from './support/engine';
import { audioSdp } from './support/sdp';
import { SippPeer } from './support/sipp';
import { expectEngineOutputClean, reportTsharkTally } from './support/tshark';
import { describeWithTools } from './support/tools';

describeWithTools(['sipp', 'tshark'], 'engine as UAC against SIPp as UAS', () => {
  reportTsharkTally('engine as UAC');

  describe.each(['udp', 'tcp'] as const)('over %s', (protocol) => {
    let engine: Engine;
    let sipp: SippPeer | undefined;

    beforeEach(async () => {
      engine = await startEngine(protocol, 'engine-uac');
      sipp = undefined;
    });
    afterEach(async () => {
      await sipp?.stop();
      await engine.close();
    });

    const inviteTo = (peer: SippPeer) => createRequest({
      method: 'INVITE', uri: `sip:bob@${peer.host}:${peer.port}`,
      from: '<sip:alice@cpm.test>', to: '<sip:bob@cpm.test>', contact: engine.contact('alice'),
      body: audioSdp('127.0.0.1', 49170), contentType: 'application/sdp',
    });

    /** ACK the 2xx and hang up with BYE: both along the dialog (§13.2.2.4, §15.1.1). */
    async function ackAndBye(peer: SippPeer, invite: Parameters<typeof Dialog.fromUac>[0], ok: SipResponse): Promise<void> {
      const dest = { host: peer.host, port: peer.port };
      const dialog = Dialog.fromUac(invite, ok);
      await engine.sendAck(dialog.createRequest('ACK'), dest);
      const bye = engine.endpoint.request(dialog.createRequest('BYE'), dest);
      expect((await bye.final)?.status).toBe(200);
    }

    it('INVITE / 180 / 200 / ACK / BYE / 200', async () => {
      sipp = await SippPeer.start({ scenario: 'uas-call.xml', transport: protocol });
      const tx = engine.endpoint.request(inviteTo(sipp), { host: sipp.host, port: sipp.port });
      const statuses: number[] = [];
      tx.onResponse((r) => statuses.push(r.status));
      const ok = await tx.final;
      expect(ok?.status).toBe(200);
      expect(statuses).toContain(180);
      await ackAndBye(sipp, tx.request, ok as SipResponse);
      const result = await sipp.done;
      if (!result.ok) throw new Error(result.describe());
      await expectEngineOutputClean(engine.tap.entries);
    });

    it('answers a 401 Digest challenge; SIPp verifies the Authorization (verifyauth)', async () => {
      sipp = await SippPeer.start({ scenario: 'uas-digest.xml', transport: protocol });
      const dest = { host: sipp.host, port: sipp.port };
      const invite = inviteTo(sipp);
      const { tx, response } = await engine.endpoint.requestWithCredentials(invite, dest, { username: 'alice', password: 'secret' });
      expect(response?.status).toBe(200);
      // §22.2 / RFC 2617 §3.2.2: the retry is a new transaction with CSeq + 1 and full credentials.
      expect(header(tx.request, 'CSeq')).toBe('2 INVITE');
      const creds = parseDigestCredentials(header(tx.request, 'Authorization') ?? '');
      expect(creds).toMatchObject({ username: 'alice', realm: 'sipp.test', uri: invite.uri, algorithm: 'MD5', qop: 'auth', nc: '00000001' });
      expect(creds?.nonce).toMatch(/x7f3a$/);
      expect(creds?.response).toMatch(/^[0-9a-f]{32}$/);
      expect(creds?.cnonce).toBeTruthy();
      // The 401 was ACKed inside the first INVITE transaction (§17.1.1.3).
      const acks = engine.tap.entries.filter((e) => e.direction === 'sent' && e.message?.kind === 'request' && e.message.method === 'ACK');
      expect(acks.length).toBeGreaterThanOrEqual(1);
      await ackAndBye(sipp, tx.request, response as SipResponse);
      const result = await sipp.done;
      if (!result.ok) throw new Error(result.describe());
      await expectEngineOutputClean(engine.tap.entries);
    });

    it('wrong credentials are refused by SIPp (the verifyauth check bites)', async () => {
      sipp = await SippPeer.start({ scenario: 'uas-digest.xml', transport: protocol });
      const dest = { host: sipp.host, port: sipp.port };
      const { response } = await engine.endpoint.requestWithCredentials(inviteTo(sipp), dest, { username: 'alice', password: 'wrong' });
      expect(response?.status).toBe(403);
      const result = await sipp.done;
      expect(result.ok).toBe(false);
      await expectEngineOutputClean(engine.tap.entries);
    });

    it('CANCELs a ringing INVITE: 200 to the CANCEL, 487 to the INVITE, ACK', async () => {
      sipp = await SippPeer.start({ scenario: 'uas-cancel.xml', transport: protocol });
      const tx = engine.endpoint.request(inviteTo(sipp), { host: sipp.host, port: sipp.port });
      const cancelled = new Promise<number | undefined>((resolve) => {
        tx.onResponse((r) => {
          // §9.1: only after a provisional response has arrived.
          if (r.status === 180) void tx.cancel().then((c) => c.final).then((f) => resolve(f?.status), () => resolve(undefined));
        });
      });
      expect((await tx.final)?.status).toBe(487);
      expect(await cancelled).toBe(200);
      const result = await sipp.done;
      if (!result.ok) throw new Error(result.describe());
      const sent = engine.tap.entries.filter((e) => e.direction === 'sent' && e.message?.kind === 'request').map((e) => (e.message?.kind === 'request' ? e.message.method : ''));
      expect(sent).toEqual(expect.arrayContaining(['INVITE', 'CANCEL', 'ACK']));
      await expectEngineOutputClean(engine.tap.entries);
    });
  });
});
