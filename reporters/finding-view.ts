/**
 * What a reader needs of one finding, in the same words on every view (Allure message, finding
 * attachment, ladder note, exchange page): what was expected, what came (the value the check
 * compared and the message it came from, with its hop and trace number), and why it was expected
 * (the rule, and the inputs the expected value was derived from). Issue 13: a FAIL that showed
 * only "expected: 68" left the reader to dig the 69 out of a .sip attachment.
 */
import type { Finding } from '../src/harness/finding';
import { isRequirementId, requirement } from '../src/harness/requirements';
import { VERDICT_LABEL } from '../src/harness/verdict';
import { headerFields, startLine } from '../src/sip/message';
import { entryHeading, entryText } from './sip-text';

export interface FindingParts {
  /** "FAIL RFC3261-16.6 (step 2-7)" */
  head: string;
  message: string;
  expected?: string;
  /** The compared header lines of the offending message, e.g. "Max-Forwards: 69" (the first field named). */
  actualValues: string[];
  /** The other fields the check compared, as the message carries them. */
  alsoCompared: string[];
  /** The message the actual value came from: start line, hop, trace number. */
  actualFrom?: string;
  /** What happened instead, when no message is the evidence (timeouts, absences). */
  actualText?: string;
  /** The rule and the inputs the expected value was derived from. */
  why?: string;
}

/**
 * An expected text "68 (70 sent by A1 − 1 for each …)" is the value and its derivation: split
 * them so the value reads on its own and the derivation goes under "why expected".
 */
function splitDerivation(expected: string): { value: string; inputs?: string } {
  const m = /^([^()\n]{1,60}?) \(([\s\S]+)\)$/.exec(expected);
  return m ? { value: m[1], inputs: m[2] } : { value: expected };
}

export function findingParts(f: Finding): FindingParts {
  const head = `${VERDICT_LABEL[f.verdict]}${f.requirement ? ` ${f.requirement}` : ''}${f.step ? ` (step ${f.step})` : ''}`;
  const { value, inputs } = f.expected ? splitDerivation(f.expected) : { value: undefined, inputs: undefined };
  const msg = f.actual?.message;
  const valuesOf = (field: string): string[] => {
    if (!msg) return [];
    if (/^(method|status|request-uri|start-line)$/i.test(field)) return [startLine(msg)];
    const lines = headerFields(msg, field).map((h) => `${h.name}: ${h.value}`);
    // A compared header the message does not carry is itself the actual value.
    return lines.length ? lines : [`${field}: (absent)`];
  };
  const fields = [...new Set(f.fields ?? [])];
  const actualValues = fields.length ? valuesOf(fields[0]) : [];
  const alsoCompared = fields.slice(1).flatMap(valuesOf);
  const actualFrom = f.actual ? `${msg ? startLine(msg) : 'unparseable octets'} — ${entryHeading(f.actual)}` : undefined;
  const rule = f.requirement && isRequirementId(f.requirement) ? requirement(f.requirement) : undefined;
  const why = [
    inputs,
    rule ? `${rule.id} (${rule.level}, ${rule.document} §${rule.clause}): ${rule.summary}` : undefined,
  ].filter(Boolean).join('; ') || undefined;
  return { head, message: f.message, expected: value, actualValues, alsoCompared, actualFrom, actualText: f.actualText, why };
}

/** The finding as plain text (Allure status message and the finding attachment). */
export function findingText(f: Finding, opts: { withMessage?: boolean } = { withMessage: true }): string {
  const p = findingParts(f);
  const lines = [`${p.head}: ${p.message}`];
  if (p.expected) lines.push(`expected: ${p.expected}`);
  if (p.actualValues.length) lines.push(`actual: ${p.actualValues.join(' | ')}`);
  else if (p.actualText) lines.push(`actual: ${p.actualText}`);
  if (p.actualFrom) lines.push(`${p.actualValues.length ? '  in' : 'actual:'} ${p.actualFrom}`);
  if (p.alsoCompared.length) lines.push(`  also compared: ${p.alsoCompared.join(' | ')}`);
  if (p.why) lines.push(`why expected: ${p.why}`);
  if (f.actual && opts.withMessage !== false) lines.push('', 'the message:', entryText(f.actual));
  return lines.join('\n');
}
