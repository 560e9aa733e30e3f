// Fashion-MNIST in the browser: the IDX files the dev server serves from Debian's dataset-fashion-mnist
// (/data/fashion-mnist/, see vite.config.ts), gunzipped with DecompressionStream. A static `vite build` bundles a
// small subset instead; /data/fashion-mnist/info.json says which.
//
// The format, splits, epoch order and batches are the library's browser-safe src/io/fashion_mnist_codec.ts.

import { FASHION_MEAN, FASHION_STD, fillBatch, NO_AUGMENT, parseIdx, type Split } from '../../src/io/fashion_mnist_codec.js';

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

export function sliceSplit(s: Split, start: number, n: number): Split {
  const px = s.rows * s.cols;
  return { ...s, n, images: s.images.subarray(start * px, (start + n) * px), labels: s.labels.subarray(start, start + n) };
}

/** Normalise 28×28 gray bytes (0 = background, 255 = ink, as in Fashion-MNIST) into one input image. */
export function normalise(gray: Uint8Array | Uint8ClampedArray): Float32Array {
  const out = new Float32Array(gray.length);
  for (let i = 0; i < gray.length; i++) out[i] = gray[i] / (255 * FASHION_STD) - FASHION_MEAN / FASHION_STD;
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
      NO_AUGMENT,
      0,
      images,
      labels,
    );
    yield { start, count, images, labels };
  }
}
