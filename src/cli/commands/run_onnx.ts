// slimgpu run --onnx FILE [--shape NAME=DIMS ...]: a user's ONNX model imported, compiled and timed on a seeded
// input; the record is run's (median ms, cold start, memory, checksum, per-node GPU time with --profile) with the
// file's inputs and outputs. A model with unsupported operators: with --json, a record listing them
// (unsupported_ops: name of the first node, op, domain, opset, count), and exit 1.

import { describeInputs, seededOnnxInputs } from '../../io/onnx/user_model.js';
import { measureGraph } from '../../models/measure.js';
import { SlimError } from '../../runtime/errors.js';
import { Runtime } from '../../runtime/runtime.js';
import type { Flags } from '../flags.js';
import { checkGraphDeviceLimits, readOnnxFile } from '../onnx_file.js';
import { tuneFromFlags } from './run.js';

/** Zoo-model flags that mean nothing for an ONNX file. */
const ZOO_ONLY = ['model', 'alpha', 'res', 'groups', 'scale', 'phi', 'classes', 'seed', 'precision', 'sparsity', 'block'];

export async function runOnnx(flags: Flags, given: Set<string>): Promise<number> {
  for (const f of ZOO_ONLY)
    if (given.has(f)) throw new SlimError(`run: --${f} is for zoo models; with --onnx FILE the file is the model (--batch: use --shape)`);
  if (given.has('batch'))
    throw new SlimError('run: --batch is for zoo models; with --onnx FILE give the input shape with --shape NAME=DIMS');
  const path = flags.onnx as string;
  const file = readOnnxFile(path, flags.shape as string | undefined, (ops) => {
    if (flags.json) console.log(JSON.stringify({ model: path.split('/').pop(), file: path, unsupported_ops: ops }, null, 2));
  });
  const { model } = file;
  const rt = await Runtime.create();
  try {
    checkGraphDeviceLimits(model.graph, rt.ctx.limits, `--onnx ${path}`);
    const inputs = seededOnnxInputs(model);
    const t = await measureGraph(rt, model.graph, inputs, {
      runs: flags.runs as number,
      tune: tuneFromFlags(flags),
      profile: !!flags.profile,
    });
    const batch = model.inputs[0]?.shape[0] ?? 1;
    const r = {
      adapter: rt.ctx.adapter,
      model: file.name,
      file: path,
      file_bytes: file.bytes.length,
      opset: model.opset,
      inputs: describeInputs(model),
      outputs: model.outputs.map((o) => ({ name: o.name, shape: o.shape, ...(o.constant ? { constant: true } : {}) })),
      batch,
      params: model.graph.paramCount(),
      ...t,
      images_per_s: Number(((batch * 1000) / t.median_ms).toFixed(3)),
    };
    if (flags.json) console.log(JSON.stringify(r, null, 2));
    else {
      console.log(`${r.model} (ONNX opset ${r.opset}) on ${r.adapter.description || r.adapter.architecture}`);
      console.log(`inputs ${r.inputs.map((i) => `${i.name} [${i.shape}] ${i.dtype}`).join(', ')}`);
      console.log(`params ${(r.params / 1e6).toFixed(3)}M  MACs ${(r.macs / 1e6).toFixed(1)}M`);
      console.log(`median ${r.median_ms} ms (min ${r.min_ms})  first run ${r.first_run_ms} ms  ${r.gflops} GFLOP/s`);
      console.log(`peak GPU memory ${(r.peak_gpu_bytes / 2 ** 20).toFixed(1)} MiB  checksum ${r.output_checksum}`);
      if (r.profile)
        for (const n of r.profile.nodes)
          console.log(`  ${n.ms.toFixed(3).padStart(9)} ms  ${n.op.padEnd(12)} ${n.name}  [${n.kernels.join(', ')}]`);
    }
  } finally {
    rt.destroy();
  }
  return 0;
}
