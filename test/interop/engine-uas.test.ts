/**
 * The engine as UAS against SIPp as an independent UAC, over UDP and TCP: a basic call
 * (RFC 3261 §13, §15), SIPp answering the engine's Digest challenge (§22.2, checked by the
 * engine's digest verify) and SIPp CANCELling a ringing INVITE (§9.2). Every message the engine
 * sent must decode in tshark.
 */
import { verify, createChallenge, type DigestVerdict } from '../../src/sip/digest';
import type { ServerTransaction } from '../../src/sip/endpoint';
import { newTag } from '../../src/sip/ids';
import { addHeader, header, type SipRequest } from '../../src/sip/message';
import { createResponse } from '../../src/sip/request-builder';
import type { Engine } from './support/engine';
import { startEngine } from './support/engine';
import { audioSdp } from './support/sdp';
import { runSipp } from './support/sipp';
import { expectEngineOutputClean, reportTsharkTally } from './support/tshark';
import { describeWithTools } from './support/tools';

const REALM = 'cpm.test';
const USERS: Record<string, string> = { alice: 's3cret-alice' };

describeWithTools(['sipp', 'tshark'], 'engine as UAS against SIPp as UAC', () => {
  reportTsharkTally('engine as UAS');
  describe.each(['udp', 'tcp'] as const)('over %s', (protocol) => {
    let engine: Engine;
    let acks: SipRequest[];
    let byes: SipRequest[];

    beforeEach(async () => {
      engine = await startEngine(protocol, 'engine-uas');
      acks = [];
      byes = [];
      engine.endpoint.onAck((ack) => acks.push(ack));
    });
    afterEach(async () => {
      await engine.close();
    });

    /** 180 then 200 with SDP, one To tag for both (§8.2.6.2, §12.1.1). */
    async function answer(tx: ServerTransaction): Promise<void> {
      const tag = newTag();
      const ringing = createResponse(tx.request, 180, undefined, { toTag: tag });
      addHeader(ringing, 'Contact', engine.contact('bob'));
      await tx.respond(ringing);
      const ok = createResponse(tx.request, 200, undefined, { toTag: tag });
      addHeader(ok, 'Contact', engine.contact('bob'));
      addHeader(ok, 'Content-Type', 'application/sdp');
      ok.body = audioSdp('127.0.0.1', 49172);
      await tx.respond(ok);
    }

    /** BYE and anything unexpected: BYE gets 200 (§15.1.2), others 501. */
    function other(tx: ServerTransaction): void {
      if (tx.request.method === 'BYE') {
        byes.push(tx.request);
        void tx.respond(createResponse(tx.request, 200));
      } else void tx.respond(createResponse(tx.request, 501));
    }

    const sippUac = (scenario: string, extra: { auth?: { username: string; password: string } } = {}) => {
      const { host, port } = engine.transport.local;
      // digest-uri = the Request-URI (RFC 3261 §22.4), which SIPp uses only when told (-auth_uri).
      return runSipp({ scenario, transport: protocol, remote: engine.transport.local, service: 'bob', authUri: `bob@${host}:${port}`, ...extra });
    };

    it('INVITE / 180 / 200 / ACK / BYE / 200', async () => {
      engine.endpoint.onRequest((tx) => (tx.request.method === 'INVITE' ? void answer(tx) : other(tx)));
      const result = await sippUac('uac-call.xml');
      if (!result.ok) throw new Error(result.describe());
      expect(acks).toHaveLength(1);
      expect(byes).toHaveLength(1);
      await expectEngineOutputClean(engine.tap.entries);
    });

    it('challenges with 401; SIPp retries with Authorization that the engine verifies', async () => {
      const verdicts: DigestVerdict[] = [];
      engine.endpoint.onRequest((tx) => {
        if (tx.request.method !== 'INVITE') return other(tx);
        const credentials = header(tx.request, 'Authorization');
        if (credentials === undefined) {
          const challenge = createResponse(tx.request, 401);
          addHeader(challenge, 'WWW-Authenticate', createChallenge({ realm: REALM, qop: ['auth'] }));
          void tx.respond(challenge);
          return;
        }
        const verdict = verify(credentials, { method: 'INVITE', realm: REALM, uri: tx.request.uri, password: (u) => USERS[u] });
        verdicts.push(verdict);
        if (verdict === 'ok') void answer(tx);
        else void tx.respond(createResponse(tx.request, 403));
      });
      const result = await sippUac('uac-digest.xml', { auth: { username: 'alice', password: USERS.alice } });
      if (!result.ok) throw new Error(result.describe());
      expect(verdicts).toEqual(['ok']);
      expect(acks).toHaveLength(1);
      expect(byes).toHaveLength(1);
      await expectEngineOutputClean(engine.tap.entries);
    });

    it('refuses SIPp\'s retry with a wrong password (the verify check bites)', async () => {
      const verdicts: DigestVerdict[] = [];
      engine.endpoint.onRequest((tx) => {
        if (tx.request.method !== 'INVITE') return other(tx);
        const credentials = header(tx.request, 'Authorization');
        if (credentials === undefined) {
          const challenge = createResponse(tx.request, 401);
          addHeader(challenge, 'WWW-Authenticate', createChallenge({ realm: REALM, qop: ['auth'] }));
          void tx.respond(challenge);
          return;
        }
        verdicts.push(verify(credentials, { method: 'INVITE', realm: REALM, uri: tx.request.uri, password: (u) => USERS[u] }));
        void tx.respond(createResponse(tx.request, 403));
      });
      const result = await sippUac('uac-digest.xml', { auth: { username: 'alice', password: 'not-the-password' } });
      expect(result.ok).toBe(false);
      expect(verdicts).toEqual(['bad']);
      await expectEngineOutputClean(engine.tap.entries);
    });

    it('is CANCELled while ringing: 200 to the CANCEL, 487 to the INVITE, ACK absorbed', async () => {
      const cancels: SipRequest[] = [];
      const inviteAcks: SipRequest[] = [];
      let inviteTx: ServerTransaction | undefined;
      engine.endpoint.onRequest((tx) => {
        if (tx.request.method !== 'INVITE') return other(tx);
        inviteTx = tx;
        const ringing = createResponse(tx.request, 180);
        addHeader(ringing, 'Contact', engine.contact('bob'));
        void tx.respond(ringing);
        tx.onAck((ack) => inviteAcks.push(ack));
        tx.onCancel((cancel) => {
          cancels.push(cancel);
          // §9.2: the UAS answers the INVITE with 487, the same To tag as its provisional.
          const ringingTo = header(tx.responses[0] ?? ringing, 'To');
          const terminated = createResponse(tx.request, 487);
          if (ringingTo) terminated.headers = terminated.headers.map((h) => (/^(to|t)$/i.test(h.name) ? { ...h, value: ringingTo } : h));
          void tx.respond(terminated);
        });
      });
      const result = await sippUac('uac-cancel.xml');
      if (!result.ok) throw new Error(result.describe());
      expect(cancels).toHaveLength(1);
      expect(inviteTx?.responses.map((r) => r.status)).toEqual(expect.arrayContaining([180, 487]));
      expect(inviteAcks).toHaveLength(1);
      expect(acks).toHaveLength(0); // the 487's ACK belongs to the INVITE transaction, not the TU
      await expectEngineOutputClean(engine.tap.entries);
    });
  });
});
