// Fashion-MNIST (Xiao et al. 2017) from its IDX files (gzip), as Debian's dataset-fashion-mnist installs them:
//   <dir>/{train,t10k}-images-idx3-ubyte.gz, <dir>/{train,t10k}-labels-idx1-ubyte.gz
// Node only (node:fs, node:zlib): reading and gunzipping the files. The format, splits, epoch order and batches
// are the browser-safe src/io/fashion_mnist_codec.ts, re-exported here so one import serves Node code.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { SlimError } from '../runtime/errors.js';
import { parseIdx, type Split } from './fashion_mnist_codec.js';

export * from './fashion_mnist_codec.js';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

function readGz(path: string): Uint8Array {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw new SlimError(
      `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (install Fashion-MNIST: apt-get install dataset-fashion-mnist)`,
    );
  }
  try {
    return new Uint8Array(gunzipSync(raw));
  } catch (e) {
    throw new SlimError(`${path}: not a valid gzip file (${(e as Error).message})`);
  }
}

export function loadSplit(dir: string, split: 'train' | 't10k'): Split {
  const imgFile = join(dir, `${split}-images-idx3-ubyte.gz`);
  const lblFile = join(dir, `${split}-labels-idx1-ubyte.gz`);
  const img = parseIdx(readGz(imgFile), imgFile, 3);
  const lbl = parseIdx(readGz(lblFile), lblFile, 1);
  const [n, rows, cols] = img.dims;
  if (lbl.dims[0] !== n) throw new SlimError(`${lblFile}: ${lbl.dims[0]} labels for ${n} images in ${imgFile}`);
  for (let i = 0; i < n; i++) {
    if (lbl.data[i] > 9) throw new SlimError(`${lblFile}: label ${lbl.data[i]} at index ${i} is not a class id in 0..9`);
  }
  return { images: img.data, labels: lbl.data, n, rows, cols };
}

export function loadFashionMnist(dir = FASHION_MNIST_DIR): { train: Split; test: Split } {
  return { train: loadSplit(dir, 'train'), test: loadSplit(dir, 't10k') };
}
