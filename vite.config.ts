import { defineConfig } from 'vitest/config';

// wgsl_reflect's `main` is CommonJS inside a "type": "module" package; its ESM build is used everywhere.
export const alias = [{ find: /^wgsl_reflect$/, replacement: 'wgsl_reflect/wgsl_reflect.module.js' }];

const ISOLATION_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  resolve: { alias },
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
    rollupOptions: { input: { bench: 'demos/bench/index.html', scale: 'demos/scale/index.html', index: 'index.html' } },
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
