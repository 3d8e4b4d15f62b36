/**
 * A device's registration (RFC 3261 §10.2): its REGISTERs with one Call-ID and rising CSeq numbers
 * (§10.2.4), a 423 retried once with the registrar's Min-Expires (§10.2.8), the public GRUU the
 * registrar assigns (RFC 5627 §5.2), and the removal of its own binding (§10.2.2).
 *
 * `holdBinding` (a load slot, docs/load.md): the device registers once and keeps that binding; a
 * later `register` of the same registrar and Expires — a case body's registration precondition —
 * is answered from the binding's 2xx while the binding has at least half its Expires left, and
 * refreshes it with a real REGISTER after that (§10.2.4), so a flow at rate measures the flow, not
 * the registrar, and the binding never lapses.
 */
import type { SipRequest, SipResponse } from '../sip/message';
import { header, setHeader } from '../sip/message';
import type { Address } from '../sip/transport/address';
import type { ClientTransaction } from '../sip/endpoint';
import { newCallId } from '../sip/ids';
import { contactPubGruu } from '../sip/headers/contact';

/** What a registration needs of its device. */
export interface Registrant {
  readonly aor: string;
  readonly instanceId: string;
  readonly contact: string;
  readonly outbound: Address;
  newRequest(method: string, uri: string, to: string, extra: Array<{ name: string; value: string }>): SipRequest;
  send(req: SipRequest, dest: Address): Promise<{ tx: ClientTransaction; response: SipResponse | null }>;
  /** The CSeq number a REGISTER went out with (the endpoint may have answered a challenge with CSeq + 1, §22.2). */
  sentCseq(n: number): void;
}

export class DeviceRegistration {
  /** The public GRUU the registrar assigned to this instance (RFC 5627 §5.2 `pub-gruu`), once registered. */
  gruu?: string;
  /** Whether the SUT holds a binding of this device (set by a 2xx to its REGISTER, cleared by its removal). */
  registered = false;
  /** Settles when the last registration attempt has its outcome (whatever it is). */
  registering: Promise<void> = Promise.resolve();
  /** Set when the teardown begins: a REGISTER after that (a case still running after Ctrl-C) would leave a binding behind. */
  closing = false;
  /** The registrar's domain of the last REGISTER, and the one Call-ID of all the device's REGISTERs (§10.2.4). */
  private registrar?: string;
  private callId?: string;
  /** With holdBinding: the 2xx of the binding held, what it was asked for, and until when it answers a register. */
  private held?: { response: SipResponse; registrar: string; expires: number; untilMs: number };

  constructor(
    private readonly device: Registrant,
    private readonly holdBinding = false,
  ) {}

  /** REGISTER (or, holding a binding, its 2xx); none once closing. */
  register(registrarDomain: string, expires: number): Promise<SipResponse | null> {
    const h = this.held;
    if (h && this.registered && !this.closing && h.registrar === registrarDomain && h.expires === expires && performance.now() < h.untilMs) return Promise.resolve(h.response);
    const p = this.closing ? Promise.resolve(null) : this.doRegister(registrarDomain, expires);
    // A teardown waits for a registration in flight (challenge and retry included) before removing it.
    this.registering = p.then(() => undefined, () => undefined);
    return p;
  }

  private async doRegister(registrarDomain: string, expires: number): Promise<SipResponse | null> {
    const asked = performance.now();
    this.registrar = registrarDomain;
    let granted = expires;
    let response = await this.send(registrarDomain, expires);
    if (response?.status === 423) {
      const min = Number(header(response, 'Min-Expires'));
      if (Number.isInteger(min) && min > expires && min < 2 ** 31) response = await this.send(registrarDomain, (granted = min));
    }
    if (response && response.status >= 200 && response.status < 300) {
      this.registered = true;
      this.gruu = contactPubGruu(response, this.device.instanceId) ?? this.gruu;
      // Half the Expires granted (a registrar's Expires header may shorten it, §10.3 step 7), refreshed well before the end (§10.2.4).
      const given = Number(header(response, 'Expires'));
      if (Number.isInteger(given) && given >= 0 && given < granted) granted = given;
      if (this.holdBinding) this.held = { response, registrar: registrarDomain, expires, untilMs: asked + (granted * 1000) / 2 };
    }
    return response;
  }

  /**
   * Remove this device's own binding (RFC 3261 §10.2.2: its Contact with Expires: 0, same Call-ID):
   * a case leaves the SUT's location service as it found it. Null when the SUT did not answer.
   */
  async unregister(): Promise<SipResponse | null> {
    if (!this.registered || this.registrar === undefined) return null;
    this.held = undefined;
    const response = await this.send(this.registrar, 0);
    if (response && response.status >= 200 && response.status < 300) this.registered = false;
    return response;
  }

  private async send(registrarDomain: string, expires: number): Promise<SipResponse | null> {
    const d = this.device;
    const req = d.newRequest('REGISTER', `sip:${registrarDomain}`, d.aor, [
      { name: 'Expires', value: String(expires) },
      { name: 'Supported', value: 'path, gruu, outbound' },
    ]);
    this.callId ??= header(req, 'Call-ID');
    setHeader(req, 'Call-ID', this.callId ?? newCallId());
    setHeader(req, 'Contact', d.contact);
    setHeader(req, 'To', `<${d.aor}>`);
    const { tx, response } = await d.send(req, d.outbound);
    const sent = Number(header(tx.request, 'CSeq')?.split(/\s+/)[0]);
    if (Number.isInteger(sent)) d.sentCseq(sent);
    return response;
  }
}
