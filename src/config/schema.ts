/**
 * JSON Schema (draft-07) of the target config: the source of truth for validation, defaults and
 * the published schema/target.schema.json (test/unit/config/schema-file.test.ts keeps that file
 * equal to this object). Annotation conventions the error formatter relies on:
 * - `title` says what a value must be ("a SIP URI"), used for pattern / format / anyOf failures;
 * - `examples[0]` is what the hint tells the user to write;
 * - `default` is applied by ajv (useDefaults); defaults that depend on other fields (port by
 *   transport, PF addresses from sut) are filled in ./defaults.ts and described here.
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type SchemaNode = { [k: string]: Json };

const str = (description: string, example: string, extra: SchemaNode = {}): SchemaNode => ({ type: 'string', description, examples: [example], ...extra });
const int = (description: string, min: number, def: number | undefined, extra: SchemaNode = {}): SchemaNode => ({
  type: 'integer',
  description,
  minimum: min,
  ...(def === undefined ? {} : { default: def }),
  examples: [def ?? min],
  ...extra,
});
const bool = (description: string, def: boolean): SchemaNode => ({ type: 'boolean', description, default: def, examples: [def] });
const oneOf = (description: string, values: string[]): SchemaNode => ({ type: 'string', description, enum: values, default: values[0], examples: [values[0]] });
/** A mapping with fixed keys: unknown keys are errors (they are typos far more often than not). */
const obj = (description: string, properties: Record<string, SchemaNode>, required: string[] = [], withDefault = true): SchemaNode => ({
  type: 'object',
  description,
  additionalProperties: false,
  ...(required.length > 0 ? { required } : {}),
  properties,
  ...(withDefault ? { default: {} } : {}),
});
const ref = (name: string, description: string): SchemaNode => ({ $ref: `#/definitions/${name}`, description });

const port = (description: string, def?: number): SchemaNode => int(description, 1, def, { maximum: 65535, examples: [def ?? 5060] });

