/**
 * The built-in reference server as a process of its own, for bench/reference-load.ts: proxy-mode
 * PF A and PF B (record-routing, RFC 3261 §16.6 step 4) and its registrar on loopback UDP, with
 * the 2,000-entry trace `load` gives it (its memory stays flat at rate). Prints one line,
 * `ready <host> <PF A port>`, and runs until SIGTERM, so the bench reads its CPU from /proc alone.
 */
import { startReferenceServer } from '../src/reference';
import { REFERENCE_IXIT } from '../bin/targets';

async function main(): Promise<void> {
  const server = await startReferenceServer({ host: '127.0.0.1', port: 0, transports: ['udp'], mode: 'proxy', timers: REFERENCE_IXIT.timers, traceRetain: 2000 });
  process.stdout.write(`ready ${server.pfA.host} ${server.pfA.port} ${server.pfB.port}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  await server.stop();
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`reference-peer: ${(e as Error).message}\n`);
  process.exit(1);
});
