/** `host:port` strings of the config (PF addresses), IPv6 as `[addr]:port` (RFC 3261 §25.1). */
import * as net from 'node:net';

export interface HostPort {
  /** IP literal or hostname; IPv6 without brackets. */
  host: string;
  port: number;
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** Parsed address, or undefined when `s` is not a valid host:port with a port from 1 to 65535. */
export function parseHostPort(s: string): HostPort | undefined {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(s) ?? /^([^:[\]]+):(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const [, host, portText] = m;
  const port = Number(portText);
  if (port < 1 || port > 65535) return undefined;
  const bracketed = s.startsWith('[');
  if (bracketed ? net.isIPv6(host) : net.isIPv4(host) || HOSTNAME.test(host)) return { host, port };
  return undefined;
}

export function formatHostPort(a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
