/**
 * Chat messages on the wire (issue 17): a CPM 1-1 session exists to carry messages over MSRP
 * (RFC 4975), so the transfer suites judge where the session's media goes by sending messages,
 * not from the SDP alone. One message is judged delivered when the receiving device has it with
 * the octets and Content-Type that were sent, under the Message-ID the sender gave it (§7.1.1: the
 * Message-ID ties the chunks and the REPORTs to the message across every hop), every SEND was
 * answered 200 by the next hop (§7.2), and the success REPORT the sender asked for came back with
 * that Message-ID, covering the whole message (§7.1.2). A device that must get nothing is watched
 * on the merged trace over the quiet period. Every wait is bounded by the IXIT timeouts.
 */
import type { SipRequest, SipResponse } from '../../src/sip/message';
import type { TraceEntry } from '../../src/sip/transport/tap';
import type { CheckFailure, TestContext } from '../../src/harness/context';
import type { Device } from '../../src/harness/device';
import type { MsrpMediaSession } from '../../src/harness/msrp-endpoint';
import type { RequirementId } from '../../src/harness/requirements';
import type { Session } from '../../src/harness/session';
import { H, header, type MsrpRequest } from '../../src/msrp/message';

/** One end of a chat: a device and the MSRP session of one of its SDP exchanges. */
export interface ChatEnd {
  device: Device;
  session: MsrpMediaSession;
}

/** How a failed delivery is judged: a precondition (INCONC: the case never reached its requirement) or a SHALL of the case. */
export type Judge = 'precondition' | RequirementId;

function judge(t: TestContext, how: Judge, ok: boolean, failure: CheckFailure): asserts ok {
  if (how === 'precondition') t.precondition(ok, failure);
  else t.check(how, ok, failure);
}

/** The SDP exchange a device took part in: as offerer (its INVITE and the 2xx it got) or as answerer (the INVITE as it arrived). */
export type Exchange = { offered: SipRequest; answer: SipResponse } | { answered: SipRequest };

/**
 * The MSRP session of an SDP exchange of the device (msrp-endpoint.ts). An SDP that leaves no MSRP
 * session (no a=path, a=setup leaving no side to dial; RFC 4975 §8.2, RFC 6135 §4.2) is judged:
 * the SUT wrote it (or handed it on).
 */
export function chatEnd(t: TestContext, how: Judge, device: Device, exchange: Exchange): ChatEnd {
  const msrp = device.msrp;
  t.precondition(msrp !== undefined, { message: `${device.name} has no MSRP listener, so no message can be sent` });
  const sdp = 'offered' in exchange
    ? { own: exchange.offered.body, peer: exchange.answer.body, weOffered: true, message: exchange.answer }
    : { own: msrp.answerTo(exchange.answered) ?? Buffer.alloc(0), peer: exchange.answered.body, weOffered: false, message: exchange.answered };
  let session: MsrpMediaSession | string;
  try {
    session = msrp.session(sdp);
  } catch (err) {
    session = (err as Error).message;
  }
  judge(t, how, typeof session !== 'string', {
    message: `the SDP that reached ${device.name} leaves it no MSRP session (RFC 4975 §8.2, RFC 6135 §4.2): ${String(session)}`,
    expected: 'an m=message line with an a=path and an a=setup that lets one side dial', actual: sdp.message,
  });
  return { device, session };
}

/** The caller's and the callee's ends of a 1-1 session set up by establishSession. */
export function sessionEnds(t: TestContext, how: Judge, s: Session): { caller: ChatEnd; callee: ChatEnd } {
  return {
    caller: chatEnd(t, how, s.caller, { offered: s.invite, answer: s.answer }),
    callee: chatEnd(t, how, s.callee, { answered: s.inviteAtCallee }),
  };
}

/** A SEND carrying (a chunk of) a message, as a trace entry shows it. */
function sendOf(e: TraceEntry): MsrpRequest | null {
  const f = e.msrp;
  return f && f.kind === 'request' && f.method === 'SEND' && f.body !== null ? f : null;
}

