// Special elementwise functions not (yet) in the unary table: the error function and GELU (exact and tanh forms).
// They should join UNARY (src/ops/tensor.ts, shaders/elementwise/unary_forward.wgsl) once that table settles.
//
//   special  x → f(x)   attrs fn: erf | gelu (x·Φ(x) = x/2·(1 + erf(x/√2))) | gelu_tanh (x/2·(1 + tanh(√(2/π)(x + 0.044715x³))))

import { check } from '../runtime/errors.js';
import { numel, registerOp } from './registry.js';

export const SPECIAL = { erf: 0, gelu: 1, gelu_tanh: 2 } as const;
export type SpecialName = keyof typeof SPECIAL;

/** erf(x) in float64: Taylor series below |x| = 3, the continued fraction of erfc above. */
export function erf64(x: number): number {
  const a = Math.abs(x);
  if (a < 3) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 100; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  let t = a;
  for (let k = 60; k >= 1; k--) t = a + k / 2 / t;
  const erfc = Math.exp(-a * a) / (Math.sqrt(Math.PI) * t);
  return Math.sign(x) * (1 - erfc);
}

/** CPU formula of each function (float64), the same math as shaders/elementwise/special_forward.wgsl. */
export function specialRef(fn: SpecialName, x: number): number {
  switch (fn) {
    case 'erf':
      return erf64(x);
    case 'gelu':
      return 0.5 * x * (1 + erf64(x / Math.SQRT2));
    case 'gelu_tanh':
      return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
  }
}

function fnCode(v: unknown): number {
  check(typeof v === 'string' && v in SPECIAL, `special fn must be one of ${Object.keys(SPECIAL).join(', ')}, got ${JSON.stringify(v)}`);
  return SPECIAL[v as SpecialName];
}

registerOp({
  name: 'special',
  infer([x], attrs) {
    fnCode(attrs.fn);
    return [x];
  },
  plan: async (pc) => [
    await pc.rt.kernels.launch('elementwise/special_forward', {
      overrides: { FN: fnCode(pc.attrs.fn) },
      buffers: { x: pc.input(0), y: pc.output(0) },
      invocations: numel(pc.outShapes[0]),
    }),
  ],
});
