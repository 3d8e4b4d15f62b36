/**
 * Dialogs a record-routing Participating Function is on the path of (RFC 3261 §16.6 step 4: by
 * Record-Routing it stays on the path of every later request of the dialog). The proxy keeps only
 * what it needs: which tag is the caller's (to tell which side a BYE comes from, hence the PF's
 * C.2.3.1 role for it) and the callee tags learnt from responses, so a request that matches no
 * dialog is answered 481 (§12.2.2, §15.1.2).
 * One INVITE forked to several devices can make several dialogs with one caller tag (§12.1: one
 * per To tag of a 2xx, §13.2.2.4): when two devices accept at once the proxy forwards both 2xx
 * (§16.7 step 5) and the caller BYEs one. A BYE ends only its own dialog (its callee tag); the
 * entry goes once no answered dialog is left.
 */
export interface ProxyDialog {
  callId: string;
  /** From tag of the dialog-creating INVITE. */
  callerTag: string;
  /** To tags seen in responses (one per early/confirmed dialog, §12.1). */
  calleeTags: Set<string>;
  /** To tags of the 2xx answers (one session each) not yet ended by a BYE. */
  answeredTags: Set<string>;
  /** The PF Record-Routed the INVITE (false under `leave-pf-a-not-in-path`). */
  recordRouted: boolean;
  createdAt: number;
  /** From URI of the dialog-creating INVITE: the caller's AoR (PF control of a transfer or pull, 5.2.5.1). */
  callerAor?: string;
  /** The caller's remote target (Contact of the dialog-creating INVITE, §12.1.1): which device holds the caller's side. */
  callerTarget?: string;
  /** To URI of the dialog-creating INVITE: the callee's AoR. */
  calleeAor?: string;
  /** The callee's remote target (Contact of its 1xx/2xx) per callee tag (§12.1.2): where a Replaces INVITE goes. */
  calleeTargets: Map<string, string>;
  /** Called once when the ACK of the 2xx passes (the dialog is confirmed on both sides, §13.2.2.4). */
  onConfirmed?: () => void;
  /** The session was transferred away from the caller (5.2.5.1.2): its later BYE is the Release request. */
  transferred?: boolean;
}

/** Upper bound so a long-running demo server cannot grow without limit. */
const MAX_DIALOGS = 10000;

export class ProxyDialogs {
  private readonly byCallId = new Map<string, ProxyDialog[]>();
  private count = 0;

  add(callId: string, callerTag: string, recordRouted: boolean): ProxyDialog {
    const existing = this.find(callId, callerTag);
    if (existing) return existing;
    if (this.count >= MAX_DIALOGS) this.evictOldest();
    const d: ProxyDialog = { callId, callerTag, calleeTags: new Set(), answeredTags: new Set(), calleeTargets: new Map(), recordRouted, createdAt: Date.now() };
    this.byCallId.set(callId, [...(this.byCallId.get(callId) ?? []), d]);
    this.count++;
    return d;
  }

  /** The dialog of a Call-ID whose caller tag is `callerTag`. */
  find(callId: string, callerTag: string): ProxyDialog | undefined {
    return this.byCallId.get(callId)?.find((d) => d.callerTag === callerTag);
  }

  /** The dialog an in-dialog request belongs to, whichever side sent it (its From/To tags in either order). */
  match(callId: string, fromTag: string | null, toTag: string | null): ProxyDialog | undefined {
    if (!fromTag || !toTag) return undefined;
    return this.byCallId.get(callId)?.find((d) =>
      (d.callerTag === fromTag && d.calleeTags.has(toTag)) || (d.callerTag === toTag && d.calleeTags.has(fromTag)));
  }

  /**
   * The BYE of one dialog was answered (§15.1.2): that dialog is gone, a later request in it gets
   * 481; the sessions other devices answered on the same INVITE stay (§12.1, §13.2.2.4).
   */
  end(d: ProxyDialog, calleeTag: string | null): void {
    if (calleeTag !== null) {
      d.calleeTags.delete(calleeTag);
      d.answeredTags.delete(calleeTag);
      d.calleeTargets.delete(calleeTag);
    }
    if (calleeTag === null || d.answeredTags.size === 0) this.remove(d);
  }

  remove(d: ProxyDialog): void {
    const list = (this.byCallId.get(d.callId) ?? []).filter((x) => x !== d);
    if (list.length > 0) this.byCallId.set(d.callId, list);
    else this.byCallId.delete(d.callId);
    this.count = Math.max(0, this.count - 1);
  }

  get size(): number {
    return this.count;
  }

  private evictOldest(): void {
    let oldest: ProxyDialog | undefined;
    for (const list of this.byCallId.values()) for (const d of list) if (!oldest || d.createdAt < oldest.createdAt) oldest = d;
    if (oldest) this.remove(oldest);
  }
}