/** The MSRP SENDs with a body a device received after trace mark `after`. */
export function sendsReceived(t: TestContext, device: Device, after: number): TraceEntry[] {
  return t.trace.find({ protocol: 'msrp', owner: device.name, direction: 'received', after }).filter((e) => sendOf(e) !== null);
}

export interface Delivery {
  messageId: string;
  /** The trace entry of the first SEND of the message at the receiver: its flow and From-Path are the media path. */
  entry: TraceEntry;
  /** Trace mark taken before the message was sent. */
  mark: number;
}

export interface DeliverOptions {
  /** Devices that must not get the message (the device that left the session). */
  notAt?: Device[];
  /** When the message does not arrive, judge that here instead, and get null (the cause was already found, e.g. the CS left the media path). */
  undelivered?: (why: string, actual: TraceEntry | string) => void;
}

/**
 * `from` sends `text` asking for a success REPORT; `to` must receive it whole, under the same
 * Message-ID, and `from` must get the REPORT. The receiver starts waiting first: its side may be
 * the one that dials (RFC 6135), and a passive sender's connection is only there once it has.
 */
export async function deliver(t: TestContext, how: Judge, from: ChatEnd, to: ChatEnd, text: string, o: DeliverOptions & { undelivered: NonNullable<DeliverOptions['undelivered']> }): Promise<Delivery | null>;
export async function deliver(t: TestContext, how: Judge, from: ChatEnd, to: ChatEnd, text: string, o?: DeliverOptions): Promise<Delivery>;
export async function deliver(t: TestContext, how: Judge, from: ChatEnd, to: ChatEnd, text: string, o: DeliverOptions = {}): Promise<Delivery | null> {
  const T = t.timeoutMs;
  const mark = t.trace.mark();
  const what = `the message ${from.device.name} sent over MSRP`;
  let receiveError = '';
  const got = to.session.nextMessage(T).catch((err: Error) => ((receiveError = err.message), null));
  let sent: Awaited<ReturnType<MsrpMediaSession['sendMessage']>> | string;
  try {
    sent = await from.session.sendMessage(text, { successReport: 'yes', failureReport: 'yes' });
  } catch (err) {
    sent = (err as Error).message;
  }
  const m = await got;
  // A sender that could not even open its MSRP connection (RFC 4975 §5.4) delivered nothing: judged as the message not arriving.
  if (typeof sent === 'string') return undelivered(t, how, o, `${from.device.name} could not send a message over MSRP to ${to.device.name} (${sent})`, 'nothing');
  // §7.2: each SEND's transaction response is the next hop's word on it; a refusal says more than a message that never came.
  const nok = sent.outcomes.find((x) => x.status !== 200);
  judge(t, how, nok === undefined, {
    message: `a SEND of ${what} (Message-ID ${sent.messageId}) was answered ${nok?.response ? `${nok.status} ${nok.response.comment ?? ''}`.trim() : `with nothing within ${T} ms`} by the next hop (RFC 4975 §7.2)`,
    expected: '200 to every SEND', actual: t.trace.find({ protocol: 'msrp', owner: from.device.name, direction: 'received', after: mark }).find((e) => e.msrp?.kind === 'response' && e.msrp.status !== 200) ?? 'nothing',
  });
  const elsewhere = (o.notAt ?? []).flatMap((d) => sendsReceived(t, d, mark).slice(0, 1).map((e) => ({ d, e })))[0];
  if (m === null) {
    const why = `${what} (Message-ID ${sent.messageId}) did not reach ${to.device.name} within ${T} ms` +
      (elsewhere ? `; it reached ${elsewhere.d.name}, which no longer holds the session` : receiveError ? ` (${receiveError})` : '');
    return undelivered(t, how, o, why, elsewhere?.e ?? 'nothing');
  }
  const entry = sendsReceived(t, to.device, mark).find((e) => {
    const send = sendOf(e);
    return send !== null && header(send, H.messageId) === m.messageId;
  });
  // The reassembled message came off these frames, so the trace has them; a missing entry is the trace's fault, not the SUT's.
  t.precondition(entry !== undefined, { message: `${to.device.name} has ${what} but no SEND of it on the trace` });
  const actual = entry;
  judge(t, how, m.body.equals(Buffer.from(text, 'utf8')) && (m.contentType ?? '').toLowerCase() === 'text/plain', {
    message: `${what} arrived at ${to.device.name} changed: ${m.contentType ?? '(no Content-Type)'} "${m.body.toString('utf8').slice(0, 80)}"`,
    expected: `text/plain "${text}", octet for octet`, actual, fields: ['Content-Type'],
  });
  judge(t, how, m.messageId === sent.messageId, {
    message: `${what} arrived at ${to.device.name} under Message-ID ${m.messageId}, not the ${sent.messageId} it was sent with (RFC 4975 §7.1.1: REPORTs and chunks are tied to it)`,
    expected: `Message-ID ${sent.messageId}`, actual, fields: ['Message-ID'],
  });
  const report = await from.session.waitReport(sent.messageId, T).catch(() => null);
  const range = report?.byteRange;
  const size = Buffer.byteLength(text, 'utf8');
  judge(t, how, report !== null && report.status?.code === 200 && range?.start === 1 && range.end === size, {
    message: report
      ? `the success REPORT for ${what} says ${report.status ? `${report.status.namespace} ${report.status.code}` : '(no Status)'}, Byte-Range ${range ? `${range.start}-${range.end}/${range.total}` : '(none)'}`
      : `${from.device.name} asked for a success REPORT (Success-Report: yes) and got none within ${T} ms`,
    expected: `REPORT Message-ID ${sent.messageId}, Status 000 200, Byte-Range 1-${size}/${size} (RFC 4975 §7.1.2)`,
    actual: reportEntry(t, from.device, mark, sent.messageId) ?? 'nothing',
  });
  if (o.notAt?.length) await nothingAt(t, how, o.notAt, mark, `${what} after the transfer`);
  return { messageId: sent.messageId, entry, mark };
}

