import * as net from 'node:net';
import { randomBytes } from 'node:crypto';
import { MsrpConnection } from '../../../src/msrp/connection';
import { MsrpListener } from '../../../src/msrp/listener';
import { buildSend } from '../../../src/msrp/build';
import { H, header } from '../../../src/msrp/message';
import { parseFrame } from '../../../src/msrp/parse';
import { msrpUri } from '../../../src/msrp/uri';
import { createTestPki } from '../../support/tls-cert';
import { A_URI, pair } from './loopback';

describe('MsrpConnection over real loopback sockets (RFC 4975 §5.4, §7; RFC 6135)', () => {
  it('carries a 100 KiB message in 4 KiB chunks with Success-Report, reassembled byte-exact, every frame traced and strictly valid', async () => {
    const p = await pair();
    try {
      const body = randomBytes(100 * 1024);
      const [sent, received] = await Promise.all([
        p.a.send(body, { chunkSize: 4096, successReport: 'yes', contentType: 'application/octet-stream' }),
        p.b.nextMessage(10_000),
      ]);
      expect(received.body.equals(body)).toBe(true);
      expect(received).toMatchObject({ messageId: sent.messageId, contentType: 'application/octet-stream', chunks: 25 });
      expect(sent).toMatchObject({ chunks: 25, stoppedEarly: false });
      expect(sent.outcomes.map((o) => o.status)).toEqual(Array(25).fill(200));
      const report = await p.a.waitReport(sent.messageId, 5000);
      expect(report).toMatchObject({ status: { namespace: '000', code: 200 }, byteRange: { start: 1, end: 102400, total: 102400 } });

      // A: binding SEND + 25 chunks out, 26 responses + 1 REPORT in; B the mirror image.
      const count = (owner: string, dir: string, kind: string) => p.trace.filter((e) => e.owner === owner && e.direction === dir && e.frame?.kind === kind).length;
      expect([count('A', 'sent', 'request'), count('A', 'received', 'response'), count('A', 'received', 'request')]).toEqual([26, 26, 1]);
      expect([count('B', 'received', 'request'), count('B', 'sent', 'response'), count('B', 'sent', 'request')]).toEqual([26, 26, 1]);
      for (const e of p.trace) {
        expect(e.diagnostics).toBeUndefined();
        expect(parseFrame(e.raw, { mode: 'strict' }).diagnostics).toEqual([]);
        expect(e.flow.protocol).toBe('tcp');
      }
      // What A sent is what B received, frame for frame.
      const aSent = p.trace.filter((e) => e.owner === 'A' && e.direction === 'sent').map((e) => e.raw.toString('latin1'));
      const bGot = p.trace.filter((e) => e.owner === 'B' && e.direction === 'received').map((e) => e.raw.toString('latin1'));
      expect(bGot).toEqual(aSent);
    } finally {
      await p.close();
    }
  });

  it('answers per §7.2/§7.3: 501 to an unknown method, 481 to another session, no 200 under Failure-Report no or partial', async () => {
    const p = await pair({ b: { remotePath: [A_URI], transactionTimeoutMs: 300 } });
    try {
      const unknown = { ...buildSend({ toPath: [p.b.localUri], fromPath: [A_URI], messageId: 'm1234567', body: null }), method: 'NICKNAME' };
      expect((await p.a.request(unknown)).status).toBe(501);
      const elsewhere = buildSend({ toPath: [msrpUri('msrp://127.0.0.1:1/otherSession;tcp')], fromPath: [A_URI], messageId: 'm1234567', body: Buffer.from('x') });
      expect((await p.a.request(elsewhere)).status).toBe(481);
      for (const failureReport of ['no', 'partial'] as const) {
        const r = await p.a.send('quiet', { failureReport });
        expect(r.outcomes).toEqual([]);
        expect((await p.b.nextMessage(5000)).body.toString()).toBe('quiet');
      }
      // No success REPORT unless asked for (§7.1.2).
      const plain = await p.a.send('plain');
      await p.b.nextMessage(5000);
      await expect(p.a.waitReport(plain.messageId, 300)).rejects.toThrow(/no MSRP REPORT within 300 ms/);
      expect(p.trace.filter((e) => e.direction === 'sent' && e.owner === 'B' && e.frame?.kind === 'response').map((e) => e.frame!.kind === 'response' && e.frame!.status))
        .toEqual([200, 501, 481, 200]);
    } finally {
      await p.close();
    }
  });

  it('answers an oversize frame with 413 (§10.5) and keeps the session going', async () => {
    const p = await pair({ listener: { limits: { maxFrameBytes: 8192, maxStartLineBytes: 1024 } } });
    try {
      const big = await p.a.send(Buffer.alloc(20_000, 0x62), { chunkSize: 20_000 });
      expect(big.outcomes.map((o) => o.status)).toEqual([413]);
      // With one chunk in flight the 413 always arrives before the next chunk would go out.
      const stop = await p.a.send(Buffer.alloc(30_000, 0x63), { chunkSize: 10_000, window: 1 });
      expect(stop).toMatchObject({ chunks: 1, stoppedEarly: true });
      await p.a.send('still here');
      expect((await p.b.nextMessage(5000)).body.toString()).toBe('still here');
      expect(p.trace.some((e) => e.owner === 'B' && e.diagnostics?.some((d) => d.rule === 'LIMIT-msrp-frame-bytes'))).toBe(true);
    } finally {
      await p.close();
    }
  });

  it('the listener binds by To-Path and the expected From-Path (§5.4): 481 for an unknown session or stranger, 506 for a bound one', async () => {
    const p = await pair();
    try {
      const tryConnect = (local: typeof A_URI, remote: typeof A_URI) => MsrpConnection.connect({ localUri: local, remotePath: [remote], transactionTimeoutMs: 2000 });
      await expect(tryConnect(A_URI, p.listener.uri('noSuchSession'))).rejects.toThrow(/binding SEND with 481/);
      const stranger = p.listener.expect({ remotePath: [A_URI] });
      await expect(tryConnect(msrpUri('msrp://127.0.0.1:9/intruder01;tcp'), stranger.localUri)).rejects.toThrow(/481/);
      await expect(tryConnect(A_URI, p.b.localUri)).rejects.toThrow(/binding SEND with 506/);
      await stranger.close();
      // The bound session is untouched.
      await p.a.send('after the strangers');
      expect((await p.b.nextMessage(5000)).body.toString()).toBe('after the strangers');
    } finally {
      await p.close();
    }
  });

  it('bounds every wait: binding, messages, a silent peer (408), and close() settles what is pending', async () => {
    const listener = await MsrpListener.open({ host: '127.0.0.1', bindTimeoutMs: 200 });
    const lonely = listener.expect({ remotePath: [A_URI] });
    await expect(lonely.waitBound(100)).rejects.toThrow(/within 100 ms/);
    await expect(lonely.nextMessage(50)).rejects.toThrow(/within 50 ms/);
    // A peer that accepts and never answers: the binding SEND times out as 408 and the socket is closed.
    const accepted: net.Socket[] = [];
    const ended: Promise<void>[] = [];
    const silent = net.createServer((s) => {
      accepted.push(s);
      ended.push(new Promise((r) => s.once('end', () => r())));
      s.resume();
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    const started = Date.now();
    await expect(MsrpConnection.connect({ localUri: A_URI, remotePath: [msrpUri(`msrp://127.0.0.1:${port}/s1234567;tcp`)], transactionTimeoutMs: 200 })).rejects.toThrow(/408/);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(accepted).toHaveLength(1);
    await Promise.all(ended); // our side closed the connection (FIN) once it gave up
    accepted.forEach((s) => s.destroy());
    await new Promise<void>((r) => silent.close(() => r()));
    // Nothing listens: connect fails fast instead of waiting.
    await expect(MsrpConnection.connect({ localUri: A_URI, remotePath: [msrpUri(`msrp://127.0.0.1:${port}/s1234567;tcp`)], connectTimeoutMs: 1000 })).rejects.toThrow();
    const waiting = lonely.waitBound(10_000);
    await lonely.close();
    await expect(waiting).rejects.toThrow(/closed/);
    await listener.close();
  });

  it('a silent client connection to the listener is closed after bindTimeoutMs', async () => {
    const listener = await MsrpListener.open({ host: '127.0.0.1', bindTimeoutMs: 100 });
    const s = net.connect(listener.local.port, '127.0.0.1');
    const closed = new Promise<void>((r) => s.once('close', () => r()));
    s.on('error', () => undefined);
    await closed;
    await listener.close();
  });

  it('runs over TLS for msrps URIs (RFC 4975 §6), certificate verified', async () => {
    const pki = await createTestPki({ label: 'msrp' });
    try {
      const p = await pair({
        listener: { tls: { cert: pki.server.cert, key: pki.server.key } },
        a: { tls: { ca: pki.ca.cert } },
      });
      try {
        expect(p.b.localUri.secure).toBe(true);
        expect(p.a.flow?.protocol).toBe('tls');
        const r = await p.a.send('over tls', { successReport: 'yes' });
        expect((await p.b.nextMessage(5000)).body.toString()).toBe('over tls');
        expect((await p.a.waitReport(r.messageId, 5000)).status?.code).toBe(200);
        expect(p.trace.every((e) => e.flow.protocol === 'tls')).toBe(true);
      } finally {
        await p.close();
      }
      // An untrusted certificate is refused, not silently accepted.
      const listener = await MsrpListener.open({ host: '127.0.0.1', tls: { cert: pki.server.cert, key: pki.server.key } });
      const b = listener.expect({ remotePath: [A_URI] });
      await expect(MsrpConnection.connect({ localUri: A_URI, remotePath: [b.localUri] })).rejects.toThrow(/certificate/i);
      await b.close();
      await listener.close();
    } finally {
      await pki.cleanup();
    }
  });

  it('reports frames with their diagnostics, and a peer closing mid-frame', async () => {
    const p = await pair();
    try {
      await p.a.write(Buffer.from(`MSRP t1234567 SEND\r\nTo-Path: ${header(buildSend({ toPath: [p.b.localUri], fromPath: [A_URI], messageId: 'm1234567', body: null }), H.toPath)}\r\nFrom-Path: msrp://127.0.0.1:9/aSession001;tcp\r\nMessage-ID: m1234567\r\nContent-Type: text/plain\r\n\r\nhalf`));
      await new Promise((r) => setTimeout(r, 50));
      await p.a.close();
      await new Promise((r) => setTimeout(r, 100));
      const cut = p.trace.find((e) => e.owner === 'B' && e.direction === 'received' && e.frame === null);
      expect(cut?.diagnostics?.map((d) => d.rule)).toEqual(['HARNESS-msrp-stream-truncated']);
      await expect(p.b.nextMessage(50)).rejects.toThrow(/closed/);
    } finally {
      await p.close();
    }
  });
});
