import { defineConfig, type Plugin } from 'vitest/config';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';

// wgsl_reflect's `main` is CommonJS inside a "type": "module" package; its ESM build is used everywhere.
export const alias = [{ find: /^wgsl_reflect$/, replacement: 'wgsl_reflect/wgsl_reflect.module.js' }];

const ISOLATION_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

// Data and models for the demo pages. Dev server: /data/fashion-mnist/* is Debian's dataset-fashion-mnist (the full
// 60k/10k IDX files) and /models/ the repository's folder. `vite build`: a small subset of each split (the first
// SUBSET_TRAIN / SUBSET_TEST examples, re-gzipped) and models/ copied into the site; info.json says which.
const FASHION_DIR = '/usr/share/datasets/fashion-mnist';
const SUBSET_TRAIN = 2000;
const SUBSET_TEST = 1000;
const FASHION_FILES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
];

function idxHead(buf: Uint8Array, n: number): Uint8Array {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims = buf[3];
  const shape = Array.from({ length: dims }, (_, k) => dv.getUint32(4 + 4 * k, false));
  const per = shape.slice(1).reduce((a, b) => a * b, 1);
  const head = Math.min(n, shape[0]);
  const out = new Uint8Array(4 + 4 * dims + head * per);
  out.set(buf.subarray(0, 4 + 4 * dims), 0);
  new DataView(out.buffer).setUint32(4, head, false);
  out.set(buf.subarray(4 + 4 * dims, 4 + 4 * dims + head * per), 4 + 4 * dims);
  return out;
}

function demoData(): Plugin {
  return {
    name: 'slimgpu-demo-data',
    configureServer(server) {
      server.middlewares.use('/data/fashion-mnist/', (req, res, next) => {
        const name = (req.url ?? '').replace(/^\//, '').split('?')[0];
        if (name === 'info.json') {
          const ok = FASHION_FILES.every((f) => existsSync(`${FASHION_DIR}/${f}`));
          res.statusCode = ok ? 200 : 404;
          res.setHeader('Content-Type', 'application/json');
          res.end(
            JSON.stringify(
              ok
                ? { subset: false, source: FASHION_DIR, train: 60000, test: 10000 }
                : { error: `${FASHION_DIR} is missing (apt-get install dataset-fashion-mnist)` },
            ),
          );
          return;
        }
        if (!FASHION_FILES.includes(name) || !existsSync(`${FASHION_DIR}/${name}`)) return next();
        res.setHeader('Content-Type', 'application/octet-stream');
        res.end(readFileSync(`${FASHION_DIR}/${name}`));
      });
    },
    generateBundle() {
      if (FASHION_FILES.every((f) => existsSync(`${FASHION_DIR}/${f}`))) {
        for (const f of FASHION_FILES) {
          const n = f.startsWith('train') ? SUBSET_TRAIN : SUBSET_TEST;
          this.emitFile({
            type: 'asset',
            fileName: `data/fashion-mnist/${f}`,
            source: gzipSync(idxHead(new Uint8Array(gunzipSync(readFileSync(`${FASHION_DIR}/${f}`))), n)),
          });
        }
        const info = {
          subset: true,
          source: `the first ${SUBSET_TRAIN} training and ${SUBSET_TEST} test images of ${FASHION_DIR}, bundled by vite build`,
          train: SUBSET_TRAIN,
          test: SUBSET_TEST,
        };
        this.emitFile({ type: 'asset', fileName: 'data/fashion-mnist/info.json', source: JSON.stringify(info) });
      }
      if (existsSync('models')) {
        for (const f of readdirSync('models'))
          if (!f.startsWith('.')) this.emitFile({ type: 'asset', fileName: `models/${f}`, source: readFileSync(`models/${f}`) });
      }
    },
  };
}

export default defineConfig({
  resolve: { alias },
  plugins: [demoData()],
  root: '.',
  // not node_modules/.vite: node_modules may be shared between checkouts, whose configs then fight over one cache
  cacheDir: '.cache/vite',
  // Cross-origin isolation (COOP/COEP) lets onnxruntime-web's WASM peer use threads on the bench page.
  server: { port: 5173, strictPort: false, headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  // pre-bundled at start-up, so a page importing a peer lazily does not trigger a dependency re-scan and reload
  optimizeDeps: { include: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgpu', 'onnxruntime-web', 'wgsl_reflect'] },
  build: {
    outDir: 'dist/site',
    rollupOptions: {
      input: {
        index: 'index.html',
        bench: 'demos/bench/index.html',
        classify: 'demos/classify/index.html',
        train: 'demos/train/index.html',
        compress: 'demos/compress/index.html',
        scale: 'demos/scale/index.html',
      },
    },
  },
  test: {
    include: ['test/unit/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    pool: 'forks',
    reporters: ['default'],
  },
});
