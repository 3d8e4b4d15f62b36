/** Two MSRP endpoints over a real loopback connection, for the connection tests. */
import { MsrpConnection, type MsrpConnectOptions } from '../../../src/msrp/connection';
import { MsrpListener, type MsrpListenerOptions } from '../../../src/msrp/listener';
import type { MsrpTraceEntry } from '../../../src/msrp/trace';
import { msrpUri, type MsrpUri } from '../../../src/msrp/uri';

export interface Pair {
  /** Active side (dials, sends the binding SEND). */
  a: MsrpConnection;
  /** Passive side (registered on the listener). */
  b: MsrpConnection;
  listener: MsrpListener;
  trace: MsrpTraceEntry[];
  close(): Promise<void>;
}

/** The active side's own URI: it listens nowhere (RFC 6135 a=setup:active), the URI is its identity. */
export const A_URI: MsrpUri = msrpUri('msrp://127.0.0.1:9/aSession001;tcp');

export async function pair(
  o: { listener?: Partial<MsrpListenerOptions>; b?: Parameters<MsrpListener['expect']>[0]; a?: Partial<MsrpConnectOptions> } = {},
): Promise<Pair> {
  const trace: MsrpTraceEntry[] = [];
  const listener = await MsrpListener.open({ host: '127.0.0.1', onTrace: (e) => trace.push(e), owner: 'B', ...o.listener });
  const b = listener.expect({ remotePath: [A_URI], ...o.b });
  let a: MsrpConnection;
  try {
    a = await MsrpConnection.connect({ localUri: A_URI, remotePath: [b.localUri], onTrace: (e) => trace.push(e), owner: 'A', ...o.a });
    await b.waitBound(5000);
  } catch (err) {
    await b.close();
    await listener.close();
    throw err;
  }
  return {
    a, b, listener, trace,
    close: async () => {
      await Promise.all([a.close(), b.close()]);
      await listener.close();
    },
  };
}
