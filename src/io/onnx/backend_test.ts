// ONNX backend-test runner (Node): a folder holds `model.onnx` and `test_data_set_*/{input,output}_N.pb`.
// Each case is imported, compiled with the executor (inference passes on), run on the GPU and compared with the
// expected outputs: floats with |a − e| ≤ atol + rtol·|e|, integer types exactly.
//
// Graph inputs of type int64 are shape-like data (Reshape's shape, Split's sizes, axes, pads): they are given to
// the importer as constants, the way an exporter would have stored them as initializers. Every other input is
// uploaded and computed on the GPU.

import { compile } from '../../graph/executor.js';
import type { Graph } from '../../graph/ir.js';
import { SlimError } from '../../runtime/errors.js';
import type { Runtime } from '../../runtime/runtime.js';
import { importOnnx, type ImportedModel } from './import.js';
import { decodeModel, decodeTensor, DT, dtypeName, isIntegerType, tensorFromProto, type HostTensor } from './proto.js';

export interface Tolerance {
  rtol: number;
  atol: number;
}
/** ONNX's own tolerance for its node tests. Deep graphs (whole models) use atol 1e-5 (fp32 rounding accumulates). */
export const ONNX_TOL: Tolerance = { rtol: 1e-3, atol: 1e-7 };
export const DEEP_TOL: Tolerance = { rtol: 1e-3, atol: 1e-5 };

export interface CaseResult {
  name: string;
  pass: boolean;
  maxAbs: number;
  maxRel: number;
  /** Set when the case could not run (unsupported op, bad file) or an output disagreed in shape/type. */
  error?: string;
  ms: number;
}

export interface Comparison {
  pass: boolean;
  maxAbs: number;
  maxRel: number;
  detail?: string;
}

export function compareOutput(actual: ArrayLike<number>, expected: HostTensor, integer: boolean, tol: Tolerance): Comparison {
  let maxAbs = 0;
  let maxRel = 0;
  let bad = -1;
  if (actual.length !== expected.data.length)
    return { pass: false, maxAbs: Infinity, maxRel: Infinity, detail: `${actual.length} values, expected ${expected.data.length}` };
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected.data[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (a === e) continue;
    const err = Math.abs(a - e);
    const rel = e !== 0 ? err / Math.abs(e) : err;
    if (!(err <= maxAbs)) maxAbs = Number.isNaN(err) ? Infinity : err;
    if (!(rel <= maxRel)) maxRel = Number.isNaN(rel) ? Infinity : rel;
    const ok = integer ? false : err <= tol.atol + tol.rtol * Math.abs(e);
    if (!ok && bad < 0) bad = i;
  }
  return bad < 0
    ? { pass: true, maxAbs, maxRel }
    : { pass: false, maxAbs, maxRel, detail: `first mismatch at [${bad}]: expected ${expected.data[bad]}, got ${actual[bad]}` };
}

async function nodeFs() {
  const fsName = 'node:fs';
  const pathName = 'node:path';
  return { fs: await import(/* @vite-ignore */ fsName), path: await import(/* @vite-ignore */ pathName) };
}

/** Runs an imported graph on its inputs (the default: compiled and run on the GPU). */
export type GraphRunner = (g: Graph, feeds: Float32Array[]) => Promise<Float32Array[]>;

/** Run one backend-test folder (every test_data_set_* in it); `run` replaces the GPU (tests: a CPU reference). */
export async function runBackendCase(rt: Runtime, dir: string, tol: Tolerance = ONNX_TOL, run?: GraphRunner): Promise<CaseResult> {
  const { fs, path } = await nodeFs();
  const name = path.basename(path.resolve(dir));
  const t0 = performance.now();
  const result = (r: Omit<CaseResult, 'name' | 'ms'>): CaseResult => ({ name, ms: performance.now() - t0, ...r });
  try {
    const modelPath = path.join(dir, 'model.onnx');
    if (!fs.existsSync(modelPath)) throw new SlimError(`${modelPath} does not exist`);
    const bytes = new Uint8Array(fs.readFileSync(modelPath));
    const sets = fs
      .readdirSync(dir)
      .filter((d: string) => d.startsWith('test_data_set_'))
      .sort();
    if (!sets.length) throw new SlimError(`${dir} has no test_data_set_* folder`);
    let maxAbs = 0;
    let maxRel = 0;
    let failure: string | undefined;
    const graphInputs = (() => {
      const g = decodeModel(bytes).graph;
      const inits = new Set((g?.initializer ?? []).map((t) => t.name));
      return (g?.input ?? []).filter((vi) => !inits.has(vi.name)).map((vi) => vi.name ?? '');
    })();
    for (const set of sets) {
      const sdir = path.join(dir, set);
      const read = (kind: string) =>
        fs
          .readdirSync(sdir)
          .filter((f: string) => new RegExp(`^${kind}_\\d+\\.pb$`).test(f))
          .sort((a: string, b: string) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0]))
          .map((f: string) =>
            tensorFromProto(decodeTensor(new Uint8Array(fs.readFileSync(path.join(sdir, f))), `${set}/${f}`), `${set}/${f}`),
          );
      const inputs: HostTensor[] = read('input');
      if (inputs.length !== graphInputs.length)
        throw new SlimError(`${set} has ${inputs.length} inputs, the model takes ${graphInputs.length}`);
      const constants: Record<string, HostTensor> = {};
      const inputShapes: Record<string, number[]> = {};
      graphInputs.forEach((n, k) => {
        if (inputs[k].dtype === DT.INT64) constants[n] = inputs[k];
        else inputShapes[n] = inputs[k].dims;
      });
      const model: ImportedModel = importOnnx(bytes, { constants, inputShapes });
      const expected: HostTensor[] = read('output');
      const feeds = model.inputs.map((inp) => Float32Array.from(inputs[graphInputs.indexOf(inp.name)].data));
      let outs: Float32Array[] = [];
      if (model.graph.outputs.length && run) outs = await run(model.graph, feeds);
      else if (model.graph.outputs.length) {
        const compiled = await compile(rt, model.graph);
        try {
          outs = await compiled.run(feeds);
        } finally {
          compiled.destroy();
        }
      }
      if (expected.length !== model.outputs.length)
        throw new SlimError(`${set} has ${expected.length} outputs, the model gives ${model.outputs.length}`);
      model.outputs.forEach((o, k) => {
        const e = expected[k];
        if (o.shape.join(',') !== e.dims.join(',')) {
          failure ??= `output '${o.name}': shape [${o.shape.join(',')}], expected [${e.dims.join(',')}]`;
          return;
        }
        if (isIntegerType(e.dtype) !== isIntegerType(o.dtype))
          failure ??= `output '${o.name}': type ${dtypeName(o.dtype)}, expected ${dtypeName(e.dtype)}`;
        const actual = o.constant ? o.constant.data : outs[o.output!];
        const c = compareOutput(actual, e, isIntegerType(e.dtype), tol);
        maxAbs = Math.max(maxAbs, c.maxAbs);
        maxRel = Math.max(maxRel, c.maxRel);
        if (!c.pass) failure ??= `output '${o.name}': ${c.detail}`;
      });
    }
    return result({ pass: !failure, maxAbs, maxRel, error: failure });
  } catch (e) {
    const msg = e instanceof SlimError ? e.message : `internal error: ${(e as Error)?.stack ?? e}`;
    return result({ pass: false, maxAbs: NaN, maxRel: NaN, error: msg });
  }
}
