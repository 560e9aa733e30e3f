import { defineConfig } from 'vite';
import { alias } from './vite.config.ts';

// `slimgpu bench` for Node, from a source checkout only: bench/cli/main.ts → dist/bench/cli.mjs (its own folder,
// which package.json `files` leaves out; WGSL inlined; npm packages, the peers among them, stay external).
export default defineConfig({
  resolve: { alias },
  build: {
    ssr: 'bench/cli/main.ts',
    outDir: 'dist/bench',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: true,
    rollupOptions: { output: { entryFileNames: 'cli.mjs' } },
  },
  logLevel: 'warn',
});
