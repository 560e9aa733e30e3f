// The ONNX backend node tests (../shared/onnx-node-tests) on the CPU: each case imported (src/io/onnx) and its graph
// run by the float64 references of test/ref/graph.ts instead of the GPU, against ONNX's expected outputs (rtol 1e-3,
// atol 1e-7; integers exact). An independent oracle for the importer and every ONNX op lowering that runs in
// seconds, so mutation testing of src/io/onnx can use it (onnx_conformance.test.ts runs the same cases on the GPU).
// Cases whose graph holds an op without a CPU reference (resize, the int8 ops, training ops) are counted, not run.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ONNX_NODE_TESTS_MISSING, onnxNodeTestsDir } from '../shared_data.js';
import '../../src/graph/executor.js'; // registers the ops (shape inference only)
import { compareOutput, runBackendCase } from '../../src/io/onnx/backend_test.js';
import { decodeModel, DT, encodeModel, encodeTensor, tensorToProto, type HostTensor } from '../../src/io/onnx/proto.js';
import { OnnxBuilder } from '../onnx_builder.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { runGraphRef } from '../ref/graph.js';

const DIR = onnxNodeTestsDir() ?? '';
const NO_REF = /no CPU reference for op '(\w+)'/;

if (!DIR) it.skip(ONNX_NODE_TESTS_MISSING, () => {});

