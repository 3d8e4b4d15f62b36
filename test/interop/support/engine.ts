/**
 * The engine side of an interop test: one SipEndpoint on one loopback transport, recording every
 * octet on its own Tap so the run can be handed to tshark afterwards.
 */
import { SipEndpoint } from '../../../src/sip/endpoint';
import type { SipRequest } from '../../../src/sip/message';
import { addHeader } from '../../../src/sip/message';
import { newBranch } from '../../../src/sip/ids';
import { formatHostPort, type Address } from '../../../src/sip/transport/address';
import { createTransport } from '../../../src/sip/transport/factory';
import { Tap } from '../../../src/sip/transport/tap';
import type { Transport } from '../../../src/sip/transport/transport';

export interface Engine {
  endpoint: SipEndpoint;
  transport: Transport;
  tap: Tap;
  /** `<sip:user@host:port;transport=..>` for Contact. */
  contact(user: string): string;
  /** Send an ACK for a 2xx (its own transaction-less request, RFC 3261 §13.2.2.4, §17.1.1.3). */
  sendAck(ack: SipRequest, to: Address): Promise<void>;
  close(): Promise<void>;
}

export async function startEngine(protocol: 'udp' | 'tcp', owner = 'engine'): Promise<Engine> {
  const tap = new Tap();
  const transport = await createTransport({ protocol, host: '127.0.0.1', port: 0, tap, owner });
  const endpoint = new SipEndpoint({ transports: [transport], name: owner });
  return {
    endpoint, transport, tap,
    contact: (user) => `<sip:${user}@${formatHostPort(transport.local)};transport=${protocol}>`,
    sendAck: async (ack, to) => {
      // A 2xx ACK gets a fresh branch (§17.1.1.3 reuses the INVITE's only for non-2xx).
      addHeader(ack, 'Via', `SIP/2.0/${protocol.toUpperCase()} ${formatHostPort(transport.local)};branch=${newBranch()};rport`, 'top');
      await endpoint.send(ack, to);
    },
    close: () => endpoint.close(),
  };
}
