/**
 * Entry of the render worker (render-pool.ts): renders a case's ladder, exchange page and pcap and
 * writes them under the results directory, on its own thread and its own heap, so neither the
 * rendering nor its garbage delays the event loop that runs the cases.
 */
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { renderCaseArtifacts, writeCaseFilesSync } from './case-artifacts';
import { reviveEvidence, type RenderJob, type RenderReply } from './render-pool';

const port = parentPort;
if (port) {
  // Rendering is background work: under CPU contention (2 cores, other jobs) the cases' thread goes
  // first. Linux keeps a nice value per thread, so this lowers only this one; elsewhere it would
  // lower the whole process, cases included, so it is left alone there.
  if (process.platform === 'linux') {
    try {
      setPriority(10);
    } catch {
      // not permitted in this container: render at normal priority
    }
  }
  port.on('message', (job: RenderJob) => {
    void (async (): Promise<RenderReply> => {
      try {
        const r = reviveEvidence(job.evidence);
        const rendered = renderCaseArtifacts(r, job.sut);
        const files = writeCaseFilesSync(job.resultsDir, r.key, rendered);
        return { id: job.id, ok: true, files, pcapMessages: rendered.pcapMessages };
      } catch (e) {
        return { id: job.id, ok: false, error: e instanceof Error ? e.stack ?? e.message : String(e) };
      }
    })().then((reply) => port.postMessage(reply));
  });
}
