/** Shared bits of the transport integration tests: sample messages and bounded waits. */
import type { SipRequest } from '../../../src/sip/message';
import type { InboundMessage, Transport } from '../../../src/sip/transport/transport';

export function request(n: number, body: Buffer = Buffer.alloc(0), protocol = 'TCP'): SipRequest {
  return {
    kind: 'request', version: 'SIP/2.0', method: 'MESSAGE', uri: 'sip:bob@example.com',
    headers: [
      { name: 'Via', value: `SIP/2.0/${protocol} 127.0.0.1;branch=z9hG4bK-${n}` },
      { name: 'Call-ID', value: `call-${n}` },
      { name: 'CSeq', value: `${n} MESSAGE` },
      { name: 'Content-Type', value: 'application/octet-stream' },
    ],
    body,
  };
}

export const OK = Buffer.from('SIP/2.0 200 OK\r\nCall-ID: call-1\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n');

/** Inbound messages as they arrive, with a bounded wait for the n-th. */
export class Inbox {
  readonly messages: InboundMessage[] = [];
  readonly errors: Error[] = [];

  constructor(t: Transport) {
    t.onMessage((m) => this.messages.push(m));
    t.onError((err) => this.errors.push(err));
  }

  async waitFor(count: number, timeoutMs = 5000): Promise<InboundMessage[]> {
    await until(() => this.messages.length >= count, timeoutMs, () => `only ${this.messages.length}/${count} messages arrived`);
    return this.messages.slice(0, count);
  }
}

/** Poll a condition every 5 ms, failing after timeoutMs. */
export async function until(cond: () => boolean, timeoutMs = 5000, what: () => string = () => 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Socket handles alive now: any left after close() would keep jest from exiting by itself. */
export function socketHandles(): string[] {
  return process.getActiveResourcesInfo().filter((r) => /TCP|UDP|TLS/i.test(r));
}

/**
 * Socket handles once libuv has run the close callbacks: a 'close' event can fire one loop turn
 * before the handle leaves the active list.
 */
export async function settledSocketHandles(): Promise<string[]> {
  await new Promise((r) => setTimeout(r, 20));
  return socketHandles();
}
