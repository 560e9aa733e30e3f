// compress(model, options): one entry point for the converters. Returns a graph that compile() runs, the model
// size in bytes (parameters as stored: f32 4 bytes, int8 packed 1 byte, sign bits 1/8 byte, plus index and
// requantization tables), and what each step did.
//
// Order: structured filter pruning (on the original graph, so batch-norms are still separate and sliced too) →
// inference fusion (batch-norm folding, activation fusion) → block sparsity (fp32) or quantization (int8 / binary).
// Block sparsity combines with int8 (a pruned layer runs conv2d_bsr_int8, so the block shapes are those with 4 or 8
// rows) but not with binary (the xnor kernels are dense).

import { Graph } from '../graph/ir.js';
import { optimizeForInference } from '../graph/passes.js';
import { BLOCK_SHAPES, blockShapeFits, checkBlockShape, parseBlockShape, toBsr, type BlockShape } from '../ops/block_sparse.js';
import { INT8_BLOCK_SHAPES } from '../ops/int8.js';
import { convGeom } from '../ops/conv.js';
import { attrNum } from '../ops/registry.js';
import { check, SlimError } from '../runtime/errors.js';
import type { Runtime } from '../runtime/runtime.js';
import { binarizeGraph, type BinaryReport } from './binarize.js';
import { filterPrune, type FilterNorm, type FilterPruneReport } from './prune.js';
import { chooseLayerPrecision, measureInt8Layers, timeWholeModels, type LayerChoice } from './int8_mix.js';
import { calibrateForInt8 } from './equalize.js';
import {
  calibrate,
  DEFAULT_CALIBRATION,
  quantizeGraph,
  type CalibrationMethod,
  type Int8Report,
  type QuantLayer,
  type TensorStats,
} from './quantize.js';
import { addBsrConv, chooseBlockShape, pruneBlocks } from './sparse.js';

export interface CompressOptions {
  quantize?: 'int8' | 'binary';
  /** Block sparsity of conv weights; block 'auto' (default) measures each shape per layer on the adapter. */
  prune?: { sparsity: number; block?: BlockShape | 'auto' };
  /**
   * Weights already pruned in blocks of this shape (training with a pruning block): every conv whose weights have a
   * zero block runs on conv2d_bsr with exactly its zero blocks dropped; the others stay dense. Nothing is pruned.
   */
  sparse?: { block: BlockShape };
  filterPrune?: { ratio: number; norm?: FilterNorm };
  /** Sample input batches for int8 calibration (and the binary activation scale); synthetic when absent. */
  calibration?: {
    batches?: Float32Array[][];
    method?: CalibrationMethod;
    percentile?: number;
    perChannel?: boolean;
    /** Per-channel affine activations where only int8 1×1 / depthwise convs and float ops read them (quantize.ts). */
    channelAffine?: boolean;
    /** channelAffine also on tensors padded depthwise int8 convs read (per-channel padding; default true). */
    channelAffinePadded?: boolean;
    /** Nagel et al. bias correction of every int8 conv (default off; quantize.ts). */
    biasCorrection?: boolean;
    /** Layers kept in fp32 (names in the fused float graph, as quant-debug lists them): mixed precision. */
    keepFloat?: string[];
    /** Activation equalization with this α before calibration (equalize.ts; default off). */
    equalize?: number;
  };
  /**
   * int8: 'all' (default) quantizes every layer the int8 kernels can run; 'measured' times each such layer fp32
   * against int8 (with the quantize/dequantize it forces) on options.runtime and keeps the slower-in-int8 ones fp32
   * (src/compress/int8_mix.ts; report.int8Layers says which and why). `int8LayerRuns`: timed rounds per layer (5).
   */
  int8Layers?: 'all' | 'measured';
  int8LayerRuns?: number;
  /** false: measure the per-layer and whole-model times afresh instead of reading the adapter's cache 'int8_mix' */
  int8LayerCache?: boolean;
  binary?: { activationScale?: boolean };
  /** Needed for calibration and for measuring block shapes. */
  runtime?: Runtime;
}

