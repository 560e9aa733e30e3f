// Glue-op passes for imported graphs (exporters write activations and affine steps as chains of small ops):
//   matchHardActivations  Add(x, 3) → Clip(0, 6) → Div 6 | Mul 1/6                 ⇒ unary hardsigmoid (α 1/6, β 1/2)
//                         Mul(x, hardsigmoid_{1/6,1/2}(x))                          ⇒ activation hardswish (code 3)
//                         Div(Mul(x, Clip(Add(x, 3), 0, 6)), 6) (or × 1/6)           ⇒ activation hardswish
//   foldChannelAffine     conv2d → Mul / Div / Add / Sub by a per-channel [C] or scalar constant
//                                                        ⇒ conv2d with w' = w·s (w/s), b' = b·s (b/s), b + t (b − t)
//   fuseElementwise       any chain of elementwise nodes (activation, unary, binary, add) whose other operands are
//                         same-shape tensors, scalars or per-channel constants (ops/elementwise.ts blockPattern);
//                         the chain's value itself may start as such a block (SE gate → Mul)
//                                                        ⇒ one fused_elementwise node (ops/fused_elementwise.ts)
// Constants are checked exactly (to f32 rounding: 1/6 written as 0.16666667 matches, Clip(0, 5) or Add 2.9 does
// not); a pattern that does not match is left alone. Intermediate values must have one consumer and not be graph
// outputs. graph/passes.ts optimizeForInference runs these (option `glue`, on in compile; off: the old graph).

import { ACTIVATIONS } from '../ops/activation.js';
import { blockPattern } from '../ops/elementwise.js';
import type { FusedRef, FusedStep } from '../ops/fused_elementwise.js';
import { attrNum } from '../ops/registry.js';
import { BINARY } from '../ops/tensor.js';
import { Graph, numel, type Node } from './ir.js';

const ELEMENTWISE = new Set(['activation', 'unary', 'binary', 'add']);

/** f32 constant equality with a little slack for exporters that write 1/6 or 3 in another rounding. */
export function constIs(v: number, want: number): boolean {
  return Math.abs(v - want) <= 1e-6 * Math.max(1, Math.abs(want));
}

function sole(g: Graph, consumers: Map<number, Node[]>, t: number): Node | null {
  if (g.outputs.includes(t)) return null;
  const c = consumers.get(t);
  return c && c.length === 1 ? c[0] : null;
}

/** The value of a one-element f32 parameter, or null. */
function scalarParam(g: Graph, t: number): number | null {
  const d = g.tensors[t];
  return d.role === 'param' && d.dtype === 'f32' && d.data && numel(d.shape) === 1 ? d.data[0] : null;
}

const isBinary = (n: Node | undefined, fn: string): n is Node => !!n && n.op === 'binary' && n.attrs.fn === fn;

/** Binary node n with a scalar constant on side `k` (or either side for commutative ops): [other input, value]. */
function withScalar(g: Graph, n: Node, commutative: boolean): [number, number] | null {
  const b = scalarParam(g, n.inputs[1]);
  if (b !== null) return [n.inputs[0], b];
  if (!commutative) return null;
  const a = scalarParam(g, n.inputs[0]);
  return a !== null ? [n.inputs[1], a] : null;
}

/** relu6 written as the activation op, or Clip(0, 6) as the unary op. */
function isRelu6(n: Node | undefined): n is Node {
  if (!n) return false;
  if (n.op === 'activation') return attrNum(n.attrs, 'act') === ACTIVATIONS.relu6;
  return n.op === 'unary' && n.attrs.fn === 'clip' && constIs(attrNum(n.attrs, 'alpha', 0), 0) && constIs(attrNum(n.attrs, 'beta', 0), 6);
}

