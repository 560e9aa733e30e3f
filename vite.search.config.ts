import { defineConfig } from 'vite';
import { alias } from './vite.config.ts';

// The architecture-search runner for Node: scripts/search.ts → dist/search.mjs (`npm run search -- …`).
export default defineConfig({
  resolve: { alias },
  build: {
    ssr: 'scripts/search.ts',
    outDir: 'dist',
    emptyOutDir: false,
    target: 'node20',
    minify: false,
    sourcemap: true,
    rollupOptions: { output: { entryFileNames: 'search.mjs' } },
  },
  logLevel: 'warn',
});