export interface CompressedModel {
  graph: Graph;
  /** int8: the fused float graph that was quantized and its int8 layers (for QDQ export, io/onnx/export.ts). */
  int8?: { float: Graph; layers: QuantLayer[] };
  /** Bytes of the compressed model's parameters. */
  bytes: number;
  /** Bytes of the input model's parameters (f32). */
  fp32Bytes: number;
  /** fp32Bytes / bytes */
  ratio: number;
  report: {
    filterPrune?: FilterPruneReport;
    int8?: Int8Report;
    /** int8Layers 'measured': per layer, its precision, the times that chose it and why */
    int8Layers?: LayerChoice[];
    /**
     * int8Layers 'measured': whole-model wall-clock medians (ms) of fp32, the per-layer mix and all-int8, timed
     * interleaved, and which one the model is (the fastest; a tie keeps the more int8 one).
     */
    int8Whole?: { fp32_ms: number; mixed_ms: number; all_int8_ms?: number; chosen: 'fp32' | 'mixed' | 'all_int8'; cached?: boolean };
    binary?: BinaryReport;
    sparse?: { layers: { name: string; block: string; density: number; ms?: Record<string, number> }[] };
    calibration?: string;
    /** Activation equalization: how many tensors were rescaled. */
    equalized?: number;
  };
}

/** Bytes of the parameters a graph actually uses, as stored. */
export function modelBytes(g: Graph): number {
  let b = 0;
  for (const t of g.tensors) {
    if (t.role !== 'param' || !g.isUsed(t.id)) continue;
    b += (t.data ?? t.raw)!.byteLength;
  }
  return b;
}

function syntheticBatches(g: Graph, count: number): Float32Array[][] {
  let s = 12345;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 4294967296) * 2 - 1;
  };
  return Array.from({ length: count }, () =>
    g.inputs.map((t) => Float32Array.from({ length: g.shape(t).reduce((a, b) => a * b, 1) }, next)),
  );
}

/** A block shape offered at this precision (int8: 4 or 8 rows, conv2d_bsr_int8); `what` names it in the error. */
export function checkBlockFor(precision: 'fp32' | 'int8', block: readonly number[], what: string): void {
  checkBlockShape(block, what);
  if (precision === 'int8' && !INT8_BLOCK_SHAPES.some(([a, b]) => a === block[0] && b === block[1]))
    throw new SlimError(
      `${what} ${block.join('x')} is not offered with int8 (block-sparse int8 needs 4 or 8 rows: ${INT8_BLOCK_SHAPES.map((b) => b.join('x')).join(', ')})`,
    );
}

