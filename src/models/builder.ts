// ModelBuilder: the layer vocabulary the zoo is written in, emitting graph nodes in their training form
// (conv → batchnorm → activation as separate nodes; compile() folds them for inference).
// Weights are initialised from a seeded generator (He-uniform convs, random but well-conditioned batch-norm
// statistics) so every model is reproducible without downloading anything.

import { Graph } from '../graph/ir.js';
import { actCode, type FusedActivationName } from '../ops/activation.js';
import { check } from '../runtime/errors.js';

export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ConvOptions {
  k?: number | [number, number];
  stride?: number;
  groups?: number;
  dilation?: number;
  /** 'same' (default): (k−1)/2·dilation on every side; or explicit [top,left,bottom,right]. */
  pads?: 'same' | 'valid' | [number, number, number, number];
  bias?: boolean;
  /** batch-norm after the conv (default true; then no bias). */
  bn?: boolean;
  act?: FusedActivationName;
  name?: string;
  /** Scales the He-uniform weight bound; below 1 the bias starts at zero (a classifier whose first logits are
   *  near zero, so the first loss is ≈ ln(classes)). */
  initScale?: number;
}

export class ModelBuilder {
  readonly g = new Graph();
  private rand: () => number;
  /** Shapes only: parameters become shape-only graph inputs (no values), for size checks before any allocation. */
  readonly shapeParams: number[] | null;

  constructor(seed = 1, opts: { shapesOnly?: boolean } = {}) {
    this.rand = seededRandom(seed);
    this.shapeParams = opts.shapesOnly ? [] : null;
  }

  /** A parameter drawn uniformly from [lo, hi], or all zeros (drawing nothing) when lo = hi = 0. */
  private param(name: string, shape: number[], lo: number, hi: number): number {
    if (this.shapeParams) {
      const id = this.g.addInput(name, shape);
      this.shapeParams.push(id);
      return id;
    }
    const n = shape.reduce((a, b) => a * b, 1);
    return this.g.addParam(name, shape, lo === 0 && hi === 0 ? new Float32Array(n) : this.uniform(n, lo, hi));
  }

  private uniform(n: number, lo: number, hi: number): Float32Array {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * this.rand();
    return a;
  }

  input(name: string, shape: number[]): number {
    return this.g.addInput(name, shape);
  }

  channels(x: number): number {
    const s = this.g.shape(x);
    return s[s.length - 1];
  }

  conv(x: number, cout: number, o: ConvOptions = {}): number {
    const [kh, kw] = typeof o.k === 'number' || o.k === undefined ? [o.k ?? 1, o.k ?? 1] : o.k;
    const groups = o.groups ?? 1;
    const dil = o.dilation ?? 1;
    const cin = this.channels(x);
    check(cin % groups === 0 && cout % groups === 0, `conv ${o.name ?? ''}: channels ${cin}→${cout} not divisible by groups ${groups}`);
    const name = o.name ?? 'conv';
    let pads: [number, number, number, number];
    if (o.pads === undefined || o.pads === 'same') {
      const ph = ((kh - 1) / 2) * dil;
      const pw = ((kw - 1) / 2) * dil;
      pads = [Math.floor(ph), Math.floor(pw), Math.ceil(ph), Math.ceil(pw)];
    } else if (o.pads === 'valid') pads = [0, 0, 0, 0];
    else pads = o.pads;
    const fanIn = kh * kw * (cin / groups);
    const scale = o.initScale ?? 1;
    const bound = Math.sqrt(6 / fanIn) * scale;
    const w = this.param(`${name}.w`, [kh, kw, cin / groups, cout], -bound, bound);
    const bn = o.bn ?? true;
    const inputs = [x, w];
    if (o.bias ?? !bn) inputs.push(scale < 1 ? this.param(`${name}.b`, [cout], 0, 0) : this.param(`${name}.b`, [cout], -0.1, 0.1));
    const stride = o.stride ?? 1;
    let y = this.g.add1('conv2d', inputs, { stride: [stride, stride], pads, dilation: [dil, dil], groups }, name);
    if (bn) y = this.batchnorm(y, `${name}.bn`);
    if (o.act && o.act !== 'identity') y = this.act(y, o.act);
    return y;
  }

  batchnorm(x: number, name = 'bn'): number {
    const c = this.channels(x);
    const p = (suffix: string, lo: number, hi: number) => this.param(`${name}.${suffix}`, [c], lo, hi);
    return this.g.add1('batchnorm', [x, p('gamma', 0.8, 1.2), p('beta', -0.1, 0.1), p('mean', -0.1, 0.1), p('var', 0.8, 1.2)], { eps: 1e-5 }, name);
  }

  act(x: number, a: FusedActivationName): number {
    return this.g.add1('activation', [x], { act: actCode(a) }, a);
  }

  /** Fully connected on [N,1,1,C] (a 1×1 convolution with bias). */
  dense(x: number, cout: number, act?: FusedActivationName, name = 'fc', initScale = 1): number {
    return this.conv(x, cout, { k: 1, bn: false, bias: true, act, name, initScale });
  }

  maxpool(x: number, k: number, stride: number, pad = 0): number {
    return this.g.add1('pool2d', [x], { mode: 'max', kernel: [k, k], stride: [stride, stride], pads: [pad, pad, pad, pad] }, 'maxpool');
  }

  avgpool(x: number, k: number, stride: number, pad = 0): number {
    return this.g.add1('pool2d', [x], { mode: 'avg', kernel: [k, k], stride: [stride, stride], pads: [pad, pad, pad, pad] }, 'avgpool');
  }

  globalAvgPool(x: number): number {
    return this.g.add1('global_pool', [x], { mode: 'avg' }, 'gap');
  }

  add(a: number, b: number, act?: FusedActivationName): number {
    return this.g.add1('add', [a, b], act ? { act: actCode(act) } : {}, 'add');
  }

  concat(xs: number[]): number {
    return this.g.add1('concat', xs, {}, 'concat');
  }

  shuffle(x: number, groups: number): number {
    return this.g.add1('channel_shuffle', [x], { groups }, 'shuffle');
  }

  /** Squeeze-and-excitation: x · σ(W2 act(W1 GAP(x))). */
  squeezeExcite(x: number, reduced: number, act: FusedActivationName, name = 'se'): number {
    const c = this.channels(x);
    let s = this.globalAvgPool(x);
    s = this.dense(s, reduced, act, `${name}.reduce`);
    s = this.dense(s, c, 'sigmoid', `${name}.expand`);
    return this.g.add1('channel_scale', [x, s], {}, name);
  }

  flatten(x: number): number {
    const s = this.g.shape(x);
    return this.g.add1('reshape', [x], { shape: [s[0], s.slice(1).reduce((a, b) => a * b, 1)] }, 'flatten');
  }

  /** Classifier head: [N,1,1,C] → logits [N, classes]. `initScale` < 1 (the trainable small CNNs): weights that
   *  small and a zero bias, so a fresh model's logits are near zero and its first loss is ≈ ln(classes) instead of
   *  a confident wrong guess (a He-initialised head gave cnn_small a first loss of 3.99 and a step-2 loss of 38.8). */
  classifier(x: number, classes: number, initScale = 1): number {
    return this.flatten(this.dense(x, classes, undefined, 'classifier', initScale));
  }

  finish(output: number): Graph {
    this.g.markOutput(output);
    return this.g;
  }
}
