import { defineConfig } from 'vitest/config';

// wgsl_reflect's `main` is CommonJS inside a "type": "module" package; its ESM build is used everywhere.
export const alias = [{ find: /^wgsl_reflect$/, replacement: 'wgsl_reflect/wgsl_reflect.module.js' }];

export default defineConfig({
  resolve: { alias },
  root: '.',
  server: { port: 5173, strictPort: false },
  build: {
    outDir: 'dist/site',
    rollupOptions: { input: { bench: 'demos/bench/index.html', index: 'index.html' } },
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
