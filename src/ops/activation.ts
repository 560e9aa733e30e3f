// The one table of activation codes of the runtime, shared with shaders/common/activation.wgsl (`activation(code,
// x, α, β)`; the override ACT), and the CPU formula that the references and the graph passes use. Fused
// activations (the `act` attribute of convolutions, add and the activation op) are the parameterless codes 0–7;
// the unary op (ops/tensor.ts) takes any code by name, with its parameters α, β.

import { SlimError } from '../runtime/errors.js';

export const ACTIVATIONS = {
  identity: 0,
  relu: 1,
  relu6: 2,
  hardswish: 3,
  swish: 4,
  sigmoid: 5,
  tanh: 6,
  leakyrelu: 7,
  elu: 8,
  hardsigmoid: 9,
  softplus: 10,
  mish: 11,
  clip: 12,
  abs: 13,
  neg: 14,
  exp: 15,
  log: 16,
  sqrt: 17,
  sign: 18,
  round: 19,
  floor: 20,
  ceil: 21,
  reciprocal: 22,
} as const;
export type ActivationName = keyof typeof ACTIVATIONS;

/** The highest code that can be fused (parameterless, with a derivative in elementwise/activation_backward). */
export const FUSED_MAX = ACTIVATIONS.leakyrelu;
export type FusedActivationName = {
  [K in ActivationName]: (typeof ACTIVATIONS)[K] extends 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 ? K : never;
}[ActivationName];

/** The code of a fused activation (by name or code), checked to be fusable. */
export function actCode(a: FusedActivationName | number): number {
  const c = typeof a === 'number' ? a : ACTIVATIONS[a];
  if (c === undefined || !(Number.isInteger(c) && c >= 0 && c <= FUSED_MAX)) {
    throw new SlimError(
      `unknown fused activation ${JSON.stringify(a)} (known: ${Object.keys(ACTIVATIONS)
        .slice(0, FUSED_MAX + 1)
        .join(', ')})`,
    );
  }
  return c;
}

export function actName(code: number): ActivationName {
  const e = Object.entries(ACTIVATIONS).find(([, v]) => v === code);
  if (!e) throw new SlimError(`unknown activation code ${code}`);
  return e[0] as ActivationName;
}

/** Round half to even (WGSL round, numpy rint). */
export function roundEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** CPU formula (float64) of activation `code` with parameters α, β: the same as the WGSL `activation`. */
export function activationRef(code: number, x: number, alpha = 0, beta = 0): number {
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const softplus = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
  switch (code) {
    case 0:
      return x;
    case 1:
      return Math.max(x, 0);
    case 2:
      return Math.min(Math.max(x, 0), 6);
    case 3:
      return (x * Math.min(Math.max(x + 3, 0), 6)) / 6;
    case 4:
      return x * sig(alpha * x);
    case 5:
      return sig(x);
    case 6:
      return Math.tanh(x);
    case 7:
      return x >= 0 ? x : alpha * x;
    case 8:
      return x >= 0 ? x : alpha * (Math.exp(x) - 1);
    case 9:
      return Math.max(0, Math.min(1, alpha * x + beta));
    case 10:
      return softplus(x);
    case 11:
      return x * Math.tanh(softplus(x));
    case 12:
      return Math.min(Math.max(x, alpha), beta);
    case 13:
      return Math.abs(x);
    case 14:
      return -x;
    case 15:
      return Math.exp(x);
    case 16:
      return Math.log(x);
    case 17:
      return Math.sqrt(x);
    case 18:
      return Math.sign(x);
    case 19:
      return roundEven(x);
    case 20:
      return Math.floor(x);
    case 21:
      return Math.ceil(x);
    case 22:
      return 1 / x;
    default:
      throw new SlimError(`unknown activation code ${code}`);
  }
}

/** CPU formula (float64) of the fused activation `code` (0–7): swish α = 1, leaky-relu α = 0.01, as WGSL `activate`. */
export function applyAct(code: number, x: number): number {
  return activationRef(actCode(code), x, code === ACTIVATIONS.leakyrelu ? 0.01 : 1, 0);
}
