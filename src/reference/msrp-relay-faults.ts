/**
 * The media faults of the reference CS (faults.ts, `trf-mp-msrp-*`): how the relay of a B2BUA
 * session (msrp-relay.ts) goes wrong once another device took the caller's side by a transfer or a
 * pull, so the suites can be shown to judge the media on the wire (issue 17). Before the join the
 * relay is correct, so a session's own chat (the transfer cases' precondition) still works.
 * Each fault changes one thing: which frames are relayed, where to, or what they carry. One more,
 * `trf-mp-msrp-foreign-host`, changes only who opens the target's connection and from where; it
 * acts in the SDP answer to the joining device (msrp-relay.ts, joinSetup).
 */
import { createHash } from 'node:crypto';
import { H, type MsrpRequest } from '../msrp/message';
import type { FaultSet } from './faults';

export interface AfterJoinFaults {
  /** `trf-mp-msrp-leaves-path`: frames keep the far device's path headers, and what is addressed to the far device is taken. */
  leavesPath: boolean;
  /** `trf-mp-msrp-to-old-device`: the transferee's frames go to the leg of the device that left too. */
  toOldDevice: boolean;
  /** `trf-mp-msrp-from-path-other-leg`: relayed frames name as our hop the URI of the leg they came in on; what is addressed to it is taken on either leg. */
  fromPathOtherLeg: boolean;
  /** The status a SEND is answered with instead of 200 (and then not relayed), or null. */
  refuses(req: MsrpRequest, fromTransferee: boolean): number | null;
  /** The frame, already answered hop by hop (RFC 4975 §7.2), is not relayed. */
  drops(req: MsrpRequest, fromTransferee: boolean): boolean;
  /** The frame as relayed (path headers already rewritten for the other leg), altered as the faults say. */
  alter(frame: MsrpRequest, original: MsrpRequest): MsrpRequest;
}

/** A Message-ID of the CS's own for a message (the same for each of its chunks, so it still reassembles). */
function ownMessageId(id: string): string {
  return `cs${createHash('sha1').update(id).digest('hex').slice(0, 20)}`;
}

/** ASCII letters upper-cased, octet for octet (the Byte-Range stays right). */
function upperAscii(body: Buffer): Buffer {
  const out = Buffer.from(body);
  for (let i = 0; i < out.length; i++) if (out[i]! >= 0x61 && out[i]! <= 0x7a) out[i] = out[i]! - 0x20;
  return out;
}

function withHeader(frame: MsrpRequest, name: string, value: (v: string) => string): MsrpRequest {
  const lower = name.toLowerCase();
  return { ...frame, headers: frame.headers.map((h) => (h.name.toLowerCase() === lower ? { name: h.name, value: value(h.value) } : h)) };
}

/** The after-join faults switched on, or null when none is (the relay then stays as it is). */
export function afterJoin(faults: FaultSet | undefined): AfterJoinFaults | null {
  if (!faults) return null;
  const on = {
    dropped: faults.has('trf-mp-msrp-dropped'),
    toOldDevice: faults.has('trf-mp-msrp-to-old-device'),
    messageId: faults.has('trf-mp-msrp-message-id-rewritten'),
    content: faults.has('trf-mp-msrp-content-rewritten'),
    report: faults.has('trf-mp-msrp-report-not-relayed'),
    leavesPath: faults.has('trf-mp-msrp-leaves-path'),
    unbound: faults.has('trf-mp-msrp-target-unbound'),
    fromPathOtherLeg: faults.has('trf-mp-msrp-from-path-other-leg'),
  };
  if (!Object.values(on).some(Boolean)) return null;
  return {
    leavesPath: on.leavesPath,
    toOldDevice: on.toOldDevice,
    fromPathOtherLeg: on.fromPathOtherLeg,
    refuses: (req, fromTransferee) => (on.unbound && !fromTransferee && req.method === 'SEND' && req.body !== null ? 481 : null),
    drops: (req, fromTransferee) => (on.dropped && fromTransferee && req.method === 'SEND') || (on.report && req.method === 'REPORT'),
    alter: (frame, original) => {
      let f = frame;
      if (on.messageId && f.method === 'SEND') f = withHeader(f, H.messageId, ownMessageId);
      if (on.content && f.method === 'SEND' && f.body) f = { ...f, body: upperAscii(f.body) };
      if (on.leavesPath) {
        const from = original.headers.find((h) => h.name.toLowerCase() === H.fromPath.toLowerCase());
        if (from) f = withHeader(f, H.fromPath, () => from.value);
      }
      return f;
    },
  };
}
