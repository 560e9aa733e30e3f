import { defineConfig } from 'vite';
import { alias } from './vite.config.ts';

// The predictor's raw measurements (issue 15): scripts/predictor_eval.ts → dist/predictor_eval.mjs.
export default defineConfig({
  resolve: { alias },
  build: {
    ssr: 'scripts/predictor_eval.ts',
    outDir: 'dist',
    emptyOutDir: false,
    target: 'node20',
    minify: false,
    sourcemap: true,
    rollupOptions: { output: { entryFileNames: 'predictor_eval.mjs' } },
  },
  logLevel: 'warn',
});
