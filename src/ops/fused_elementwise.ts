// fused_elementwise: a chain of elementwise ops run as ONE generated kernel (graph/fuse_elementwise.ts builds the
// chains). Each node of the chain becomes one WGSL expression; the kernel reads every input once per output element
// and writes only the last value, so a k-node chain costs one pass over memory instead of k.
//
// Node: inputs x0 … x(m−1) (the chain's external tensors: activations, per-channel or scalar parameters), attrs
//   shape  the output shape (every step's value has it)
//   prog   JSON of FusedProgram: steps in order, each a unary (activation-table code, α, β) or binary (BINARY code)
//          op on refs: 'i<k>' input k, 's<k>' step k, or a number (a scalar constant, written into the WGSL).
// Inputs are read through their broadcast block pattern (ops/elementwise.ts blockPattern: same shape, scalar,
// per-channel on the last axis, [C,1,1] on NCHW, …) with the block sizes written as literals, so the compiler turns
// the index division/remainder into multiplies or drops it. When n % 4 = 0 and every input keeps four consecutive
// outputs in step, the kernel is vec4: four outputs per invocation.
//
// Kernel names show the chain, for the profiler: `fused_elementwise[add,relu6,mul,div]` (a '#k' suffix tells apart
// chains with the same op names but other shapes or constants). The text goes through the normal registry
// (runtime/shaders.ts defineGeneratedKernel → kernels.ts reflection, pipeline cache, launch).

import { check, shapeStr, SlimError } from '../runtime/errors.js';
import { defineGeneratedKernel, generatedKernelText } from '../runtime/shaders.js';
import { activationRef, actName } from './activation.js';
import { blockPattern, vec4Read } from './elementwise.js';
import { numel, registerOp } from './registry.js';
import { BINARY, binaryRef, type BinaryName } from './tensor.js';

export type FusedRef = string | number;
export type FusedStep = { u: number; alpha: number; beta: number; x: FusedRef } | { b: number; x: FusedRef; y: FusedRef };
export interface FusedProgram {
  steps: FusedStep[];
}

const BINARY_NAMES = Object.keys(BINARY) as BinaryName[];

export function parseProgram(prog: unknown, inputs: number): FusedProgram {
  check(typeof prog === 'string', 'fused_elementwise needs attr prog (JSON)');
  const p = JSON.parse(prog as string) as FusedProgram;
  check(Array.isArray(p.steps) && p.steps.length > 0, 'fused_elementwise prog has no steps');
  const checkRef = (r: FusedRef, k: number) => {
    if (typeof r === 'number') return check(Number.isFinite(r), `fused_elementwise step ${k}: constant ${r} is not finite`);
    const m = /^([is])(\d+)$/.exec(r);
    check(!!m && Number(m[2]) < (m[1] === 'i' ? inputs : k), `fused_elementwise step ${k}: bad reference ${JSON.stringify(r)}`);
  };
  p.steps.forEach((s, k) => {
    if ('u' in s) {
      actName(s.u);
      checkRef(s.x, k);
    } else {
      check(BINARY_NAMES[s.b] !== undefined, `fused_elementwise step ${k}: unknown binary code ${s.b}`);
      checkRef(s.x, k);
      checkRef(s.y, k);
    }
  });
  return p;
}

/** Step names for the kernel name: the activation or binary function names. */
export function stepNames(p: FusedProgram): string[] {
  return p.steps.map((s) => ('u' in s ? actName(s.u) : BINARY_NAMES[s.b]));
}

/** CPU reference (float64) of a program on row-major inputs broadcast to `shape`. */
export function fusedRef(p: FusedProgram, inputs: { shape: number[]; data: ArrayLike<number> }[], shape: number[]): Float64Array {
  const n = numel(shape);
  const pats = inputs.map((x) => blockPattern(x.shape, shape));
  pats.forEach((q, k) => check(!!q, `input ${k} ${shapeStr(inputs[k].shape)} does not broadcast to ${shapeStr(shape)} as a block`));
  const out = new Float64Array(n);
  const vals = new Float64Array(p.steps.length);
  for (let i = 0; i < n; i++) {
    const get = (r: FusedRef): number => {
      if (typeof r === 'number') return r;
      const k = Number(r.slice(1));
      if (r[0] === 's') return vals[k];
      const q = pats[k]!;
      return inputs[k].data[Math.floor(i / q.inner) % q.count];
    };
    p.steps.forEach((s, k) => {
      vals[k] = 'u' in s ? activationRef(s.u, get(s.x), s.alpha, s.beta) : binaryRef(BINARY_NAMES[s.b], get(s.x), get(s.y));
    });
    out[i] = vals[p.steps.length - 1];
  }
  return out;
}

