/** Where a transport listens or sends. `host` is an IP literal; IPv6 without brackets. */
export type TransportProtocol = 'udp' | 'tcp' | 'tls';

export interface Address {
  host: string;
  port: number;
}

/** One direction-independent flow: which transport, our socket, the peer. */
export interface Flow {
  protocol: TransportProtocol;
  local: Address;
  remote: Address;
}

/** `host:port`, bracketing IPv6 literals (RFC 3261 §25.1 IPv6reference). */
export function formatHostPort(a: Address): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

export function sameAddress(a: Address, b: Address): boolean {
  return a.port === b.port && a.host.toLowerCase() === b.host.toLowerCase();
}
