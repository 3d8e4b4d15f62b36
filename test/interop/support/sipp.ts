/**
 * SIPp (Debian `sip-tester`) as an independent SIP peer for the interop tests. One SIPp process
 * per test, in the foreground with stdin closed and a hard kill timer, one call (`-m 1`); exit
 * code 0 means every call of the scenario succeeded. Message and error logs go to a temp dir and
 * are returned for diagnostics.
 *
 * SIPp exit codes (sipp(1)): 0 all calls succeeded, 1 at least one failed, 97 exit on an internal
 * command, 99 normal exit without calls processed, 255 (-1) fatal error, 254 (-2) fatal error
 * binding a socket.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './free-port';

export const SCENARIO_DIR = resolve(__dirname, '..', 'scenarios');

export interface SippOptions {
  /** Scenario file name in test/interop/scenarios, or a path. */
  scenario: string;
  transport: 'udp' | 'tcp';
  /** Local address SIPp binds and writes into Via/Contact (-i). Default 127.0.0.1. */
  host?: string;
  /** Local port (-p); default a free one. */
  port?: number;
  /** Where a UAC scenario sends (the remote host:port argument). */
  remote?: { host: string; port: number };
  /** Request-URI user part (-s). */
  service?: string;
  /** Scenario keywords: -key name value, used as [name] in the XML. */
  keys?: Record<string, string>;
  /** Credentials for [authentication] (-au/-ap). */
  auth?: { username: string; password: string };
  /**
   * digest-uri for [authentication] (-auth_uri, without the scheme). SIPp's default is
   * remote_ip:remote_port, not the Request-URI RFC 3261 §22.4 asks for.
   */
  authUri?: string;
  /** Calls to run (-m). Default 1. */
  calls?: number;
  /** Hard kill after this long; SIPp's own -timeout is set a little shorter. Default 20000 ms. */
  timeoutMs?: number;
}

export interface SippResult {
  /** Process exit code; null when killed. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when SIPp exited 0: every call passed. */
  ok: boolean;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** SIPp's -trace_msg log (every message sent and received). */
  messages: string;
  /** SIPp's -trace_err log (unexpected messages, scenario errors). */
  errors: string;
  /** Human-readable summary for a failing assertion. */
  describe(): string;
}

const SIPP_TRANSPORT = { udp: 'u1', tcp: 't1' } as const;

/** A running SIPp process. */
export class SippPeer {
  readonly host: string;
  private result: Promise<SippResult> | null = null;
  private child: ChildProcess | null = null;

  private constructor(readonly options: SippOptions, readonly port: number, private readonly dir: string) {
    this.host = options.host ?? '127.0.0.1';
  }

