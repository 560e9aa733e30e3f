// `slimgpu bench --suite dawn`: Node/Dawn settings side by side (issue 12, "Node vs Chromium").
//
// Each variant is its own GPU context (Dawn instance flags, QuietWait on or off), made up front; then rounds
// interleave the variants (baseline first in every round), so load changes hit all of them alike. Per variant:
// the median wall time of one inference run of each model spec (upload, one submit, output read-back: what
// `slimgpu run` times) and of one training step of cnn_tiny (the step graph of `slimgpu train`, plain SGD).
// Every variant must give the same outputs as the baseline (same kernels, same order): a setting that changes
// results is reported, not timed silently.

import { compile, type CompiledGraph } from '../src/graph/executor.js';
import { sampleInput, median, modelLabel } from '../src/models/measure.js';
import { buildModel, type ModelSpec } from '../src/models/zoo.js';
import { SlimError } from '../src/runtime/errors.js';
import { Runtime } from '../src/runtime/runtime.js';
import type { ContextOptions } from '../src/runtime/device.js';
import { buildStepGraph } from '../src/train/step_graph.js';
import { hyperFor } from '../src/train/optim.js';
import { TRAIN_BENCH_OPTIM } from './train_peers.js';

const BASE_FLAGS = ['disable-dawn-features=timestamp_quantization'];

/** The settings compared: name → context options. `baseline` is what slimgpu did before issue 12. */
export const DAWN_VARIANTS: Record<string, ContextOptions> = {
  baseline: { dawnFlags: BASE_FLAGS, quietWait: false },
  quiet_wait: { dawnFlags: BASE_FLAGS, quietWait: true },
  disable_robustness: { dawnFlags: [...BASE_FLAGS, 'enable-dawn-features=disable_robustness'], quietWait: false },
  skip_validation: { dawnFlags: [...BASE_FLAGS, 'enable-dawn-features=skip_validation'], quietWait: false },
  disable_workgroup_init: { dawnFlags: [...BASE_FLAGS, 'enable-dawn-features=disable_workgroup_init'], quietWait: false },
  // Chromium 156's toggles for the same SwiftShader adapter (chrome://gpu, "Dawn Info", Vulkan backend) that
  // dawn.node 0.6.2 knows: range analysis lets Tint drop the robustness clamps it can prove unneeded
  range_analysis: { dawnFlags: [...BASE_FLAGS, 'enable-dawn-features=enable_integer_range_analysis_in_robustness'], quietWait: false },
  chromium_toggles: {
    dawnFlags: [
      ...BASE_FLAGS,
      'enable-dawn-features=enable_integer_range_analysis_in_robustness,use_vulkan_zero_initialize_workgroup_memory_extension,' +
        'use_vulkan_memory_model,vulkan_direct_variable_access_transform_handle,use_spirv_1_4',
    ],
    quietWait: false,
  },
  no_lazy_clear: { dawnFlags: ['disable-dawn-features=timestamp_quantization,lazy_clear_resource_on_first_use'], quietWait: false },
  all: {
    dawnFlags: [
      'disable-dawn-features=timestamp_quantization,lazy_clear_resource_on_first_use',
      'enable-dawn-features=disable_robustness,skip_validation,disable_workgroup_init',
    ],
    quietWait: true,
  },
};

export const DAWN_SPECS: ModelSpec[] = [
  { model: 'cnn_small', batch: 32 },
  { model: 'mobilenet_v1', alpha: 0.5, res: 128 },
];

export interface DawnRow {
  variant: string;
  job: string;
  median_ms: number;
  baseline_ms: number;
  /** CPU time of the main (JS) thread per run, median, ms: Linux only (/proc), else -1. */
  main_cpu_ms: number;
  ratio: number;
  same_outputs: boolean;
  runs: number;
}

/** CPU time of this process's main thread so far, ms (Linux: /proc/self/task/<pid>/stat utime+stime), or NaN. */
async function mainThreadCpuMs(): Promise<number> {
  try {
    const { readFileSync } = await import('node:fs');
    const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) * 10; // clock ticks of 10 ms
  } catch {
    return NaN;
  }
}

interface Job {
  name: string;
  once(): Promise<Float32Array>;
  destroy(): void;
}

