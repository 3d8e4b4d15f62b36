/**
 * Kamailio 5.6 configurations the interop tests run as an independent SUT: one generator, one
 * entry per variant. Each variant's description becomes the header comment of the kamailio.cfg it
 * generates, so the file in the run directory says what it is and, for a faulty variant, which
 * requirement of src/harness/requirements.ts it breaks and how.
 *
 * Stock modules only (Debian `kamailio`): tm, tmx, sl, rr, maxfwd, registrar, usrloc (db_mode 0),
 * textops, siputils, pv, ctl, kex, xlog; auth for the digest variant, htable for the variant that
 * remembers BYEs.
 */

import { randomBytes } from 'node:crypto';

export type KamailioVariantName =
  | 'conformant' | 'auth' | 'ims-as'
  | 'no-record-route' | 'no-cancel-reason' | 'no-maxfwd' | 'bye-answered-by-proxy' | 'second-bye-200';

export interface KamailioVariant {
  name: KamailioVariantName;
  /** What the configuration is, in a sentence or two (header comment). */
  summary: string;
  /** A faulty variant: the requirement it breaks on purpose and how. */
  breaks?: { requirement: string; how: string };
  /** Record-Route initial requests (RFC 3261 §16.6 step 4): the PF stays on the dialog path. */
  recordRoute: boolean;
  /** tm local_cancel_reason: CANCELs of the other branches say why (RFC 3326 §2). */
  cancelReason: boolean;
  /** maxfwd: decrement Max-Forwards on every relayed request (RFC 3261 §16.6 step 3). */
  maxForwards: boolean;
  /** Digest authentication: 401 on REGISTER, 407 on new out-of-dialog requests (RFC 3261 §22). */
  auth: boolean;
  /** Answer an in-dialog BYE 200 at the proxy instead of relaying it (a UAS pretending to be the peer). */
  answerBye: boolean;
  /** Remember relayed BYEs and answer a second BYE of the same Call-ID 200 instead of relaying it. */
  secondBye200: boolean;
}

/**
 * tm's fr_timer: Kamailio's Timer B (and F), how long a branch waits for any response before tm
 * answers 408 itself; set apart from 64·T1 (32 s at tm's T1 of 500 ms) as a deployment may, so
 * TC-MLD-007-14 can wait it out. Above the IXIT response timeout (5 s): a branch the harness still
 * counts as answered in time is never given up. A target that states it says ixit.timers.b.
 */
export const FR_TIMER_MS = 6000;

const CORRECT = { recordRoute: true, cancelReason: true, maxForwards: true, auth: false, answerBye: false, secondBye200: false };

