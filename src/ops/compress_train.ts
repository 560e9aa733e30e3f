// Compression-aware training ops (weights only), with straight-through gradients:
//   fake_quant  (w) → w_q   per-output-channel symmetric fake quantization to `bits` (8) bits; gradient: identity
//   binarize_weights    (w) → α·sign(w) per output channel;  binarize_weights_backward (w, dy) → dy·1[|w| ≤ 1]
//   sign_ste            (x) → sign(x) (activations of a binary layer); sign_ste_backward (x, dy) → dy·1[|x| ≤ 1]
// The quantized weights are what the int8 / 1-bit inference kernels are given (src/compress/quantize.ts,
// binarize.ts): the int8 values are round(w/s) with s = max|w|/127 per output channel, the 1-bit ones sign(w)
// with α = mean|w|.

import { check, shapeStr } from '../runtime/errors.js';
import { attrNum, numel, registerOp } from './registry.js';

const channels = (w: number[]) => w[w.length - 1];

registerOp({
  name: 'fake_quant',
  infer([w], attrs) {
    const bits = attrNum(attrs, 'bits', 8);
    check(Number.isInteger(bits) && bits >= 2 && bits <= 16, `fake_quant bits must be in [2, 16], got ${bits}`);
    check(w.length >= 2, `fake_quant quantizes weights per output channel (last axis), got ${shapeStr(w)}`);
    return [w];
  },
  plan: async (pc) => [
    await pc.rt.kernels.launch('quant/fake_quant_forward', {
      overrides: { BITS: attrNum(pc.attrs, 'bits', 8) },
      uniforms: { rows: numel(pc.inShapes[0]) / channels(pc.inShapes[0]) },
      buffers: { w: pc.input(0), y: pc.output(0) },
      invocations: channels(pc.inShapes[0]),
    }),
  ],
});

registerOp({
  name: 'binarize_weights',
  infer([w]) {
    check(w.length >= 2, `binarize works per output channel (last axis), got ${shapeStr(w)}`);
    return [w];
  },
  plan: async (pc) => [
    await pc.rt.kernels.launch('binary/binarize_forward', {
      uniforms: { rows: numel(pc.inShapes[0]) / channels(pc.inShapes[0]) },
      buffers: { w: pc.input(0), y: pc.output(0) },
      invocations: channels(pc.inShapes[0]),
    }),
  ],
});

registerOp({
  name: 'binarize_weights_backward',
  infer: ([w]) => [w],
  plan: async (pc) => [
    await pc.rt.kernels.launch('binary/binarize_backward', {
      buffers: { w: pc.input(0), dy: pc.input(1), dw: pc.output(0) },
      invocations: numel(pc.inShapes[0]),
    }),
  ],
});

registerOp({
  name: 'sign_ste',
  infer: ([x]) => [x],
  plan: async (pc) => [
    await pc.rt.kernels.launch('binary/sign_forward', {
      buffers: { x: pc.input(0), y: pc.output(0) },
      invocations: numel(pc.inShapes[0]),
    }),
  ],
});

registerOp({
  name: 'sign_ste_backward',
  infer([x, dy]) {
    check(numel(x) === numel(dy), `sign_ste_backward: x ${shapeStr(x)} and dy ${shapeStr(dy)} differ in size`);
    return [x];
  },
  plan: async (pc) => [
    await pc.rt.kernels.launch('binary/sign_backward', {
      buffers: { x: pc.input(0), dy: pc.input(1), dx: pc.output(0) },
      invocations: numel(pc.inShapes[0]),
    }),
  ],
});

/** CPU forms (float64, rounded once), used to export/evaluate QAT-trained weights exactly as trained. */
export function fakeQuantCPU(w: Float32Array, c: number, bits = 8): Float32Array {
  const q = 2 ** (bits - 1) - 1;
  const rows = w.length / c;
  const y = new Float32Array(w.length);
  for (let ch = 0; ch < c; ch++) {
    let m = 0;
    for (let r = 0; r < rows; r++) m = Math.max(m, Math.abs(w[r * c + ch]));
    const s = m > 0 ? Math.fround(Math.fround(m) / q) : 1;
    for (let r = 0; r < rows; r++) {
      const v = Math.fround(w[r * c + ch] / s);
      const k = Math.abs(v - Math.trunc(v)) === 0.5 ? 2 * Math.round(v / 2) : Math.round(v); // half to even, as WGSL
      y[r * c + ch] = Math.min(q, Math.max(-q, k)) * s;
    }
  }
  return y;
}

export function binarizeCPU(w: Float32Array, c: number): Float32Array {
  const rows = w.length / c;
  const y = new Float32Array(w.length);
  for (let ch = 0; ch < c; ch++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += Math.abs(w[r * c + ch]);
    const a = s / rows;
    for (let r = 0; r < rows; r++) y[r * c + ch] = w[r * c + ch] >= 0 ? a : -a;
  }
  return y;
}

/** sign with sign(0) = +1, as `binarize` packs it (bit 1 ⇔ x < 0). */
export function signCPU(x: Float32Array): Float32Array {
  return x.map((v) => (v < 0 ? -1 : 1));
}
