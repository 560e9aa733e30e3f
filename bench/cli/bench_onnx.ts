// slimgpu bench --onnx FILE [--shape NAME=DIMS ...] --peers ort,ort-wasm: a user's ONNX file on slimgpu and on
// onnxruntime-web 1.30 (WebGPU EP, WASM EP) in one headless Chromium page (the bench page, the file set on its file
// picker), the same seeded input, interleaved rounds, outputs checked against ours. The file is imported here first,
// so a bad file, an unbound dimension or an unsupported operator is a one-line error before any browser starts.

import { DT } from '../../src/io/onnx/proto.js';
import { SlimError } from '../../src/runtime/errors.js';
import type { Flags } from '../../src/cli/flags.js';
import { readOnnxFile } from '../../src/cli/onnx_file.js';
import { parsePeers } from './bench_peers.js';

const ZOO_ONLY = ['model', 'suite', 'alpha', 'res', 'batch', 'groups', 'scale', 'phi', 'classes', 'seed'];

export async function benchOnnx(flags: Flags, given: Set<string>): Promise<number> {
  for (const f of ZOO_ONLY)
    if (given.has(f)) throw new SlimError(`bench: --${f} is for zoo models; with --onnx FILE the file is the model (shapes: --shape)`);
  if (flags.where === 'node')
    throw new SlimError('bench --onnx runs in headless Chromium (onnxruntime-web needs a page): leave out --where node');
  if (flags.tune === 'measure')
    throw new SlimError(
      'bench --onnx: --tune measure is not offered here; measure variants with slimgpu run --onnx FILE --tune measure first',
    );
  const peers = parsePeers(flags.peers, ['ort', 'ort-wasm']);
  if (peers.includes('tfjs'))
    throw new SlimError('bench --onnx: the TensorFlow.js peer runs zoo models only; --peers takes ort, ort-wasm here');
  const path = flags.onnx as string;
  const what = `--onnx ${path}`;
  const shapes = flags.shape as string | undefined;
  const { model } = readOnnxFile(path, shapes, (ops) => {
    if (flags.json) console.log(JSON.stringify({ model: path.split('/').pop(), file: path, unsupported_ops: ops }, null, 2));
  });
  if (model.inputs.length !== 1 || model.inputs[0].dtype !== DT.FLOAT)
    throw new SlimError(
      `${what}: the peer comparison takes models with one float input (this one has ${model.inputs.map((i) => `'${i.name}'`).join(', ') || 'none'}); slimgpu run --onnx runs it`,
    );
  if (!model.outputs.some((o) => o.output === 0)) throw new SlimError(`${what}: every output is a constant; nothing to compare`);
  const { benchOnnxInBrowser } = await import('../headless.js');
  const doc = await benchOnnxInBrowser(path, shapes, peers, {
    runs: flags.runs as number,
    warmup: flags.warmup as number,
    profile: !!flags.profile,
    micro: !!flags.micro,
    screenshot: typeof flags.screenshot === 'string' ? flags.screenshot : undefined,
  });
  if (doc.error) throw new SlimError(`bench page: ${String(doc.error).split('\n').join(' ')}`);
  const m = doc.models[0];
  const engines = Object.values<any>(m.engines);
  doc.summary = {
    model: m.model,
    median_ms: Object.fromEntries(engines.map((e) => [e.engine, e.error ? null : e.median_ms])),
    ratio_vs_ort: m.ratio_vs_ort,
    ratio_vs_ort_wasm: m.ratio_vs_ort_wasm,
    max_abs_diff: Object.fromEntries(engines.filter((e) => e.engine !== 'slimgpu').map((e) => [e.engine, e.max_abs_diff])),
    errors: Object.fromEntries(engines.filter((e) => e.error).map((e) => [e.engine, e.error])),
  };
  const text = JSON.stringify(doc, null, 2);
  if (typeof flags.out === 'string') {
    const fs = await import('node:fs');
    fs.writeFileSync(flags.out, text);
  }
  if (flags.json) console.log(text);
  else {
    const a = doc.env.adapter;
    console.log(
      `${m.model} on ${a?.vendor} ${a?.architecture} ${a?.description} (${doc.env.browser}); median of ${flags.runs} interleaved rounds`,
    );
    for (const e of engines)
      console.log(
        `  ${e.engine.padEnd(11)} ${e.error ? `failed: ${e.error}` : `${e.median_ms.toFixed(2).padStart(10)} ms  cold ${e.first_run_ms.toFixed(0)} ms  max |Δ| vs ours ${e.engine === 'slimgpu' ? '-' : e.max_abs_diff.toExponential(2)}`}`,
      );
    console.log(`ours / ort-webgpu ${m.ratio_vs_ort ?? '-'}   ours / ort-wasm ${m.ratio_vs_ort_wasm ?? '-'}`);
    for (const p of doc.profiles ?? [])
      for (const l of p.layers) console.log(`  ${l.ms.toFixed(3).padStart(9)} ms  ${l.op.padEnd(12)} ${l.name}  [${l.kernels.join(', ')}]`);
  }
  return 0;
}
