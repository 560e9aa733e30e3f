// Fashion-MNIST (Xiao et al. 2017) without file I/O: browser-safe (no node: imports), shared by the library and the
// demo pages. The IDX format (parseIdx), splits and slices of them, the seeded epoch order and batches with
// augmentation (fillBatch). Reading the files from disk is src/io/fashion_mnist.ts (Node), fetching them in a page
// demos/shared/data.ts.
//
// IDX: big-endian magic 0x00000803 (u8 images, 3 dims) / 0x00000801 (u8 labels, 1 dim), then the dimensions,
// then the data. Every check names the file and what is wrong.
//
// Batches are NHWC f32 [B,28,28,1], normalised with the training set's mean and standard deviation; labels are
// f32 class ids. Epoch order is a seeded shuffle of (seed, epoch); augmentation (random crop with zero padding of
// the raw image, horizontal flip) draws from a generator seeded by (seed, step), so a resumed run sees exactly
// the same batches ('legacy': sequential draws; 'counter': a hash of (step seed, row, draw), also computed on the GPU).

import { check, SlimError } from '../runtime/errors.js';
import { seededRandom } from '../models/builder.js';
export const FASHION_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
/** Training-set pixel statistics (of x/255). */
export const FASHION_MEAN = 0.286;
export const FASHION_STD = 0.353;

export interface Split {
  /** Raw pixels, n × rows × cols bytes. */
  images: Uint8Array;
  labels: Uint8Array;
  n: number;
  rows: number;
  cols: number;
}

/** Parse one IDX file (already gunzipped). */
export function parseIdx(buf: Uint8Array, file: string, expectDims: 1 | 3): { dims: number[]; data: Uint8Array } {
  if (buf.length < 8) throw new SlimError(`${file}: ${buf.length} bytes is too short for an IDX header`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = dv.getUint32(0, false);
  if (magic >> 16 !== 0 || ((magic >> 8) & 0xff) !== 0x08) {
    throw new SlimError(
      `${file}: not an IDX file of unsigned bytes (magic 0x${magic.toString(16).padStart(8, '0')}, expected 0x0000080${expectDims})`,
    );
  }
  const nd = magic & 0xff;
  if (nd !== expectDims) throw new SlimError(`${file}: IDX file has ${nd} dimensions, expected ${expectDims}`);
  if (buf.length < 4 + 4 * nd) throw new SlimError(`${file}: truncated IDX header`);
  const dims = Array.from({ length: nd }, (_, k) => dv.getUint32(4 + 4 * k, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * nd;
  if (buf.length - start !== count) {
    throw new SlimError(`${file}: IDX header says [${dims.join(',')}] (${count} bytes of data) but the file holds ${buf.length - start}`);
  }
  return { dims, data: buf.subarray(start) };
}

/** The first `limit` examples (a slice for quick runs). */
export function limitSplit(s: Split, limit: number | undefined): Split {
  if (!limit || limit >= s.n) return s;
  const px = s.rows * s.cols;
  return { ...s, n: limit, images: s.images.subarray(0, limit * px), labels: s.labels.subarray(0, limit) };
}

/** The last n examples of a split (validation images held out from the front part that training uses). */
export function tailSplit(s: Split, n: number): Split {
  check(Number.isInteger(n) && n >= 1 && n <= s.n, `validation size must be an integer in [1, ${s.n}] (got ${n})`);
  const px = s.rows * s.cols;
  return { ...s, n, images: s.images.subarray((s.n - n) * px), labels: s.labels.subarray(s.n - n) };
}

/** A seeded permutation of 0..n−1 for epoch `epoch` (Fisher–Yates). */
export function epochOrder(n: number, seed: number, epoch: number): Uint32Array {
  const r = seededRandom((seed * 1000003 + epoch * 7919 + 17) >>> 0);
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

export interface Augment {
  /** Random crop after zero-padding by this many pixels on every side (0 = off). */
  cropPad: number;
  /** Horizontal flip with probability 1/2. */
  flip: boolean;
}

export const NO_AUGMENT: Augment = { cropPad: 0, flip: false };

/**
 * The augmentation's random numbers: 'legacy' draws in sequence from a generator seeded by the step's seed (the
 * first checkpoints' runs); 'counter' computes draw k of batch row b as lowbias32(seed ^ lowbias32(4b + k)), so any
 * row's draws are independent of the others' — what the GPU gather (shaders/data/gather_batch.wgsl) computes.
 */
export type AugRng = 'legacy' | 'counter';

/** Chris Wellons' lowbias32 integer hash (u32 in, u32 out). */
export function lowbias32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** Counter-based draw k (0: dy, 1: dx, 2: flip) of batch row b for the step seed `seed`. */
export function augDraw(seed: number, b: number, k: number): number {
  return lowbias32((seed ^ lowbias32((4 * b + k) >>> 0)) >>> 0);
}

/** f32 value of each byte after normalisation (index 256: the padding, a 0 pixel): lut[v] = fround(v/(255·std) − mean/std). */
export function normalisedPixels(): Float32Array {
  const inv = 1 / (255 * FASHION_STD);
  const bg = -FASHION_MEAN / FASHION_STD;
  const lut = new Float32Array(257);
  for (let v = 0; v < 256; v++) lut[v] = v * inv + bg;
  lut[256] = bg;
  return lut;
}

/**
 * Fill `images` [B,rows,cols,1] and `labels` [B] with the examples `idx`, normalised, augmented with draws seeded by
 * `augSeed` (ignored when augmentation is off) from the generator `rng` (see AugRng).
 */
export function fillBatch(
  s: Split,
  idx: ArrayLike<number>,
  aug: Augment,
  augSeed: number,
  images: Float32Array,
  labels: Float32Array,
  rng: AugRng = 'legacy',
): void {
  const { rows, cols } = s;
  const px = rows * cols;
  const r = seededRandom(augSeed >>> 0);
  const inv = 1 / (255 * FASHION_STD);
  const bg = -FASHION_MEAN / FASHION_STD;
  const span = 2 * aug.cropPad + 1;
  for (let b = 0; b < idx.length; b++) {
    const src = idx[b] * px;
    labels[b] = s.labels[idx[b]];
    let dy: number, dx: number, flip: boolean;
    if (rng === 'counter') {
      dy = aug.cropPad ? (augDraw(augSeed, b, 0) % span) - aug.cropPad : 0;
      dx = aug.cropPad ? (augDraw(augSeed, b, 1) % span) - aug.cropPad : 0;
      flip = aug.flip && (augDraw(augSeed, b, 2) & 1) === 1;
    } else {
      dy = aug.cropPad ? Math.floor(r() * span) - aug.cropPad : 0;
      dx = aug.cropPad ? Math.floor(r() * span) - aug.cropPad : 0;
      flip = aug.flip && r() < 0.5;
    }
    const o = b * px;
    for (let y = 0; y < rows; y++) {
      const sy = y + dy;
      for (let x = 0; x < cols; x++) {
        const sx0 = flip ? cols - 1 - x : x;
        const sx = sx0 + dx;
        images[o + y * cols + x] = sy < 0 || sy >= rows || sx < 0 || sx >= cols ? bg : s.images[src + sy * cols + sx] * inv + bg;
      }
    }
  }
}
