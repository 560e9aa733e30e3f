// Benchmark suite 'matmul': the register-tiled matmul (shaders/matmul/matmul_forward_tiled.tmpl.wgsl, tile height
// and load flavour chosen by the Tuner measuring on this adapter) against the direct kernel (one output per
// invocation) and the workgroup-memory tiled kernel (matmul_forward_wgtile, 32×32 blocks, pinned), on classifier
// heads and square GEMMs: M×K×N means A [M,K] × B [K,N] (B a weight, as MatMul). The figure is the GPU time of the
// matmul node (timestamp queries where the adapter has them, else wall clock per node), median of `runs` rounds
// after a warm-up; rounds interleave the kernels, so load from other processes falls on all alike. GFLOP/s counts
// 2·M·K·N; `ceiling_pct` is the share of the adapter's f32 FMA ceiling measured once at the start of the run
// (bench/micro.ts, the bench page's roofline): on a machine whose load changes during the run it can exceed 100%.

import { compile, type CompiledGraph } from '../src/graph/executor.js';
import { Graph } from '../src/graph/ir.js';
import { seededRandom } from '../src/models/builder.js';
import { median, round } from '../src/models/measure.js';
import type { Runtime } from '../src/runtime/runtime.js';
import { measureCeilings } from './micro.js';

export const MATMUL_SHAPES: [number, number, number][] = [
  [1, 1280, 1000], // MobileNetV2 classifier
  [1, 1024, 1000], // MobileNetV1 classifier
  [26, 512, 6625], // PP-OCR recognition head (T = 26 steps, 6625 characters)
  [64, 64, 64],
  [256, 256, 256],
];

export interface MatmulRow {
  shape: string;
  direct_ms: number;
  tiled_ms: number;
  tiled_kernel: string;
  wgtile_ms: number;
  speedup: number;
  direct_gflops: number;
  tiled_gflops: number;
  ceiling_pct: number;
  timing: string;
}

function rand(n: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
}

export async function benchMatmul(
  rt: Runtime,
  opts: { runs?: number; shapes?: [number, number, number][]; log?: (line: string) => void } = {},
): Promise<MatmulRow[]> {
  const runs = opts.runs ?? 5;
  const log = opts.log ?? (() => {});
  const ceilings = await measureCeilings(rt);
  log(`f32 ceiling ${ceilings.f32_gflops} GFLOP/s (${ceilings.method})`);
  const rows: MatmulRow[] = [];
  for (const [m, k, n] of opts.shapes ?? MATMUL_SHAPES) {
    const g = new Graph();
    g.markOutput(g.add1('matmul', [g.addInput('x', [m, k]), g.addParam('w', [k, n], rand(k * n, 2))], {}, 'mm'));
    const x = rand(m * k, 1);
    const direct = await compile(rt, g, { fuse: false, tune: 'off', forceVariant: 'matmul_direct' });
    const tiled = await compile(rt, g, { fuse: false, tune: 'measure' });
    const wgtile = await compile(rt, g, { fuse: false, tune: 'off', forceVariant: 'matmul_wgtile32x32' });
    const models: [CompiledGraph, number[]][] = [
      [direct, []],
      [tiled, []],
      [wgtile, []],
    ];
    let method = 'wallclock';
    for (const [model] of models) await model.run([x]);
    for (let r = 0; r < runs; r++) {
      for (const [model, ms] of models) {
        const p = await model.profile([x]);
        method = p.method;
        ms.push(p.nodes.find((nd) => nd.name === 'mm')!.ms);
      }
    }
    const flop = 2 * m * k * n;
    const [dms, tms, wms] = models.map(([, ms]) => median(ms));
    const row: MatmulRow = {
      shape: `${m}x${k}x${n}`,
      direct_ms: round(dms),
      tiled_ms: round(tms),
      tiled_kernel: [...tiled.variants.values()].join('+'),
      wgtile_ms: round(wms),
      speedup: round(dms / tms, 2),
      direct_gflops: round(flop / (dms * 1e6)),
      tiled_gflops: round(flop / (tms * 1e6)),
      ceiling_pct: round((100 * flop) / (tms * 1e6) / ceilings.f32_gflops, 1),
      timing: method,
    };
    log(JSON.stringify(row));
    rows.push(row);
    models.forEach(([model]) => model.destroy());
  }
  return rows;
}
