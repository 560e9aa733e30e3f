// The same network as a slimgpu Graph, rebuilt from TensorFlow.js ops, with the same weights: the peer that
// `bench` compares us against. It translates the *inference* graph (batch-norm folded into the conv weights,
// activations fused), so tfjs runs its own fused kernels (fused conv2d / depthwiseConv2d with bias and
// activation) on exactly the weights we run — outputs can be compared element for element.
//
// Mapping (activations NHWC in both; conv weights HWIO in both):
//   conv2d groups=1          → tf.fused.conv2d (bias, relu/relu6/sigmoid fused)
//   conv2d groups=C=Cout     → tf.fused.depthwiseConv2d, filter [KH,KW,C,1] (same bytes as our [KH,KW,1,C])
//   conv2d 1<groups<C        → split channels, one fused conv2d per group, concat (tfjs has no grouped conv)
//   conv2d attr shuffle=g    → … then reshape [N,H,W,g,C/g] → transpose → reshape (the channel shuffle)
//   pool2d / global_pool     → tf.maxPool / tf.avgPool / tf.mean over H,W
//   add, concat, activation, channel_scale, softmax, reshape → the tfjs op of the same name
// Asymmetric padding is applied with tf.pad before a 'valid' op.

import type * as TF from '@tensorflow/tfjs-core';
import type { Graph, Node } from '../src/graph/ir.js';
import { optimizeForInference } from '../src/graph/passes.js';
import { attrInts, attrNum } from '../src/ops/registry.js';
import { SlimError } from '../src/runtime/errors.js';

type Tf = typeof TF;
type T4 = TF.Tensor4D;

const FUSED_ACT: Record<number, TF.fused.Activation | undefined> = { 0: 'linear', 1: 'relu', 2: 'relu6', 5: 'sigmoid' };

function applyAct(tf: Tf, code: number, x: TF.Tensor): TF.Tensor {
  switch (code) {
    case 0:
      return x;
    case 1:
      return tf.relu(x);
    case 2:
      return tf.relu6(x);
    case 3:
      return tf.mul(x, tf.div(tf.relu6(tf.add(x, 3)), 6));
    case 4:
      return tf.mul(x, tf.sigmoid(x));
    case 5:
      return tf.sigmoid(x);
    case 6:
      return tf.tanh(x);
    case 7:
      return tf.leakyRelu(x, 0.01);
    default:
      throw new SlimError(`tfjs peer: unknown activation code ${code}`);
  }
}

/** Numeric padding when symmetric, else explicit pre-padding and 'valid'. */
function padded(tf: Tf, x: T4, pads: number[]): { x: T4; pad: number | 'valid' } {
  const [pt, pl, pb, pr] = pads;
  if (pt === pl && pt === pb && pt === pr) return { x, pad: pt };
  return {
    x: tf.pad(x, [
      [0, 0],
      [pt, pb],
      [pl, pr],
      [0, 0],
    ]),
    pad: 'valid',
  };
}

export interface TfjsModel {
  /** One inference: upload, forward, read back (what `CompiledGraph.run` does too). */
  run(input: Float32Array): Promise<Float32Array>;
  /** Bytes of weight tensors held by tfjs. */
  weightBytes: number;
  dispose(): void;
}

type Step = (env: Map<number, TF.Tensor>) => void;

/** Build the tfjs model of `src` (a training-form zoo graph or an inference graph; it is optimized here). */
export function buildTfjsModel(tf: Tf, src: Graph): TfjsModel {
  const { graph: g } = optimizeForInference(src);
  if (g.inputs.length !== 1 || g.outputs.length !== 1) throw new SlimError('tfjs peer: one input and one output expected');
  const weights: TF.Tensor[] = [];
  const own = (w: TF.Tensor) => weights.push(w);
  const param = (t: number, shape?: number[]): TF.Tensor => {
    const d = g.tensors[t];
    if (!d.data) throw new SlimError(`tfjs peer: tensor '${d.name}' is not a parameter`);
    const w = tf.tensor(d.data, shape ?? d.shape);
    own(w);
    return w;
  };
  const steps: Step[] = g.nodes.map((n) => stepFor(tf, g, n, param, own));
  const inShape = g.shape(g.inputs[0]);
  const outId = g.outputs[0];
  return {
    weightBytes: weights.reduce((a, w) => a + w.size * 4, 0),
    async run(input: Float32Array) {
      const y = tf.tidy(() => {
        const env = new Map<number, TF.Tensor>();
        env.set(g.inputs[0], tf.tensor(input, inShape));
        for (const s of steps) s(env);
        return env.get(outId)!;
      });
      const data = (await y.data()) as Float32Array;
      y.dispose();
      return data;
    },
    dispose() {
      weights.forEach((w) => w.dispose());
    },
  };
}

