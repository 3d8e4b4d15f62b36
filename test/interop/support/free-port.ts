/**
 * A port free for both UDP and TCP on a loopback address, for a peer we start as a separate
 * process (SIPp needs its -p before it runs). The OS picks a TCP port; we then check the same
 * UDP port binds. A small race with other processes remains, so callers retry on bind failure.
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

function tcpPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function udpFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    s.once('error', () => { s.close(); resolve(false); });
    s.bind(port, host, () => s.close(() => resolve(true)));
  });
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await tcpPort(host);
    if (port > 0 && (await udpFree(host, port))) return port;
  }
  throw new Error(`no port free for both UDP and TCP on ${host} after 20 attempts`);
}