describe.skipIf(DIR === '')('ONNX backend node tests on the CPU references', () => {
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

describe('the backend-test runner itself', () => {
  const host = (dims: number[], data: number[], dtype: number = DT.FLOAT): HostTensor => ({ dtype, dims, data: Float64Array.from(data) });
  it('compareOutput: ONNX tolerance, worst absolute and relative errors, NaN = NaN, integers exact', () => {
    const tol = { rtol: 1e-3, atol: 1e-7 };
    const ok = compareOutput([1000.5, 2000.25, NaN, 0], host([4], [1000, 2000, NaN, 0]), false, tol);
    expect(ok.pass).toBe(true);
    expect(ok.maxAbs).toBeCloseTo(0.5, 9); // the largest, not the last
    expect(ok.maxRel).toBeCloseTo(0.0005, 9);
    const bad = compareOutput([1, 2.01, 3], host([3], [1, 2, 3]), false, tol);
    expect(bad).toMatchObject({ pass: false, detail: 'first mismatch at [1]: expected 2, got 2.01' });
    expect(compareOutput([1, 2], host([2], [1, 3], DT.INT64), true, tol)).toMatchObject({ pass: false, maxAbs: 1, maxRel: 1 / 3 });
    expect(compareOutput([1], host([2], [1, 2]), false, tol)).toMatchObject({ pass: false, detail: '1 values, expected 2' });
    expect(compareOutput([NaN], host([1], [1]), false, tol)).toMatchObject({ pass: false, maxAbs: Infinity });
  });

  it('a case folder with a wrong output shape or input count fails with what is wrong; an internal error with its stack', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slimgpu-backend-'));
    try {
      const b = new OnnxBuilder(13);
      b.output(b.node1('Neg', [b.input('x', [2, 3])]));
      const write = (name: string, inputs: HostTensor[], outputs: HostTensor[]) => {
        const d = join(dir, name);
        mkdirSync(join(d, 'test_data_set_0'), { recursive: true });
        writeFileSync(join(d, 'model.onnx'), b.bytes());
        inputs.forEach((t, k) => writeFileSync(join(d, 'test_data_set_0', `input_${k}.pb`), encodeTensor(tensorToProto(`x${k}`, t))));
        outputs.forEach((t, k) => writeFileSync(join(d, 'test_data_set_0', `output_${k}.pb`), encodeTensor(tensorToProto(`y${k}`, t))));
        return d;
      };
      const x = host([2, 3], [1, 2, 3, 4, 5, 6]);
      const cpu = async (g: Parameters<typeof runGraphRef>[0], feeds: Float32Array[]) => runGraphRef(g, feeds);
      const rt = undefined as unknown as Runtime;
      const good = await runBackendCase(rt, write('good', [x], [host([2, 3], [-1, -2, -3, -4, -5, -6])]), undefined, cpu);
      expect(good).toMatchObject({ name: 'good', pass: true, maxAbs: 0 });
      const shape = await runBackendCase(rt, write('shape', [x], [host([3, 2], [-1, -2, -3, -4, -5, -6])]), undefined, cpu);
      expect(shape).toMatchObject({ pass: false, error: "output 'neg_0': shape [2,3], expected [3,2]" });
      const type = await runBackendCase(rt, write('type', [x], [host([2, 3], [-1, -2, -3, -4, -5, -6], DT.INT32)]), undefined, cpu);
      expect(type).toMatchObject({ pass: false, error: "output 'neg_0': type float, expected int32" });
      const count = await runBackendCase(rt, write('count', [x, x], []), undefined, cpu);
      expect(count).toMatchObject({ pass: false, error: 'test_data_set_0 has 2 inputs, the model takes 1' });
      // an error that is not a SlimError is an internal error, reported with where it was thrown (its stack), or as
      // the value thrown when that is no Error (backend_test.ts:147)
      const y = [host([2, 3], [-1, -2, -3, -4, -5, -6])];
      const thrower = (v: unknown) => async () => {
        throw v;
      };
      const bug = await runBackendCase(rt, write('bug', [x], y), undefined, thrower(new TypeError('boom')));
      expect(bug).toMatchObject({ pass: false });
      expect(bug.error).toMatch(/^internal error: TypeError: boom\n\s+at .*onnx_conformance_cpu\.test\.ts/);
      const str = await runBackendCase(rt, write('str', [x], y), undefined, thrower('a string'));
      expect(str).toMatchObject({ pass: false, error: 'internal error: a string' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a model without a graph: the importer refusal, not a count of inputs', async () => {
    // backend_test.ts:94 (a model whose graph is absent takes no inputs, not one named '': the case then fails with
    // the importer's own message; a survivor of the fresh sample seed 2030)
    const dir = mkdtempSync(join(tmpdir(), 'slimgpu-backend-'));
    try {
      const b = new OnnxBuilder(13);
      b.output(b.node1('Neg', [b.input('x', [2])]));
      const m = decodeModel(b.bytes());
      delete m.graph;
      const d = join(dir, 'nograph');
      mkdirSync(join(d, 'test_data_set_0'), { recursive: true });
      writeFileSync(join(d, 'model.onnx'), encodeModel(m));
      const y = tensorToProto('y', { dtype: DT.FLOAT, dims: [2], data: Float64Array.from([-1.5, 2]) });
      writeFileSync(join(d, 'test_data_set_0', 'output_0.pb'), encodeTensor(y));
      const cpu = async (g: Parameters<typeof runGraphRef>[0], feeds: Float32Array[]) => runGraphRef(g, feeds);
      const r = await runBackendCase(undefined as unknown as Runtime, d, undefined, cpu);
      expect(r).toMatchObject({ name: 'nograph', pass: false, error: 'the ONNX model has no graph' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('input_10.pb and output_10.pb come after input_9.pb and output_9.pb (numeric order, not the directory listing)', async () => {
    // backend_test.ts:99 (the sort by number: readdirSync lists input_10 before input_2); 12 inputs concatenated, and
    // 12 outputs split from one input, so that a wrong order on one side is not undone by the same order on the other
    const dir = mkdtempSync(join(tmpdir(), 'slimgpu-backend-'));
    try {
      const host = (dims: number[], data: number[]): HostTensor => ({ dtype: DT.FLOAT, dims, data: Float64Array.from(data) });
      const k12 = Array.from({ length: 12 }, (_, k) => k);
      const write = (name: string, b: OnnxBuilder, inputs: HostTensor[], outputs: HostTensor[]) => {
        const d = join(dir, name);
        mkdirSync(join(d, 'test_data_set_0'), { recursive: true });
        writeFileSync(join(d, 'model.onnx'), b.bytes());
        inputs.forEach((t, k) => writeFileSync(join(d, 'test_data_set_0', `input_${k}.pb`), encodeTensor(tensorToProto(`x${k}`, t))));
        outputs.forEach((t, k) => writeFileSync(join(d, 'test_data_set_0', `output_${k}.pb`), encodeTensor(tensorToProto(`y${k}`, t))));
        return d;
      };
      const cpu = async (g: Parameters<typeof runGraphRef>[0], feeds: Float32Array[]) => runGraphRef(g, feeds);
      const rt = undefined as unknown as Runtime;
      const many = new OnnxBuilder(13);
      many.output(
        many.node1(
          'Concat',
          k12.map((k) => many.input(`x${k}`, [1])),
          [{ name: 'axis', type: 2, i: 0 }],
        ),
      );
      const ins = k12.map((k) => host([1], [k]));
      expect(await runBackendCase(rt, write('inputs', many, ins, [host([12], k12)]), undefined, cpu)).toMatchObject({ pass: true });
      const one = new OnnxBuilder(13);
      one.node('Split', [one.input('x', [12]), one.ints(k12.map(() => 1))], [], 12).forEach((o) => one.output(o));
      expect(await runBackendCase(rt, write('outputs', one, [host([12], k12)], ins), undefined, cpu)).toMatchObject({ pass: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