function stepFor(tf: Tf, g: Graph, n: Node, param: (t: number, shape?: number[]) => TF.Tensor, own: (w: TF.Tensor) => void): Step {
  const out = n.outputs[0];
  const act = attrNum(n.attrs, 'act', 0);
  switch (n.op) {
    case 'conv2d': {
      const [kh, kw, cg, cout] = g.shape(n.inputs[1]);
      const cin = g.shape(n.inputs[0])[3];
      const groups = attrNum(n.attrs, 'groups', 1);
      const strides = attrInts(n.attrs, 'stride', 2, [1, 1]) as [number, number];
      const dilations = attrInts(n.attrs, 'dilation', 2, [1, 1]) as [number, number];
      const pads = attrInts(n.attrs, 'pads', 4, [0, 0, 0, 0]);
      const shuffle = attrNum(n.attrs, 'shuffle', 1);
      const fusedAct = FUSED_ACT[act];
      const activation = fusedAct ?? 'linear';
      const post = (y: TF.Tensor) => (fusedAct ? y : applyAct(tf, act, y));
      const bias = n.inputs[2] !== undefined ? (param(n.inputs[2]) as TF.Tensor1D) : undefined;
      let conv: (x: T4) => TF.Tensor;
      if (groups === cin && cin === cout && cg === 1) {
        const filter = param(n.inputs[1], [kh, kw, cin, 1]) as T4;
        conv = (x) => {
          const p = padded(tf, x, pads);
          return tf.fused.depthwiseConv2d({ x: p.x, filter, strides, pad: p.pad, dilations, bias, activation });
        };
      } else if (groups === 1) {
        const filter = param(n.inputs[1]) as T4;
        conv = (x) => {
          const p = padded(tf, x, pads);
          return tf.fused.conv2d({ x: p.x, filter, strides, pad: p.pad, dilations, bias, activation });
        };
      } else {
        const ng = cout / groups;
        const w = g.tensors[n.inputs[1]].data!;
        const b = n.inputs[2] !== undefined ? g.tensors[n.inputs[2]].data! : null;
        const filters: T4[] = [];
        const biases: TF.Tensor1D[] = [];
        for (let k = 0; k < groups; k++) {
          const wk = new Float32Array(kh * kw * cg * ng);
          for (let r = 0; r < kh * kw * cg; r++) wk.set(w.subarray(r * cout + k * ng, r * cout + (k + 1) * ng), r * ng);
          filters.push(tf.tensor4d(wk, [kh, kw, cg, ng]));
          if (b) biases.push(tf.tensor1d(b.slice(k * ng, (k + 1) * ng)));
        }
        [...filters, ...biases].forEach(own);
        conv = (x) => {
          const p = padded(tf, x, pads);
          const xs = tf.split(p.x, groups, 3) as T4[];
          const ys = xs.map((xk, k) =>
            tf.fused.conv2d({ x: xk, filter: filters[k], strides, pad: p.pad, dilations, bias: biases[k], activation }),
          );
          return tf.concat(ys, 3);
        };
      }
      return (env) => {
        let y = post(conv(env.get(n.inputs[0]) as T4));
        if (shuffle > 1) {
          const [N, H, W, C] = y.shape;
          y = tf.reshape(tf.transpose(tf.reshape(y, [N, H, W, shuffle, C / shuffle]), [0, 1, 2, 4, 3]), [N, H, W, C]);
        }
        env.set(out, y);
      };
    }
    case 'pool2d': {
      const kernel = attrInts(n.attrs, 'kernel', 2) as [number, number];
      const strides = attrInts(n.attrs, 'stride', 2, kernel) as [number, number];
      const pads = attrInts(n.attrs, 'pads', 4, [0, 0, 0, 0]);
      if (n.attrs.ceil || n.attrs.countIncludePad || attrInts(n.attrs, 'dilation', 2, [1, 1]).some((d) => d !== 1)) {
        throw new SlimError(`tfjs peer: pool2d '${n.name}' uses ceil mode, count_include_pad or dilation`);
      }
      const max = (n.attrs.mode ?? 'max') === 'max';
      return (env) => {
        const x = env.get(n.inputs[0]) as T4;
        const [pt, pl, pb, pr] = pads;
        const pad: number | [[number, number], [number, number], [number, number], [number, number]] =
          pt === pl && pt === pb && pt === pr
            ? pt
            : [
                [0, 0],
                [pt, pb],
                [pl, pr],
                [0, 0],
              ];
        env.set(out, max ? tf.maxPool(x, kernel, strides, pad) : tf.avgPool(x, kernel, strides, pad));
      };
    }
    case 'global_pool': {
      const max = n.attrs.mode === 'max';
      return (env) => env.set(out, max ? tf.max(env.get(n.inputs[0])!, [1, 2], true) : tf.mean(env.get(n.inputs[0])!, [1, 2], true));
    }
    case 'add':
      return (env) => env.set(out, applyAct(tf, act, tf.add(env.get(n.inputs[0])!, env.get(n.inputs[1])!)));
    case 'activation':
      return (env) => env.set(out, applyAct(tf, act, env.get(n.inputs[0])!));
    case 'concat':
      return (env) =>
        env.set(
          out,
          tf.concat(
            n.inputs.map((t) => env.get(t)!),
            -1,
          ),
        );
    case 'channel_scale':
      return (env) => env.set(out, tf.mul(env.get(n.inputs[0])!, env.get(n.inputs[1])!));
    case 'softmax':
      return (env) => env.set(out, n.attrs.log ? tf.logSoftmax(env.get(n.inputs[0])!) : tf.softmax(env.get(n.inputs[0])!));
    case 'reshape':
      return (env) => env.set(out, tf.reshape(env.get(n.inputs[0])!, g.shape(out)));
    case 'channel_shuffle': {
      const groups = attrNum(n.attrs, 'groups');
      return (env) => {
        const x = env.get(n.inputs[0])!;
        const [N, H, W, C] = x.shape;
        env.set(out, tf.reshape(tf.transpose(tf.reshape(x, [N, H, W, groups, C / groups]), [0, 1, 2, 4, 3]), [N, H, W, C]));
      };
    }
    default:
      throw new SlimError(`tfjs peer: op '${n.op}' (node '${n.name}') has no tfjs translation`);
  }
}