/** A message that did not arrive: judged where the options say (then null), else a failed check. */
function undelivered(t: TestContext, how: Judge, o: DeliverOptions, why: string, actual: TraceEntry | 'nothing'): null {
  if (o.undelivered) o.undelivered(why, actual);
  else judge(t, how, false, { message: why, expected: 'the message at its receiver, whole', actual });
  return null;
}

/** The REPORT about a message a device received after `mark`, as the trace shows it. */
function reportEntry(t: TestContext, device: Device, mark: number, messageId: string): TraceEntry | undefined {
  return t.trace.find({ protocol: 'msrp', owner: device.name, direction: 'received', after: mark })
    .find((e) => e.msrp?.kind === 'request' && e.msrp.method === 'REPORT' && header(e.msrp, H.messageId) === messageId);
}

/** None of `devices` receives a message (MSRP SEND with a body) after `mark`, over the quiet period. */
async function nothingAt(t: TestContext, how: Judge, devices: Device[], mark: number, what: string): Promise<void> {
  const hits = await Promise.all(devices.map((d) => t.trace.waitFor({ protocol: 'msrp', owner: d.name, direction: 'received', after: mark, test: (e) => sendOf(e) !== null }, t.quietMs)));
  const i = hits.findIndex((h) => h !== null);
  judge(t, how, i < 0, { message: `${what} also reached ${devices[i]?.name}, which no longer holds the session`, expected: `no MSRP SEND at ${devices[i]?.name}`, actual: hits[i] ?? 'nothing' });
}

/**
 * Precondition of a transfer: in the 1-1 session the devices exchange a message each way, each
 * delivered (content, Message-ID, success REPORT). A transfer judged on the wire needs media that
 * flowed before it; and the device that leaves then holds an open MSRP connection, where a
 * misrouted message would show.
 */
export async function chatInSession(t: TestContext, s: Session): Promise<{ caller: ChatEnd; callee: ChatEnd }> {
  return t.step('pre-chat', `Precondition: ${s.caller.name} and ${s.callee.name} exchange a message each way over MSRP (RFC 4975 §7.1.1, §7.1.2)`, async () => {
    const ends = sessionEnds(t, 'precondition', s);
    await deliver(t, 'precondition', ends.caller, ends.callee, `hello from ${s.caller.name}`);
    await deliver(t, 'precondition', ends.callee, ends.caller, `hello back from ${s.callee.name}`);
    return ends;
  });
}
