/** SIP over TCP (RFC 3261 §18): a StreamTransport whose sockets are plain `net` sockets. */
import * as net from 'node:net';
import { StreamTransport, type StreamTransportOptions } from './stream-transport';

export type TcpTransportOptions = StreamTransportOptions;

export class TcpTransport extends StreamTransport {
  private constructor(opts: TcpTransportOptions) {
    super('tcp', {
      createServer: (accept) => net.createServer({ noDelay: true }, accept),
      connect: (remote, local) => ({
        socket: net.connect({ host: remote.host, port: remote.port, noDelay: true, ...(local ? { localAddress: local.host, localPort: local.port } : {}) }),
        ready: 'connect',
      }),
    }, opts);
  }

  /** Listen on host:port (0 = ephemeral); resolves when bound. */
  static async open(opts: TcpTransportOptions): Promise<TcpTransport> {
    const t = new TcpTransport(opts);
    await t.listen();
    return t;
  }
}