async function inferenceJob(rt: Runtime, spec: ModelSpec): Promise<Job> {
  const g = buildModel(spec);
  const inputs = sampleInput(g);
  const m: CompiledGraph = await compile(rt, g, { tune: 'off' });
  return { name: `${modelLabel(spec)} b${spec.batch ?? 1}`, once: async () => (await m.run(inputs))[0], destroy: () => m.destroy() };
}

async function trainJob(rt: Runtime, batch: number): Promise<Job> {
  const sg = buildStepGraph({ kind: 'plain', model: buildModel({ model: 'cnn_tiny', batch, seed: 1 }) }, TRAIN_BENCH_OPTIM);
  const m = await compile(rt, sg.graph, { fuse: false, tune: 'off' });
  const [images, labels] = sampleInput(sg.graph);
  for (let i = 0; i < labels.length; i++) labels[i] = i % 10;
  const ce = sg.readouts[0].ce;
  // the same step (same weights) every time, so every variant computes the same loss: the weights are put back
  const weights = sg.graph.tensors.filter((t) => (t.role === 'param' || t.role === 'state') && sg.graph.isUsed(t.id) && t.data);
  return {
    name: `train cnn_tiny b${batch} (step)`,
    once: async () => {
      for (const t of weights) m.writeTensor(t.id, t.data!);
      return (await m.run([images, labels, hyperFor(TRAIN_BENCH_OPTIM, 0)]))[ce];
    },
    destroy: () => m.destroy(),
  };
}

export async function benchDawn(o: {
  variants: string[];
  specs?: ModelSpec[];
  trainBatch: number;
  runs: number;
  rounds: number;
  log?: (line: string) => void;
}): Promise<DawnRow[]> {
  const log = o.log ?? (() => {});
  const names = ['baseline', ...o.variants.filter((v) => v !== 'baseline')];
  for (const n of names) if (!(n in DAWN_VARIANTS)) throw new SlimError(`bench --suite dawn: unknown variant '${n}'`);
  const rts: Runtime[] = [];
  const jobs: Job[][] = [];
  try {
    for (const n of names) {
      const rt = await Runtime.create(DAWN_VARIANTS[n]);
      rts.push(rt);
      const js: Job[] = [];
      for (const s of o.specs ?? DAWN_SPECS) js.push(await inferenceJob(rt, s));
      if (o.trainBatch > 0) js.push(await trainJob(rt, o.trainBatch));
      jobs.push(js);
      for (const j of js) await j.once(); // pipelines warm, first-run costs out of the timings
      log(`dawn: ${n} ready (${rt.ctx.adapter.description || rt.ctx.adapter.architecture})`);
    }
    const times = names.map(() => jobs[0].map(() => [] as number[]));
    const cpu = names.map(() => jobs[0].map(() => [] as number[]));
    const outs = names.map(() => jobs[0].map(() => null as Float32Array | null));
    for (let r = 0; r < o.rounds; r++) {
      for (let j = 0; j < jobs[0].length; j++) {
        for (let v = 0; v < names.length; v++) {
          for (let k = 0; k < o.runs; k++) {
            const c = await mainThreadCpuMs();
            const t = performance.now();
            const out = await jobs[v][j].once();
            times[v][j].push(performance.now() - t);
            cpu[v][j].push((await mainThreadCpuMs()) - c);
            outs[v][j] ??= out;
          }
        }
        log(
          `dawn round ${r + 1}/${o.rounds} ${jobs[0][j].name}: ${names.map((n, v) => `${n} ${median(times[v][j].slice(-o.runs)).toFixed(1)}`).join(', ')} ms`,
        );
      }
    }
    const rows: DawnRow[] = [];
    for (let j = 0; j < jobs[0].length; j++) {
      const base = median(times[0][j]);
      names.forEach((n, v) => {
        const m = median(times[v][j]);
        const a = outs[0][j]!;
        const b = outs[v][j]!;
        rows.push({
          variant: n,
          job: jobs[0][j].name,
          median_ms: Number(m.toFixed(2)),
          baseline_ms: Number(base.toFixed(2)),
          main_cpu_ms: Number.isFinite(median(cpu[v][j])) ? median(cpu[v][j]) : -1,
          ratio: Number((m / base).toFixed(3)),
          same_outputs: a.length === b.length && a.every((x, i) => x === b[i]),
          runs: times[v][j].length,
        });
      });
    }
    return rows;
  } finally {
    jobs.flat().forEach((j) => j.destroy());
    rts.forEach((rt) => rt.destroy());
  }
}
