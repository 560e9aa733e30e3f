// Fashion-MNIST in the browser: the IDX files the dev server serves from Debian's dataset-fashion-mnist
// (/data/fashion-mnist/, see vite.config.ts), gunzipped with DecompressionStream. A static `vite build` bundles a
// small subset instead; /data/fashion-mnist/info.json says which.
//
// Page-side copies of src/io/fashion_mnist.ts's pure parts (parseIdx, epochOrder, fillBatch): that module reads
// files with node:fs, so a browser cannot import it. They belong in a browser-safe library module.

import { seededRandom } from '../../src/models/builder.js';

export const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
export const MEAN = 0.286;
export const STD = 0.353;

export interface Split {
  images: Uint8Array;
  labels: Uint8Array;
  n: number;
  rows: number;
  cols: number;
}

export interface DataInfo {
  subset: boolean;
  source: string;
  train: number;
  test: number;
}

export async function dataInfo(): Promise<DataInfo> {
  const r = await fetch('/data/fashion-mnist/info.json');
  if (!r.ok)
    throw new Error(
      `Fashion-MNIST is not served here (${r.status}): install it with 'apt-get install dataset-fashion-mnist' and run 'npm start'`,
    );
  return r.json();
}

async function gunzip(url: string): Promise<Uint8Array> {
  const r = await fetch(url);
  if (!r.ok || !r.body) throw new Error(`cannot fetch ${url} (${r.status})`);
  const ds = r.body.pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(ds).arrayBuffer());
}

function parseIdx(buf: Uint8Array, file: string, dims: 1 | 3): { dims: number[]; data: Uint8Array } {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = dv.getUint32(0, false);
  if (buf.length < 8 || magic >> 16 !== 0 || ((magic >> 8) & 0xff) !== 8 || (magic & 0xff) !== dims)
    throw new Error(`${file}: not an IDX file of ${dims}-D unsigned bytes`);
  const d = Array.from({ length: dims }, (_, k) => dv.getUint32(4 + 4 * k, false));
  const start = 4 + 4 * dims;
  if (buf.length - start !== d.reduce((a, b) => a * b, 1)) throw new Error(`${file}: IDX header and data size disagree`);
  return { dims: d, data: buf.subarray(start) };
}

const cache = new Map<string, Promise<Split>>();

/** One split ('train' or 't10k'), cached per page. */
export function loadSplit(split: 'train' | 't10k'): Promise<Split> {
  let p = cache.get(split);
  if (!p) {
    p = (async () => {
      const [img, lbl] = await Promise.all([
        gunzip(`/data/fashion-mnist/${split}-images-idx3-ubyte.gz`),
        gunzip(`/data/fashion-mnist/${split}-labels-idx1-ubyte.gz`),
      ]);
      const i = parseIdx(img, `${split} images`, 3);
      const l = parseIdx(lbl, `${split} labels`, 1);
      if (l.dims[0] !== i.dims[0]) throw new Error(`${split}: ${l.dims[0]} labels for ${i.dims[0]} images`);
      return { images: i.data, labels: l.data, n: i.dims[0], rows: i.dims[1], cols: i.dims[2] };
    })();
    cache.set(split, p);
  }
  return p;
}

export function limitSplit(s: Split, limit: number): Split {
  if (limit >= s.n) return s;
  const px = s.rows * s.cols;
  return { ...s, n: limit, images: s.images.subarray(0, limit * px), labels: s.labels.subarray(0, limit) };
}

export function sliceSplit(s: Split, start: number, n: number): Split {
  const px = s.rows * s.cols;
  return { ...s, n, images: s.images.subarray(start * px, (start + n) * px), labels: s.labels.subarray(start, start + n) };
}

/** A seeded permutation of 0..n−1 for an epoch (the CLI's order: same seed, same permutation). */
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

/** Normalised images [B,28,28,1] and labels [B] of the examples `idx` (no augmentation). */
export function fillBatch(s: Split, idx: ArrayLike<number>, images: Float32Array, labels: Float32Array): void {
  const px = s.rows * s.cols;
  const inv = 1 / (255 * STD);
  const bg = -MEAN / STD;
  for (let b = 0; b < idx.length; b++) {
    labels[b] = s.labels[idx[b]];
    const src = idx[b] * px;
    for (let i = 0; i < px; i++) images[b * px + i] = s.images[src + i] * inv + bg;
  }
}

/** Normalise 28×28 gray bytes (0 = background, 255 = ink, as in Fashion-MNIST) into one input image. */
export function normalise(gray: Uint8Array | Uint8ClampedArray): Float32Array {
  const out = new Float32Array(gray.length);
  for (let i = 0; i < gray.length; i++) out[i] = gray[i] / (255 * STD) - MEAN / STD;
  return out;
}

/** The split in order, batch by batch (the last batch padded by repeating its last example; `count` are real). */
export function* inOrderBatches(
  s: Split,
  batch: number,
): Generator<{ start: number; count: number; images: Float32Array; labels: Float32Array }> {
  const images = new Float32Array(batch * s.rows * s.cols);
  const labels = new Float32Array(batch);
  for (let start = 0; start < s.n; start += batch) {
    const count = Math.min(batch, s.n - start);
    fillBatch(
      s,
      Array.from({ length: batch }, (_, b) => start + Math.min(b, count - 1)),
      images,
      labels,
    );
    yield { start, count, images, labels };
  }
}
