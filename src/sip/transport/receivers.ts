/**
 * The two callbacks of the Transport contract, kept safe: a receiver that throws must not take
 * the socket (or the test process) down with an uncaught exception, so its fault becomes an error
 * report instead. Errors with no handler registered are kept for inspection, never thrown.
 */
import type * as net from 'node:net';
import type { Address, Flow, TransportProtocol } from './address';
import type { InboundMessage } from './transport';

export type MessageHandler = (m: InboundMessage) => void;
export type ErrorHandler = (err: Error, remote?: Address) => void;

export class Receivers {
  private messageHandler: MessageHandler | undefined;
  private errorHandler: ErrorHandler | undefined;
  /** Errors reported while no error handler was registered (newest last, bounded). */
  readonly unhandledErrors: Error[] = [];

  setMessageHandler(h: MessageHandler): void {
    this.messageHandler = h;
  }

  setErrorHandler(h: ErrorHandler): void {
    this.errorHandler = h;
  }

  deliver(m: InboundMessage): void {
    if (!this.messageHandler) return;
    try {
      this.messageHandler(m);
    } catch (err) {
      this.error(err instanceof Error ? err : new Error(String(err)), m.flow.remote);
    }
  }

  error(err: Error, remote?: Address): void {
    if (!this.errorHandler) {
      if (this.unhandledErrors.length >= 100) this.unhandledErrors.shift();
      this.unhandledErrors.push(err);
      return;
    }
    try {
      this.errorHandler(err, remote);
    } catch {
      // An error handler that fails has nowhere left to report to; swallowing keeps the socket alive.
    }
  }
}

/** The flow of a connected stream socket (its two ends as SIP addresses), for the trace. */
export function socketFlow(socket: Pick<net.Socket, 'localAddress' | 'localPort' | 'remoteAddress' | 'remotePort'>, protocol: TransportProtocol): Flow {
  return {
    protocol,
    local: { host: normalizeHost(socket.localAddress ?? ''), port: socket.localPort ?? 0 },
    remote: { host: normalizeHost(socket.remoteAddress ?? ''), port: socket.remotePort ?? 0 },
  };
}

/** Node reports IPv4 peers of a dual-stack socket as ::ffff:a.b.c.d; SIP addresses use the plain form. */
export function normalizeHost(host: string): string {
  const lower = host.toLowerCase();
  return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice(7) : lower;
}
