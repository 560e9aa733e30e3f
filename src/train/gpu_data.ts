// The training set resident on the GPU: its pixels uploaded once (u8 packed 4 per u32) with its labels, and each
// step's batch gathered, augmented and normalised by a kernel (op gather_batch, shaders/data/gather_batch.wgsl)
// from the epoch's permutation (uploaded once per epoch) — no per-step image upload, no CPU batch assembly.
//
// The same batches as the CPU path with the counter-based augmentation: fillBatch(split, order[start…], aug, seed,
// …, 'counter') (src/io/fashion_mnist_codec.ts) computes the same values bit for bit (a test checks it). Every
// step's batch follows from (seed, step) as on the CPU, so checkpoints resume exactly. When the dataset does not
// fit the device's buffer limits, training assembles the batches on the CPU instead (gpuDataFits says why).

import type { Graph } from '../graph/ir.js';
import { check } from '../runtime/errors.js';
import { normalisedPixels, type Augment, type Split } from '../io/fashion_mnist_codec.js';

/** Names of the dataset's tensors start with this (they are inputs of training, not checkpointed state). */
export const DATA_PREFIX = 'data/';

export interface GpuDataSpec {
  split: Split;
  augment: Augment;
}

/** Bytes of the packed pixels of `split`. */
export function gpuDataBytes(split: Split): number {
  return Math.ceil((split.n * split.rows * split.cols) / 4) * 4;
}

/** null when the split fits the device's limits, else the reason (for a note: training then uses the CPU path). */
export function gpuDataFits(split: Split, limits: { maxStorageBufferBindingSize: number; maxBufferSize: number }): string | null {
  const bytes = gpuDataBytes(split);
  const max = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  return bytes <= max
    ? null
    : `the training images (${bytes} bytes) exceed the device's storage buffer limit (${max} bytes); batches are assembled on the CPU`;
}

/** The pixels packed 4 per u32, little-endian (byte i of the split is byte i % 4 of word ⌊i/4⌋). */
export function packPixels(split: Split): Uint32Array {
  const px = split.n * split.rows * split.cols;
  const bytes = new Uint8Array(gpuDataBytes(split));
  bytes.set(split.images.subarray(0, px));
  const words = new Uint32Array(bytes.length / 4);
  const dv = new DataView(bytes.buffer);
  for (let i = 0; i < words.length; i++) words[i] = dv.getUint32(4 * i, true);
  return words;
}

/** The per-step graph input `cursor` (u32 bits in an f32 array): (first position in the epoch order, augmentation seed). */
export function cursorInput(start: number, augSeed: number): Float32Array {
  const u = Uint32Array.of(start >>> 0, augSeed >>> 0, 0, 0);
  return new Float32Array(u.buffer);
}

/** Add the dataset tensors and the gather node to `g`; returns the batch's images and labels and the order tensor. */
export function addGatherBatch(g: Graph, d: GpuDataSpec, inShape: number[]): { images: number; labels: number; order: number } {
  const { split } = d;
  const want = [inShape[0], split.rows, split.cols, 1];
  check(inShape.join() === want.join(), `model input [${inShape}] is not a batch of [${want}] images`);
  check(split.n < 2 ** 24, `a GPU-resident training set holds fewer than 2^24 images (got ${split.n})`);
  const pixels = packPixels(split);
  const pix = g.addRawParam(`${DATA_PREFIX}pixels`, [pixels.length], pixels);
  const labels = g.addParam(`${DATA_PREFIX}labels`, [split.n], Float32Array.from(split.labels.subarray(0, split.n)));
  const order = g.addState(
    `${DATA_PREFIX}order`,
    [split.n],
    Float32Array.from({ length: split.n }, (_, i) => i),
  );
  const lut = g.addParam(`${DATA_PREFIX}lut`, [257], normalisedPixels());
  const cursor = g.addInput('cursor', [4]);
  const [images, lab] = g.add(
    'gather_batch',
    [pix, labels, order, lut, cursor],
    { batch: inShape[0], rows: split.rows, cols: split.cols, crop_pad: d.augment.cropPad, flip: d.augment.flip },
    'data.gather',
  );
  return { images, labels: lab, order };
}
