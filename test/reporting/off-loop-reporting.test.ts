/**
 * The report work of `run` kept off the event loop the running cases share (issue 14): the async
 * Allure writer, the evidence crossing to the render worker, the time slicer, the loop monitor.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AsyncResultsWriter } from '../../reporters/async-results-writer';
import { packEvidence, reviveEvidence } from '../../reporters/render-pool';
import { buildCaseArtifacts, renderCaseArtifacts } from '../../reporters/case-artifacts';
import { TimeSlicer } from '../../reporters/loop-yield';
import { loopMonitor } from '../../reporters/loop-monitor';
import { PFA, syntheticCase } from './support/synthetic-case';

const SUT = [{ ...PFA, label: 'SUT PF A' }];

describe('AsyncResultsWriter', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cpm-writer-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes every file complete, the last write of a name last, and leaves no temporary file', async () => {
    const w = new AsyncResultsWriter(path.join(dir, 'a'));
    for (let i = 0; i < 50; i++) w.writeAttachment(`${i}-attachment.txt`, Buffer.from(`body ${i}`));
    for (let i = 0; i < 5; i++) w.writeEnvironmentInfo({ n: String(i) });
    w.writeResult({ uuid: 'u1', name: 'x' } as never);
    expect(w.pending).toBeGreaterThan(0); // queued, not written on the caller's turn of the loop
    await w.drain();
    const files = fs.readdirSync(path.join(dir, 'a'));
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(files).toHaveLength(52);
    expect(fs.readFileSync(path.join(dir, 'a', '49-attachment.txt'), 'utf8')).toBe('body 49');
    expect(fs.readFileSync(path.join(dir, 'a', 'environment.properties'), 'utf8')).toBe('n=4');
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'a', 'u1-result.json'), 'utf8'))).toEqual({ uuid: 'u1', name: 'x' });
  });

  it('copies an attachment from a path, and says which file it could not write', async () => {
    const src = path.join(dir, 'src.svg');
    fs.writeFileSync(src, '<svg/>');
    const w = new AsyncResultsWriter(path.join(dir, 'b'));
    w.writeAttachmentFromPath('c-attachment.svg', src);
    w.writeAttachmentFromPath('d-attachment.svg', path.join(dir, 'missing.svg'));
    await expect(w.drain()).rejects.toThrow(/could not write 1 Allure result file.*missing\.svg/);
    expect(fs.readFileSync(path.join(dir, 'b', 'c-attachment.svg'), 'utf8')).toBe('<svg/>');
    await expect(w.drain()).resolves.toBeUndefined(); // reported once
  });
});

describe('evidence for the render worker', () => {
  it('crosses a structured clone with compact octets and renders exactly as in process', () => {
    const c = syntheticCase();
    const pool = Buffer.alloc(65536, 0x20);
    // A message sliced out of a big read, as TCP framing does: only its own octets may cross.
    c.trace[0].raw.copy(pool, 100);
    c.trace[0].raw = pool.subarray(100, 100 + c.trace[0].raw.length);
    const packed = packEvidence(c);
    expect(packed.trace[0].raw.buffer.byteLength).toBe(c.trace[0].raw.length);
    expect(packed.steps[0].entries[0]).toBe(packed.trace[0]);
    expect(packed.reason?.actual).toBe(packed.trace[4]);
    const revived = reviveEvidence(structuredClone(packed));
    expect(revived.steps[0].entries[0]).toBe(revived.trace[0]);
    expect(Buffer.isBuffer(revived.trace[0].raw)).toBe(true);
    expect(Buffer.isBuffer(revived.reason?.actual?.raw)).toBe(true);
    const here = renderCaseArtifacts(c, SUT);
    const there = renderCaseArtifacts(revived, SUT);
    expect(there.svg).toBe(here.svg);
    expect(there.html).toBe(here.html);
    expect(there.pcap.equals(here.pcap)).toBe(true);
  });

  it('renders the same in process (with yields) as the worker does', async () => {
    const c = syntheticCase();
    const a = await buildCaseArtifacts(c, SUT);
    const b = renderCaseArtifacts(c, SUT);
    expect([a.svg, a.html, a.pcapMessages]).toEqual([b.svg, b.html, b.pcapMessages]);
  });
});

describe('TimeSlicer and loopMonitor', () => {
  it('lets a due timer run between slices of a long task', async () => {
    const slicer = new TimeSlicer(5);
    let fired = 0;
    let sawTimerMidway = false;
    setTimeout(() => fired++, 1);
    await slicer.yield();
    for (let i = 0; i < 40; i++) {
      const until = Date.now() + 1;
      while (Date.now() < until) { /* 1 ms of work */ }
      await slicer.tick();
      if (i < 39 && fired) sawTimerMidway = true;
    }
    expect(sawTimerMidway).toBe(true);
  });

  it('counts a block inside a cases window, not the loading before it', async () => {
    loopMonitor.start();
    await new Promise((r) => setTimeout(r, 30));
    const block = (ms: number) => {
      const until = Date.now() + ms;
      while (Date.now() < until) { /* blocked */ }
    };
    block(150); // loading the next suite file: no case runs
    loopMonitor.casesStart();
    await new Promise((r) => setTimeout(r, 30));
    block(60);
    await new Promise((r) => setTimeout(r, 30));
    loopMonitor.casesEnd();
    const d = loopMonitor.stop()!;
    expect(d.maxMs).toBeGreaterThanOrEqual(150);
    expect(d.casesMaxMs).toBeGreaterThanOrEqual(60);
    expect(d.casesMaxMs).toBeLessThan(150);
  });
});
