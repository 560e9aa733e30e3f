import { defineConfig } from 'vite';
import { alias } from './vite.config.ts';

// The exported-model glue benchmark for Node: bench/exported.ts → dist/exported.mjs (node dist/exported.mjs [runs] [res]).
export default defineConfig({
  resolve: { alias },
  build: {
    ssr: 'bench/exported.ts',
    outDir: 'dist',
    emptyOutDir: false,
    target: 'node20',
    minify: false,
    sourcemap: true,
    rollupOptions: { output: { entryFileNames: 'exported.mjs' } },
  },
  logLevel: 'warn',
});
