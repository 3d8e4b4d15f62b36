/**
 * Table of malformed target configs: each must fail with a ConfigError whose issue names the
 * path and tells what to write instead, and whose format() is plain text without a stack trace.
 */
import YAML from 'yaml';
import { ConfigError, loadTarget } from '../../../src/config';
import { cleanupTmp, minimalConfig, writeTmp } from './helpers';

type Mutate = (c: Record<string, any>) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Case {
  name: string;
  /** Edit of the minimal config, written as YAML; or raw file text; or a file name that is not there. */
  mutate?: Mutate;
  text?: string;
  file?: string;
  ext?: string;
  env?: NodeJS.ProcessEnv;
  path: string;
  message: RegExp;
  hint?: RegExp;
}

const cases: Case[] = [
  { name: 'bad enum (transport UDP6)', mutate: (c) => (c.sut.transport = 'UDP6'), path: 'sut.transport', message: /^must be one of udp, tcp, tls \(got "UDP6"\)$/, hint: /^write transport: udp$/ },
  { name: 'bad enum (topology typo)', mutate: (c) => (c.topology = 'core-emulaton'), path: 'topology', message: /must be one of direct, core-emulation/, hint: /^write topology: core-emulation$/ },
  { name: 'bad enum (referSuccessCode unquoted)', mutate: (c) => (c.binding = { referSuccessCode: 202 }), path: 'binding.referSuccessCode', message: /must be text \(a string\) \(got 202\)/, hint: /^write referSuccessCode: "202"$/ },
  { name: 'unknown key with a typo', mutate: (c) => (c.sut.transprot = 'udp'), path: 'sut.transprot', message: /unknown key "transprot"/, hint: /did you mean "transport"\?/ },
  { name: 'unknown top-level key, wrong case', mutate: (c) => (c.ICS = {}), path: 'ICS', message: /unknown key "ICS"/, hint: /did you mean "ics"\?/ },
  { name: 'known key at the wrong level', mutate: (c) => (c.timers = { t1: 500 }), path: 'timers', message: /unknown key "timers" here/, hint: /ixit\.timers/ },
  { name: 'unknown key, nothing close', mutate: (c) => (c.ixit = { zzzqqq: 1 }), path: 'ixit.zzzqqq', message: /unknown key/, hint: /known keys here: timers/ },
  { name: 'missing required sut.host', mutate: (c) => delete c.sut.host, path: 'sut.host', message: /is required but missing/, hint: /^add host: 127\.0\.0\.1$/ },
  { name: 'missing required users', mutate: (c) => delete c.users, path: 'users', message: /is required but missing/, hint: /^add users: \[/ },
  { name: 'missing required aor', mutate: (c) => (c.users[1] = { devices: 2 }), path: 'users[1].aor', message: /is required/, hint: /add aor: sip:alice@cpm\.example\.com/ },
  { name: 'wrong type: port as text', mutate: (c) => (c.sut.port = 'fivethousand'), path: 'sut.port', message: /must be a whole number \(got "fivethousand"\)/, hint: /^write port: 5060$/ },
  { name: 'wrong type: sut as a list', mutate: (c) => (c.sut = ['x']), path: 'sut', message: /must be a mapping/, hint: /write sut:/ },
  { name: 'wrong type: boolean as text', mutate: (c) => (c.ics = { multiDevice: 'yes' }), path: 'ics.multiDevice', message: /must be true or false \(got "yes"\)/, hint: /^write multiDevice: false$/ },
  { name: 'wrong type: top level is a list', text: '- a\n- b\n', path: '(top level)', message: /must be a mapping/, hint: /sample-target\.yaml/ },
  { name: 'bad port (too big)', mutate: (c) => (c.sut.port = 70000), path: 'sut.port', message: /must be at most 65535 \(got 70000\)/, hint: /from 1 to 65535/ },
  { name: 'bad port (zero)', mutate: (c) => (c.local = { ports: { from: 0, to: 10 } }), path: 'local.ports.from', message: /must be at least 1 \(got 0\)/, hint: /from 1 to 65535/ },
  { name: 'local port range reversed', mutate: (c) => (c.local = { ports: { from: 30000, to: 20000 } }), path: 'local.ports', message: /from \(30000\) is above to \(20000\)/, hint: /from: 20000, to: 30000/ },
  { name: 'local port range covers the SUT port', mutate: (c) => (c.local = { ports: { from: 5000, to: 6000 } }), path: 'local.ports', message: /contains sut\.port 5060/, hint: /leaves out the SUT ports/ },
  { name: 't2 < t1', mutate: (c) => (c.ixit = { timers: { t1: 500, t2: 100 } }), path: 'ixit.timers.t2', message: /must be at least t1 \(500\) \(got 100\)/, hint: /write t2: 4000/ },
  { name: 'Timer B < t1', mutate: (c) => (c.ixit = { timers: { t1: 500, b: 200 } }), path: 'ixit.timers.b', message: /must be at least t1 \(500\) \(got 200\)/, hint: /write b: 32000/ },
  { name: 'Timer B not a number', mutate: (c) => (c.ixit = { timers: { b: 'soon' } }), path: 'ixit.timers.b', message: /must be a whole number \(got "soon"\)/ },
  { name: 'devices 0', mutate: (c) => (c.users[0].devices = 0), path: 'users[0].devices', message: /must be at least 1 \(got 0\)/, hint: /write devices: 1/ },
  { name: 'devices not an integer', mutate: (c) => (c.users[0].devices = 1.5), path: 'users[0].devices', message: /must be a whole number \(got 1\.5\)/, hint: /write devices: 1/ },
  { name: 'duplicate users', mutate: (c) => c.users.push({ aor: 'sip:Alice@CPM.example.com'.replace('Alice', 'alice') }), path: 'users[2].aor', message: /duplicates users\[0\]\.aor/, hint: /distinct provisioned user/ },
  { name: 'only one user', mutate: (c) => c.users.pop(), path: 'users', message: /must have at least 2 entries \(got 1\)/, hint: /one-to-one session needs at least two/ },
  { name: 'AoR is not a SIP URI', mutate: (c) => (c.users[0].aor = 'alice'), path: 'users[0].aor', message: /must be a SIP URI \(sip:user@domain\) \(got "alice"\)/, hint: /write aor: sip:alice@cpm\.example\.com/ },
  { name: 'host is not a host', mutate: (c) => (c.sut.host = 'not a host!'), path: 'sut.host', message: /must be an IP address or hostname \(got "not a host!"\)/, hint: /write host: 127\.0\.0\.1/ },
  { name: 'PF address without port', mutate: (c) => (c.participatingFunction = { a: '127.0.0.1' }), path: 'participatingFunction.a', message: /must be host:port/, hint: /write a: 127\.0\.0\.1:5060/ },
  { name: 'PF address port out of range', mutate: (c) => (c.participatingFunction = { b: '127.0.0.1:99999' }), path: 'participatingFunction.b', message: /not a valid host:port/, hint: /write b: 127\.0\.0\.1:5060/ },
  { name: 'empty sut.name', mutate: (c) => (c.sut.name = ''), path: 'sut.name', message: /must not be empty/, hint: /write name: Acme CPM Conversation Server/ },
  { name: 'unset env var', mutate: (c) => (c.users[0].password = '${CPM_TEST_UNSET_PW}'), env: {}, path: 'users[0].password', message: /environment variable CPM_TEST_UNSET_PW, which is not set/, hint: /export CPM_TEST_UNSET_PW=… .*\$\{CPM_TEST_UNSET_PW:-default\}/ },
  { name: 'unclosed ${', mutate: (c) => (c.sut.name = 'Acme ${NAME'), env: {}, path: 'sut.name', message: /without a closing "}"/, hint: /\$\{NAME:-default\}/ },
  { name: 'env var that is not a number', mutate: (c) => (c.sut.port = '${CPM_TEST_PORT}'), env: { CPM_TEST_PORT: 'abc' }, path: 'sut.port', message: /must be a whole number \(got "abc"\)/, hint: /write port: 5060/ },
  { name: 'transferUri missing for CS-not-in-media-path', mutate: (c) => ((c.ics = { transfer: { csNotInMediaPath: true } }), (c.users[0].devices = 2)), path: 'ixit.transferUri', message: /is required when ics\.transfer\.csNotInMediaPath/, hint: /write transferUri: sip:transfer@cpm\.example\.com/ },
  { name: 'multiDevice claimed but no user with 2 devices', mutate: (c) => (c.ics = { multiDevice: true }), path: 'users', message: /no user has 2 or more devices/, hint: /devices: 2/ },
  { name: 'TLS CA file missing', mutate: (c) => Object.assign(c.sut, { transport: 'tls', tls: { ca: './no-such-ca.pem' } }), path: 'sut.tls.ca', message: /no-such-ca\.pem does not exist/, hint: /relative to the config file's folder/ },
  { name: 'TLS key missing, path not echoed', mutate: (c) => Object.assign(c.sut, { transport: 'tls', tls: { cert: './ca.pem', key: './secret-place/client.key' } }), path: 'sut.tls.key', message: /^the key file given does not exist$/, hint: /relative/ },
  { name: 'TLS cert without key', mutate: (c) => Object.assign(c.sut, { transport: 'tls', tls: { cert: './ca.pem' } }), path: 'sut.tls.key', message: /mutual TLS needs cert and key/, hint: /add key:/ },
  { name: 'bad YAML syntax with line number', text: 'sut:\n  name: x\n host: y\n', path: '(syntax)', message: /^YAML syntax error at line 3, column \d+: All mapping items must start at the same column$/, hint: /indentation/ },
  { name: 'duplicate YAML key', text: 'sut:\n  name: x\n  name: y\n', path: '(syntax)', message: /at line 3.*unique/, hint: /only once/ },
  { name: 'JSON syntax error', ext: 'json', text: '{\n  "sut": { "name": "x" },\n  "users": [1,]\n}\n', path: '(syntax)', message: /^JSON syntax error at line 3, column 15: Unexpected token '\]'$/, hint: /trailing commas/ },
  { name: 'JSON error with a position, password not echoed', ext: 'json', text: '{"users": [{"password": "hunter2" "aor": "x"}]}', path: '(syntax)', message: /^JSON syntax error at line 1, column 35: Expected ',' or '}' after property value$/, hint: /JSON/ },
  { name: 'wrong-typed password is masked', mutate: (c) => (c.users[0].password = 424242), path: 'users[0].password', message: /^must be text \(a string\) \(got \*\*\*\)$/, hint: /ALICE_PASSWORD/ },
  { name: 'empty file', text: '', path: '(file)', message: /is empty/, hint: /sample-target\.yaml/ },
  { name: 'only comments', text: '# nothing yet\n', path: '(file)', message: /has no content/, hint: /sample-target\.yaml/ },
  { name: 'missing file', file: '/nonexistent/cpm/target.yaml', path: '(file)', message: /does not exist/, hint: /check the path/ },
];

afterAll(cleanupTmp);

describe('malformed target configs', () => {
  test('the table is big enough', () => expect(cases.length).toBeGreaterThanOrEqual(25));

  test.each(cases.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    let file: string;
    if (c.file) file = c.file;
    else {
      let text = c.text;
      if (text === undefined) {
        const cfg = minimalConfig();
        c.mutate?.(cfg);
        text = YAML.stringify(cfg);
      }
      file = writeTmp(`case-${i}.${c.ext ?? 'yaml'}`, text);
    }
    if (c.name.startsWith('TLS')) writeTmp('ca.pem', 'not really a cert\n');

    let err: unknown;
    try {
      loadTarget(file, c.env ?? {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const ce = err as ConfigError;
    const issue = ce.issues.find((x) => x.path === c.path);
    if (!issue) throw new Error(`no issue at ${c.path}; got:\n${ce.format()}`);
    expect(issue.message).toMatch(c.message);
    if (c.hint) expect(issue.hint ?? '').toMatch(c.hint);

    const text = ce.format();
    expect(text).toContain(`${c.path}: ${issue.message}`);
    expect(text).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)|\bat Object\.|Error:/);
    expect(text).not.toContain('secret-place');
    expect(text).not.toMatch(/hunter2|424242/);
  });
});
