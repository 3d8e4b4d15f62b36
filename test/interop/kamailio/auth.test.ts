/**
 * The conformant Kamailio with digest authentication on (RFC 3261 §22): REGISTER challenged with
 * 401 (WWW-Authenticate, §22.2), new out-of-dialog requests such as INVITE with 407
 * (Proxy-Authenticate, §22.3); in-dialog requests, ACK and CANCEL never. Issue 12: every applicable
 * case still PASSES over UDP and TCP in the direct topology, nothing INCONC, nothing left behind —
 * and the challenges really happened on the wire, so the PASS is not the unauthenticated one.
 */
import { describeWithTools } from '../support/tools';
import { conformantProblems, isResponseTo, received, type Outcome } from './run';
import { describeVariant } from './suite';

/** The SUT challenged this case's REGISTERs (401) and, when it had one, its first INVITE (407). */
function challenged(o: Omit<Outcome, 'problems'>): string[] {
  const r = o.result;
  const out: string[] = [];
  if (received(r, /./, isResponseTo('REGISTER', 401)).length === 0) out.push('no REGISTER was challenged with 401: is digest authentication on?');
  const invited = r.trace.some((e) => e.direction === 'sent' && e.message?.kind === 'request' && e.message.method === 'INVITE');
  if (invited && received(r, /./, isResponseTo('INVITE', 407)).length === 0) out.push('no INVITE was challenged with 407: is digest authentication on?');
  for (const m of ['ACK', 'CANCEL', 'BYE']) {
    const bad = received(r, /./, (msg) => isResponseTo(m)(msg) && msg.kind === 'response' && (msg.status === 401 || msg.status === 407));
    if (bad.length > 0) out.push(`Kamailio challenged a ${m}, which this variant must not do`);
  }
  return out;
}

describeWithTools(['kamailio'], 'Kamailio as the SUT: conformant proxy + registrar with digest authentication', () => {
  describeVariant({
    variant: 'auth',
    title: 'direct topology, 401 on REGISTER and 407 on new sessions: every applicable case PASSES',
    topology: 'direct',
    transports: ['udp', 'tcp'],
    auth: true,
    expectation: (o, { config }) => [...conformantProblems(o, config), ...challenged(o)],
  });
});