  /** Start SIPp; for UAS scenarios resolves once its socket is bound (so requests cannot race it). */
  static async start(options: SippOptions): Promise<SippPeer> {
    // A port we picked may be taken by another process before SIPp binds it (exit 254, "fatal
    // error binding a socket"): try again with a fresh port.
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await freePort(options.host ?? '127.0.0.1'));
      const dir = await mkdtemp(join(tmpdir(), 'cpm-sipp-'));
      const peer = new SippPeer(options, port, dir);
      peer.spawn();
      const bound = await peer.waitBound(5000);
      // Still running but not seen bound: let the test go on (its result will tell).
      if (bound || options.port !== undefined || attempt >= 3 || peer.child?.exitCode === null) return peer;
      const early = await peer.done;
      if (early.code !== 254 && early.code !== 255) return peer;
    }
  }

  /** Resolves when SIPp exits (or is killed at the hard timeout). Never rejects. */
  get done(): Promise<SippResult> {
    if (!this.result) throw new Error('SIPp not started');
    return this.result;
  }

  /** Kill SIPp now (by pid) and wait for its result. */
  async stop(): Promise<SippResult> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    return this.done;
  }

  private args(): string[] {
    const o = this.options;
    const timeoutMs = o.timeoutMs ?? 20000;
    const scenario = existsSync(o.scenario) ? o.scenario : join(SCENARIO_DIR, o.scenario);
    const a = [
      '-sf', scenario,
      '-i', this.host, '-p', String(this.port),
      '-t', SIPP_TRANSPORT[o.transport],
      '-m', String(o.calls ?? 1),
      '-nostdin',
      // SIPp gives up by itself (and fails: -timeout_error) before our hard kill.
      '-timeout', `${Math.max(1, Math.floor(timeoutMs / 1000) - 2)}s`, '-timeout_error',
      '-trace_msg', '-message_file', join(this.dir, 'messages.log'),
      '-trace_err', '-error_file', join(this.dir, 'errors.log'),
    ];
    if (o.service) a.push('-s', o.service);
    if (o.auth) a.push('-au', o.auth.username, '-ap', o.auth.password);
    if (o.authUri) a.push('-auth_uri', o.authUri);
    for (const [k, v] of Object.entries(o.keys ?? {})) a.push('-key', k, v);
    if (o.remote) a.push(o.remote.host.includes(':') ? `[${o.remote.host}]:${o.remote.port}` : `${o.remote.host}:${o.remote.port}`);
    return a;
  }

  private spawn(): void {
    const args = this.args();
    const child = spawn('sipp', args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let stdout = '';
    let stderr = '';
    // Keep the tail only: SIPp's screen is redrawn continuously in the foreground.
    child.stdout?.on('data', (d: Buffer) => { stdout = (stdout + d.toString('latin1')).slice(-20000); });
    child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString('latin1')).slice(-20000); });
    let timedOut = false;
    const killer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, this.options.timeoutMs ?? 20000);
    this.result = new Promise<SippResult>((resolveResult) => {
      const finish = async (code: number | null, signal: NodeJS.Signals | null): Promise<void> => {
        clearTimeout(killer);
        const messages = await readFile(join(this.dir, 'messages.log'), 'latin1').catch(() => '');
        const errors = await readFile(join(this.dir, 'errors.log'), 'latin1').catch(() => '');
        await rm(this.dir, { recursive: true, force: true });
        const cmd = `sipp ${args.join(' ')}`;
        resolveResult({
          code, signal, ok: code === 0, timedOut, stdout, stderr, messages, errors,
          describe: () => [
            `SIPp ${timedOut ? 'killed at the hard timeout' : `exited with ${code ?? signal}`}: ${cmd}`,
            stderr.trim() && `stderr:\n${stderr.trim()}`,
            errors.trim() && `error log:\n${errors.trim()}`,
            messages.trim() && `message log:\n${messages.trim().slice(-12000)}`,
          ].filter(Boolean).join('\n\n'),
        });
      };
      child.once('error', (err) => { stderr += `\nspawn error: ${err.message}`; });
      child.once('close', (code, signal) => { void finish(code, signal); });
    });
  }

  /**
   * Wait until SIPp's socket shows up in /proc/net (Linux); elsewhere a short fixed pause.
   * False when SIPp exited first or never bound within the limit.
   */
  private async waitBound(limitMs: number): Promise<boolean> {
    const file = `/proc/net/${this.options.transport}${this.host.includes(':') ? '6' : ''}`;
    const hexPort = `:${this.port.toString(16).toUpperCase().padStart(4, '0')} `;
    const deadline = Date.now() + limitMs;
    let exited = false;
    void this.done.then(() => { exited = true; });
    while (Date.now() < deadline && !exited) {
      let table = '';
      try { table = readFileSync(file, 'latin1'); } catch { await sleep(500); return !exited; }
      // local_address column: HEXIP:HEXPORT; TCP must be in LISTEN state (0A).
      const bound = table.split('\n').some((l) => {
        const cols = l.trim().split(/\s+/);
        return (cols[1] ?? '').endsWith(hexPort.trim()) && (this.options.transport === 'udp' || cols[3] === '0A');
      });
      if (bound) return true;
      await sleep(25);
    }
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Run a scenario to completion (UAC scenarios, or UAS ones whose stimulus was sent). */
export async function runSipp(options: SippOptions): Promise<SippResult> {
  const peer = await SippPeer.start(options);
  return peer.done;
}
