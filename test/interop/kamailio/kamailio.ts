/**
 * Kamailio as an independent SUT for the interop tests: one child process per variant, started in
 * the foreground (`-DD -E`) from a kamailio.cfg this project writes (config.ts) into a private run
 * directory (`-Y`), on 127.0.0.1 with one port free for both UDP and TCP. Never the system service,
 * never another kamailio process: stop() signals only the pid it spawned (and, if that pid ignores
 * SIGTERM, the process group that pid leads — its own workers).
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from '../support/free-port';
import { toolPath } from '../support/tools';
import { kamailioConfig, VARIANTS, type KamailioVariant, type KamailioVariantName } from './config';

export interface KamailioUser {
  username: string;
  /** Digest password (auth variant). Written to the cfg in the private run dir only, never logged. */
  password: string;
}

export interface StartOptions {
  variant: KamailioVariantName;
  domain?: string;
  users?: KamailioUser[];
  /** Bound on the whole start-up (bind + OPTIONS answered 200). Default 15000 ms. */
  readyTimeoutMs?: number;
}

/** AoR (user part, usrloc use_domain 0) → registered contact URIs. */
export type Bindings = Record<string, string[]>;

const HOST = '127.0.0.1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether a promise settles within ms (the timer is cleared either way: no handle left behind). */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => { timer = setTimeout(() => r(false), ms); });
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Started instances, so a crashing test run still stops them (SIGTERM: Kamailio stops its own workers). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) if (c.pid !== undefined && c.exitCode === null) try { process.kill(c.pid, 'SIGTERM'); } catch { /* gone */ }
});

export class Kamailio {
  private log = '';
  private exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly exitedPromise: Promise<void>;

  private constructor(
    readonly variant: KamailioVariant,
    readonly host: string,
    readonly port: number,
    readonly domain: string,
    readonly runDir: string,
    private readonly child: ChildProcess,
  ) {
    const keep = (d: Buffer) => { this.log = (this.log + d.toString('latin1')).slice(-200_000); };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exitedPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exited = { code, signal };
        running.delete(child);
        resolve();
      });
      // The binary could not be started at all: no 'exit' follows.
      child.once('error', (err) => {
        this.log += `\nspawn error: ${err.message}`;
        this.exited ??= { code: null, signal: null };
        running.delete(child);
        resolve();
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get ctlSocket(): string {
    return join(this.runDir, 'kamailio_ctl');
  }

  /** `host:port`, as PF A / PF B in a target config. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  /** Kamailio's log lines about these Call-IDs (its own view of a case: what it received and sent). */
  logFor(callIds: string[], max = 60): string[] {
    const lines = this.log.split('\n').filter((l) => callIds.some((c) => l.includes(c)));
    return lines.length > max ? [...lines.slice(0, max), `… ${lines.length - max} more`] : lines;
  }

  /** The last lines Kamailio logged (stderr), for a failing assertion. */
  logTail(lines = 40): string {
    return this.log.split('\n').slice(-lines - 1).join('\n');
  }

  static async start(opts: StartOptions): Promise<Kamailio> {
    const bin = toolPath('kamailio');
    if (!bin) throw new Error('kamailio is not installed: run `apt-get install -y kamailio`');
    const variant = VARIANTS[opts.variant];
    const deadline = Date.now() + (opts.readyTimeoutMs ?? 15000);
    // A port we picked may be taken before Kamailio binds it: retry with a fresh one.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort(HOST);
      const runDir = await mkdtemp(join(tmpdir(), 'cpm-kam-'));
      const k = await Kamailio.spawn(bin, variant, port, opts, runDir);
      try {
        await k.waitReady(deadline);
        return k;
      } catch (err) {
        const bindFailed = /bind|address already in use/i.test(k.log);
        await k.stop();
        if (!bindFailed || attempt >= 3 || Date.now() >= deadline) throw err;
      }
    }
  }

  private static async spawn(bin: string, variant: KamailioVariant, port: number, opts: StartOptions, runDir: string): Promise<Kamailio> {
    const domain = opts.domain ?? 'cpm.example.com';
    const cfg = join(runDir, 'kamailio.cfg');
    await writeFile(cfg, kamailioConfig(variant, { host: HOST, port, domain, ctlSocket: join(runDir, 'kamailio_ctl'), users: opts.users ?? [] }), { mode: 0o600 });
    // -DD: foreground creator (its pid is ours to stop), -E: log to stderr, -Y: private run dir,
    // -m/-M: small memory (a test SUT), detached: its own process group, so a SIGKILL fallback
    // reaches its workers and nothing else.
    const child = spawn(bin, ['-f', cfg, '-DD', '-E', '-Y', runDir, '-m', '64', '-M', '8'], {
      cwd: runDir, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    });
    running.add(child);
    return new Kamailio(variant, HOST, port, domain, runDir, child);
  }

  /** Bound: UDP and TCP (LISTEN) on our port, then an OPTIONS answered 200 over each. */
  private async waitReady(deadline: number): Promise<void> {
    let last = 'not bound yet';
    while (Date.now() < deadline) {
      if (this.exited) throw this.startError(`exited during start-up (${this.exited.code ?? this.exited.signal})`);
      if (!this.bound('udp') || !this.bound('tcp')) {
        await sleep(50);
        continue;
      }
      const udp = await options(this.host, this.port, 'udp', 1000).catch((e: Error) => e.message);
      const tcp = await options(this.host, this.port, 'tcp', 1000).catch((e: Error) => e.message);
      if (udp === 200 && tcp === 200) return;
      last = `OPTIONS over UDP: ${udp}, over TCP: ${tcp}`;
      await sleep(100);
    }
    throw this.startError(`not ready in time (${last})`);
  }

  private startError(why: string): Error {
    return new Error(`Kamailio "${this.variant.name}" on ${this.address} ${why}; its log ends with:\n${this.logTail()}`);
  }

  /** Whether the port shows up in /proc/net (Linux; TCP in LISTEN state 0A). */
  private bound(proto: 'udp' | 'tcp'): boolean {
    let table: string;
    try { table = readFileSync(`/proc/net/${proto}`, 'latin1'); } catch { return true; /* not Linux: OPTIONS decides */ }
    const hexPort = this.port.toString(16).toUpperCase().padStart(4, '0');
    return table.split('\n').some((l) => {
      const cols = l.trim().split(/\s+/);
      return (cols[1] ?? '').endsWith(`:${hexPort}`) && (proto === 'udp' || cols[3] === '0A');
    });
  }

  /** Registered contacts per AoR, from `kamcmd ul.dump` on the ctl socket (usrloc, RFC 3261 §10.3). */
  async bindings(): Promise<Bindings> {
    const out = await kamcmd(this.ctlSocket, ['ul.dump']);
    const result: Bindings = {};
    let aor: string | undefined;
    for (const line of out.split('\n')) {
      const a = /^\s*AoR:\s*(\S+)/.exec(line);
      if (a) { aor = a[1]; result[aor] = []; continue; }
      const c = /^\s*Address:\s*(\S+)/.exec(line);
      if (c && aor) result[aor].push(c[1]);
    }
    return result;
  }

  /** Remove every binding of one AoR (`ul.rm`), so one case's leftovers cannot decide the next case's verdict. */
  async removeBindings(aor: string): Promise<void> {
    await kamcmd(this.ctlSocket, ['ul.rm', 'location', aor]);
  }

  /** SIGTERM our pid (Kamailio then stops its workers); after a bound, SIGKILL its own process group. */
  async stop(timeoutMs = 5000): Promise<void> {
    if (!this.exited && this.child.pid !== undefined) {
      try { process.kill(this.child.pid, 'SIGTERM'); } catch { /* already gone */ }
      if (!(await within(this.exitedPromise, timeoutMs))) {
        try { process.kill(-this.child.pid, 'SIGKILL'); } catch { /* already gone */ }
        await within(this.exitedPromise, 2000);
      }
    }
    running.delete(this.child);
    await rm(this.runDir, { recursive: true, force: true });
  }
}

