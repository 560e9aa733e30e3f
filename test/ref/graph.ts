// A CPU executor over the unfused graph, node by node with the float64 references: the oracle for whole models
// (checks fusion passes, the memory planner and every kernel together), and for graphs that ONNX import lowers to
// the N-D tensor ops (unary, binary, transpose, slice, pad, matmul, reduce, softmax_axis, lrn).

import type { Graph } from '../../src/graph/ir.js';
import { applyAct } from '../../src/ops/activation.js';
import { attrNum } from '../../src/ops/registry.js';
import type { BinaryName, UnaryName } from '../../src/ops/tensor.js';
import { specialRef, type SpecialName } from '../../src/ops/special.js';
import { batchnormRef, channelScaleRef, channelShuffleRef, concatRef, conv2dRef, globalPoolRef, pool2dRef, softmaxRef } from './ops.js';
import {
  binaryTensorRef,
  concatAxisRef,
  hardmaxRef,
  lrnRef,
  matmulRef,
  padRef,
  reduceRef,
  sliceRef,
  softmaxAxisRef,
  transposeRef,
  unaryTensorRef,
} from './tensor.js';

export function runGraphRef(g: Graph, inputs: Float32Array[]): Float32Array[] {
  const val = new Map<number, Float32Array>();
  g.inputs.forEach((t, k) => val.set(t, inputs[k]));
  for (const t of g.tensors) if (t.role === 'param') val.set(t.id, t.data!);
  for (const n of g.nodes) {
    const x = n.inputs.map((t) => val.get(t)!);
    const s = n.inputs.map((t) => g.shape(t));
    const act = (n.attrs.act as number) ?? 0;
    let y: Float32Array;
    switch (n.op) {
      case 'conv2d':
        y = conv2dRef(x[0], s[0], x[1], s[1], x[2] ?? null, n.attrs);
        break;
      case 'batchnorm':
        y = batchnormRef(x[0], s[0][s[0].length - 1], x[1], x[2], x[3], x[4], (n.attrs.eps as number) ?? 1e-5, act);
        break;
      case 'activation':
        y = x[0].map((v) => applyAct(act, v));
        break;
      case 'add':
        y = x[0].map((v, i) => applyAct(act, v + x[1][i]));
        break;
      case 'pool2d':
        y = pool2dRef(x[0], s[0], n.attrs);
        break;
      case 'global_pool':
        y = globalPoolRef(x[0], s[0], (n.attrs.mode as 'avg' | 'max') ?? 'avg');
        break;
      case 'channel_scale':
        y = channelScaleRef(x[0], s[0], x[1]);
        break;
      case 'channel_shuffle':
        y = channelShuffleRef(x[0], s[0][s[0].length - 1], n.attrs.groups as number);
        break;
      case 'concat':
        y = concatRef(x, s);
        break;
      case 'softmax':
        y = softmaxRef(x[0], s[0][s[0].length - 1], !!n.attrs.log);
        break;
      case 'reshape':
        y = x[0];
        break;
      case 'unary':
        y = unaryTensorRef(x[0], n.attrs.fn as UnaryName, attrNum(n.attrs, 'alpha', 0), attrNum(n.attrs, 'beta', 0));
        break;
      case 'special':
        y = x[0].map((v) => specialRef(n.attrs.fn as SpecialName, v));
        break;
      case 'binary':
        y = binaryTensorRef(x[0], s[0], x[1], s[1], n.attrs.fn as BinaryName).y;
        break;
      case 'transpose':
        y = transposeRef(x[0], s[0], n.attrs.perm as number[]);
        break;
      case 'slice':
        y = sliceRef(x[0], s[0], n.attrs.starts as number[], n.attrs.ends as number[], (n.attrs.steps as number[]) ?? s[0].map(() => 1));
        break;
      case 'concat_axis':
        y = concatAxisRef(x, s, attrNum(n.attrs, 'axis'));
        break;
      case 'pad':
        y = padRef(
          x[0],
          s[0],
          n.attrs.pads as number[],
          (n.attrs.mode as 'constant') ?? 'constant',
          x[1] ? x[1][0] : attrNum(n.attrs, 'value', 0),
        );
        break;
      case 'matmul': {
        const bias = x[2];
        y = matmulRef(x[0], s[0], x[1], s[1], !!n.attrs.transA, !!n.attrs.transB, attrNum(n.attrs, 'alpha', 1)).y;
        if (bias) y = y.map((v, i) => v + bias[i % bias.length]);
        break;
      }
      case 'reduce': {
        const axis = attrNum(n.attrs, 'axis');
        y = reduceRef(x[0], s[0], axis < 0 ? axis + s[0].length : axis, n.attrs.mode as 'sum');
        break;
      }
      case 'softmax_axis': {
        const axis = attrNum(n.attrs, 'axis');
        const ax = axis < 0 ? axis + s[0].length : axis;
        y = n.attrs.hard ? hardmaxRef(x[0], s[0], ax) : softmaxAxisRef(x[0], s[0], ax, !!n.attrs.log);
        break;
      }
      case 'lrn':
        y = lrnRef(
          x[0],
          s[0],
          attrNum(n.attrs, 'size'),
          attrNum(n.attrs, 'alpha', 1e-4),
          attrNum(n.attrs, 'beta', 0.75),
          attrNum(n.attrs, 'bias', 1),
        );
        break;
      default:
        throw new Error(`no CPU reference for op '${n.op}'`);
    }
    val.set(n.outputs[0], y);
  }
  return g.outputs.map((t) => val.get(t)!);
}
