// Activation codes shared with shaders/common/activation.wgsl (override constant ACT), and the CPU formulas
// that the references and the graph passes use.

import { SlimError } from '../runtime/errors.js';

export const ACTIVATIONS = {
  none: 0,
  relu: 1,
  relu6: 2,
  hardswish: 3,
  swish: 4,
  sigmoid: 5,
  tanh: 6,
  leakyrelu: 7,
} as const;
export type ActivationName = keyof typeof ACTIVATIONS;

export function actCode(a: ActivationName | number): number {
  if (typeof a === 'number') {
    if (!Object.values(ACTIVATIONS).includes(a as any)) throw new SlimError(`unknown activation code ${a}`);
    return a;
  }
  const c = ACTIVATIONS[a];
  if (c === undefined) throw new SlimError(`unknown activation '${a}' (known: ${Object.keys(ACTIVATIONS).join(', ')})`);
  return c;
}

export function actName(code: number): ActivationName {
  const e = Object.entries(ACTIVATIONS).find(([, v]) => v === code);
  if (!e) throw new SlimError(`unknown activation code ${code}`);
  return e[0] as ActivationName;
}

/** CPU formula (float64), the same as the WGSL `activate`. */
export function applyAct(code: number, x: number): number {
  switch (code) {
    case 0: return x;
    case 1: return Math.max(x, 0);
    case 2: return Math.min(Math.max(x, 0), 6);
    case 3: return (x * Math.min(Math.max(x + 3, 0), 6)) / 6;
    case 4: return x / (1 + Math.exp(-x));
    case 5: return 1 / (1 + Math.exp(-x));
    case 6: return Math.tanh(x);
    case 7: return x >= 0 ? x : 0.01 * x;
    default: throw new SlimError(`unknown activation code ${code}`);
  }
}
