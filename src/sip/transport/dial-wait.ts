/**
 * Waiting for a dialled stream socket to become usable, shared by SIP over TCP/TLS (RFC 3261
 * §18.1.1, stream-transport.ts) and MSRP's active endpoint (RFC 4975 §5.4, src/msrp/dial.ts).
 * Bounded: a peer that neither accepts nor refuses within the timeout is given up on.
 */
import type * as net from 'node:net';

/** What a dial that did not become ready says: the socket closed first, or the timeout ran out. */
export interface DialWaitErrors {
  closed: string;
  timedOut: string;
}

/**
 * Calls `done` exactly once: without an error when `ready` fires ('connect', or 'secureConnect'
 * once the TLS handshake is done), with one on a socket error, a close before ready, or after
 * `timeoutMs`. The wait's listeners and timer are gone by then; on an error the socket is also
 * destroyed, a late second error from it swallowed so it cannot become uncaught.
 */
export function awaitDialReady(
  socket: net.Socket,
  ready: 'connect' | 'secureConnect',
  timeoutMs: number,
  errors: DialWaitErrors,
  done: (err?: Error) => void,
): void {
  let settled = false;
  const finish = (err?: Error): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    socket.off(ready, onReady);
    socket.off('error', finish);
    socket.off('close', onClose);
    if (err) {
      socket.on('error', () => undefined);
      socket.destroy();
    }
    done(err);
  };
  const onReady = (): void => finish();
  const onClose = (): void => finish(new Error(errors.closed));
  const timer = setTimeout(() => finish(new Error(errors.timedOut)), timeoutMs);
  socket.once(ready, onReady);
  socket.once('error', finish);
  socket.once('close', onClose);
}