/** n divides by 6 or multiplies by 1/6 (a scalar constant): the other input. */
function bySix(g: Graph, n: Node | undefined): number | null {
  if (isBinary(n, 'div')) {
    const s = withScalar(g, n, false);
    return s && constIs(s[1], 6) ? s[0] : null;
  }
  if (isBinary(n, 'mul')) {
    const s = withScalar(g, n, true);
    return s && constIs(s[1], 1 / 6) ? s[0] : null;
  }
  return null;
}

/** relu6(x + 3) at tensor t (x + 3 used once): x, or null. */
function relu6PlusThree(g: Graph, producers: Map<number, Node>, consumers: Map<number, Node[]>, t: number): number | null {
  const clip = producers.get(t);
  if (!isRelu6(clip)) return null;
  const add = producers.get(clip.inputs[0]);
  if (!isBinary(add, 'add') || sole(g, consumers, add.outputs[0]) !== clip) return null;
  const s = withScalar(g, add, true);
  return s && constIs(s[1], 3) ? s[0] : null;
}

/** Replace the nodes `gone` by one node writing `out`, at the position of the last of them. */
function replace(g: Graph, gone: Node[], op: string, inputs: number[], attrs: Node['attrs'], out: number, name: string): void {
  const last = Math.max(...gone.map((n) => g.nodes.indexOf(n)));
  const node: Node = { id: -1, op, name, inputs, outputs: [out], attrs };
  g.nodes[last] = node;
  const drop = new Set(gone);
  g.nodes = g.nodes.filter((n) => n === node || !drop.has(n));
  g.nodes.forEach((n, id) => (n.id = id));
}

export function matchHardActivations(g: Graph): number {
  let matched = 0;
  for (let changed = true; changed;) {
    changed = false;
    const producers = g.producers();
    const consumers = g.consumers();
    for (const n of g.nodes) {
      // hard-sigmoid: (relu6(x + 3)) / 6
      const inner = bySix(g, n);
      if (inner !== null) {
        const clip = producers.get(inner);
        const x = relu6PlusThree(g, producers, consumers, inner);
        if (x !== null && clip && sole(g, consumers, inner) === n) {
          const add = producers.get(clip.inputs[0])!;
          replace(g, [add, clip, n], 'unary', [x], { fn: 'hardsigmoid', alpha: 1 / 6, beta: 0.5 }, n.outputs[0], `${n.name}.hardsigmoid`);
          matched++;
          changed = true;
          break;
        }
        // hard-swish: (x · relu6(x + 3)) / 6
        const mul = producers.get(inner);
        if (isBinary(mul, 'mul') && sole(g, consumers, inner) === n) {
          let done = false;
          for (const k of [0, 1]) {
            const x = mul.inputs[k];
            const r = relu6PlusThree(g, producers, consumers, mul.inputs[1 - k]);
            if (r === x && sole(g, consumers, mul.inputs[1 - k]) === mul) {
              const clip = producers.get(mul.inputs[1 - k])!;
              const add = producers.get(clip.inputs[0])!;
              replace(g, [add, clip, mul, n], 'activation', [x], { act: ACTIVATIONS.hardswish }, n.outputs[0], `${n.name}.hardswish`);
              done = true;
              break;
            }
          }
          if (done) {
            matched++;
            changed = true;
            break;
          }
        }
      }
      // hard-swish: x · hardsigmoid_{1/6, 1/2}(x)
      if (isBinary(n, 'mul')) {
        let done = false;
        for (const k of [0, 1]) {
          const hs = producers.get(n.inputs[1 - k]);
          if (
            hs?.op === 'unary' &&
            hs.attrs.fn === 'hardsigmoid' &&
            hs.inputs[0] === n.inputs[k] &&
            constIs(attrNum(hs.attrs, 'alpha', 0), 1 / 6) &&
            constIs(attrNum(hs.attrs, 'beta', 0), 0.5) &&
            sole(g, consumers, hs.outputs[0]) === n &&
            g.shape(n.outputs[0]).join() === g.shape(n.inputs[k]).join()
          ) {
            replace(g, [hs, n], 'activation', [n.inputs[k]], { act: ACTIVATIONS.hardswish }, n.outputs[0], `${n.name}.hardswish`);
            done = true;
            break;
          }
        }
        if (done) {
          matched++;
          changed = true;
          break;
        }
      }
    }
  }
  return matched;
}

