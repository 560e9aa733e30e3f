// `slimgpu run --onnx FILE`: a user's ONNX file runs on a seeded input, its output agrees with onnxruntime-node
// (an independent engine) on the same input, symbolic dimensions bind from --shape, and unsupported operators come
// back as a structured list.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { loadUserOnnx, seededOnnxInputs } from '../../src/io/onnx/user_model.js';
import { checksum } from '../../src/models/measure.js';
import { tinyCnn, unsupportedOps } from '../onnx_files.js';

const dir = mkdtempSync(join(tmpdir(), 'slimgpu-run-onnx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cli = (args: string[]) => spawnSync('./bin/slimgpu', args, { encoding: 'utf8', timeout: 300_000 });

describe('run --onnx', () => {
  it('runs a small file with --shape, checksum matching onnxruntime-node on the same seeded input', async () => {
    const file = join(dir, 'tiny.onnx');
    const bytes = tinyCnn();
    writeFileSync(file, bytes);
    const r = cli(['run', '--onnx', file, '--shape', 'x=2x3x9x7', '--runs', '2', '--profile', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.inputs).toEqual([{ name: 'x', dtype: 'float', shape: [2, 3, 9, 7] }]);
    expect(j.outputs[0].shape).toEqual([2, 5]);
    expect(j.median_ms).toBeGreaterThan(0);
    expect(j.profile.nodes.length).toBeGreaterThanOrEqual(2);
    expect(j.unsupported_ops).toBeUndefined();
    // the same seeded input through ORT (CPU)
    const m = loadUserOnnx(bytes, { x: [2, 3, 9, 7] }, 'test');
    const [x] = seededOnnxInputs(m);
    const session = await ort.InferenceSession.create(bytes);
    const out = await session.run({ x: new ort.Tensor('float32', x, [2, 3, 9, 7]) });
    const theirs = checksum(out[session.outputNames[0]].data as Float32Array);
    expect(Math.abs(j.output_checksum - theirs)).toBeLessThan(1e-4 * Math.max(1, Math.abs(theirs)));
    await session.release();
  });

  it('lists unsupported operators in the JSON record and exits 1 with one line', () => {
    const file = join(dir, 'unsupported.onnx');
    writeFileSync(file, unsupportedOps());
    const r = cli(['run', '--onnx', file, '--json']);
    expect(r.status).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.unsupported_ops.map((o: any) => [o.op, o.opset, o.count])).toEqual([
      ['FrobnicateA', 13, 2],
      ['FrobnicateB', 13, 1],
    ]);
    expect(j.unsupported_ops[0].name).toMatch(/FrobnicateA/);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('slimgpu:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/2 operators are not supported: FrobnicateA \(opset 13, 2 nodes\), FrobnicateB \(opset 13\)/);
  });
});
