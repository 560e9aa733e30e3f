// The ONNX backend node tests (../shared/onnx-node-tests) through the same runner as `slimgpu onnx-test`: every
// case whose operator slimgpu supports passes at ONNX's tolerance (rtol 1e-3, atol 1e-7; integers exact); the
// others fail with an error that names the operator.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ONNX_NODE_TESTS_MISSING, onnxNodeTestsDir } from '../shared_data.js';
import { runBackendCase } from '../../src/io/onnx/backend_test.js';
import { runtime } from '../helpers.js';

const DIR = onnxNodeTestsDir() ?? '';
/** Not CNN operators: sequence types. */
const UNSUPPORTED = /^test_split_to_sequence/;

if (!DIR) it.skip(ONNX_NODE_TESTS_MISSING, () => {});

describe.skipIf(DIR === '')('ONNX backend node tests', () => {
  it('all supported cases pass', async () => {
    const rt = await runtime();
    const cases = readdirSync(DIR)
      .filter((d) => existsSync(join(DIR, d, 'model.onnx')))
      .sort();
    const failed: string[] = [];
    for (const c of cases) {
      const r = await runBackendCase(rt, join(DIR, c));
      if (UNSUPPORTED.test(c)) {
        expect(r.pass).toBe(false);
        expect(r.error).toMatch(/operator '\w+' is not supported/);
      } else if (!r.pass) failed.push(`${c}: ${r.error}`);
    }
    expect(failed).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(234);
  });
});