export const targetSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'urn:cpm-conformance:target-config',
  title: 'cpm-conformance target config (ICS + IXIT)',
  description: 'Who the SUT is, where it listens, which users and devices it has provisioned, what it claims (ICS) and how to test it (IXIT). Strings may use ${ENV} or ${ENV:-default}.',
  type: 'object',
  additionalProperties: false,
  required: ['sut', 'users'],
  definitions: {
    host: {
      title: 'an IP address or hostname',
      description: 'IP literal (IPv6 without brackets) or DNS hostname.',
      type: 'string',
      anyOf: [{ format: 'hostname' }, { format: 'ipv6' }],
      examples: ['127.0.0.1'],
    },
    hostPort: {
      title: 'host:port (IPv6 as [addr]:port)',
      type: 'string',
      pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9][A-Za-z0-9.-]*):[0-9]{1,5}$',
      examples: ['127.0.0.1:5060'],
    },
    sipUri: {
      title: 'a SIP URI (sip:user@domain)',
      type: 'string',
      pattern: '^sips?:[^@\\s;?]+@[^\\s;?@]+$',
      examples: ['sip:alice@cpm.example.com'],
    },
    path: { title: 'a file path', type: 'string', minLength: 1, examples: ['./certs/ca.pem'] },
  },
  properties: {
    $schema: str('Optional pointer to this schema, for editors.', './schema/target.schema.json'),
    sut: obj(
      'The system under test: the CPM Conversation Server / Participating Functions.',
      {
        name: str('SUT name as the vendor calls it; shown in reports.', 'Acme CPM Conversation Server', { minLength: 1 }),
        version: str('SUT software version; shown in reports. Quote it in YAML ("2.1").', '2.1'),
        host: ref('host', 'Where the SUT listens (IP literal or hostname).'),
        port: port('Where the SUT listens. Default 5060, or 5061 when transport is tls (RFC 3261 §19.1.2).'),
        transport: oneOf('SIP transport towards the SUT.', ['udp', 'tcp', 'tls']),
        domain: ref('host', 'Home domain of the users\' AoRs (the registrar domain).'),
        tls: obj(
          'TLS client options; used when transport is tls. Relative paths are relative to this file.',
          {
            ca: ref('path', 'CA bundle that signed the SUT certificate; default: Node\'s built-in CAs.'),
            cert: ref('path', 'Client certificate (PEM) for mutual TLS; needs key.'),
            key: ref('path', 'Client private key (PEM) for mutual TLS; needs cert. Masked in reports.'),
            passphrase: str('Passphrase of an encrypted key; use ${ENV}. Masked in reports.', '${TLS_KEY_PASSPHRASE}'),
            servername: str('SNI and expected certificate name; default: sut.host when it is a hostname (no SNI for IP literals, RFC 6066 §3).', 'sut.example.com', { minLength: 1 }),
            insecure: bool('Do not verify the SUT certificate (lab only).', false),
          },
          [],
          false,
        ),
      },
      ['name', 'host', 'domain'],
      false,
    ),
    topology: oneOf('direct: the harness plays client devices only; core-emulation: it also plays SIP/IP Core A and B (docs/architecture.md).', ['direct', 'core-emulation']),
    local: obj('Where the harness sockets bind.', {
      host: { ...ref('host', 'Local address to bind (must reach the SUT).'), default: '127.0.0.1' },
      advertisedHost: ref('host', 'Address written into Via / Contact / SDP when the SUT reaches the harness through NAT; default: local.host.'),
      ports: obj('Local port range for device, core and MSRP sockets.', {
        from: port('First local port.', 20000),
        to: port('Last local port (inclusive).', 29999),
      }),
    }),
    participatingFunction: obj('How the SUT\'s Participating Functions appear on the wire.', {
      mode: oneOf('proxy: PFs keep the Call-ID end to end; b2bua: each PF starts a new dialog.', ['proxy', 'b2bua']),
      a: ref('hostPort', 'PF A (originating) as seen in Via / Record-Route; default: sut.host:sut.port.'),
      b: ref('hostPort', 'PF B (terminating); default: the same as a.'),
    }),
    users: {
      type: 'array',
      description: 'Users provisioned on the SUT. Each test case draws distinct users from this pool; a one-to-one session needs at least two.',
      minItems: 2,
      items: obj(
        'One provisioned user.',
        {
          aor: ref('sipUri', 'Address of Record.'),
          username: str('Digest username; default: the AoR user part.', 'alice', { minLength: 1 }),
          password: str('Digest password; use ${ENV}. Masked in reports.', '${ALICE_PASSWORD}'),
          realm: str('Digest realm; default: the realm the challenge names.', 'cpm.example.com', { minLength: 1 }),
          devices: int('Devices the harness plays for this user (each registers with its own +sip.instance).', 1, 1),
        },
        ['aor'],
        false,
      ),
      examples: [[{ aor: 'sip:alice@cpm.example.com', devices: 2 }, { aor: 'sip:bob@cpm.example.com' }]],
    },
    ics: obj('Implementation Conformance Statement: what the SUT claims. Cases for unclaimed features are N/A.', {
      sessionLeaving: bool('Closing a one-to-one session (C.2.3.1).', true),
      multiDevice: bool('Multi-device delivery with cancel on accept (CPM-MLD-007).', false),
      transfer: obj('Session transfer variants (5.2.5.1).', {
        csInMediaPath: bool('CS stays in the media path (5.2.5.1.1).', false),
        csNotInMediaPath: bool('CS not in the media path (5.2.5.1.2); needs ixit.transferUri.', false),
        pull: bool('Remote (pull) transfer (5.2.5.1 ¶1).', false),
      }),
    }),
    ixit: obj('Implementation eXtra Information for Testing.', {
      timers: obj('SIP timers in ms (RFC 3261 §17.1.1.1); every wait derives from them.', {
        t1: int('RTT estimate.', 1, 500),
        t2: int('Maximum retransmit interval for non-INVITE requests and INVITE responses; at least t1.', 1, 4000),
        t4: int('Maximum time a message stays in the network.', 1, 5000),
        b: int('The SUT\'s Timer B when configured apart from T1 (e.g. Kamailio tm fr_timer): how long its INVITE client transaction waits for any response; absent: 64·t1 (RFC 3261 §17.1.1.2).', 1, undefined, { examples: [32000] }),
      }),
      responseTimeoutMs: int('How long to wait for an expected message before failing.', 1, 8000),
      quietPeriodMs: int('How long "nothing else arrives" is watched for absence checks.', 0, 1000),
      registrationExpires: int('Expires the devices ask for in REGISTER (s).', 1, 600),
      transferUri: ref('sipUri', 'CS transfer URI (PSI) for out-of-dialog REFER.'),
      csMsrpHosts: { type: 'array', description: 'Hosts that may appear in the CS\'s MSRP a=path; default: [sut.host].', minItems: 1, items: { $ref: '#/definitions/host' }, examples: [['127.0.0.1']] },
      userAgent: str('User-Agent the harness devices send.', 'cpm-conformance', { minLength: 1, default: 'cpm-conformance' }),
    }),
    binding: obj('Per-vendor binding knobs (docs/cpm-sip-binding.md).', {
      reasonOnCancel: oneOf('Reason: SIP;cause=200 on the CANCEL of other branches (RFC 3326): required fails without it, recommended marks non-strict.', ['recommended', 'required', 'ignore']),
      deviceAddressing: oneOf('How a target device is addressed: its registered contact, or its GRUU (RFC 5627).', ['contact', 'gruu']),
      releaseInitiator: oneOf('Who may send the BYE releasing the transferor\'s old dialog (RFC 3891 vs the CR).', ['either', 'transferor', 'transferee']),
      referSuccessCode: oneOf('Final response expected for an accepted REFER (RFC 7647 allows 200). Quote it in YAML.', ['202', '200-or-202']),
      joinCorrelation: oneOf('How the Session Join Notification names the session.', ['target-dialog', 'replaces', 'opaque-uri']),
      pullMode: oneOf('How a device pulls a session: INVITE with Replaces, or REFER to the CS transfer URI.', ['invite-replaces', 'refer-to-psi']),
      contributionIdOnTransfer: oneOf('Contribution-ID of the target\'s session: the transferred one, or a new one.', ['keep', 'new']),
      serviceIdentification: oneOf('Service identification the SUT expects: CPM ICSI, legacy OMA SIMPLE IM, or either.', ['cpm-icsi', 'oma-sip-im', 'either']),
      allowReinviteToTransferee: bool('Tolerate a re-INVITE from the CS to the transferee during transfer.', false),
      csMsrpRole: oneOf('How the CS stays in the MSRP path (5.2.5.1.1): the MSRP endpoint of each leg (B2BUA: its own a=path, From-Path its URI), or an RFC 4976 relay (its URI first, the far device\'s last).', ['b2bua', 'relay']),
    }),
  },
} as const;

export type TargetSchema = typeof targetSchema;
