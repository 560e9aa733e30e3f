// A CPU executor over the unfused graph, node by node with the float64 references: the oracle for whole models
// (checks fusion passes, the memory planner and every kernel together).

import type { Graph } from '../../src/graph/ir.js';
import { applyAct } from '../../src/ops/activation.js';
import { batchnormRef, channelScaleRef, channelShuffleRef, concatRef, conv2dRef, globalPoolRef, pool2dRef, softmaxRef } from './ops.js';

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
      default:
        throw new Error(`no CPU reference for op '${n.op}'`);
    }
    val.set(n.outputs[0], y);
  }
  return g.outputs.map((t) => val.get(t)!);
}
