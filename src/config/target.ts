/**
 * The target config after loading: ICS + IXIT (docs/target-config.md) with every default filled, so consumers
 * never guess a fallback. Optional fields stay optional only where "absent" means something
 * (no password = the SUT does not challenge; no transferUri = no out-of-dialog transfer).
 * The JSON Schema in ./schema.ts describes the *input*; keep the two in step (a unit test checks
 * that a defaulted minimal config carries exactly the schema's keys).
 */
export type SipTransport = 'udp' | 'tcp' | 'tls';
export type TopologyName = 'direct' | 'core-emulation';
export type PfMode = 'proxy' | 'b2bua';

/** TLS client options (RFC 3261 §26.2.1: the harness is a TLS client towards the SUT). */
export interface TargetTls {
  /** CA bundle to verify the SUT's certificate (absolute path); absent = Node's default CAs. */
  ca?: string;
  /** Client certificate and key for mutual TLS (absolute paths); both or neither. */
  cert?: string;
  key?: string;
  /** Passphrase of an encrypted key. Secret. */
  passphrase?: string;
  /**
   * SNI and the name checked in the SUT's certificate; defaults to sut.host when that is a
   * hostname. Absent for an IP literal host: RFC 6066 §3 forbids IP addresses in SNI, and the
   * certificate is then matched against its IP SANs.
   */
  servername?: string;
  /** Skip certificate verification (lab use only). */
  insecure: boolean;
}

export interface TargetSut {
  name: string;
  version?: string;
  host: string;
  port: number;
  transport: SipTransport;
  domain: string;
  /** Present when transport is tls (filled with defaults) or when given explicitly. */
  tls?: TargetTls;
}

export interface TargetLocal {
  /** Address the harness sockets bind to. */
  host: string;
  /** Address written into Via / Contact / SDP, when the SUT must reach us through NAT. */
  advertisedHost: string;
  ports: { from: number; to: number };
}

export interface TargetParticipatingFunction {
  mode: PfMode;
  /** PF A (originating) as `host:port`, as it appears in Via / Record-Route. */
  a: string;
  /** PF B (terminating) as `host:port`. */
  b: string;
}

export interface TargetUserConfig {
  aor: string;
  /** Digest username (RFC 3261 §22); defaults to the AoR's user part. */
  username: string;
  /** Digest password. Secret: maskSecrets() hides it. */
  password?: string;
  /** Digest realm to answer with; absent = whatever realm the challenge names. */
  realm?: string;
  /** How many devices (registrations with distinct +sip.instance) the harness plays for this user. */
  devices: number;
}

export interface TargetIcs {
  sessionLeaving: boolean;
  multiDevice: boolean;
  transfer: { csInMediaPath: boolean; csNotInMediaPath: boolean; pull: boolean };
}

export interface TargetIxit {
  /**
   * RFC 3261 §17.1.1.1 timer values in ms; `b` the SUT's Timer B where it is configured apart from
   * T1 (absent: 64·T1, §17.1.1.2). The harness's own transactions keep 64·T1 (harnessTimers).
   */
  timers: { t1: number; t2: number; t4: number; b?: number };
  responseTimeoutMs: number;
  quietPeriodMs: number;
  registrationExpires: number;
  /** The CS transfer URI (PSI) for out-of-dialog REFER; required when the SUT claims CS-not-in-media-path transfer or pull by REFER. */
  transferUri?: string;
  /** Hosts that may appear in the CS's MSRP a=path (media-path assertions); defaults to [sut.host]. */
  csMsrpHosts: string[];
  /** User-Agent header the harness devices send. */
  userAgent: string;
}

/** Per-vendor knobs of docs/cpm-sip-binding.md, the one type the suites read, every knob resolved by the loader (schema defaults). */
export interface TargetBinding {
  reasonOnCancel: 'required' | 'recommended' | 'ignore';
  releaseInitiator: 'either' | 'transferor' | 'transferee';
  referSuccessCode: '202' | '200-or-202';
  /** How the Join Notification leads the target into the session (docs/cpm-sip-binding.md knob; default target-dialog). */
  joinCorrelation: 'target-dialog' | 'replaces' | 'opaque-uri';
  /** How a transfer names a device: its registered contact (default) or its public GRUU (RFC 5627 §3.1). */
  deviceAddressing: 'contact' | 'gruu';
  /** How a device pulls a session (5.2.5.1 ¶1): INVITE with Replaces (default) or REFER to the CS transfer URI. */
  pullMode: 'invite-replaces' | 'refer-to-psi';
  /** The target's session keeps the transferred session's Contribution-ID (default) or gets a new one. */
  contributionIdOnTransfer: 'keep' | 'new';
  /** The service identification the devices present: the CPM ICSI (default; also for `either`) or OMA SIMPLE IM. */
  serviceIdentification: 'cpm-icsi' | 'oma-sip-im' | 'either';
  /** A re-INVITE of the transferee during an in-path transfer is answered and tolerated (default false: judged). */
  allowReinviteToTransferee: boolean;
  /** How the CS stays in the MSRP path (5.2.5.1.1 ¶5): the endpoint of each leg (default b2bua) or an RFC 4976 relay. */
  csMsrpRole: 'b2bua' | 'relay';
}

export interface Target {
  sut: TargetSut;
  topology: TopologyName;
  local: TargetLocal;
  participatingFunction: TargetParticipatingFunction;
  users: TargetUserConfig[];
  ics: TargetIcs;
  ixit: TargetIxit;
  binding: TargetBinding;
}
