/**
 * SIP over TLS (RFC 3261 §18, §26.2.1): a StreamTransport over node:tls. Listens only when given
 * a certificate and key; without them it is a client-only transport (it can dial and reuse the
 * connections it opened, and `local.port` stays 0 because nothing listens).
 */
import { isIP } from 'node:net';
import * as tls from 'node:tls';
import { StreamTransport, type StreamTransportOptions } from './stream-transport';
import { loadTlsMaterial, type TlsSettings } from './tls-settings';

export interface TlsTransportOptions extends StreamTransportOptions {
  tls?: TlsSettings;
}

export class TlsTransport extends StreamTransport {
  private constructor(opts: TlsTransportOptions) {
    const settings = opts.tls ?? {};
    const material = loadTlsMaterial(settings);
    const verify = settings.insecure !== true;
    super('tls', {
      createServer: (accept, report) => {
        if (!material.cert || !material.key) return null;
        const server = tls.createServer({
          cert: material.cert,
          key: material.key,
          passphrase: settings.passphrase,
          ca: material.ca,
          requestCert: settings.requestCert === true,
          rejectUnauthorized: settings.requestCert === true && verify,
          noDelay: true,
        }, accept);
        // A failed handshake concerns one peer only: report it and keep serving.
        server.on('tlsClientError', (err) => report(err));
        return server;
      },
      connect: (remote, local) => ({
        socket: tls.connect({
          host: remote.host,
          port: remote.port,
          ...(local ? { localAddress: local.host, localPort: local.port } : {}),
          ca: material.ca,
          cert: material.cert,
          key: material.key,
          passphrase: settings.passphrase,
          // SNI must not carry an IP literal (RFC 6066 §3); Node then checks the IP against the SANs.
          servername: settings.servername ?? (isIP(remote.host) ? undefined : remote.host),
          rejectUnauthorized: verify,
        }),
        ready: 'secureConnect',
      }),
    }, opts);
  }

  /** Listen on host:port when a certificate is configured; resolves when bound. */
  static async open(opts: TlsTransportOptions): Promise<TlsTransport> {
    const t = new TlsTransport(opts);
    await t.listen();
    return t;
  }
}
