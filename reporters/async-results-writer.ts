/**
 * The Allure results writer of `cpm-conformance run`: the same files as allure-js-commons'
 * FileSystemWriter (results, containers, attachments, environment.properties, categories.json),
 * written asynchronously.
 *
 * Why: FileSystemWriter publishes every file with openSync + writeSync + fsyncSync + renameSync +
 * rmSync on the event loop. A default run writes about 13,500 files (one per SIP message of every
 * step), and that synchronous disk work ran on the loop that also carries the running cases and the
 * built-in reference server: profiled, fsync alone was 5.8 s of the run's 23 s of loop stalls, and
 * stalls of 1–2.5 s made the harness time out waiting for answers the server had already sent
 * (issue 14). Here the writes go to libuv's thread pool; the loop only queues them.
 *
 * What is kept: a file appears under its name only complete (written to a temporary name, then
 * renamed), and writes to one name land in call order. What is dropped: the fsync per file. The
 * results are rebuilt by running again; durability against a power cut is not worth a disk flush
 * per SIP message.
 */
import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { stringifyEnvInfo, type Writer } from 'allure-js-commons/sdk/reporter';

type WriterArg<K extends keyof Writer, I extends number> = Parameters<Writer[K]>[I];

/**
 * At most this many files in flight. libuv's thread pool has 4 threads by default; leaving two free
 * keeps anything else that needs the pool (TLS material, DNS) from queueing behind report files.
 */
const PARALLEL_WRITES = 2;

export class AsyncResultsWriter implements Writer {
  private readonly queue: Array<() => Promise<void>> = [];
  private running = 0;
  private readonly waiters: Array<() => void> = [];
  private readonly errors: Error[] = [];
  /** The last queued write per file name, so a later write of the same file lands last. */
  private readonly lastWrite = new Map<string, Promise<void>>();
  private dirReady: Promise<unknown> | undefined;

  constructor(readonly resultsDir: string) {}

  writeResult(result: WriterArg<'writeResult', 0>): void {
    this.publish(`${result.uuid}-result.json`, JSON.stringify(result));
  }

  writeGroup(result: WriterArg<'writeGroup', 0>): void {
    this.publish(`${result.uuid}-container.json`, JSON.stringify(result));
  }

  writeAttachment(distFileName: string, content: Buffer): void {
    this.publish(distFileName, content);
  }

  writeAttachmentFromPath(distFileName: string, from: string): void {
    this.publish(distFileName, { copyFrom: from });
  }

  writeEnvironmentInfo(info: WriterArg<'writeEnvironmentInfo', 0>): void {
    this.publish('environment.properties', stringifyEnvInfo(info));
  }

  writeCategoriesDefinitions(categories: WriterArg<'writeCategoriesDefinitions', 0>): void {
    this.publish('categories.json', JSON.stringify(categories));
  }

  writeGlobals(distFileName: string, info: WriterArg<'writeGlobals', 1>): void {
    this.publish(distFileName, JSON.stringify(info));
  }

  /** Files queued or being written. */
  get pending(): number {
    return this.queue.length + this.running;
  }

  /** Resolves once every queued file is written; rejects if any could not be. */
  async drain(): Promise<void> {
    if (this.pending > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.errors.length) {
      const failed = this.errors.splice(0);
      throw new Error(`could not write ${failed.length} Allure result file(s) to ${this.resultsDir}; the first: ${failed[0].message}`);
    }
  }

  /**
   * Queue one file. The content is fixed now (serialised by the caller), as FileSystemWriter fixed
   * it by writing at once: a result object Allure changes later must not change what is written.
   */
  private publish(name: string, content: string | Buffer | { copyFrom: string }): void {
    const file = path.join(this.resultsDir, name);
    const before = this.lastWrite.get(file);
    const job = async (): Promise<void> => {
      if (before) await before.catch(() => undefined);
      this.dirReady ??= fsp.mkdir(this.resultsDir, { recursive: true });
      await this.dirReady;
      if (!before && /-attachment\.[^.]+$/.test(name)) {
        // An attachment has a fresh random name and is written once: no reader can see it half
        // written before the run ends, so it goes to its name directly (no temporary, no rename).
        if (typeof content === 'object' && 'copyFrom' in content) await linkOrCopy(content.copyFrom, file);
        else await fsp.writeFile(file, content);
        return;
      }
      const tmp = path.join(this.resultsDir, `.allure-write-${randomUUID()}.tmp`);
      try {
        if (typeof content === 'object' && 'copyFrom' in content) await linkOrCopy(content.copyFrom, tmp);
        else await fsp.writeFile(tmp, content);
        await fsp.rename(tmp, file);
      } catch (e) {
        await fsp.rm(tmp, { force: true }).catch(() => undefined);
        throw e;
      }
    };
    const done = new Promise<void>((resolve, reject) => this.queue.push(() => job().then(resolve, reject)));
    const settled = done.catch((e: unknown) => {
      this.errors.push(e instanceof Error ? e : new Error(String(e)));
    });
    this.lastWrite.set(file, settled);
    void settled.then(() => {
      if (this.lastWrite.get(file) === settled) this.lastWrite.delete(file);
    });
    this.pump();
  }

  private pump(): void {
    while (this.running < PARALLEL_WRITES && this.queue.length > 0) {
      const next = this.queue.shift()!;
      this.running++;
      void next().catch(() => undefined).finally(() => {
        this.running--;
        this.pump();
        if (this.pending === 0) for (const w of this.waiters.splice(0)) w();
      });
    }
  }
}

/**
 * An attachment from a file: a hard link where it can be (the per-case evidence is written under the
 * same results directory, so one file system; no octet is copied), a copy otherwise (another file
 * system, or one without links). The source is never written again once attached.
 */
async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await fsp.link(from, to);
  } catch {
    await fsp.copyFile(from, to);
  }
}
