// Small graphs with the shapes of the ONNX zoo's CNNs (ShuffleNet v1, SqueezeNet, ResNet-50, Inception/GoogLeNet,
// DenseNet-121, VGG-19, AlexNet), built with slimgpu's Graph API at toy width and resolution: every layer kind and
// connection pattern of the real network (grouped 1×1 + shuffle, fire modules, bottlenecks with projections,
// multi-branch concat + LRN, dense concatenation + transitions, deep 3×3 stacks, 11×11/4 stems, FC heads).

import { Graph } from '../src/graph/ir.js';
import { ACTIVATIONS } from '../src/ops/activation.js';
import { randn, rng } from './helpers.js';

const RELU = ACTIVATIONS.relu;
let seed = 100;

export class Builder {
  g = new Graph();
  constructor(readonly name: string) {
    seed = 100;
  }
  input(shape: number[]): number {
    return this.g.addInput('input', shape);
  }
  param(name: string, shape: number[], scale: number): number {
    return this.g.addParam(
      name,
      shape,
      randn(
        shape.reduce((a, b) => a * b, 1),
        seed++,
        scale,
      ),
    );
  }
  conv(
    x: number,
    cout: number,
    k: number,
    o: { stride?: number; pad?: number; groups?: number; act?: number; bias?: boolean } = {},
  ): number {
    const cin = this.g.shape(x)[3];
    const groups = o.groups ?? 1;
    const w = this.param('w', [k, k, cin / groups, cout], Math.sqrt(3 / ((k * k * cin) / groups)));
    const ins = [x, w];
    if (o.bias ?? true) ins.push(this.param('b', [cout], 0.1));
    const p = o.pad ?? Math.floor(k / 2);
    return this.g.add1('conv2d', ins, { stride: [o.stride ?? 1, o.stride ?? 1], pads: [p, p, p, p], groups, act: o.act ?? 0 });
  }
  bn(x: number, act = 0): number {
    const c = this.g.shape(x)[3];
    const r = rng(seed++);
    const pos = (n: number) => Float32Array.from({ length: n }, () => 0.5 + r());
    const gamma = this.g.addParam('gamma', [c], pos(c));
    const beta = this.param('beta', [c], 0.2);
    const mean = this.param('mean', [c], 0.2);
    const variance = this.g.addParam('var', [c], pos(c));
    const y = this.g.add1('batchnorm', [x, gamma, beta, mean, variance], { eps: 1e-5 });
    return act ? this.act(y, act) : y;
  }
  act(x: number, act: number = RELU): number {
    return this.g.add1('activation', [x], { act });
  }
  pool(x: number, mode: 'max' | 'avg', k: number, s: number, p = 0, ceil = false): number {
    return this.g.add1('pool2d', [x], { mode, kernel: [k, k], stride: [s, s], pads: [p, p, p, p], ceil, countIncludePad: false });
  }
  gap(x: number): number {
    return this.g.add1('global_pool', [x], { mode: 'avg' });
  }
  fc(x: number, out: number, act = 0): number {
    const s = this.g.shape(x);
    const k = s.slice(1).reduce((a, b) => a * b, 1);
    const flat = s.length === 2 ? x : this.g.add1('reshape', [x], { shape: [s[0], k] });
    const y = this.g.add1(
      'binary',
      [this.g.add1('matmul', [flat, this.param('fc_w', [k, out], Math.sqrt(3 / k))], {}), this.param('fc_b', [out], 0.1)],
      { fn: 'add' },
    );
    return act ? this.g.add1('unary', [y], { fn: 'relu' }) : y;
  }
  concat(xs: number[]): number {
    return this.g.add1('concat', xs, {});
  }
  done(y: number): Graph {
    this.g.markOutput(y);
    return this.g;
  }
}

export function shufflenetV1(): Graph {
  const b = new Builder('shufflenet_v1');
  let x = b.pool(b.bn(b.conv(b.input([1, 24, 24, 3]), 24, 3, { stride: 2, bias: false }), RELU), 'max', 3, 2, 1);
  const unit = (x: number, cout: number, stride: number) => {
    const cin = b.g.shape(x)[3];
    const mid = 12;
    let y = b.bn(b.conv(x, mid, 1, { groups: 3, bias: false }), RELU);
    y = b.g.add1('channel_shuffle', [y], { groups: 3 });
    y = b.bn(b.conv(y, mid, 3, { stride, groups: mid, bias: false }));
    if (stride === 2) {
      y = b.bn(b.conv(y, cout - cin, 1, { groups: 3, bias: false }));
      return b.act(b.concat([b.pool(x, 'avg', 3, 2, 1), y]));
    }
    y = b.bn(b.conv(y, cout, 1, { groups: 3, bias: false }));
    return b.g.add1('add', [x, y], { act: RELU });
  };
  x = unit(x, 48, 2);
  x = unit(x, 48, 1);
  return b.done(b.g.add1('softmax', [b.fc(b.gap(x), 10)], {}));
}

