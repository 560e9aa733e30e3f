// The ONNX backend node tests (../shared/onnx-node-tests) on the CPU: each case imported (src/io/onnx) and its graph
// run by the float64 references of test/ref/graph.ts instead of the GPU, against ONNX's expected outputs (rtol 1e-3,
// atol 1e-7; integers exact). An independent oracle for the importer and every ONNX op lowering that runs in
// seconds, so mutation testing of src/io/onnx can use it (onnx_conformance.test.ts runs the same cases on the GPU).
// Cases whose graph holds an op without a CPU reference (resize, the int8 ops, training ops) are counted, not run.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../src/graph/executor.js'; // registers the ops (shape inference only)
import { runBackendCase } from '../../src/io/onnx/backend_test.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { runGraphRef } from '../ref/graph.js';

const DIR = join(process.cwd(), '..', 'shared', 'onnx-node-tests');
const NO_REF = /no CPU reference for op '(\w+)'/;

describe.skipIf(!existsSync(DIR))('ONNX backend node tests on the CPU references', () => {
  it('every case whose ops have a CPU reference passes; the others fail only for the missing reference', async () => {
    const cases = readdirSync(DIR)
      .filter((d) => existsSync(join(DIR, d, 'model.onnx')))
      .sort();
    const failed: string[] = [];
    const noRef = new Map<string, number>();
    let passed = 0;
    const cpu = async (g: Parameters<typeof runGraphRef>[0], feeds: Float32Array[]) => runGraphRef(g, feeds);
    for (const c of cases) {
      const r = await runBackendCase(undefined as unknown as Runtime, join(DIR, c), undefined, cpu);
      const op = r.error?.match(NO_REF)?.[1];
      if (r.pass) passed++;
      else if (op) noRef.set(op, (noRef.get(op) ?? 0) + 1);
      else if (/^test_split_to_sequence/.test(c)) expect(r.error).toMatch(/operator '\w+' is not supported/);
      else failed.push(`${c}: ${r.error}`);
    }
    console.log(
      `${passed} of ${cases.length} cases pass on the CPU references; without a reference: ${[...noRef].map(([o, n]) => `${o} ${n}`).join(', ')}`,
    );
    expect(failed).toEqual([]);
    expect(passed).toBeGreaterThanOrEqual(231); // all 234 but the 3 sequence cases, when this was written
  });
});