/** kamcmd on the binrpc socket, bounded. */
function kamcmd(socket: string, args: string[]): Promise<string> {
  // kamcmd ships beside kamailio (Debian: /usr/sbin, which may not be on PATH).
  const k = toolPath('kamailio') ?? 'kamailio';
  const bin = k.includes('/') ? join(dirname(k), 'kamcmd') : 'kamcmd';
  return new Promise((resolve, reject) => {
    execFile(bin, ['-s', `unix:${socket}`, ...args], { timeout: 5000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`kamcmd ${args.join(' ')} failed: ${err.message} ${stderr}`));
      else resolve(stdout);
    });
  });
}

/** One OPTIONS to the server itself; resolves with the status code (RFC 3261 §11). */
export function options(host: string, port: number, proto: 'udp' | 'tcp', timeoutMs: number): Promise<number> {
  const id = randomBytes(6).toString('hex');
  const msg = (localPort: number) => [
    `OPTIONS sip:${host}:${port} SIP/2.0`,
    `Via: SIP/2.0/${proto.toUpperCase()} ${host}:${localPort};branch=z9hG4bK${id};rport`,
    'Max-Forwards: 70', `From: <sip:probe@${host}>;tag=${id}`, `To: <sip:${host}:${port}>`,
    `Call-ID: probe-${id}`, 'CSeq: 1 OPTIONS', 'Content-Length: 0', '', '',
  ].join('\r\n');
  const status = (data: string) => Number(/^SIP\/2\.0 (\d{3})/.exec(data)?.[1] ?? NaN);
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (f: () => void) => { if (!done) { done = true; clearTimeout(timer); f(); } };
    let close = () => {};
    const timer = setTimeout(() => finish(() => { close(); reject(new Error(`no answer within ${timeoutMs} ms`)); }), timeoutMs);
    if (proto === 'udp') {
      const s = createSocket('udp4');
      close = () => s.close();
      s.on('error', (e) => finish(() => { close(); reject(e); }));
      s.on('message', (d) => finish(() => { close(); resolve(status(d.toString('latin1'))); }));
      s.bind(0, host, () => s.send(msg(s.address().port), port, host));
    } else {
      const c = connect({ host, port }, () => c.write(msg(c.localPort ?? 0)));
      close = () => c.destroy();
      let buf = '';
      c.on('error', (e) => finish(() => { close(); reject(e); }));
      c.on('data', (d) => { buf += d.toString('latin1'); if (buf.includes('\r\n\r\n')) finish(() => { close(); resolve(status(buf)); }); });
    }
  });
}

/** Kamailio's version string (`kamailio -v`), for the target's sut.version. */
export function kamailioVersion(): string {
  const bin = toolPath('kamailio');
  if (!bin) return 'unknown';
  const r = spawnSync(bin, ['-v'], { encoding: 'latin1', timeout: 5000 });
  return /kamailio (\S+)/.exec(r.stdout ?? '')?.[1] ?? 'unknown';
}
