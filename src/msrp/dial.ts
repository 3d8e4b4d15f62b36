/**
 * Opening the MSRP connection as the active endpoint (RFC 4975 §5.4; RFC 6135 a=setup:active):
 * TCP to the first URI of the peer's path, or TLS for an msrps URI (§6, §14). Bounded: a peer
 * that neither accepts nor refuses within the timeout is given up on and the socket destroyed.
 */
import { isIP } from 'node:net';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { formatHostPort, type Address } from '../sip/transport/address';
import { loadTlsMaterial, type TlsSettings } from '../sip/transport/tls-settings';
import { isPortClash, type LocalPortSource } from '../sip/transport/local-ports';
import { awaitDialReady } from '../sip/transport/dial-wait';

/** Source ports tried from a range before a clash is reported (as the SIP stream transport does). */
const DIAL_PORT_TRIES = 4;

export interface DialOptions {
  remote: Address;
  /** TLS (an msrps URI). */
  secure: boolean;
  tls?: TlsSettings;
  /** Source address to bind (IP literal). */
  localHost?: string;
  /** Source port to bind (one leased from the target's local.ports); ephemeral when absent. */
  localPort?: number;
  timeoutMs: number;
}

/**
 * Dial from a port of the target's local.ports when there is a range (a lab firewall opened for it
 * sees the MSRP connections come from it too): a port that clashes (held, or the same 4-tuple in
 * TIME_WAIT) is given back and the next one tried, a bounded number of times. The lease goes back
 * when the socket closes, whoever closes it.
 */
export async function dialFrom(o: DialOptions, ports: LocalPortSource | undefined): Promise<net.Socket> {
  if (!ports) return dial(o);
  const clashed = new Set<number>();
  for (let attempt = 1; ; attempt++) {
    const lease = ports.lease(clashed);
    try {
      const socket = await dial({ ...o, localPort: lease.port });
      socket.once('close', () => lease.release());
      return socket;
    } catch (err) {
      lease.release();
      if (!isPortClash(err, true) || attempt >= DIAL_PORT_TRIES) throw err;
      clashed.add(lease.port);
    }
  }
}

export function dial(o: DialOptions): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    let socket: net.Socket;
    let ready: 'connect' | 'secureConnect';
    const base = { host: o.remote.host, port: o.remote.port, ...(o.localHost ? { localAddress: o.localHost } : {}), ...(o.localPort ? { localPort: o.localPort } : {}) };
    try {
      if (o.secure) {
        const settings = o.tls ?? {};
        const material = loadTlsMaterial(settings);
        socket = tls.connect({
          ...base,
          ca: material.ca, cert: material.cert, key: material.key, passphrase: settings.passphrase,
          // SNI must not carry an IP literal (RFC 6066 §3); Node then checks the IP against the SANs.
          servername: settings.servername ?? (isIP(o.remote.host) ? undefined : o.remote.host),
          rejectUnauthorized: settings.insecure !== true,
        });
        ready = 'secureConnect';
      } else {
        socket = net.connect({ ...base, noDelay: true });
        ready = 'connect';
      }
    } catch (err) {
      reject(err as Error);
      return;
    }
    const errors = {
      closed: `MSRP connection to ${formatHostPort(o.remote)} closed while connecting`,
      timedOut: `connecting to MSRP peer ${formatHostPort(o.remote)} timed out after ${o.timeoutMs} ms`,
    };
    awaitDialReady(socket, ready, o.timeoutMs, errors, (err) => (err ? reject(err) : resolve(socket)));
  });
}
