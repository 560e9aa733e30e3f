// The architecture-search space for 28×28×1 inputs (Fashion-MNIST): small CNNs in two stages, each stage a run of
// blocks followed by a 2×2 max-pool (28 → 14 → 7), channels doubling in the second stage, then a head.
//
//   depth  blocks in all (2…6): ⌈depth/2⌉ in stage 1, ⌊depth/2⌋ in stage 2
//   width  stage-1 channels (4…64); stage 2 has 2·width
//   k      kernel of the spatial convolutions: 3 or 5
//   dw     depthwise-separable blocks (k×k depthwise → BN → ReLU → 1×1 → BN → ReLU) instead of k×k convs;
//          the first block (1 input channel) is always a plain convolution
//   se     squeeze-and-excitation (reduction 4, at least 4 channels) at the end of every block
//   fc     head: flatten → 64-unit dense → classifier (as cnn_small's), instead of global average pool → classifier
//
// An architecture travels as a zoo model name, `cnn_search:d3-w16-k5-dw-se-fc` (absent flags are off), so every
// ModelSpec consumer — train(), checkpoints, eval — builds it through buildModel.

import { check, SlimError } from '../runtime/errors.js';
import type { ModelBuilder } from './builder.js';

export const SEARCH_PREFIX = 'cnn_search:';

export interface SearchArch {
  depth: number;
  width: number;
  k: 3 | 5;
  dw: boolean;
  se: boolean;
  fc: boolean;
}

export const SEARCH_SPACE = {
  depth: [2, 3, 4, 5, 6],
  width: [4, 8, 12, 16, 24, 32, 48, 64],
  k: [3, 5] as (3 | 5)[],
  dw: [false, true],
  se: [false, true],
  fc: [false, true],
};

export function archName(a: SearchArch): string {
  return `${SEARCH_PREFIX}d${a.depth}-w${a.width}-k${a.k}${a.dw ? '-dw' : ''}${a.se ? '-se' : ''}${a.fc ? '-fc' : ''}`;
}

/** The architecture a `cnn_search:…` model name describes; a clear error for anything else. */
export function parseArch(name: string): SearchArch {
  if (!name.startsWith(SEARCH_PREFIX)) throw new SlimError(`'${name}' is not a search architecture (${SEARCH_PREFIX}d3-w16-k3[-dw][-se][-fc])`);
  const m = /^d(\d+)-w(\d+)-k(\d+)((?:-dw)?)((?:-se)?)((?:-fc)?)$/.exec(name.slice(SEARCH_PREFIX.length));
  if (!m) throw new SlimError(`bad search architecture '${name}' (expected ${SEARCH_PREFIX}d<depth>-w<width>-k<3|5>[-dw][-se][-fc])`);
  const a: SearchArch = { depth: +m[1], width: +m[2], k: +m[3] as 3 | 5, dw: !!m[4], se: !!m[5], fc: !!m[6] };
  check(a.depth >= 2 && a.depth <= 6, `search architecture '${name}': depth must be in [2, 6] (got ${a.depth})`);
  check(a.width >= 4 && a.width <= 64, `search architecture '${name}': width must be in [4, 64] (got ${a.width})`);
  check(a.k === 3 || a.k === 5, `search architecture '${name}': kernel must be 3 or 5 (got ${a.k})`);
  return a;
}

/** Builds the architecture on `x` ([N,28,28,1]); returns the logits. `headInit`: the classifier's init scale. */
export function cnnSearch(b: ModelBuilder, x: number, classes: number, a: SearchArch, headInit: number): number {
  const stage1 = Math.ceil(a.depth / 2);
  let block = 0;
  for (const [stage, blocks, c] of [
    [1, stage1, a.width],
    [2, a.depth - stage1, 2 * a.width],
  ]) {
    for (let i = 0; i < blocks; i++, block++) {
      const name = `s${stage}b${i}`;
      if (a.dw && b.channels(x) > 1) {
        x = b.conv(x, b.channels(x), { k: a.k, groups: b.channels(x), act: 'relu', name: `${name}.dw` });
        x = b.conv(x, c, { k: 1, act: 'relu', name: `${name}.pw` });
      } else x = b.conv(x, c, { k: a.k, act: 'relu', name: `${name}.conv` });
      if (a.se) x = b.squeezeExcite(x, Math.max(4, c >> 2), 'relu', `${name}.se`);
    }
    x = b.maxpool(x, 2, 2);
  }
  if (a.fc) {
    const s = b.g.shape(x);
    x = b.g.add1('reshape', [x], { shape: [s[0], 1, 1, s[1] * s[2] * s[3]] }, 'flatten');
    x = b.dense(x, 64, 'relu', 'fc1');
  } else x = b.globalAvgPool(x);
  return b.classifier(x, classes, headInit);
}
