// Where ONNX's backend node tests (the conformance data, `onnx-node-tests`) are on this machine. They are not in the
// repository: the environment provides them in a `shared/` folder beside the checkout (../shared), or inside it on
// the device machine (./shared). Worktrees, CI clones and the mutation scripts' scratch copies sit deeper, so every
// folder from the working directory up to the root is tried; SLIMGPU_ONNX_NODE_TESTS names the folder directly.
// Null when none has them: the conformance tests then report themselves skipped, with this search in the name.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export function onnxNodeTestsDir(from = process.cwd()): string | null {
  const env = process.env.SLIMGPU_ONNX_NODE_TESTS;
  if (env) return existsSync(env) ? resolve(env) : null;
  for (let d = resolve(from); ; d = dirname(d)) {
    const c = join(d, 'shared', 'onnx-node-tests');
    if (existsSync(c)) return c;
    if (dirname(d) === d) return null;
  }
}

/** The skipped test's name when the data is missing: what was searched, so the skip is visible and explained. */
export const ONNX_NODE_TESTS_MISSING = `ONNX backend node tests: SKIPPED, no shared/onnx-node-tests in ${process.cwd()} or any folder above it (set SLIMGPU_ONNX_NODE_TESTS)`;
