import { defineConfig } from 'vite';
import { alias } from './vite.config.ts';

// The study runner for Node: scripts/study.ts → dist/study.mjs (`npm run study -- …`).
export default defineConfig({
  resolve: { alias },
  build: {
    ssr: 'scripts/study.ts',
    outDir: 'dist',
    emptyOutDir: false,
    target: 'node20',
    minify: false,
    sourcemap: true,
    rollupOptions: { output: { entryFileNames: 'study.mjs' } },
  },
  logLevel: 'warn',
});
