// A CPU executor for training step graphs (forward, backward, loss and optimizer nodes) built from the float64
// references: the oracle that the GPU training step is compared with, step by step. Parameter and state values
// live in `state` and are updated in place, as on the GPU.

import type { Graph } from '../../src/graph/ir.js';
import { applyAct } from '../../src/ops/activation.js';
import { attrNum } from '../../src/ops/registry.js';
import { binarizeCPU, fakeQuantCPU, signCPU } from '../../src/ops/compress_train.js';
import { batchnormRef, channelScaleRef, channelShuffleRef, concatRef, conv2dRef, globalPoolRef, pool2dRef } from './ops.js';
import { matmulRef } from './tensor.js';
import {
  activationGrad,
  adamUpdateRef,
  batchnormBackwardRef,
  batchnormTrainRef,
  channelScaleBackwardRef,
  channelSumRef,
  concatBackwardRef,
  conv2dBackwardInputRef,
  conv2dBackwardWeightRef,
  convFlipRef,
  convPatchesRef,
  convWeightPartialRef,
  globalPoolBackwardRef,
  gradNormRef,
  klDivRef,
  pool2dBackwardRef,
  sgdUpdateRef,
  softmaxCrossEntropyRef,
} from './backward.js';

/** Initial parameter and state values of a graph (copies). */
export function initialState(g: Graph): Map<number, Float32Array> {
  const s = new Map<number, Float32Array>();
  for (const t of g.tensors) if (t.role === 'param' || t.role === 'state') s.set(t.id, Float32Array.from(t.data!));
  return s;
}