export async function compress(model: Graph, opts: CompressOptions = {}): Promise<CompressedModel> {
  if (opts.quantize === 'binary' && (opts.prune || opts.sparse))
    throw new SlimError('compress: block sparsity and binary quantization cannot be combined (the xnor kernels are dense)');
  const int8Sparse = opts.quantize === 'int8';
  const shapesFor = (what: string, block: BlockShape) => checkBlockFor(int8Sparse ? 'int8' : 'fp32', block, what);
  if (opts.prune && opts.sparse)
    throw new SlimError('compress: prune (prunes the weights) and sparse (encodes weights pruned before) are alternatives');
  if (opts.sparse) shapesFor('compress: sparse.block', opts.sparse.block);
  if (opts.prune) {
    const sp = opts.prune.sparsity;
    check(Number.isFinite(sp) && sp >= 0 && sp < 1, `compress: prune.sparsity must be in [0, 1), got ${sp}`);
    if (opts.prune.block && opts.prune.block !== 'auto') shapesFor('compress: prune.block', opts.prune.block);
  }
  if (opts.filterPrune) {
    const r = opts.filterPrune.ratio;
    check(Number.isFinite(r) && r >= 0 && r < 1, `compress: filterPrune.ratio must be in [0, 1), got ${r}`);
  }
  if (opts.quantize && !['int8', 'binary'].includes(opts.quantize))
    throw new SlimError(`compress: quantize must be 'int8' or 'binary', got '${opts.quantize}'`);
  const fp32Bytes = modelBytes(model);
  const report: CompressedModel['report'] = {};
  let int8: CompressedModel['int8'];
  let g = model;
  if (opts.filterPrune && opts.filterPrune.ratio > 0) {
    const r = filterPrune(g, opts.filterPrune);
    // never a silently unchanged model (e.g. a graph whose every conv writes an output or a layer the planner cannot follow)
    if (r.report.spacesPruned === 0)
      throw new SlimError(
        `compress: filter pruning ${opts.filterPrune.ratio} removed nothing: no channel space of this graph can shrink (see src/compress/prune.ts)`,
      );
    g = r.graph;
    report.filterPrune = r.report;
  }
  g = optimizeForInference(g).graph;

  if ((opts.prune && opts.prune.sparsity > 0) || opts.sparse) {
    const asIs = !!opts.sparse;
    const block = opts.sparse?.block ?? opts.prune!.block ?? 'auto';
    check(block !== 'auto' || !!opts.runtime, "compress: prune.block 'auto' measures kernels and needs options.runtime");
    const out = new Graph();
    const id = new Map<number, number>();
    for (const t of g.inputs) id.set(t, out.addInput(g.tensors[t].name, g.shape(t)));
    const copy = (t: number) => {
      if (!id.has(t)) {
        const d = g.tensors[t];
        id.set(t, d.data ? out.addParam(d.name, d.shape, d.data) : out.addRawParam(d.name, d.shape, d.raw!));
      }
      return id.get(t)!;
    };
    const layers: NonNullable<CompressedModel['report']['sparse']>['layers'] = [];
    for (const n of g.nodes) {
      const w = n.op === 'conv2d' ? g.tensors[n.inputs[1]] : null;
      const geo = w
        ? convGeom(
            n.inputs.map((t) => g.shape(t)),
            n.attrs,
          )
        : null;
      const ok =
        w?.data &&
        geo &&
        geo.groups === 1 &&
        attrNum(n.attrs, 'shuffle', 1) === 1 &&
        (n.inputs[2] === undefined || g.tensors[n.inputs[2]].data);
      const offered = int8Sparse ? INT8_BLOCK_SHAPES : BLOCK_SHAPES;
      let fits = ok ? (block === 'auto' ? offered : [block]).filter((b) => blockShapeFits(w!.shape, b)) : [];
      const asIsBsr = asIs && fits.length ? toBsr(w!.data!, w!.shape, fits[0]) : null;
      if (asIsBsr && asIsBsr.nnzb === asIsBsr.totalBlocks) fits = []; // no zero block: stays dense
      if (fits.length === 0) {
        const outs = out.add(
          n.op,
          n.inputs.map((t) => (g.tensors[t].role === 'param' ? copy(t) : id.get(t)!)),
          n.attrs,
          n.name,
        );
        n.outputs.forEach((t, k) => id.set(t, outs[k]));
        continue;
      }
      let chosen: BlockShape = block as BlockShape;
      let ms: Record<string, number> | undefined;
      if (block === 'auto') {
        const c = await chooseBlockShape(
          opts.runtime!,
          g.shape(n.inputs[0]),
          w!.data!,
          w!.shape,
          { ...n.attrs, kernel: [geo!.kh, geo!.kw], cout: geo!.cout },
          opts.prune!.sparsity,
          fits,
          2,
          int8Sparse,
        );
        chosen = c.block;
        ms = c.ms;
      }
      const bsr = asIsBsr ?? toBsr(pruneBlocks(w!.data!, w!.shape, chosen, opts.prune!.sparsity), w!.shape, chosen);
      const bias = n.inputs[2] !== undefined ? g.tensors[n.inputs[2]].data! : null;
      const attrs = { ...n.attrs, kernel: [geo!.kh, geo!.kw], cout: geo!.cout };
      id.set(n.outputs[0], addBsrConv(out, id.get(n.inputs[0])!, bsr, bias, attrs, n.name));
      layers.push({ name: n.name, block: chosen.join('x'), density: bsr.nnzb / bsr.totalBlocks, ms });
    }
    if (!asIs && layers.length === 0)
      throw new SlimError(
        `compress: block sparsity ${opts.prune!.sparsity} pruned nothing: no conv of this graph takes block ${block === 'auto' ? 'any offered shape' : (block as BlockShape).join('x')} (dense ungrouped convs: Cin a multiple of 4 and of the block's columns, Cout of its rows)`,
      );
    for (const t of g.outputs) out.markOutput(id.get(t)!);
    g = out;
    report.sparse = { layers };
  }

  if (opts.quantize === 'int8' || (opts.quantize === 'binary' && opts.binary?.activationScale)) {
    check(!!opts.runtime, `compress: ${opts.quantize} calibration runs the model and needs options.runtime`);
    let batches = opts.calibration?.batches;
    if (!batches?.length) {
      batches = syntheticBatches(g, 4);
      report.calibration = 'synthetic uniform [-1, 1] inputs (pass calibration.batches with real samples for real accuracy)';
    } else report.calibration = `${batches.length} batches, ${opts.calibration?.method ?? DEFAULT_CALIBRATION}`;
    let stats: Map<number, TensorStats>;
    if (opts.quantize === 'int8' && opts.calibration?.equalize !== undefined) {
      const c = await calibrateForInt8(opts.runtime!, g, batches, opts.calibration);
      g = c.graph;
      stats = c.stats;
      report.equalized = c.equalized!.length;
    } else stats = await calibrate(opts.runtime!, g, batches);
    if (opts.quantize === 'int8') {
      const qopts = {
        method: opts.calibration?.method,
        percentile: opts.calibration?.percentile,
        perChannel: opts.calibration?.perChannel,
        channelAffine: opts.calibration?.channelAffine,
        channelAffinePadded: opts.calibration?.channelAffinePadded,
        biasCorrection: opts.calibration?.biasCorrection,
      };
      const keepFloat = [...(opts.calibration?.keepFloat ?? [])];
      if (opts.int8Layers === 'measured') {
        const timings = await measureInt8Layers(opts.runtime!, g, stats, qopts, opts.int8LayerRuns ?? 5, opts.int8LayerCache ?? true);
        const kept = new Set(keepFloat);
        const choices = chooseLayerPrecision(
          g,
          timings.filter((t) => !kept.has(t.name)),
        );
        for (const c of choices) if (c.precision === 'fp32') keepFloat.push(c.name);
        report.int8Layers = choices;
      } else check(opts.int8Layers === undefined || opts.int8Layers === 'all', `compress: int8Layers must be 'all' or 'measured'`);
      let r = quantizeGraph(g, stats, { ...qopts, keepFloat });
      if (opts.int8Layers === 'measured') {
        // whole-model guard: the mix against fp32 and against all-int8 (when they differ), interleaved
        const mixed = report.int8Layers!.some((c) => c.precision === 'fp32');
        const allInt8 = mixed ? quantizeGraph(g, stats, { ...qopts, keepFloat: opts.calibration?.keepFloat }) : null;
        const graphs = [g, r.graph, ...(allInt8 ? [allInt8.graph] : [])];
        const whole = await timeWholeModels(opts.runtime!, graphs, opts.int8LayerRuns ?? 5, opts.int8LayerCache ?? true);
        const [fp32Ms, mixedMs, allMs] = whole.ms;
        const best = Math.min(fp32Ms, mixedMs, allMs ?? Infinity);
        const chosen = allMs !== undefined && allMs === best ? 'all_int8' : mixedMs === best ? 'mixed' : 'fp32';
        report.int8Whole = {
          fp32_ms: fp32Ms,
          mixed_ms: mixedMs,
          ...(allMs !== undefined ? { all_int8_ms: allMs } : {}),
          chosen,
          ...(whole.cached ? { cached: true } : {}),
        };
        const why = (t: string) => `whole model: ${t}`;
        if (chosen === 'all_int8') {
          r = allInt8!;
          for (const c of report.int8Layers!)
            if (c.precision === 'fp32')
              Object.assign(c, {
                precision: 'int8',
                layer_choice: 'fp32',
                why: why(`all-int8 ${allMs!.toFixed(1)} ms ≤ mix ${mixedMs.toFixed(1)} ms (layer: ${c.why})`),
              });
        } else if (chosen === 'fp32') {
          for (const c of report.int8Layers!)
            if (c.precision === 'int8')
              Object.assign(c, {
                precision: 'fp32',
                layer_choice: 'int8',
                why: why(`fp32 ${fp32Ms.toFixed(1)} ms < int8 mix ${mixedMs.toFixed(1)} ms`),
              });
        }
      }
      const measuredAway = report.int8Layers?.some((c) => c.precision === 'fp32') ?? false;
      if (report.int8Whole?.chosen === 'fp32' || (r.report.int8Convs === 0 && measuredAway)) {
        // int8 measured slower than fp32 as a whole: the model stays the fused fp32 graph (report says so)
        const bytes = modelBytes(g);
        return { graph: g, bytes, fp32Bytes, ratio: fp32Bytes / bytes, report };
      }
      if (r.report.int8Convs === 0 && !measuredAway)
        throw new SlimError(
          'compress: int8: no layer of this graph runs on the int8 kernels (conv2d with weights, output channels a multiple of 4, ReLU/ReLU6/none, no fused shuffle); the model would be unchanged',
        );
      int8 = { float: g, layers: r.layers };
      g = r.graph;
      report.int8 = r.report;
    } else {
      const r = binarizeGraph(g, opts.binary, stats);
      g = r.graph;
      report.binary = r.report;
    }
  } else if (opts.quantize === 'binary') {
    const r = binarizeGraph(g, opts.binary);
    g = r.graph;
    report.binary = r.report;
  }
  const bytes = modelBytes(g);
  return { graph: g, bytes, fp32Bytes, ratio: fp32Bytes / bytes, report, ...(int8 ? { int8 } : {}) };
}

