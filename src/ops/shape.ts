// Layout ops: reshape (a view, no kernel), channel concat, channel shuffle, softmax along the last axis.

import { check, shapeStr } from '../runtime/errors.js';
import { attrNum, numel, registerOp } from './registry.js';

/** Resolve a target shape with at most one -1. (0 is not special here; importers resolve ONNX's 0 first.) */
export function resolveReshape(from: number[], to: number[]): number[] {
  const total = numel(from);
  const known = to.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const unknown = to.filter((d) => d === -1).length;
  check(unknown <= 1 && to.every((d) => d === -1 || (Number.isInteger(d) && d > 0)), `reshape target ${shapeStr(to)} is invalid`);
  const out = to.map((d) => (d === -1 ? total / known : d));
  check(numel(out) === total && out.every(Number.isInteger), `cannot reshape ${shapeStr(from)} to ${shapeStr(to)}`);
  return out;
}

registerOp({
  name: 'reshape',
  view: true,
  infer([x], attrs) {
    const to = attrs.shape;
    check(Array.isArray(to), 'reshape needs attribute shape');
    return [resolveReshape(x, to as number[])];
  },
});

/** Concatenate along the last axis (channels in NHWC); other dimensions must agree. */
registerOp({
  name: 'concat',
  infer(inShapes) {
    check(inShapes.length >= 1, 'concat needs at least one input');
    const r = inShapes[0].length;
    for (const s of inShapes) {
      check(
        s.length === r && s.slice(0, -1).every((d, i) => d === inShapes[0][i]),
        `concat inputs disagree: ${inShapes.map(shapeStr).join(' ')}`,
      );
    }
    return [[...inShapes[0].slice(0, -1), inShapes.reduce((a, s) => a + s[r - 1], 0)]];
  },
  async plan(pc) {
    const out = pc.outShapes[0];
    const cy = out[out.length - 1];
    let offset = 0;
    const launches = [];
    for (let i = 0; i < pc.inputCount; i++) {
      const s = pc.inShapes[i];
      const cx = s[s.length - 1];
      launches.push(
        await pc.rt.kernels.launch('shape/concat_forward', {
          uniforms: { cx, cy, offset },
          buffers: { x: pc.input(i), y: pc.output(0) },
          invocations: numel(s),
        }),
      );
      offset += cx;
    }
    return launches;
  },
});

registerOp({
  name: 'channel_shuffle',
  infer([x], attrs) {
    const g = attrNum(attrs, 'groups');
    check(
      Number.isInteger(g) && g >= 1 && x[x.length - 1] % g === 0,
      `channel_shuffle: ${g} groups do not divide ${x[x.length - 1]} channels`,
    );
    return [x];
  },
  plan: async (pc) => {
    const x = pc.inShapes[0];
    return [
      await pc.rt.kernels.launch('group_shuffle/channel_shuffle_forward', {
        uniforms: { c: x[x.length - 1], groups: attrNum(pc.attrs, 'groups') },
        buffers: { x: pc.input(0), y: pc.output(0) },
        invocations: numel(x),
      }),
    ];
  },
});

registerOp({
  name: 'softmax',
  infer: ([x]) => [x],
  plan: async (pc) => {
    const x = pc.inShapes[0];
    const cols = x[x.length - 1];
    return [
      await pc.rt.kernels.launch('reduce/softmax_forward', {
        overrides: { LOG: pc.attrs.log ? 1 : 0 },
        uniforms: { cols },
        buffers: { x: pc.input(0), y: pc.output(0) },
        invocations: numel(x) / cols,
      }),
    ];
  },
});