export const VARIANTS: Record<KamailioVariantName, KamailioVariant> = {
  conformant: {
    name: 'conformant', ...CORRECT,
    summary: 'A record-routing, parallel-forking proxy and in-memory registrar for the domain, no authentication. ' +
      'It also serves the IMS AS role (registrations with Path, a preloaded Route set loose-routed back to the core).',
  },
  auth: {
    name: 'auth', ...CORRECT, auth: true,
    summary: 'The conformant proxy with digest authentication: REGISTER is challenged with 401 (WWW-Authenticate), new ' +
      'out-of-dialog requests such as INVITE with 407 (Proxy-Authenticate); in-dialog requests, ACK and CANCEL are not ' +
      '(RFC 3261 §22.1: CANCEL and ACK cannot be resubmitted). Passwords are config variables, no database.',
  },
  'ims-as': {
    name: 'ims-as', ...CORRECT,
    summary: 'The conformant proxy deployed as an IMS Application Server behind the emulated S-CSCFs (topology ' +
      'core-emulation): REGISTER arrives proxied with Path (use_path 1, path_mode 0: stored without requiring ' +
      'Supported: path); an originating request (Route: <pf;lr;orig>, <core>) is loose-routed along the Route set back ' +
      'to the core; a terminating one (Route: <pf;lr>, <core>) is forked to the contacts, each reached through the Path ' +
      'recorded at registration.',
  },
  'no-record-route': {
    name: 'no-record-route', ...CORRECT, recordRoute: false,
    summary: 'The conformant proxy without record_route(): it forks the INVITE but is not on the dialog path.',
    breaks: { requirement: 'LEAVE-ORIG', how: 'no Record-Route, so the leaving BYE goes device to device and never passes PF A ' +
      '(nor PF B: LEAVE-TERM); a second BYE on the closed session must not PASS RFC3261-15.1.2 on evidence that never crossed the SUT' },
  },
  'no-cancel-reason': {
    name: 'no-cancel-reason', ...CORRECT, cancelReason: false,
    summary: 'The conformant proxy with tm local_cancel_reason 0: the CANCELs it sends to the other branches after a 2xx carry no Reason.',
    breaks: { requirement: 'RFC3326-REASON', how: 'no Reason: SIP;cause=200;text="Call completed elsewhere" on the CANCELs of ' +
      'CPM-MLD-007 (judged with binding.reasonOnCancel: required)' },
  },
  'no-maxfwd': {
    name: 'no-maxfwd', ...CORRECT, maxForwards: false,
    summary: 'The conformant proxy without mf_process_maxfwd_header(): Kamailio\'s core never touches Max-Forwards, so every relayed request keeps the value it arrived with.',
    breaks: { requirement: 'RFC3261-16.6', how: 'Max-Forwards is not decremented on the relayed BYE (RFC 3261 §16.6 step 3)' },
  },
  'bye-answered-by-proxy': {
    name: 'bye-answered-by-proxy', ...CORRECT, answerBye: true,
    summary: 'The conformant proxy that answers every in-dialog BYE 200 OK itself instead of relaying it.',
    breaks: { requirement: 'LEAVE-TERM', how: 'the leaving request is answered by the proxy and never delivered to the peer client (C.2.3.1 steps 5-7)' },
  },
  'second-bye-200': {
    name: 'second-bye-200', ...CORRECT, secondBye200: true,
    summary: 'The conformant proxy that remembers the Call-ID of each BYE it relayed (htable) and answers any later BYE of that Call-ID 200 OK itself.',
    breaks: { requirement: 'RFC3261-15.1.2', how: 'a second BYE on the closed session is answered 200 instead of being relayed ' +
      '(the peer would answer 481) or answered 481' },
  },
};

export const FAULTY_VARIANTS: KamailioVariantName[] = ['no-record-route', 'no-cancel-reason', 'no-maxfwd', 'bye-answered-by-proxy', 'second-bye-200'];

export interface ConfigParams {
  host: string;
  port: number;
  domain: string;
  /** binrpc control socket (ctl module), for kamcmd. */
  ctlSocket: string;
  /** Digest users (auth variant). Never logged: the cfg lives in the run directory only. */
  users: Array<{ username: string; password: string }>;
}

