// Helpers shared by several op families (and the importer core): rank checks, Reshape's target, the axes
// argument that moved from an attribute to an input.

import { shapeStr } from '../../../runtime/errors.js';
import type { OnnxOpContext, OnnxValue } from '../node.js';
import { numelOf } from '../fold.js';

export function need4d(c: OnnxOpContext, v: OnnxValue, what: string): void {
  if (v.shape.length !== 4) c.fail(`${what} must be a 4-D NCHW tensor (1-D and 3-D variants are not supported), got ${shapeStr(v.shape)}`);
}

/** Shape of Reshape's target with ONNX's 0 (copy, unless allowzero) and -1 (infer). */
export function reshapeTarget(c: OnnxOpContext, from: number[], to: number[], allowzero: boolean): number[] {
  const out = to.map((d, i) =>
    d === 0 && !allowzero ? (i < from.length ? from[i] : c.fail(`shape [${to.join(',')}]: 0 at ${i} has no input dimension to copy`)) : d,
  );
  const neg = out.filter((d) => d === -1).length;
  if (neg > 1 || out.some((d) => d < -1)) c.fail(`shape [${to.join(',')}] is invalid`);
  const known = out.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const total = numelOf(from);
  if (neg) {
    if (known === 0 || total % known !== 0) c.fail(`cannot reshape ${shapeStr(from)} to [${to.join(',')}]`);
    return out.map((d) => (d === -1 ? total / known : d));
  }
  if (known !== total) c.fail(`cannot reshape ${shapeStr(from)} (${total} values) to [${to.join(',')}]`);
  return out;
}

/** The `axes` of a node: an attribute before opset `attrBefore`, a constant input from then on. */
export function axesArg(c: OnnxOpContext, inputIndex: number, attrBefore: number): number[] | undefined {
  if (c.opset < attrBefore) return c.ints('axes');
  const v = c.opt(inputIndex);
  return v ? [...c.konst(inputIndex, 'axes').data] : undefined;
}
