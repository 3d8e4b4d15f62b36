// Stryker ignorers for the reference server (docs/mutation.md): code that is out of scope for a
// conformance verdict, so a mutant in it says nothing about the suites.
import { PluginKind, declareValuePlugin } from '@stryker-mutator/api/plugin';

/** `callee` is `<anything>.<prop>` (e.g. ctx.log, this.ctx.faults.has). */
function memberCall(node, prop) {
  return node.type === 'CallExpression' && node.callee.type === 'MemberExpression' && !node.callee.computed && node.callee.property.name === prop;
}

/** `X.faults.has(...)` or `faults.includes(...)`: a switch of the fault catalogue (src/reference/faults.ts). */
function faultSwitch(node) {
  if (node.type !== 'CallExpression' || node.callee.type !== 'MemberExpression') return false;
  const { object, property } = node.callee;
  const onFaults = (object.type === 'Identifier' && object.name === 'faults') || (object.type === 'MemberExpression' && object.property.name === 'faults');
  return onFaults && (property.name === 'has' || property.name === 'includes');
}

/**
 * A test that holds only with a fault switched on: the switch itself, or a conjunction (`a && …`)
 * with a switch among its terms (`if (ok && faults.has('leave-ok-wrong-cseq'))`).
 */
function faultGated(node) {
  if (faultSwitch(node)) return true;
  return node.type === 'LogicalExpression' && node.operator === '&&' && (faultGated(node.left) || faultGated(node.right));
}

/** The consequent of an `if` that only a fault switch opens (fault-only code). */
function insideFaultBranch(path) {
  for (let p = path; p; p = p.parentPath) {
    if (p.parentPath?.isIfStatement() && p.key === 'consequent' && faultGated(p.parentPath.node.test)) return true;
  }
  return false;
}

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'cpm-log', {
    shouldIgnore(path) {
      // ctx.log(...) / this.ctx.log(...) / log(...): diagnostics, never on the wire.
      if (path.isExpressionStatement() && (memberCall(path.node.expression, 'log') || (path.node.expression.type === 'CallExpression' && path.node.expression.callee.name === 'log'))) return 'a log line: diagnostics, never on the wire';
      return undefined;
    },
  }),
  declareValuePlugin(PluginKind.Ignore, 'cpm-fault-switch', {
    shouldIgnore(path) {
      if (faultSwitch(path.node)) return 'a fault switch of the catalogue: off on the correct server, proven by the selftest';
      if (path.isBlockStatement() && insideFaultBranch(path)) return 'code only a fault of the catalogue runs (selftest proves it)';
      return undefined;
    },
  }),
];
