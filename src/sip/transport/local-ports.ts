/**
 * Local source ports for the connections a stream transport dials. By default the kernel picks an
 * ephemeral port; a harness that must stay inside a firewall's port range (target config
 * `local.ports`) gives the transport a source of ports instead (src/harness/port-range.ts).
 */

/** One local port held for one socket until release() (idempotent). */
export interface PortLease {
  readonly port: number;
  release(): void;
}

/** Hands out local ports, none of `avoid` (ports that just clashed); throws (a clear, user-facing error) when none is left. */
export interface LocalPortSource {
  lease(avoid?: ReadonlySet<number>): PortLease;
}

/**
 * A bind or connect that failed because of the port chosen, not the host or the peer: the port is
 * held by another socket (EADDRINUSE) or privileged (EACCES), or — when connecting — the same
 * 4-tuple still lingers in TIME_WAIT (EADDRNOTAVAIL; when binding that code means the host is not
 * ours, which no other port fixes). Another port of the range may work.
 */
export function isPortClash(err: unknown, connecting = false): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'EADDRINUSE' || code === 'EACCES' || (connecting && code === 'EADDRNOTAVAIL');
}
