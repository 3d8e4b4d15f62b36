/**
 * An RFC 4976 MSRP relay the reference CS puts in a session's media path where it must not be:
 * the `trf-nmp-msrp-relay-inserted` fault (faults.ts), in proxy mode, where 5.2.5.1.2 has the CS
 * not in the media path. PF A prepends the relay's URI to the a=path of the target's offer and of
 * the transferee's answer (RFC 4976 §6: the last URI stays the device's own, so an SDP check of
 * the far end's URI still passes), and the relay forwards between them: each request whose To-Path
 * begins with its URI loses that URI and gains it at the head of the From-Path (§7.1, RFC 4975
 * §7.1.1), answered 200 hop by hop (§7.2); it goes out on the connection the next hop opened to
 * the relay, or on one the relay dials. Responses of the next hops end here. Only what the fault
 * needs: no TLS, no AUTH (RFC 4976 §5), bounded by the sockets' own limits, closed with the server.
 */
import * as net from 'node:net';
import { H, header, type MsrpRequest } from '../msrp/message';
import { buildResponse, responseWanted } from '../msrp/build';
import { dial } from '../msrp/dial';
import { transactionIdFor } from '../msrp/ids';
import { resolveMsrpLimits } from '../msrp/limits';
import { MsrpSocket } from '../msrp/socket';
import { MsrpTraceRecorder } from '../msrp/trace';
import { formatMsrpUri, formatPath, parsePath, sameMsrpUri, uriAddress, type MsrpUri } from '../msrp/uri';
import { randomBytes } from 'node:crypto';

const limits = resolveMsrpLimits();
const untraced = new MsrpTraceRecorder(undefined, undefined);

/** A connection's key: the hop URI it reaches (its sender's URI for one the hop opened). */
const keyOf = (u: MsrpUri) => `${u.host}:${u.port ?? 2855}/${u.sessionId ?? ''}`;

export class MsrpPathRelay {
  readonly uri: MsrpUri;
  private readonly sockets = new Map<string, Promise<MsrpSocket>>();
  private readonly all = new Set<MsrpSocket>();

  private constructor(private readonly server: net.Server, host: string, private readonly timeoutMs: number) {
    const port = (server.address() as net.AddressInfo).port;
    this.uri = { secure: false, host, port, sessionId: randomBytes(10).toString('hex'), transport: 'tcp', params: [] };
    server.on('connection', (s) => this.adopt(new MsrpSocket(s, 'tcp', limits, untraced)));
  }

  static open(host: string, timeoutMs = 10_000): Promise<MsrpPathRelay> {
    return new Promise((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(0, host, () => resolve(new MsrpPathRelay(server, host, timeoutMs)));
    });
  }

  /** The SDP with the relay's URI before every a=path's URIs (RFC 4976 §6). */
  insert(sdp: Buffer): Buffer {
    const text = sdp.toString('utf8');
    return /^a=path:/m.test(text) ? Buffer.from(text.replace(/^a=path:/gm, `a=path:${formatMsrpUri(this.uri)} `)) : sdp;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.allSettled([...this.all].map((s) => s.shutdown(200)));
  }

  private adopt(s: MsrpSocket): MsrpSocket {
    this.all.add(s);
    void s.closed.then(() => this.all.delete(s));
    s.onInbound((inbound) => {
      if (inbound.kind === 'frame' && inbound.frame.kind === 'request') this.forward(s, inbound.frame);
    });
    return s;
  }

  private forward(from: MsrpSocket, req: MsrpRequest): void {
    const to = parsePath(header(req, H.toPath) ?? '').uris;
    const fromPath = parsePath(header(req, H.fromPath) ?? '').uris;
    if (!to[0] || !sameMsrpUri(to[0], this.uri) || !fromPath[0]) return;
    // The previous hop reached us on this connection: frames for it go back the same way.
    this.sockets.set(keyOf(fromPath[0]), Promise.resolve(from));
    if (responseWanted(req, 200)) void from.write(buildResponse(req, 200, 'OK', this.uri)).catch(() => undefined);
    const next = to[1];
    if (!next) return;
    const frame: MsrpRequest = {
      ...req, transactionId: transactionIdFor(req.body),
      headers: req.headers.map((h) => {
        const n = h.name.toLowerCase();
        if (n === H.toPath.toLowerCase()) return { name: h.name, value: formatPath(to.slice(1)) };
        if (n === H.fromPath.toLowerCase()) return { name: h.name, value: formatPath([this.uri, ...fromPath]) };
        return h;
      }),
    };
    void this.socketTo(next).then((s) => s.write(frame)).catch(() => undefined);
  }

  /** The connection to a hop: the one it opened to us, or one we dial (bounded). */
  private socketTo(hop: MsrpUri): Promise<MsrpSocket> {
    const key = keyOf(hop);
    let s = this.sockets.get(key);
    if (!s) {
      s = dial({ remote: uriAddress(hop), secure: false, timeoutMs: this.timeoutMs }).then((sock) => this.adopt(new MsrpSocket(sock, 'tcp', limits, untraced)));
      this.sockets.set(key, s);
    }
    return s;
  }
}