/** Run every node; returns all tensor values (graph outputs among them). */
export function runTrainGraphRef(g: Graph, inputs: Float32Array[], state: Map<number, Float32Array>): Map<number, Float32Array> {
  const val = new Map<number, Float32Array>(state);
  g.inputs.forEach((t, k) => val.set(t, inputs[k]));
  for (const n of g.nodes) {
    const x = n.inputs.map((t) => val.get(t)!);
    const s = n.inputs.map((t) => g.shape(t));
    const a = n.attrs;
    const act = (a.act as number) ?? 0;
    const c0 = s[0][s[0].length - 1];
    const set = (...ys: Float32Array[]) => ys.forEach((y, k) => val.set(n.outputs[k], y));
    const hyper = () => ({ lr: x.at(-2)![0], bc1: x.at(-2)![1], bc2: x.at(-2)![2], maxNorm: x.at(-2)![3] });
    switch (n.op) {
      case 'conv2d':
      case 'conv2d_gemm':
        set(conv2dRef(x[0], s[0], x[1], s[1], x[2] ?? null, a));
        break;
      case 'matmul': // autodiff's fully connected gradients (no bias in the training graph's use)
        set(matmulRef(x[0], s[0], x[1], s[1], !!a.transA, !!a.transB, attrNum(a, 'alpha', 1)).y);
        break;
      case 'batchnorm':
        set(batchnormRef(x[0], c0, x[1], x[2], x[3], x[4], attrNum(a, 'eps', 1e-5), act));
        break;
      case 'activation':
        set(x[0].map((v) => applyAct(act, v)));
        break;
      case 'mul':
        set(x[0].map((v, i) => v * x[1][i]));
        break;
      case 'add':
        set(x[0].map((v, i) => applyAct(act, v + x[1][i])));
        break;
      case 'pool2d':
        set(pool2dRef(x[0], s[0], a));
        break;
      case 'global_pool':
        set(globalPoolRef(x[0], s[0], (a.mode as 'avg' | 'max') ?? 'avg'));
        break;
      case 'channel_scale':
        set(channelScaleRef(x[0], s[0], x[1]));
        break;
      case 'channel_shuffle':
        set(channelShuffleRef(x[0], c0, a.groups as number));
        break;
      case 'concat':
        set(concatRef(x, s));
        break;
      case 'reshape':
        set(x[0]);
        break;
      case 'reduce': {
        // the split-K weight gradient's sum over its chunks (autodiff.ts convWeightGrad): sum over one axis
        if (a.mode !== 'sum') throw new Error(`no CPU reference for reduce mode '${String(a.mode)}'`);
        const axis = attrNum(a, 'axis', 0);
        const r = s[0][axis];
        const inner = s[0].slice(axis + 1).reduce((p, d) => p * d, 1);
        const outer = x[0].length / (r * inner);
        const y = new Float32Array(outer * inner);
        for (let o = 0; o < outer; o++)
          for (let i = 0; i < inner; i++) {
            let acc = 0;
            for (let k = 0; k < r; k++) acc += x[0][(o * r + k) * inner + i];
            y[o * inner + i] = acc;
          }
        set(y);
        break;
      }
      case 'batchnorm_train': {
        const r = batchnormTrainRef(
          x[0],
          c0,
          x[1],
          x[2],
          x[3],
          x[4],
          attrNum(a, 'eps', 1e-5),
          attrNum(a, 'momentum', 0.1),
          attrNum(a, 'update', 1) === 1,
        );
        x[3].set(r.runMean);
        x[4].set(r.runVar);
        // a fused activation: y = act(bn(x)); a fused max-pool (attr pool, stride = kernel): y = maxpool(act(bn(x)))
        const y = act ? r.y.map((v) => applyAct(act, v)) : r.y;
        set(a.pool ? pool2dRef(y, s[0], { mode: 'max', kernel: a.pool, stride: a.pool }) : y, r.mean, r.rstd);
        break;
      }
      case 'batchnorm_backward': {
        // a fused activation: the batch-norm's output gradient is dy·act'(z), z = (x − mean)·rstd·γ + β; a fused
        // max-pool: dy is the pooled gradient, sent to each window's first maximal act(z) first
        const z = x[0].map((v, i) => (v - x[2][i % c0]) * x[3][i % c0] * x[4][i % c0] + (x[5] ? x[5][i % c0] : 0));
        const poolAttrs = { mode: 'max', kernel: a.pool, stride: a.pool };
        const da = a.pool ? pool2dBackwardRef(act ? z.map((v) => applyAct(act, v)) : z, s[0], x[1], poolAttrs) : x[1];
        const dz = act ? da.map((g, i) => g * activationGrad(act, z[i])) : da;
        const r = batchnormBackwardRef(x[0], dz, c0, x[2], x[3], x[4]);
        set(r.dx, r.dgamma, r.dbeta);
        break;
      }
      case 'conv2d_backward_input':
        set(conv2dBackwardInputRef(x[0], x[1], s[1], a.in_shape as number[], a));
        break;
      case 'conv2d_backward_weight':
        set(conv2dBackwardWeightRef(x[0], s[0], x[1], a.w_shape as number[], a));
        break;
      case 'conv2d_backward_input_flip':
        set(convFlipRef(x[0], s[0], attrNum(a, 'groups', 1)));
        break;
      case 'conv2d_backward_weight_patches':
        set(convPatchesRef(x[0], s[0], a));
        break;
      case 'conv2d_backward_weight_partial':
        set(convWeightPartialRef(x[0], s[0], x[1], a));
        break;
      case 'conv2d_backward_bias':
        set(channelSumRef(x[0], c0));
        break;
      case 'activation_backward':
        set(x[0].map((v, i) => x[1][i] * activationGrad(act, v)));
        break;
      case 'pool2d_backward':
        set(pool2dBackwardRef(x[0], s[0], x[1], a));
        break;
      case 'global_pool_backward':
        set(globalPoolBackwardRef(x[0], s[0], x[1], (a.mode as 'avg' | 'max') ?? 'avg'));
        break;
      case 'channel_scale_backward':
        set(channelScaleBackwardRef(x[0], s[0], x[1]));
        break;
      case 'concat_backward':
        set(...concatBackwardRef(x[0], a.sizes as number[]));
        break;
      case 'softmax_cross_entropy': {
        const r = softmaxCrossEntropyRef(x[0], x[1], s[0][1], attrNum(a, 'scale', 1 / s[0][0]));
        set(r.loss, r.dz);
        break;
      }
      case 'kl_div': {
        const tau = attrNum(a, 'tau', 1);
        const r = klDivRef(x[0], x[1], s[0][1], tau, attrNum(a, 'scale', (tau * tau) / s[0][0]));
        set(r.loss, r.ds);
        break;
      }
      case 'fake_quant':
        set(fakeQuantCPU(x[0], c0, attrNum(a, 'bits', 8)));
        break;
      case 'binarize_weights':
        set(binarizeCPU(x[0], c0));
        break;
      case 'binarize_weights_backward':
        set(x[0].map((w, i) => (Math.abs(w) <= 1 ? x[1][i] : 0)));
        break;
      case 'sign_ste':
        set(signCPU(x[0]));
        break;
      case 'sign_ste_backward':
        set(x[0].map((v, i) => (Math.abs(v) <= 1 ? x[1][i] : 0)));
        break;
      case 'grad_norm':
        set(Float32Array.of(gradNormRef(x)));
        break;
      case 'sgd_update':
        sgdUpdateRef(x[0], x[1], x[2], hyper(), x[4][0], a);
        break;
      case 'adam_update':
        adamUpdateRef(x[0], x[1], x[2], x[3], hyper(), x[5][0], a);
        break;
      default:
        throw new Error(`no CPU reference for op '${n.op}'`);
    }
  }
  return val;
}
