/**
 * What bench/load.ts runs beside Kamailio: one generator step as a child process whose CPU time is
 * read from /proc (utime + stime of the pid, proc(5)), for `cpm-conformance load` and for SIPp
 * alike, so both figures are measured the same way; SIPp's UAS registered at the proxy by a plain
 * REGISTER (RFC 3261 §10.2), and stopped by its pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

const TICKS = 100; // USER_HZ on Linux (sysconf(_SC_CLK_TCK))

/** CPU seconds (user + system) of a running pid so far, or undefined when it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return undefined;
  }
}

export interface Measured {
  code: number | null;
  wallS: number;
  cpuS: number;
  stdout: string;
  stderr: string;
}

/** Run a command to its end (killed by pid past `timeoutMs`), sampling its CPU every 100 ms. */
export function measure(cmd: string, args: string[], timeoutMs: number): Promise<Measured> {
  const started = performance.now();
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => { stdout = (stdout + d.toString('utf8')).slice(-20_000); });
  child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString('utf8')).slice(-20_000); });
  let cpu = 0;
  const sampler = setInterval(() => { cpu = cpuSeconds(child.pid ?? -1) ?? cpu; }, 100);
  const killer = setTimeout(() => { if (child.pid) process.kill(child.pid, 'SIGKILL'); }, timeoutMs);
  return new Promise((resolve) => {
    child.once('exit', (code) => {
      clearInterval(sampler);
      clearTimeout(killer);
      resolve({ code, wallS: (performance.now() - started) / 1000, cpuS: cpu, stdout, stderr });
    });
  });
}

/** A long-running peer (SIPp's UAS) whose CPU is sampled until it is stopped by its pid. */
export class SampledPeer {
  private cpu = 0;
  private readonly sampler: NodeJS.Timeout;
  private readonly exited: Promise<void>;

  constructor(readonly child: ChildProcess) {
    this.sampler = setInterval(() => { this.cpu = cpuSeconds(child.pid ?? -1) ?? this.cpu; }, 100);
    this.exited = new Promise((r) => child.once('exit', () => r()));
    child.stdout?.resume();
    child.stderr?.resume();
  }

  /** CPU seconds so far (sampled). */
  get cpuS(): number {
    return cpuSeconds(this.child.pid ?? -1) ?? this.cpu;
  }

  async stop(): Promise<void> {
    clearInterval(this.sampler);
    if (this.child.exitCode === null && this.child.pid) process.kill(this.child.pid, 'SIGTERM');
    const t = setTimeout(() => { if (this.child.pid && this.child.exitCode === null) process.kill(this.child.pid, 'SIGKILL'); }, 3000);
    await this.exited;
    clearTimeout(t);
  }
}

/** Register `user`'s contact at the proxy (one UDP REGISTER, 200 expected; `expires` 0 removes it). */
export function register(proxy: { host: string; port: number }, domain: string, user: string, contactPort: number, expires: number): Promise<number> {
  const id = randomBytes(6).toString('hex');
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => { s.close(); reject(new Error('REGISTER: no answer within 3 s')); }, 3000);
    s.on('message', (d) => {
      const status = Number(/^SIP\/2\.0 (\d{3})/.exec(d.toString('latin1'))?.[1]);
      if (status >= 200) { clearTimeout(timer); s.close(); resolve(status); }
    });
    s.bind(0, '127.0.0.1', () => {
      const port = s.address().port;
      const msg = [
        `REGISTER sip:${domain} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK${id};rport`, 'Max-Forwards: 70',
        `From: <sip:${user}@${domain}>;tag=${id}`, `To: <sip:${user}@${domain}>`, `Call-ID: bench-${id}`, 'CSeq: 1 REGISTER',
        `Contact: <sip:${user}@127.0.0.1:${contactPort}>`, `Expires: ${expires}`, 'Content-Length: 0', '', '',
      ].join('\r\n');
      s.send(msg, proxy.port, proxy.host);
    });
  });
}