/** conv2d followed by a per-channel (or scalar) constant Mul / Div / Add / Sub: folded into the weights and bias. */
export function foldChannelAffine(g: Graph): number {
  let folded = 0;
  for (let changed = true; changed;) {
    changed = false;
    const producers = g.producers();
    const consumers = g.consumers();
    for (const op of g.nodes) {
      if (op.op !== 'binary' || !['mul', 'div', 'add', 'sub'].includes(op.attrs.fn as string)) continue;
      const fn = op.attrs.fn as string;
      for (const k of fn === 'mul' || fn === 'add' ? [0, 1] : [0]) {
        const conv = producers.get(op.inputs[k]);
        const c = g.tensors[op.inputs[1 - k]];
        if (!conv || conv.op !== 'conv2d' || attrNum(conv.attrs, 'act', 0) !== 0 || attrNum(conv.attrs, 'shuffle', 1) !== 1) continue;
        if (sole(g, consumers, op.inputs[k]) !== op || c.role !== 'param' || !c.data || c.dtype !== 'f32') continue;
        const out = g.shape(conv.outputs[0]);
        if (g.shape(op.outputs[0]).join() !== out.join()) continue;
        const cout = out[out.length - 1];
        const p = blockPattern(c.shape, out);
        if (!p || !(p.count === 1 || (p.inner === 1 && p.count === cout))) continue;
        const w = g.tensors[conv.inputs[1]];
        const b = conv.inputs[2] !== undefined ? g.tensors[conv.inputs[2]] : null;
        if (!w.data || (b && !b.data)) continue;
        const at = (ch: number) => c.data![p.count === 1 ? 0 : ch];
        if (fn === 'div' && [...Array(cout).keys()].some((ch) => at(ch) === 0)) continue;
        const nb = new Float32Array(cout);
        let nw = w.data;
        if (fn === 'mul' || fn === 'div') {
          nw = new Float32Array(w.data.length);
          for (let i = 0; i < nw.length; i++) nw[i] = fn === 'mul' ? w.data[i] * at(i % cout) : w.data[i] / at(i % cout);
          for (let ch = 0; ch < cout; ch++) nb[ch] = b ? (fn === 'mul' ? b.data![ch] * at(ch) : b.data![ch] / at(ch)) : 0;
        } else {
          for (let ch = 0; ch < cout; ch++) nb[ch] = (b ? b.data![ch] : 0) + (fn === 'add' ? at(ch) : -at(ch));
        }
        const wid = nw === w.data ? conv.inputs[1] : g.newParam(`${conv.name}.w_affine`, w.shape, nw);
        conv.inputs = [conv.inputs[0], wid, g.newParam(`${conv.name}.b_affine`, [cout], nb)];
        conv.outputs = [op.outputs[0]];
        g.nodes = g.nodes.filter((n) => n !== op);
        g.nodes.forEach((n, id) => (n.id = id));
        folded++;
        changed = true;
        break;
      }
      if (changed) break;
    }
  }
  return folded;
}

