// `slimgpu bench …` in a source checkout: ./bin/slimgpu runs this entry (built to dist/bench/cli.mjs by
// vite.bench.config.ts) with the arguments after `bench`. The npm package ships neither bench/ nor the peers it
// loads (devDependencies: tfjs, onnxruntime-web, playwright-core, vite), so a missing peer package is a one-line
// error here rather than a stack trace.

import { exitWith } from '../../src/cli/args.js';
import { bench } from './bench.js';

/** "Cannot find package 'X' imported from …" (Node's ESM loader) → the missing package's name. */
function missingPackage(e: any): string | null {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND') return null;
  const m = /Cannot find (?:package|module) '([^']+)'/.exec(String(e.message));
  return m ? `bench needs the npm package '${m[1]}' (a devDependency of slimgpu): run npm install in the checkout` : null;
}

exitWith(bench(process.argv.slice(2)), missingPackage);