export function squeezenet(): Graph {
  const b = new Builder('squeezenet');
  let x = b.pool(b.conv(b.input([1, 33, 33, 3]), 16, 3, { stride: 2, pad: 0, act: RELU }), 'max', 3, 2, 0, true);
  const fire = (x: number, s: number, e: number) => {
    const q = b.conv(x, s, 1, { act: RELU });
    return b.concat([b.conv(q, e, 1, { act: RELU }), b.conv(q, e, 3, { act: RELU })]);
  };
  x = fire(fire(x, 8, 16), 8, 16);
  x = b.pool(x, 'max', 3, 2, 0, true);
  x = fire(x, 12, 24);
  x = b.conv(x, 10, 1, { act: RELU });
  const y = b.g.add1('reshape', [b.gap(x)], { shape: [1, 10] });
  return b.done(b.g.add1('softmax', [y], {}));
}

export function resnet50(): Graph {
  const b = new Builder('resnet50');
  let x = b.pool(b.bn(b.conv(b.input([1, 32, 32, 3]), 16, 7, { stride: 2, pad: 3, bias: false }), RELU), 'max', 3, 2, 1);
  const bottleneck = (x: number, mid: number, cout: number, stride: number) => {
    let y = b.bn(b.conv(x, mid, 1, { bias: false }), RELU);
    y = b.bn(b.conv(y, mid, 3, { stride, bias: false }), RELU);
    y = b.bn(b.conv(y, cout, 1, { bias: false }));
    const short = stride !== 1 || b.g.shape(x)[3] !== cout ? b.bn(b.conv(x, cout, 1, { stride, bias: false })) : x;
    return b.g.add1('add', [y, short], { act: RELU });
  };
  x = bottleneck(x, 8, 32, 1);
  x = bottleneck(x, 8, 32, 1);
  x = bottleneck(x, 16, 64, 2);
  return b.done(b.fc(b.gap(x), 10));
}

export function inception(): Graph {
  const b = new Builder('inception');
  let x = b.pool(b.conv(b.input([1, 20, 20, 3]), 16, 3, { act: RELU }), 'max', 3, 2, 1);
  x = b.g.add1('lrn', [x], { size: 5, alpha: 1e-4, beta: 0.75, bias: 1 });
  const block = (x: number) => {
    const b1 = b.conv(x, 8, 1, { act: RELU });
    const b2 = b.conv(b.conv(x, 6, 1, { act: RELU }), 8, 3, { act: RELU });
    const b3 = b.conv(b.conv(x, 4, 1, { act: RELU }), 4, 5, { act: RELU });
    const b4 = b.conv(b.pool(x, 'max', 3, 1, 1), 4, 1, { act: RELU });
    return b.concat([b1, b2, b3, b4]);
  };
  x = block(block(x));
  x = b.pool(x, 'avg', 3, 2, 0);
  return b.done(b.fc(x, 10));
}

export function densenet121(): Graph {
  const b = new Builder('densenet121');
  let x = b.pool(b.bn(b.conv(b.input([1, 24, 24, 3]), 16, 7, { stride: 2, pad: 3, bias: false }), RELU), 'max', 3, 2, 1);
  const layer = (x: number) => {
    const y = b.conv(b.bn(b.conv(b.bn(x, RELU), 16, 1, { bias: false }), RELU), 8, 3, { bias: false });
    return b.concat([x, y]);
  };
  x = layer(layer(layer(x)));
  x = b.pool(b.conv(b.bn(x, RELU), 20, 1, { bias: false }), 'avg', 2, 2);
  x = layer(layer(x));
  return b.done(b.fc(b.gap(b.bn(x, RELU)), 10));
}

export function vgg19(): Graph {
  const b = new Builder('vgg19');
  let x = b.input([1, 16, 16, 3]);
  for (const [c, n] of [
    [8, 2],
    [16, 2],
    [16, 4],
  ] as const) {
    for (let i = 0; i < n; i++) x = b.conv(x, c, 3, { act: RELU });
    x = b.pool(x, 'max', 2, 2);
  }
  return b.done(b.fc(b.fc(x, 32, RELU), 10));
}

export function alexnet(): Graph {
  const b = new Builder('alexnet');
  let x = b.conv(b.input([1, 67, 67, 3]), 16, 11, { stride: 4, pad: 2, act: RELU });
  x = b.pool(b.g.add1('lrn', [x], { size: 5, alpha: 1e-4, beta: 0.75, bias: 1 }), 'max', 3, 2);
  x = b.conv(x, 32, 5, { pad: 2, groups: 2, act: RELU });
  x = b.pool(b.g.add1('lrn', [x], { size: 5, alpha: 1e-4, beta: 0.75, bias: 1 }), 'max', 3, 2);
  x = b.conv(b.conv(x, 24, 3, { act: RELU }), 16, 3, { groups: 2, act: RELU });
  return b.done(b.fc(b.fc(x, 32, RELU), 10));
}

export const ZOO: Record<string, () => Graph> = {
  shufflenet_v1: shufflenetV1,
  squeezenet,
  resnet50,
  inception,
  densenet121,
  vgg19,
  alexnet,
};