/** The steps one elementwise node adds to a program, with `ref` naming its inputs. */
function nodeSteps(n: Node, ref: (t: number) => FusedRef, scalar: (t: number) => number | null, base: number): FusedStep[] {
  const r = (k: number) => {
    const v = scalar(n.inputs[k]);
    return v !== null && Number.isFinite(v) ? v : ref(n.inputs[k]);
  };
  switch (n.op) {
    case 'activation':
      return [
        { u: attrNum(n.attrs, 'act'), alpha: attrNum(n.attrs, 'act') === ACTIVATIONS.leakyrelu ? 0.01 : 1, beta: 0, x: ref(n.inputs[0]) },
      ];
    case 'unary':
      return [
        {
          u: ACTIVATIONS[n.attrs.fn as keyof typeof ACTIVATIONS],
          alpha: attrNum(n.attrs, 'alpha', 0),
          beta: attrNum(n.attrs, 'beta', 0),
          x: ref(n.inputs[0]),
        },
      ];
    case 'binary':
      return [{ b: BINARY[n.attrs.fn as keyof typeof BINARY], x: r(0), y: r(1) }];
    default: {
      // add (same shape) with its fused activation
      const act = attrNum(n.attrs, 'act', 0);
      const steps: FusedStep[] = [{ b: BINARY.add, x: ref(n.inputs[0]), y: ref(n.inputs[1]) }];
      if (act) steps.push({ u: act, alpha: act === ACTIVATIONS.leakyrelu ? 0.01 : 1, beta: 0, x: `s${base}` });
      return steps;
    }
  }
}

/** Whether node n can be a step of a fused chain producing shape `out`: f32, every input a block of out. */
function fusable(g: Graph, n: Node): boolean {
  if (!ELEMENTWISE.has(n.op) || n.outputs.length !== 1) return false;
  if (n.op === 'unary' && !(String(n.attrs.fn) in ACTIVATIONS)) return false;
  if (n.op === 'binary' && !Object.hasOwn(BINARY, String(n.attrs.fn))) return false;
  const out = g.shape(n.outputs[0]);
  return [...n.inputs, ...n.outputs].every((t) => g.tensors[t].dtype === 'f32') && n.inputs.every((t) => !!blockPattern(g.shape(t), out));
}

/** Chains of two or more elementwise nodes become one fused_elementwise node each. Returns the nodes removed. */
export function fuseElementwise(g: Graph): number {
  const producers = g.producers();
  const consumers = g.consumers();
  const groupOf = new Map<Node, Node[]>();
  const groups: Node[][] = [];
  for (const n of g.nodes) {
    if (!fusable(g, n)) continue;
    // A group's value may be a broadcast block of n's output (an SE gate [1,1,1,C] before its Mul): elementwise
    // steps commute with broadcasting, so the fused kernel evaluates them at each output element, as long as every
    // input of the group is still a block of the new output shape.
    const out = g.shape(n.outputs[0]);
    let joined: Node[] | null = null;
    for (const t of n.inputs) {
      const p = producers.get(t);
      const grp = p && groupOf.get(p);
      if (!grp || grp[grp.length - 1] !== p || sole(g, consumers, t) !== n) continue;
      if (grp.every((m) => m.inputs.every((i) => !!blockPattern(g.shape(i), out)))) {
        joined = grp;
        break;
      }
    }
    if (joined) joined.push(n);
    else groups.push((joined = [n]));
    groupOf.set(n, joined);
  }
  let removed = 0;
  for (const grp of groups) {
    if (grp.length < 2) continue;
    const inputs: number[] = [];
    const stepOf = new Map<number, number>(); // tensor id → step index of its value
    const steps: FusedStep[] = [];
    const ref = (t: number): FusedRef => {
      const s = stepOf.get(t);
      if (s !== undefined) return `s${s}`;
      let k = inputs.indexOf(t);
      if (k < 0) k = inputs.push(t) - 1;
      return `i${k}`;
    };
    const scalar = (t: number) => (stepOf.has(t) ? null : scalarParam(g, t));
    for (const n of grp) {
      steps.push(...nodeSteps(n, ref, scalar, steps.length));
      stepOf.set(n.outputs[0], steps.length - 1);
    }
    const last = grp[grp.length - 1];
    const out = last.outputs[0];
    replace(g, grp, 'fused_elementwise', inputs, { shape: g.shape(out), prog: JSON.stringify({ steps }) }, out, `${last.name}.fused`);
    removed += grp.length - 1;
  }
  return removed;
}
