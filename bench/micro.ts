// The adapter's own ceilings, measured: peak f32 FMA throughput, peak int8 dot4I8Packed throughput (where the
// WGSL feature exists) and device-memory bandwidth. They are the roofs of the roofline (roofline.ts).
//
// Each microbenchmark grows its problem until one dispatch takes long enough to time (≥ `minMs`), then reports
// the best of a few repetitions (a ceiling is the best the hardware did, not the typical run). GPU time comes
// from timestamp queries when the adapter has them, else from the wall clock around submit-and-wait.

import { destroyLaunch, encodeLaunch, type Launch } from '../src/runtime/kernels.js';
import type { Runtime } from '../src/runtime/runtime.js';
import { round } from '../src/models/measure.js';

export interface Ceilings {
  method: 'timestamp' | 'wallclock';
  f32_gflops: number;
  /** int8 ops (2 per multiply-add) per second, in G; null when dot4I8Packed is unavailable */
  int8_gops: number | null;
  bandwidth_gbps: number;
  /** FLOP per byte where the f32 roof meets the memory roof */
  ridge_flop_per_byte: number;
  detail: Record<string, unknown>;
}

/** GPU milliseconds of one pass holding `launches` (timestamp queries when available). */
export async function timePass(rt: Runtime, launches: Launch[]): Promise<number> {
  const device = rt.device;
  if (!rt.ctx.hasTimestamps) {
    const t0 = performance.now();
    await rt.run(launches, 'micro');
    return performance.now() - t0;
  }
  const qs = device.createQuerySet({ type: 'timestamp', count: 2 });
  const resolve = device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  const read = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = device.createCommandEncoder({ label: 'micro' });
  const pass = enc.beginComputePass({
    label: 'micro',
    timestampWrites: { querySet: qs, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 },
  });
  launches.forEach((l) => encodeLaunch(pass, l));
  pass.end();
  enc.resolveQuerySet(qs, 0, 2, resolve, 0);
  enc.copyBufferToBuffer(resolve, 0, read, 0, 16);
  device.queue.submit([enc.finish()]);
  await read.mapAsync(GPUMapMode.READ);
  const [t0, t1] = new BigUint64Array(read.getMappedRange().slice(0));
  read.unmap();
  [qs, resolve, read].forEach((x) => x.destroy());
  return t1 > t0 ? Number(t1 - t0) / 1e6 : 0;
}

async function best(rt: Runtime, launches: Launch[], reps: number): Promise<number> {
  await timePass(rt, launches); // warm-up
  let ms = Infinity;
  for (let r = 0; r < reps; r++) ms = Math.min(ms, await timePass(rt, launches));
  return ms;
}

interface Grown {
  ms: number;
  work: number;
  size: Record<string, number>;
}

/** Double the work until a dispatch takes ≥ minMs (or the caps are reached). */
async function grow(
  rt: Runtime,
  build: (n: number, iters: number) => Promise<{ launches: Launch[]; work: number; free: () => void }>,
  opts: { n: number; iters: number; maxN: number; maxIters: number; minMs: number; reps: number },
): Promise<Grown> {
  let { n, iters } = opts;
  for (;;) {
    const b = await build(n, iters);
    const ms = await best(rt, b.launches, opts.reps);
    b.launches.forEach(destroyLaunch);
    b.free();
    const done = ms >= opts.minMs || (n >= opts.maxN && iters >= opts.maxIters);
    if (done) return { ms, work: b.work, size: { n, iters } };
    if (n < opts.maxN) n = Math.min(opts.maxN, n * 4);
    else iters = Math.min(opts.maxIters, iters * 4);
  }
}

export async function measureCeilings(rt: Runtime, opts: { minMs?: number; reps?: number } = {}): Promise<Ceilings> {
  const minMs = opts.minMs ?? 20;
  const reps = opts.reps ?? 3;
  const k = rt.kernels;
  const fma = await grow(
    rt,
    async (n, iters) => {
      const y = rt.createBuffer(n * 4, 'fma.y');
      const l = await k.launch('bench/fma_peak', { uniforms: { iters, seed: 1e-3 }, buffers: { y }, invocations: n });
      return { launches: [l], work: n * iters * 64, free: () => y.destroy() };
    },
    { n: 1 << 14, iters: 64, maxN: 1 << 20, maxIters: 1 << 14, minMs, reps },
  );
  let int8: Grown | null = null;
  if (rt.ctx.hasDot4I8) {
    try {
      int8 = await grow(
        rt,
        async (n, iters) => {
          const y = rt.createBuffer(n * 4, 'dot4.y');
          const l = await k.launch('bench/dot4i8_peak', { uniforms: { iters, seed: 12345 }, buffers: { y }, invocations: n });
          return { launches: [l], work: n * iters * 64, free: () => y.destroy() };
        },
        { n: 1 << 14, iters: 64, maxN: 1 << 20, maxIters: 1 << 14, minMs, reps },
      );
    } catch {
      int8 = null; // the feature is advertised but the kernel did not compile: report no int8 roof
    }
  }
  const maxBytes = Math.min(rt.ctx.limits.maxStorageBufferBindingSize, rt.ctx.limits.maxBufferSize, 256 * 2 ** 20);
  const bw = await grow(
    rt,
    async (vec4s) => {
      const x = rt.createBuffer(vec4s * 16, 'bw.x');
      const y = rt.createBuffer(vec4s * 16, 'bw.y');
      const l = await k.launch('bench/copy_bandwidth', { uniforms: { scale: 1.0001 }, buffers: { x, y }, invocations: vec4s });
      return {
        launches: [l],
        work: vec4s * 32,
        free: () => {
          x.destroy();
          y.destroy();
        },
      };
    },
    { n: 1 << 16, iters: 1, maxN: Math.floor(maxBytes / 16), maxIters: 1, minMs: minMs / 4, reps },
  );
  const f32 = fma.work / (fma.ms * 1e6);
  const gbps = bw.work / (bw.ms * 1e6);
  return {
    method: rt.ctx.hasTimestamps ? 'timestamp' : 'wallclock',
    f32_gflops: round(f32),
    int8_gops: int8 ? round(int8.work / (int8.ms * 1e6)) : null,
    bandwidth_gbps: round(gbps),
    ridge_flop_per_byte: round(f32 / gbps),
    detail: {
      fma: { ...fma.size, ms: round(fma.ms, 4) },
      int8: int8 ? { ...int8.size, ms: round(int8.ms, 4) } : null,
      bandwidth: { bytes: bw.work, ms: round(bw.ms, 4) },
    },
  };
}