/** kamailio.cfg strings are double-quoted: keep values free of what would end or escape them. */
function q(s: string): string {
  if (/["\\\r\n]/.test(s)) throw new Error('kamailio.cfg value must not contain a quote, backslash or line break');
  return `"${s}"`;
}

function header(v: KamailioVariant): string {
  const wrap = (text: string) => text.match(/.{1,96}(\s|$)/g)!.map((l) => `# ${l.trim()}`).join('\n');
  const lines = [`# cpm-conformance interop SUT: Kamailio variant "${v.name}" (generated by test/interop/kamailio/config.ts)`, '#', wrap(v.summary)];
  if (v.breaks) lines.push('#', wrap(`NON-CONFORMANT ON PURPOSE: breaks ${v.breaks.requirement}: ${v.breaks.how}.`));
  return lines.join('\n');
}

function globals(v: KamailioVariant, p: ConfigParams): string {
  return `
debug=2
log_stderror=yes
memdbg=5
memlog=5
# One worker per transport. With two, Kamailio 5.6's tm was seen (1 run in ~20, TCP) to process a
# branch's first 180 in one worker while another worker relayed a sibling branch's 200: that branch
# never got its CANCEL (RFC 3261 §16.10 / §9.1), and the same case gave another verdict the next
# run. A SUT used to test the harness must give the same verdict every run.
children=1
tcp_children=1
auto_aliases=no
dns=no
rev_dns=no
use_dns_cache=off
listen=udp:${p.host}:${p.port}
listen=tcp:${p.host}:${p.port}
# The users' home domain: requests for sip:user@${p.domain} are ours (uri==myself).
alias=${q(p.domain)}
server_header=${q(`Server: kamailio (cpm-conformance ${v.name})`)}
user_agent_header=${q(`User-Agent: kamailio (cpm-conformance ${v.name})`)}

# Modules from the binary's compiled-in path (Debian: /usr/lib/<arch>/kamailio/modules).
loadmodule "kex.so"
loadmodule "tm.so"
loadmodule "tmx.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "ctl.so"
${v.auth ? 'loadmodule "auth.so"' : ''}
${v.secondBye200 ? 'loadmodule "htable.so"' : ''}

modparam("ctl", "binrpc", ${q(`unix:${p.ctlSocket}`)})
# RFC 3326 §2: CANCELs of the other branches after a 2xx say "Call completed elsewhere";
# the caller's own Reason is copied onto the CANCELs it causes.
modparam("tm", "local_cancel_reason", ${v.cancelReason ? 1 : 0})
modparam("tm", "e2e_cancel_reason", 1)
# RFC 3261 §17.1.1.2 Timer B (and §17.1.2.2 Timer F): a branch without any response is given up,
# and the caller answered 408, after ${FR_TIMER_MS / 1000} s instead of 64·T1 (32 s). A target config states it as
# ixit.timers.b, so TC-MLD-007-14 waits it out; above responseTimeoutMs (5 s) on purpose.
modparam("tm", "fr_timer", ${FR_TIMER_MS})
# RFC 3261 §16.12.1.1: plain ;lr in Record-Route.
modparam("rr", "enable_full_lr", 0)
modparam("rr", "append_fromtag", 0)
modparam("usrloc", "db_mode", 0)
modparam("usrloc", "use_domain", 0)
# RFC 3327: keep the Path of a proxied REGISTER, without requiring Supported: path (IMS AS role).
modparam("registrar", "use_path", 1)
modparam("registrar", "path_mode", 0)
modparam("registrar", "max_contacts", 64)
${v.secondBye200 ? 'modparam("htable", "htable", "byes=>size=8;autoexpire=300;")' : ''}
${v.auth ? 'modparam("auth", "nonce_expire", 300)' : ''}
`;
}

function requestRoute(v: KamailioVariant, p: ConfigParams): string {
  // A regex on our own URI; the dots of an IPv4 literal also match themselves.
  const self = `sip:${p.host}:${p.port}[;>]`;
  // RFC 3261 §16.6 step 4: a proxy that wants to stay on the dialog path Record-Routes the
  // dialog-creating requests (Kamailio: an empty block is a syntax error, hence one line).
  const rr = v.recordRoute
    ? 'if (is_method("INVITE|SUBSCRIBE|REFER|MESSAGE")) record_route();'
    : '# FAULTY ON PURPOSE: no record_route(), this variant stays off the dialog path';
  return `
request_route {
	xlog("L_INFO", "received $rm $ru from $si:$sp/$pr cseq $cs call-id $ci\\n");
${v.maxForwards ? `	# RFC 3261 §16.3 step 3 / §16.6 step 3: 483 at zero, else decrement.
	if (!mf_process_maxfwd_header("10")) {
		sl_send_reply("483", "Too Many Hops");
		exit;
	}` : '	# no mf_process_maxfwd_header(): Max-Forwards is relayed unchanged (faulty on purpose)'}

	# Readiness probe and keep-alive: OPTIONS to the server itself (RFC 3261 §11).
	if (is_method("OPTIONS") && uri == myself && $rU == $null) {
		sl_send_reply("200", "OK");
		exit;
	}

	# RFC 3261 §16.10: a CANCEL is matched to its INVITE transaction and cancels every branch.
	if (is_method("CANCEL")) {
		if (t_check_trans()) route(RELAY);
		exit;
	}

	# Retransmissions are absorbed by the transaction they belong to (§17.2).
	if (!is_method("ACK")) {
		if (t_precheck_trans()) {
			t_check_trans();
			exit;
		}
		t_check_trans();
	}

	route(WITHINDLG);
${v.auth ? '	route(AUTH);\n' : ''}
	if (is_method("REGISTER")) {
		# RFC 3261 §10.3; Contact: * with Expires: 0 removes every binding (§10.2.2).
		if (!save("location")) sl_reply_error();
		exit;
	}

	# An initial request with a preloaded Route set that starts with us: the S-CSCF triggered
	# this server as its Application Server (TS 24.229 §5.4.3.2 originating, §5.4.3.3 terminating).
	if (is_present_hf("Route") && $(hdr(Route)[0]) =~ ${q(`^<?${self}`)}) {
		route(AS);
		exit;
	}

	${rr}
	if (uri == myself) {
		route(LOCATION);
		exit;
	}
	route(RELAY);
}

route[AS] {
	${rr}
	if ($(hdr(Route)[0]) =~ ";orig([;>]|$)") {
		# Originating: pop our entry and go on along the rest of the Route set, back to the
		# core (RFC 3261 §16.4, §16.12); the Route set must not be stripped.
		loose_route();
		route(RELAY);
		exit;
	}
	# Terminating: fork to the user's contacts. Each contact's Path (RFC 3327 §5.3) names the
	# core hop the preloaded Route names too, so the Route is dropped to avoid visiting it twice.
	remove_hf("Route");
	route(LOCATION);
}

route[LOCATION] {
	# Parallel forking (RFC 3261 §16.5): one branch per registered contact.
	if (!lookup("location")) {
		$var(rc) = $rc;
		t_newtran();
		switch ($var(rc)) {
			case -1:
			case -3:
				send_reply("404", "Not Found");
				exit;
			case -2:
				send_reply("405", "Method Not Allowed");
				exit;
		}
	}
	route(RELAY);
}

# Every request the script relays (tm's own CANCELs and ACKs of non-2xx do not pass onsend_route)
# and every reply Kamailio receives, logged with the peer: the SUT's side of a failing case.
onsend_route {
	xlog("L_INFO", "sent $rm to $sndto(ip):$sndto(port)/$sndto(proto) cseq $cs call-id $ci\\n");
}

onreply_route {
	xlog("L_INFO", "received reply $rs $rr from $si:$sp/$pr cseq $cs $rm call-id $ci\\n");
}

route[RELAY] {
	if (!t_relay()) sl_reply_error();
	exit;
}

route[WITHINDLG] {
	if (!has_totag()) return;
	# RFC 3261 §16.12: in-dialog requests follow the route set the Record-Route built.
	if (loose_route()) {
${v.answerBye ? `		# FAULTY ON PURPOSE: the BYE is answered here and never reaches the peer.
		if (is_method("BYE")) {
			sl_send_reply("200", "OK");
			exit;
		}
` : ''}${v.secondBye200 ? `		# FAULTY ON PURPOSE: a BYE for a Call-ID already released is answered 200 here.
		if (is_method("BYE")) {
			if ($sht(byes=>$ci) != $null) {
				sl_send_reply("200", "OK");
				exit;
			}
			$sht(byes=>$ci) = 1;
		}
` : ''}		route(RELAY);
		exit;
	}
	if (is_method("ACK")) {
		# ACK of a non-2xx final: hop by hop, absorbed by its transaction (§17.1.1.3).
		if (t_check_trans()) route(RELAY);
		exit;
	}
	sl_send_reply("404", "Not here");
	exit;
}
${v.auth ? authRoutes(p) : ''}`;
}

function authRoutes(p: ConfigParams): string {
  const realm = q(p.domain);
  const cases = p.users.map((u) => `\t\tcase ${q(u.username)}:\n\t\t\t$var(pw) = ${q(u.password)};\n\t\t\tbreak;`).join('\n');
  return `
route[AUTH] {
	# RFC 3261 §22.1: CANCEL and ACK cannot be resubmitted, in-dialog requests are not challenged.
	if (is_method("ACK|CANCEL") || has_totag()) return;
	route(PASSWORD);
	if (is_method("REGISTER")) {
		# §22.2: the registrar challenges with 401 and WWW-Authenticate.
		if (!pv_www_authenticate(${realm}, "$var(pw)", "0")) {
			www_challenge(${realm}, "1");
			exit;
		}
		if ($au != $tU) {
			sl_send_reply("403", "Forbidden: credentials of another user");
			exit;
		}
		consume_credentials();
		return;
	}
	# §22.3: a proxy challenges with 407 and Proxy-Authenticate.
	if (!pv_proxy_authenticate(${realm}, "$var(pw)", "0")) {
		proxy_challenge(${realm}, "1");
		exit;
	}
	if ($au != $fU) {
		sl_send_reply("403", "Forbidden: credentials of another user");
		exit;
	}
	consume_credentials();
}

route[PASSWORD] {
	# Unknown users get a value no client can know.
	$var(pw) = ${q(randomBytes(16).toString('hex'))};
	switch ($au) {
${cases}
	}
}
`;
}

/** The whole kamailio.cfg of one variant. */
export function kamailioConfig(v: KamailioVariant, p: ConfigParams): string {
  return `#!KAMAILIO\n#\n${header(v)}\n${globals(v, p)}${requestRoute(v, p)}`;
}
