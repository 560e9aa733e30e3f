import { defineConfig } from 'vite';
import { alias } from './vite.config.ts';

// The CLI bundle for Node: src/cli/main.ts → dist/cli.mjs (WGSL inlined; npm packages stay external).
export default defineConfig({
  resolve: { alias },
  build: {
    ssr: 'src/cli/main.ts',
    outDir: 'dist',
    emptyOutDir: false,
    target: 'node20',
    minify: false,
    sourcemap: true,
    rollupOptions: { output: { entryFileNames: 'cli.mjs' } },
  },
  logLevel: 'warn',
});
