// Fashion-MNIST loading: IDX parsing with magic/shape checks and clear errors, the real files, seeded shuffling,
// batching and augmentation.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  epochOrder,
  FASHION_MEAN,
  FASHION_MNIST_DIR,
  FASHION_STD,
  fillBatch,
  limitSplit,
  loadFashionMnist,
  loadSplit,
  NO_AUGMENT,
  parseIdx,
} from '../../src/io/fashion_mnist.js';

function idx(magic: number, dims: number[], data: number[]): Uint8Array {
  const b = new Uint8Array(4 + 4 * dims.length + data.length);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, magic, false);
  dims.forEach((d, k) => dv.setUint32(4 + 4 * k, d, false));
  b.set(data, 4 + 4 * dims.length);
  return b;
}

describe('IDX parsing', () => {
  it('reads dimensions and data', () => {
    const r = parseIdx(idx(0x803, [2, 2, 3], [...Array(12).keys()]), 'x', 3);
    expect(r.dims).toEqual([2, 2, 3]);
    expect([...r.data]).toEqual([...Array(12).keys()]);
  });
  it('rejects a bad magic, wrong rank, truncation and trailing bytes with the file name', () => {
    expect(() => parseIdx(idx(0x1234, [1], [0]), 'f.gz', 1)).toThrow(/f\.gz: not an IDX file/);
    expect(() => parseIdx(idx(0x801, [3], [1, 2, 3]), 'f.gz', 3)).toThrow(/1 dimensions, expected 3/);
    expect(() => parseIdx(idx(0x803, [2, 2, 2], [1, 2, 3]), 'f.gz', 3)).toThrow(/8 bytes of data\) but the file holds 3/);
    expect(() => parseIdx(new Uint8Array(3), 'f.gz', 1)).toThrow(/too short/);
  });
  it('checks label ranges, image/label counts and gzip', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fmnist-'));
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(idx(0x803, [2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7])));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(idx(0x801, [2], [3, 12])));
    expect(() => loadSplit(dir, 'train')).toThrow(/label 12 at index 1/);
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(idx(0x801, [3], [3, 1, 2])));
    expect(() => loadSplit(dir, 'train')).toThrow(/3 labels for 2 images/);
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), Buffer.from('not gzip'));
    expect(() => loadSplit(dir, 'train')).toThrow(/not a valid gzip file/);
    expect(() => loadSplit(dir, 't10k')).toThrow(/cannot read .*t10k-images.*ENOENT/);
  });
  it('loads the real Fashion-MNIST (60000 + 10000 images of 28×28, balanced classes)', () => {
    const { train, test } = loadFashionMnist(FASHION_MNIST_DIR);
    expect([train.n, train.rows, train.cols, test.n]).toEqual([60000, 28, 28, 10000]);
    const counts = new Array(10).fill(0);
    for (const l of test.labels) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(1000));
    let s = 0;
    for (let i = 0; i < train.images.length; i += 97) s += train.images[i] / 255;
    expect(Math.abs(s / Math.ceil(train.images.length / 97) - FASHION_MEAN)).toBeLessThan(0.01);
  });
});

describe('batches', () => {
  const split = limitSplit(loadSplit(FASHION_MNIST_DIR, 't10k'), 50);
  it('epoch order is a seeded permutation, different per epoch and per seed', () => {
    const a = epochOrder(50, 1, 0);
    expect([...a].sort((x, y) => x - y)).toEqual([...Array(50).keys()]);
    expect([...epochOrder(50, 1, 0)]).toEqual([...a]);
    expect([...epochOrder(50, 1, 1)]).not.toEqual([...a]);
    expect([...epochOrder(50, 2, 0)]).not.toEqual([...a]);
  });
  it('normalises without augmentation; labels are class ids', () => {
    const images = new Float32Array(2 * 784),
      labels = new Float32Array(2);
    fillBatch(split, [3, 7], NO_AUGMENT, 0, images, labels);
    expect([...labels]).toEqual([split.labels[3], split.labels[7]]);
    for (let i = 0; i < 784; i++) expect(images[784 + i]).toBeCloseTo((split.images[7 * 784 + i] / 255 - FASHION_MEAN) / FASHION_STD, 5);
  });
  it('crop with padding shifts the image by at most the padding; flip mirrors it; same seed, same batch', () => {
    const a = new Float32Array(784),
      b = new Float32Array(784),
      plain = new Float32Array(784),
      l = new Float32Array(1);
    fillBatch(split, [5], NO_AUGMENT, 0, plain, l);
    const bg = -FASHION_MEAN / FASHION_STD;
    let flipped = 0;
    for (let seed = 0; seed < 8; seed++) {
      fillBatch(split, [5], { cropPad: 2, flip: true }, seed, a, l);
      fillBatch(split, [5], { cropPad: 2, flip: true }, seed, b, l);
      expect([...a]).toEqual([...b]);
      // some shift (dy, dx) in [-2, 2]² and flip reproduce it from the plain image
      let found = false;
      for (let dy = -2; dy <= 2 && !found; dy++)
        for (let dx = -2; dx <= 2 && !found; dx++)
          for (const f of [false, true]) {
            let ok = true;
            for (let y = 0; y < 28 && ok; y++)
              for (let x = 0; x < 28 && ok; x++) {
                const sy = y + dy,
                  sx = (f ? 27 - x : x) + dx;
                const want = sy < 0 || sy > 27 || sx < 0 || sx > 27 ? bg : plain[sy * 28 + sx];
                ok = Math.abs(a[y * 28 + x] - want) < 1e-6;
              }
            if (ok) {
              found = true;
              if (f) flipped++;
              break;
            }
          }
      expect(found).toBe(true);
    }
    expect(flipped).toBeGreaterThan(0);
  });
});