/** A WGSL literal of the f32 value of v. */
function lit(v: number): string {
  const f = Math.fround(v);
  if (!Number.isFinite(f)) throw new SlimError(`fused_elementwise: constant ${v} is not a finite f32`);
  const s = String(f);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** The index expression of block pattern (inner, count) at index variable `i`. */
function blockExpr(i: string, inner: number, count: number, n: number): string {
  if (count === 1) return '0u';
  let e = i;
  if (inner > 1) e = `(${e} / ${inner}u)`;
  if (!(inner === 1 && count === n)) e = `(${e} % ${count}u)`;
  return e;
}

/** WGSL of one program over inputs of the given shapes, and whether it is the vec4 form. */
export function generateFused(p: FusedProgram, inShapes: number[][], shape: number[], name: string): { code: string; vec4: boolean } {
  const n = numel(shape);
  const pats = inShapes.map((s, k) => {
    const q = blockPattern(s, shape);
    if (!q) throw new SlimError(`fused_elementwise: input ${k} ${shapeStr(s)} does not broadcast to ${shapeStr(shape)} as a block`);
    return q;
  });
  const v4 = pats.map((q) => vec4Read(q, n));
  const vec4 = n % 4 === 0 && v4.every((r) => r !== null);
  const T = vec4 ? 'vec4<f32>' : 'f32';
  const idx = vec4 ? 'j' : 'i';
  const lines: string[] = [];
  inShapes.forEach((_, k) => {
    const q = pats[k];
    if (!vec4) {
      lines.push(`  let i${k} = x${k}[${blockExpr('i', q.inner, q.count, n)}];`);
      return;
    }
    const r = v4[k]!;
    if (r.VEC) {
      lines.push(`  let o${k} = 4u * ${blockExpr('j', 1, r.COUNT === 0 ? n / 4 : r.COUNT, n / 4)};`);
      lines.push(`  let i${k} = vec4<f32>(x${k}[o${k}], x${k}[o${k} + 1u], x${k}[o${k} + 2u], x${k}[o${k} + 3u]);`);
    } else {
      lines.push(`  let i${k} = vec4<f32>(x${k}[${blockExpr('j', r.INNER, r.COUNT === 0 ? n / 4 : r.COUNT, n / 4)}]);`);
    }
  });
  const ref = (r: FusedRef) => (typeof r === 'number' ? `${T}(${lit(r)})` : r);
  const lanes = (f: (c: string) => string, v: string) =>
    vec4 ? `vec4<f32>(${['x', 'y', 'z', 'w'].map((c) => f(`${v}.${c}`)).join(', ')})` : f(v);
  const c = (v: number) => `${T}(${lit(v)})`;
  const unary = (code: number, x: string, a: number, b: number): string => {
    switch (code) {
      case 0:
        return x;
      case 1:
        return `max(${x}, ${c(0)})`;
      case 2:
        return `clamp(${x}, ${c(0)}, ${c(6)})`;
      case 3:
        return `${x} * clamp(${x} + ${c(3)}, ${c(0)}, ${c(6)}) / ${c(6)}`;
      case 5:
        return `${c(1)} / (${c(1)} + exp(-${x}))`;
      case 9:
        return `max(${c(0)}, min(${c(1)}, ${c(a)} * ${x} + ${c(b)}))`;
      case 12:
        return `min(max(${x}, ${c(a)}), ${c(b)})`;
      case 13:
        return `abs(${x})`;
      case 14:
        return `-${x}`;
      case 15:
        return `exp(${x})`;
      case 16:
        return `log(${x})`;
      case 17:
        return `sqrt(${x})`;
      case 18:
        return `sign(${x})`;
      case 19:
        return `round(${x})`;
      case 20:
        return `floor(${x})`;
      case 21:
        return `ceil(${x})`;
      case 22:
        return `${c(1)} / ${x}`;
      default:
        return lanes((e) => `activation(${code}u, ${e}, ${lit(a)}, ${lit(b)})`, x);
    }
  };
  const binary = (fn: BinaryName, x: string, y: string): string => {
    switch (fn) {
      case 'add':
        return `${x} + ${y}`;
      case 'sub':
        return `${x} - ${y}`;
      case 'mul':
        return `${x} * ${y}`;
      case 'div':
        return `${x} / ${y}`;
      case 'max':
        return `max(${x}, ${y})`;
      case 'min':
        return `min(${x}, ${y})`;
      case 'prelu':
        return `select(${x}, ${x} * ${y}, ${x} < ${c(0)})`;
      case 'pow':
        return vec4
          ? `vec4<f32>(pow_s(${x}.x, ${y}.x), pow_s(${x}.y, ${y}.y), pow_s(${x}.z, ${y}.z), pow_s(${x}.w, ${y}.w))`
          : `pow_s(${x}, ${y})`;
    }
  };
  const formula: string[] = [];
  p.steps.forEach((s, k) => {
    // constants on the operand side become splat vectors; refs are let-bound names
    const text = 'u' in s ? unary(s.u, ref(s.x), s.alpha, s.beta) : binary(BINARY_NAMES[s.b], ref(s.x), ref(s.y));
    lines.push(`  let s${k}: ${T} = ${text};`);
    formula.push(`s${k} = ${'u' in s ? `${actName(s.u)}(${s.x})` : `${BINARY_NAMES[s.b]}(${s.x}, ${s.y})`}`);
  });
  lines.push(`  y[${idx}] = s${p.steps.length - 1};`);
  const header = [
    `// ${name} — generated by src/ops/fused_elementwise.ts from a chain of ${p.steps.length} elementwise nodes.`,
    `// Math: ${formula.join('; ')}; y = s${p.steps.length - 1} (iK: input K read through its broadcast block).`,
    `// Layout: output [${shape.join(',')}] flat; inputs ${inShapes.map((s) => `[${s.join(',')}]`).join(' ')}. Thread: ${
      vec4 ? 'four consecutive outputs (vec4) per invocation' : 'one output per invocation'
    }. Overwrites y.`,
    '//! import activation',
    '',
    'struct Params { n: u32 }',
    'override WG: u32 = 256u;',
    '',
    '//! uniform params: Params',
    ...inShapes.map((_, k) => `//! read x${k}: array<f32>`),
    `//! read_write y: array<${T}>`,
    '',
    'fn pow_s(x: f32, e: f32) -> f32 {',
    '  if (x >= 0.0) { return pow(x, e); }',
    '  if (floor(e) != e) { return sqrt(x); }',
    '  let m = pow(-x, e);',
    '  return select(m, -m, (abs(e) % 2.0) == 1.0);',
    '}',
    '',
    `//! entry ${idx}`,
  ];
  return { code: [...header, ...lines, '}', ''].join('\n'), vec4 };
}

/** Register the generated text under a readable, unique name: `fused_elementwise[add,relu6,…]` or `…#k`. */
export function fusedKernelName(p: FusedProgram, inShapes: number[][], shape: number[]): { name: string; vec4: boolean } {
  const base = `fused_elementwise[${stepNames(p).join(',')}]`;
  for (let k = 1; ; k++) {
    const name = k === 1 ? base : `${base}#${k}`;
    const { code, vec4 } = generateFused(p, inShapes, shape, name);
    const old = generatedKernelText(name);
    if (old === undefined || old === code) {
      defineGeneratedKernel(name, code);
      return { name, vec4 };
    }
  }
}

registerOp({
  name: 'fused_elementwise',
  infer(inShapes, attrs) {
    const shape = attrs.shape;
    check(Array.isArray(shape) && shape.every((d) => Number.isInteger(d) && d > 0), 'fused_elementwise needs attr shape');
    parseProgram(attrs.prog, inShapes.length);
    inShapes.forEach((s, k) =>
      check(
        !!blockPattern(s, shape as number[]),
        `fused_elementwise input ${k} ${shapeStr(s)} does not broadcast to ${shapeStr(shape as number[])} as a block`,
      ),
    );
    return [[...(shape as number[])]];
  },
  async plan(pc) {
    const shape = pc.outShapes[0];
    const p = parseProgram(pc.attrs.prog, pc.inputCount);
    const { name, vec4 } = fusedKernelName(p, pc.inShapes, shape);
    const buffers: Record<string, ReturnType<typeof pc.input>> = { y: pc.output(0) };
    pc.inShapes.forEach((_, k) => (buffers[`x${k}`] = pc.input(k)));
    return [await pc.rt.kernels.launch(name, { buffers, invocations: vec4 ? numel(shape) / 4 : numel(shape) })];
  },
});
