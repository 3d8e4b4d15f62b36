/**
 * A hostile SUT for the harness's own robustness tests: raw UDP and TCP sockets on one loopback
 * port, no SIP engine. Each behaviour answers every request in one broken way a real (buggy or
 * malicious) server might: garbage, truncation, oversized sections, absurd Content-Length,
 * responses for a transaction the harness never started, duplicated and reordered responses,
 * connections closed mid-message, a trickle that never ends. It only parses the few header lines
 * it needs to make the broken answer look plausible.
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';

export type HostileBehaviour =
  | 'garbage'
  | 'truncated'
  | 'oversized-headers'
  | 'header-flood'
  | 'gigabyte-content-length'
  | 'oversized-body'
  | 'wrong-transaction'
  | 'duplicate-reorder'
  | 'close-mid-message'
  | 'reset-on-accept'
  | 'trickle'
  | 'silent';

export const HOSTILE_BEHAVIOURS: HostileBehaviour[] = [
  'garbage', 'truncated', 'oversized-headers', 'header-flood', 'gigabyte-content-length', 'oversized-body',
  'wrong-transaction', 'duplicate-reorder', 'close-mid-message', 'reset-on-accept', 'trickle', 'silent',
];

interface Req {
  method: string;
  headers: Map<string, string[]>;
}

function parseHead(text: string): Req | null {
  const lines = text.split(/\r?\n/);
  const m = /^([A-Z]+) \S+ SIP\/2\.0$/.exec(lines[0] ?? '');
  if (!m) return null;
  const headers = new Map<string, string[]>();
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i <= 0) continue;
    const name = l.slice(0, i).trim().toLowerCase();
    const canon = ({ v: 'via', f: 'from', t: 'to', i: 'call-id' } as Record<string, string>)[name] ?? name;
    headers.set(canon, [...(headers.get(canon) ?? []), l.slice(i + 1).trim()]);
  }
  return { method: m[1], headers };
}

/** A well-formed response to `req` (the base the behaviours break). */
function response(req: Req, status: number, reason: string, opts: { branch?: string; extra?: string[]; body?: string; contentLength?: string } = {}): string {
  const h = (n: string) => req.headers.get(n) ?? [];
  const vias = h('via').map((v, i) => (i === 0 && opts.branch ? v.replace(/branch=[^;,\s]+/i, `branch=${opts.branch}`) : v));
  const to = h('to')[0] ?? '<sip:x@invalid>';
  const body = opts.body ?? '';
  return [
    `SIP/2.0 ${status} ${reason}`,
    ...vias.map((v) => `Via: ${v}`),
    `From: ${h('from')[0] ?? ''}`,
    `To: ${/;\s*tag=/i.test(to) ? to : `${to};tag=hostile1`}`,
    `Call-ID: ${h('call-id')[0] ?? ''}`,
    `CSeq: ${h('cseq')[0] ?? ''}`,
    ...(status >= 200 && req.method === 'REGISTER' ? (h('contact').length ? [`Contact: ${h('contact')[0]};expires=600`] : []) : []),
    'Server: hostile-test-server',
    ...(opts.extra ?? []),
    `Content-Length: ${opts.contentLength ?? Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

export interface HostileServer {
  port: number;
  host: string;
  /** Requests it received (to prove the harness got that far). */
  requests: number;
  stop(): Promise<void>;
}

export async function startHostileServer(behaviour: HostileBehaviour, host = '127.0.0.1'): Promise<HostileServer> {
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<net.Socket>();
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const state = { requests: 0 };

  /** What to send back for one request; `close` ends a TCP connection after writing. */
  const answer = (req: Req, stream: boolean): Array<{ data: Buffer; delayMs?: number; close?: 'end' | 'destroy' }> => {
    state.requests++;
    if (req.method === 'ACK') return [];
    const ok = (extra: Parameters<typeof response>[3] = {}) => Buffer.from(response(req, 200, 'OK', extra));
    switch (behaviour) {
      case 'garbage':
        return [{ data: Buffer.from([0x00, 0xff, 0x13, 0x37, 0x80, 0x0d, 0x0a, ...Buffer.from('\u0001GARBAGE\u0002 not sip at all\r\n\r\n')]) }];
      case 'truncated': {
        const full = ok();
        // Cut inside the header section: no empty line ever ends it on a datagram; a stream then closes.
        return [{ data: full.subarray(0, Math.floor(full.indexOf('Call-ID') + 12)), close: 'end' }];
      }
      case 'oversized-headers':
        // 200 KiB of header section: above the stream framer's 64 KiB and the parser's line bound.
        // Over UDP 4200 short lines (≈ 55 KB, inside one datagram): above the parser's 4096-line bound.
        return [{ data: ok({ extra: Array.from({ length: stream ? 8000 : 4200 }, (_, i) => `X-Pad-${i}:${stream ? 'p'.repeat(20) : ''}`) }) }];
      case 'header-flood':
        // An endless header line: no CRLF for megabytes.
        return [{ data: Buffer.concat([Buffer.from('SIP/2.0 200 OK\r\nX-Flood: '), Buffer.alloc(stream ? 3 * 1024 * 1024 : 60_000, 0x41)]) }];
      case 'gigabyte-content-length':
        return [{ data: ok({ contentLength: '4294967296', body: 'only a few octets follow' }) }];
      case 'oversized-body':
        // 6 MiB body announced and sent: above the 4 MiB stream limit (UDP cannot carry it: 60 KB announced as 16 GB).
        return stream
          ? [{ data: ok({ body: 'b'.repeat(6 * 1024 * 1024) }) }]
          : [{ data: ok({ body: 'b'.repeat(60_000), contentLength: '17179869184' }) }];
      case 'wrong-transaction':
        return [{ data: ok({ branch: 'z9hG4bK-not-yours' }) }, { data: Buffer.from(response(req, 100, 'Trying', { branch: 'z9hG4bK-nor-this' })) }];
      case 'duplicate-reorder': {
        // The final first, then the provisional (reordered), each three times; INVITE gets a 200 with no Contact or SDP.
        const fin = ok();
        const prov = Buffer.from(response(req, 100, 'Trying'));
        return [{ data: fin }, { data: fin, delayMs: 5 }, { data: prov, delayMs: 10 }, { data: fin, delayMs: 15 }, { data: prov, delayMs: 20 }, { data: prov, delayMs: 25 }];
      }
      case 'close-mid-message': {
        const full = ok({ body: 'v=0\r\n'.repeat(20) });
        return [{ data: full.subarray(0, full.length - 40), close: 'destroy' }];
      }
      case 'reset-on-accept':
        return [{ data: Buffer.alloc(0), close: 'destroy' }];
      case 'trickle': {
        // One octet every 50 ms of a response that never finishes (slowloris towards the harness). Over
        // UDP only for a second: nothing tells a datagram sender that the device's socket closed, and
        // 20 s of octets to a closed port landed, in `npm test`, on a device of another test process
        // that the OS had given the same port (a selftest variant failed on an "i" it never asked for).
        const full = ok();
        return Array.from({ length: stream ? 400 : 20 }, (_, i) => ({ data: full.subarray(i % (full.length - 4), (i % (full.length - 4)) + 1), delayMs: i * 50 }));
      }
      case 'silent':
        return [];
      default:
        return [];
    }
  };

  // TCP first (port 0), UDP on the same port.
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (behaviour === 'reset-on-accept') {
      socket.destroy();
      return;
    }
    let buf = '';
    socket.on('data', (chunk: Buffer) => {
      buf += chunk.toString('latin1');
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.slice(0, end);
        const cl = Number(/\r\n(?:content-length|l)\s*:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + cl) return;
        buf = buf.slice(end + 4 + cl);
        const req = parseHead(head);
        if (!req) continue;
        for (const a of answer(req, true)) {
          const send = () => {
            if (socket.destroyed) return;
            if (a.data.length) socket.write(a.data);
            if (a.close === 'end') socket.end();
            if (a.close === 'destroy') socket.destroy();
          };
          if (a.delayMs) later(a.delayMs, send);
          else send();
        }
      }
    });
  });
  // The TCP port is ephemeral; the UDP socket on that number may clash with a UDP socket another
  // jest worker holds (CI: bind EADDRINUSE). Listen again elsewhere then, a bounded number of times.
  let port = 0;
  let udp: dgram.Socket;
  for (let attempt = 1; ; attempt++) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
    port = (server.address() as net.AddressInfo).port;
    udp = dgram.createSocket('udp4');
    udp.on('error', () => undefined);
    try {
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(port, host, () => resolve());
      });
      break;
    } catch (err) {
      udp.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if ((err as { code?: string }).code !== 'EADDRINUSE' || attempt >= 20) throw err;
    }
  }
  udp.on('message', (msg, rinfo) => {
    const text = msg.toString('latin1');
    const end = text.indexOf('\r\n\r\n');
    const req = parseHead(end < 0 ? text : text.slice(0, end));
    if (!req) return;
    for (const a of answer(req, false)) {
      if (!a.data.length) continue;
      const send = () => udp.send(a.data, rinfo.port, rinfo.address, () => undefined);
      if (a.delayMs) later(a.delayMs, send);
      else send();
    }
  });

  let stopped: Promise<void> | undefined;
  return {
    host,
    port,
    get requests() {
      return state.requests;
    },
    stop: () =>
      (stopped ??= (async () => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        for (const s of sockets) s.destroy();
        await Promise.all([
          new Promise<void>((r) => server.close(() => r())),
          new Promise<void>((r) => udp.close(() => r())),
        ]);
      })()),
  };
}
