/**
 * Which conformance suites exercise which file of the reference server (docs/mutation.md): a
 * mutation run of one file runs only the suites of the features that file serves, so a file
 * reruns in minutes. A file not listed here (the shared PF core: proxy, b2bua, routing, registrar,
 * participating-function, ...) is exercised by every suite. A file whose behaviour only a binding
 * knob other than the default reaches (docs/cpm-sip-binding.md) also gets those suites again under
 * that knob (extraPasses).
 */
import type { HarnessTarget } from '../src/harness/target';

const LEAVING = 'session-leaving';
const MLD = 'multi-device';
const NMP = 'session-transfer/cs-not-in-media-path';
const PULL = 'session-transfer/remote-pull';
const TRANSFER = ['session-transfer/cs-in-media-path', NMP, PULL];
const ALL = [LEAVING, MLD, ...TRANSFER];

/** File name (under src/reference/) → the suites of the feature it serves. */
const SCOPE: Array<[RegExp, string[]]> = [
  // CPM-MLD-007: forking and cancelling the other devices' invitations.
  [/^(mld|proxy-fork|b2bua-fork)\.ts$/, [MLD]],
  // C.2.3.1: the PF's role in a leaving request.
  [/^leaving-role\.ts$/, [LEAVING]],
  // 5.2.5.1: transfer in and out of the media path, remote pull; the MSRP relay of an in-path transfer.
  [/^(transfer.*|b2bua-transfer|msrp-.*)\.ts$/, TRANSFER],
];

/** The suites a mutation of these files must be judged by (all of them when `files` is empty). */
export function suitesFor(files: string[]): string[] {
  if (files.length === 0) return ALL;
  const out = new Set<string>();
  for (const f of files) {
    const base = f.replace(/^.*\//, '');
    const hit = SCOPE.find(([re]) => re.test(base));
    for (const s of hit ? hit[1] : ALL) out.add(s);
  }
  return ALL.filter((s) => out.has(s));
}

/** A second pass of some suites under a binding knob (bin/targets.ts withBinding). */
export interface ExtraPass {
  suites: string[];
  binding: Partial<HarnessTarget['binding']>;
  /**
   * The CS transfer URI as vendors provision the PSI, in the service domain
   * (`sip:transfer@<domain>`, fixtures/targets/reference.yaml), not at PF A's address as the
   * built-in target names it: the reference takes both (transfer.ts `psiInDomain`).
   */
  transferUriInDomain?: boolean;
}

/**
 * The registrar's GRUUs (RFC 5627: the `+sip.instance` kept, the `pub-gruu` of the 200) are used
 * by the transfer suites only with `deviceAddressing: gruu` (a transfer names the target device by
 * its GRUU, and PF control resolves it); the default binding names it by its contact, so without
 * this pass no suite reads them.
 */
const EXTRA: Array<[RegExp, ExtraPass[]]> = [
  // transfer-control.ts resolves a target named by its GRUU (RFC 5627 §6) to the device's binding.
  [/^(registrar|location-service|transfer-control)\.ts$/, [{ suites: TRANSFER, binding: { deviceAddressing: 'gruu' } }]],
  // The pull by REFER to the CS transfer URI (binding pullMode: refer-to-psi, 5.2.5.1 ¶1) and the
  // transfer URI in the service domain: the default pass pulls by INVITE with Replaces and names
  // the URI at PF A's address, so neither path of transfer.ts / transfer-pull.ts ran (first runs:
  // 184 of transfer-pull.ts's 354 mutants never reached).
  [/^transfer(-pull)?\.ts$/, [{ suites: [NMP, PULL], binding: { pullMode: 'refer-to-psi' }, transferUriInDomain: true }]],
  // transfer-registry.ts keeps the pull a REFER to the CS transfer URI asks for (`pull`, `get`): only
  // `pullMode: refer-to-psi` sends one (the default pulls by INVITE with Replaces).
  [/^transfer-registry\.ts$/, [{ suites: ['session-transfer/remote-pull'], binding: { pullMode: 'refer-to-psi' } }]],
];

/** The extra passes a mutation of these files needs (none for all files at once: the default binding only). */
export function extraPasses(files: string[]): ExtraPass[] {
  return files.flatMap((f) => EXTRA.find(([re]) => re.test(f.replace(/^.*\//, '')))?.[1] ?? []);
}
