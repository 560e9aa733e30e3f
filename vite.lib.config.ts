import { defineConfig } from 'vite';
import { alias } from './vite.config.ts';

// The npm library: src/index.ts → dist/slimgpu.js (ESM, WGSL inlined, runs in browsers and Node).
export default defineConfig({
  resolve: { alias },
  build: {
    lib: { entry: 'src/index.ts', formats: ['es'], fileName: () => 'slimgpu.js' },
    outDir: 'dist',
    emptyOutDir: false,
    target: 'es2022',
    minify: false,
    sourcemap: true,
    rollupOptions: { external: ['webgpu', /^node:/] },
  },
  logLevel: 'warn',
});