export type Precision = 'fp32' | 'int8' | 'binary';

/**
 * For the CLI's `run`: the model at a precision (and optional block sparsity), as compress() options.
 * `block` as the CLI spells it: '4x4', '1x4', '8x8' or 'auto'.
 */
export function compressOptionsFor(precision: Precision, sparsity?: number, block?: string): CompressOptions {
  const o: CompressOptions = {};
  if (precision === 'int8' || precision === 'binary') o.quantize = precision;
  else if (precision !== 'fp32') throw new SlimError(`--precision must be fp32, int8 or binary, got '${precision}'`);
  if (sparsity !== undefined && sparsity > 0) {
    o.prune = { sparsity, block: block && block !== 'auto' ? parseBlockShape(block, '--block', '4x4 (rows x cols) or auto') : 'auto' };
  }
  return o;
}

/**
 * What `slimgpu run --precision P [--sparsity S --block B]` does to a zoo model before compiling it: compress()
 * (int8 calibration on synthetic inputs), plus the size figures for the run record.
 */
export async function compressForRun(
  rt: Runtime,
  g: Graph,
  precision: Precision,
  sparsity?: number,
  block?: string,
  int8Layers?: 'all' | 'measured',
): Promise<{ graph: Graph; info: Record<string, unknown> }> {
  const opts = { ...compressOptionsFor(precision, sparsity, block), ...(precision === 'int8' && int8Layers ? { int8Layers } : {}) };
  if (!opts.quantize && !opts.prune) return { graph: g, info: { precision, model_bytes: modelBytes(g) } };
  const c = await compress(g, { ...opts, runtime: rt });
  return {
    graph: c.graph,
    info: {
      precision,
      ...(opts.prune ? { sparsity, block: block ?? 'auto' } : {}),
      ...(precision === 'int8' ? { int8_layers: int8Layers ?? 'all' } : {}),
      model_bytes: c.bytes,
      fp32_model_bytes: c.fp32Bytes,
      compression_ratio: Number(c.ratio.toFixed(3)),
      compress_report: c.report,
    },
  };
}
