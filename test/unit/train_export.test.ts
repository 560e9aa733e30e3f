// Compression-aware training → the compressed kernels (src/train/inference_graph.ts):
//   binary  sign/STE kernels against their CPU forms; binary training steps (cnn_binary) against the CPU reference;
//           the XNOR export computing what the trained forward computes;
//   int8    QAT-trained weights quantize, after batch-norm folding, to exactly the integers they were trained with;
//           the int8 export of a trained model agrees with its float form;
//   sparse  block pruning during training leaves whole zero blocks, and the conv2d_bsr export computes what the
//           dense model computes, with those blocks dropped;
//   filters pruning whole filters (masks on weights, biases, batch-norm γ/β) exports a thinned model computing the
//           same; a FLOP budget and an accuracy floor steer it;
//   CLI     train --prune-block / --prune-filters / --qat and eval --precision end to end.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import { optimizeForInference } from '../../src/graph/passes.js';
import { quantizeWeights } from '../../src/compress/quantize.js';
import { fakeQuantCPU, signCPU } from '../../src/ops/compress_train.js';
import { buildModel } from '../../src/models/zoo.js';
import { qatTargets } from '../../src/train/autodiff.js';
import { buildStepGraph } from '../../src/train/step_graph.js';
import { inferenceGraph } from '../../src/train/inference_graph.js';
import { filterRatioForFlops, type PruneOptions } from '../../src/compress/masks.js';
import { applyWeights, encodeShippedModel, loadCheckpoint } from '../../src/train/checkpoint.js';
import { train, type TrainOptions } from '../../src/train/loop.js';
import { emulationGraph, scoreGraph } from '../../src/train/scoring.js';
import { applyFilterPruning, planFilterPruning } from '../../src/compress/prune.js';
import { DEFAULT_OPTIM, hyperFor, type OptimConfig } from '../../src/train/optim.js';
import { fillBatch, limitSplit, loadSplit, FASHION_MNIST_DIR, NO_AUGMENT } from '../../src/io/fashion_mnist.js';
import { expectClose, expectExact, randn, runNode, runtime, TOL } from '../helpers.js';
import { ModelBuilder } from '../../src/models/builder.js';
import { initialState, runTrainGraphRef } from '../ref/train.js';

const trainSplit = () => loadSplit(FASHION_MNIST_DIR, 'train');
const testSplit = () => loadSplit(FASHION_MNIST_DIR, 't10k');

function imagesOf(n: number, from = 0): Float32Array {
  const images = new Float32Array(n * 784);
  fillBatch(
    testSplit(),
    Array.from({ length: n }, (_, i) => from + i),
    NO_AUGMENT,
    0,
    images,
    new Float32Array(n),
  );
  return images;
}

async function logitsOf(g: ReturnType<typeof buildModel>, images: Float32Array): Promise<Float32Array> {
  const m = await compile(await runtime(), g, {});
  const [y] = await m.run([images]);
  m.destroy();
  return y;
}

const argmax = (y: Float32Array, b: number, c: number) => {
  let best = 0;
  for (let j = 1; j < c; j++) if (y[b * c + j] > y[b * c + best]) best = j;
  return best;
};

describe('binary training exports to the XNOR kernels', () => {
  it('sign_ste forward and backward match their CPU forms exactly (0 → +1, |x| = 1 passes)', async () => {
    const x = Float32Array.from([...randn(61, 5, 2.5), 0, -0, 1, -1, 1.0000001, -1.0000001]);
    const dy = randn(x.length, 6);
    const [y] = await runNode('sign_ste', [{ shape: [x.length], data: x }], {});
    expectExact(y, signCPU(x), 'sign');
    expect(y[61]).toBe(1);
    const [dx] = await runNode(
      'sign_ste_backward',
      [
        { shape: [x.length], data: x },
        { shape: [x.length], data: dy },
      ],
      {},
    );
    expectExact(
      dx,
      x.map((v, i) => (Math.abs(v) <= 1 ? dy[i] : 0)),
      'sign backward',
    );
    expect([dx[63], dx[64], dx[65], dx[66]]).toEqual([dy[63], dy[64], 0, 0]);
  });

  // weights in the training tests stay inside [−1, 1], so the clip never bit there (planted mutant binarize_bwd_no_clip)
  it('binarize_weights backward passes dy where |w| ≤ 1 and 0 elsewhere', async () => {
    const w = Float32Array.from([...randn(45, 7, 1.5), 1, -1, 1.0000001, -1.0000001, 0]);
    const dy = randn(w.length, 8);
    const [dw] = await runNode(
      'binarize_weights_backward',
      [
        { shape: [5, w.length / 5], data: w },
        { shape: [5, w.length / 5], data: dy },
      ],
      {},
    );
    expectExact(
      dw,
      w.map((v, i) => (Math.abs(v) <= 1 ? dy[i] : 0)),
      'binarize backward',
    );
    expect([dw[45], dw[46], dw[47], dw[48]]).toEqual([dy[45], dy[46], 0, 0]);
  });

  it('cnn_binary binarizes the inputs and weights of conv2 and fc1 only', () => {
    const model = buildModel({ model: 'cnn_binary', batch: 2 });
    expect([...qatTargets(model, 'binary')].sort()).toEqual(['conv2.w', 'fc1.w']); // not conv1, not the classifier
    const sg = buildStepGraph({ kind: 'plain', model }, { ...DEFAULT_OPTIM }, 'binary');
    expect(
      sg.graph.nodes
        .filter((n) => n.op === 'sign_ste')
        .map((n) => n.name)
        .sort(),
    ).toEqual(['conv2.x_sign', 'fc1.x_sign']);
    expect(sg.graph.nodes.filter((n) => n.op === 'sign_ste_backward').length).toBe(2);
  });

  // A binary conv's outputs are multiples of α, so a max-pool after it sees exact ties that the last bit of rounding
  // breaks differently on the CPU and the GPU (both valid subgradients); this model average-pools instead, so the
  // whole backward (STE through sign and through α·sign, batch-norm in between) is compared step by step.
  it('binary training steps (sign inputs, α·sign weights, STE) match the CPU reference', async () => {
    const rt = await runtime();
    const batch = 4;
    const b = new ModelBuilder(9);
    let x = b.input('input', [batch, 8, 8, 1]);
    x = b.conv(x, 8, { k: 3, name: 'c1' });
    x = b.conv(x, 16, { k: 3, name: 'c2' });
    x = b.avgpool(x, 2, 2);
    x = b.conv(x, 16, { k: 1, name: 'c3' });
    const model = b.finish(b.classifier(b.globalAvgPool(x), 5));
    expect([...qatTargets(model, 'binary')].sort()).toEqual(['c2.w', 'c3.w']);
    const opt: OptimConfig = { ...DEFAULT_OPTIM, lr: 0.05 };
    const sg = buildStepGraph({ kind: 'plain', model }, opt, 'binary');
    const c = await compile(rt, sg.graph, { fuse: false });
    const state = initialState(sg.graph);
    const losses: number[] = [];
    for (let s = 0; s < 4; s++) {
      const images = randn(batch * 64, 100 + s, 1.5);
      const labels = Float32Array.from({ length: batch }, (_, i) => (i + s) % 5);
      const hyper = hyperFor(opt, s);
      const outs = await c.run([images, labels, hyper]);
      const vals = runTrainGraphRef(sg.graph, [images, labels, hyper], state);
      const r = sg.readouts[0];
      const mean = (a: Float32Array) => a.reduce((x, y) => x + y, 0) / a.length;
      expect(Math.abs(mean(outs[r.ce]) - mean(vals.get(sg.graph.outputs[r.ce])!))).toBeLessThan(1e-4);
      losses.push(mean(outs[r.ce]));
    }
    for (const [name, id] of sg.models[0].params) expectClose(await c.readTensor(id), state.get(id)!, TOL.grad, `${name} after 4 steps`);
    c.destroy();
  });

  it('the XNOR export computes the trained binary forward (emulation on the float kernels)', async () => {
    const rt = await runtime();
    const batch = 8;
    const r = await train(rt, {
      model: { model: 'cnn_binary' },
      mode: 'plain',
      epochs: 1,
      batch,
      seed: 3,
      opt: { ...DEFAULT_OPTIM, lr: 0.02 },
      augment: NO_AUGMENT,
      train: limitSplit(trainSplit(), 48),
      test: limitSplit(testSplit(), 8),
      qat: 'binary',
    });
    const spec = { model: 'cnn_binary' };
    const ex = await inferenceGraph(rt, spec, r.weights[0], 'binary', batch, { precision: 'binary' });
    expect(ex.info.report?.binary).toMatchObject({ binaryConvs: 2 });
    expect(
      ex.graph.nodes
        .filter((n) => n.op === 'conv2d_xnor')
        .map((n) => n.name)
        .sort(),
    ).toEqual(['conv2', 'fc1']);
    const model = buildModel({ ...spec, batch });
    applyWeights(model, r.weights[0], 'test');
    const images = imagesOf(batch, 100);
    const emu = await logitsOf(emulationGraph(model, 'binary'), images);
    const xnor = await logitsOf(ex.graph, images);
    // Same math (α·k·dot + b), different summation order: an activation within rounding of 0 may take the other
    // sign in one path; so most logits agree to float rounding and nearly every prediction agrees.
    let close = 0,
      agree = 0;
    const scale = Math.max(...emu.map(Math.abs));
    for (let i = 0; i < emu.length; i++) if (Math.abs(emu[i] - xnor[i]) <= 1e-4 * scale) close++;
    for (let b = 0; b < batch; b++) if (argmax(emu, b, 10) === argmax(xnor, b, 10)) agree++;
    expect(close / emu.length).toBeGreaterThanOrEqual(0.9);
    expect(agree).toBeGreaterThanOrEqual(batch - 1);
    // and the export is not the float model: the binary weights are 1 bit
    expect(ex.info.model_bytes).toBeLessThan(ex.info.fp32_model_bytes / 8);
  });
});

describe('int8 QAT exports to the int8 kernels', () => {
  it('QAT weights quantize to the integers they were trained with, through batch-norm folding', () => {
    const model = buildModel({ model: 'cnn_tiny', batch: 1, seed: 4 });
    const targets = qatTargets(model, 'int8');
    expect(targets.size).toBe(4);
    const folded = optimizeForInference(model).graph;
    for (const name of targets) {
      const w = model.tensors.find((t) => t.name === name)!;
      const cout = w.shape[3];
      const fq = fakeQuantCPU(w.data!, cout);
      // the trained integers: fake-quantized value / its channel's step
      const step = new Float64Array(cout);
      for (let i = 0; i < fq.length; i++) step[i % cout] = Math.max(step[i % cout], Math.abs(fq[i]) / 127);
      const trained = Array.from(fq, (v, i) => Math.round(v / step[i % cout]));
      const conv = folded.nodes.find(
        (n) => n.op === 'conv2d' && folded.tensors[n.inputs[1]].shape.join() === w.shape.join() && n.name === name.replace(/\.w$/, ''),
      )!;
      const wf = folded.tensors[conv.inputs[1]].data!;
      const { wq } = quantizeWeights(wf, cout);
      // folding multiplies channel c by γ/σ (its sign may flip the integers); a quotient on a rounding tie may go
      // either way after the multiplication
      let off = 0;
      for (let i = 0; i < wq.length; i++) {
        const flip = Math.sign(wf[i]) !== 0 && Math.sign(w.data![i]) !== 0 && Math.sign(wf[i]) !== Math.sign(w.data![i]) ? -1 : 1;
        if (wq[i] !== flip * trained[i]) off++;
      }
      expect(off, name).toBeLessThanOrEqual(Math.ceil(wq.length * 0.002));
    }
  });

  it('a QAT-trained model on the int8 kernels agrees with its trained form', async () => {
    const rt = await runtime();
    const batch = 16;
    const r = await train(rt, {
      model: { model: 'cnn_tiny' },
      mode: 'plain',
      epochs: 2,
      batch,
      seed: 1,
      opt: { ...DEFAULT_OPTIM, lr: 0.05 },
      augment: NO_AUGMENT,
      train: limitSplit(trainSplit(), 256),
      test: limitSplit(testSplit(), 16),
      qat: 'int8',
    });
    const spec = { model: 'cnn_tiny' };
    const ex = await inferenceGraph(rt, spec, r.weights[0], 'int8', 100, {
      precision: 'int8',
      calibration: { split: trainSplit(), count: 200 },
    });
    expect(ex.info.report?.int8?.int8Convs).toBe(3); // conv1, conv2, fc1 (the 10-way classifier is not a multiple of 4)
    const model = buildModel({ ...spec, batch: 100 });
    applyWeights(model, r.weights[0], 'test');
    const images = imagesOf(100);
    const emu = await logitsOf(emulationGraph(model, 'int8'), images);
    const q = await logitsOf(ex.graph, images);
    let agree = 0;
    for (let b = 0; b < 100; b++) if (argmax(emu, b, 10) === argmax(q, b, 10)) agree++;
    expect(agree).toBeGreaterThanOrEqual(90);
    const test = limitSplit(testSplit(), 200);
    const [accTrained, accInt8] = [
      (await scoreGraph(rt, emulationGraph(model, 'int8'), test)).accuracy,
      (await scoreGraph(rt, ex.graph, test)).accuracy,
    ];
    expect(accTrained).toBeGreaterThan(0.4); // it did learn (2 epochs on 256 images)
    expect(Math.abs(accInt8 - accTrained)).toBeLessThanOrEqual(0.05);
  });
});

describe('block pruning during training exports to the block-sparse kernels', () => {
  it('zero blocks after training, and the conv2d_bsr export computes the dense model', async () => {
    const rt = await runtime();
    const batch = 8;
    const r = await train(rt, {
      model: { model: 'cnn_tiny' },
      mode: 'plain',
      epochs: 2,
      batch,
      seed: 2,
      opt: { ...DEFAULT_OPTIM, lr: 0.02 },
      augment: NO_AUGMENT,
      train: limitSplit(trainSplit(), 32),
      test: limitSplit(testSplit(), 8),
      prune: { sparsity: 0.75, start: 1, end: 1, block: [4, 4] },
    });
    const w = r.weights[0].get('conv2.w')!; // [3,3,8,16]: Wm[co, k] blocks of 4×4
    const [cin, cout] = [8, 16];
    let zeroBlocks = 0,
      mixed = 0;
    for (let br = 0; br < cout / 4; br++)
      for (let bc = 0; bc < (9 * cin) / 4; bc++) {
        let zeros = 0;
        for (let j = 0; j < 4; j++) for (let q = 0; q < 4; q++) if (w[(bc * 4 + j) * cout + br * 4 + q] === 0) zeros++;
        if (zeros === 16) zeroBlocks++;
        else if (zeros > 0) mixed++;
      }
    expect(zeroBlocks).toBe(Math.floor(0.75 * (cout / 4) * ((9 * cin) / 4)));
    expect(mixed).toBe(0);
    const spec = { model: 'cnn_tiny' };
    const sparse = await inferenceGraph(rt, spec, r.weights[0], 'none', batch, { precision: 'fp32', sparse: [4, 4] });
    const layers = sparse.info.report!.sparse!.layers;
    expect(layers.map((l) => l.name).sort()).toEqual(['conv2', 'fc1']);
    for (const l of layers) expect(l.density).toBeCloseTo(0.25, 2);
    const dense = await inferenceGraph(rt, spec, r.weights[0], 'none', batch, { precision: 'fp32' });
    const images = imagesOf(batch);
    const [ys, yd] = [await logitsOf(sparse.graph, images), await logitsOf(dense.graph, images)];
    for (let i = 0; i < yd.length; i++) expect(Math.abs(ys[i] - yd[i])).toBeLessThanOrEqual(1e-4 + 1e-4 * Math.abs(yd[i]));
    expect(sparse.info.model_bytes).toBeLessThan(dense.info.model_bytes * 0.5);
  });
});

describe('filter pruning during training exports thinned models', () => {
  const base = (prune: PruneOptions, extra: Partial<TrainOptions> = {}): TrainOptions => ({
    model: { model: 'cnn_tiny' },
    mode: 'plain',
    epochs: 2,
    batch: 8,
    seed: 2,
    opt: { ...DEFAULT_OPTIM, lr: 0.02 },
    augment: NO_AUGMENT,
    train: limitSplit(trainSplit(), 32),
    test: limitSplit(testSplit(), 8),
    prune,
    ...extra,
  });
  const zeroChannels = (w: Float32Array, c: number) =>
    Array.from({ length: c }, (_, ch) => ch).filter((ch) => {
      for (let i = ch; i < w.length; i += c) if (w[i] !== 0) return false;
      return true;
    });

  it('whole filters, their biases and batch-norm γ/β are removed; the thinned export computes the masked model', async () => {
    const rt = await runtime();
    const r = await train(rt, base({ sparsity: 0.5, start: 1, end: 1, filters: 'l1' }));
    const w = r.weights[0];
    // cnn_tiny: conv1 8, conv2 16 (through the flatten), fc1 32 filters: half of each removed; the classifier's
    // outputs are the graph's: kept.
    for (const [conv, c] of [
      ['conv1', 8],
      ['conv2', 16],
    ] as const) {
      const z = zeroChannels(w.get(`${conv}.w`)!, c);
      expect(z.length, conv).toBe(c / 2);
      expect(zeroChannels(w.get(`${conv}.bn.gamma`)!, c)).toEqual(z);
      expect(zeroChannels(w.get(`${conv}.bn.beta`)!, c)).toEqual(z);
    }
    expect(zeroChannels(w.get('fc1.w')!, 32).length).toBe(16);
    expect(zeroChannels(w.get('fc1.b')!, 32)).toEqual(zeroChannels(w.get('fc1.w')!, 32));
    expect(zeroChannels(w.get('classifier.w')!, 10).length).toBe(0);
    expect(r.prune).toMatchObject({ kind: 'filters', ratio: 0.5, stopped: null });
    expect(r.prune!.macs!).toBeLessThan(r.prune!.macs_before! * 0.35);

    const spec = { model: 'cnn_tiny' };
    const thin = await inferenceGraph(rt, spec, w, 'none', 8, { precision: 'fp32', thin: { ratio: 0.5, norm: 'l1' } });
    const dense = await inferenceGraph(rt, spec, w, 'none', 8, { precision: 'fp32' });
    expect(thin.info.report?.filterPrune).toMatchObject({ channelsBefore: 66, channelsAfter: 38 }); // 8+16+32+10 → 4+8+16+10
    expect(thin.info.macs! / thin.info.fp32_macs!).toBeCloseTo(r.prune!.macs! / r.prune!.macs_before!, 9); // batch 8 vs 1
    const images = imagesOf(8);
    const [yt, yd] = [await logitsOf(thin.graph, images), await logitsOf(dense.graph, images)];
    for (let i = 0; i < yd.length; i++) expect(Math.abs(yt[i] - yd[i])).toBeLessThanOrEqual(1e-4 + 1e-4 * Math.abs(yd[i]));
  });

  it('a FLOP budget picks the smallest ratio that meets it', () => {
    const model = buildModel({ model: 'cnn_small', batch: 1 });
    const full = model.macs();
    const r = filterRatioForFlops(model, 0.5);
    const macsAt = (ratio: number) => applyFilterPruning(model, planFilterPruning(model, { ratio })).macs();
    expect(macsAt(r)).toBeLessThanOrEqual(0.5 * full);
    expect(macsAt(Math.round((r - 0.01) * 100) / 100)).toBeGreaterThan(0.5 * full);
    expect(() => filterRatioForFlops(model, 1e-6)).toThrow(/cannot bring the model to 0.000001 of its MACs/);
  });

  it('an accuracy floor stops pruning and restores the last masks above it', async () => {
    const rt = await runtime();
    const val = limitSplit(testSplit(), 16);
    const stopped = await train(rt, base({ sparsity: 0.5, start: 1, end: 1, filters: 'l2', floor: 1.01 }, { val }));
    expect(stopped.prune!.stopped).toMatchObject({ epoch: 1 });
    expect(stopped.prune!.ratio).toBe(0);
    expect(zeroChannels(stopped.weights[0].get('conv1.w')!, 8).length).toBe(0);
    const kept = await train(rt, base({ sparsity: 0.5, start: 1, end: 1, filters: 'l2', floor: 0 }, { val }));
    expect(kept.prune).toMatchObject({ ratio: 0.5, stopped: null });
    expect(kept.prune!.val_accuracy.length).toBe(2); // judged at the end of epochs 1 (before pruning) and 2 (after)
    await expect(train(rt, base({ sparsity: 0.5, start: 1, end: 1, floor: 0.5 }))).rejects.toThrow(/needs validation images/);
  });
});

describe('CLI: train with compression, eval on the compressed kernels', () => {
  const cli = (args: string[]) => spawnSync('./bin/slimgpu', args, { encoding: 'utf8', timeout: 300_000 });
  it('train --qat binary → eval runs conv2d_xnor; --prune-block → conv2d_bsr; --init + --qat int8 → int8; bad flags are named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slimgpu-export-'));
    try {
      const common = ['--dataset', 'fashion-mnist', '--limit', '32', '--test-limit', '20', '--batch', '8', '--epochs', '1', '--json'];
      let p = cli(['train', '--model', 'cnn_binary', '--binary', '--out', join(dir, 'b.ckpt'), ...common]); // = --qat binary
      expect(p.status, p.stderr).toBe(0);
      p = cli(['eval', '--ckpt', join(dir, 'b.ckpt'), '--test-limit', '20', '--json']);
      expect(p.status, p.stderr).toBe(0);
      const eb = JSON.parse(p.stdout);
      expect(eb).toMatchObject({ precision: 'binary', qat: 'binary', test_examples: 20 });
      expect(eb.report.binary.binaryConvs).toBe(2);
      expect(eb.compression_ratio).toBeGreaterThan(8);
      p = cli([
        'train',
        '--model',
        'cnn_tiny',
        '--prune',
        '0.5',
        '--prune-epochs',
        '1:1',
        '--prune-block',
        '4x4',
        '--out',
        join(dir, 's.ckpt'),
        ...common,
      ]);
      expect(p.status, p.stderr).toBe(0);
      p = cli(['eval', '--ckpt', join(dir, 's.ckpt'), '--test-limit', '20', '--json']);
      expect(p.status, p.stderr).toBe(0);
      const es = JSON.parse(p.stdout);
      expect(es).toMatchObject({ precision: 'fp32', sparse: '4x4' });
      expect(es.report.sparse.layers.length).toBe(2);
      // the same model shipped as safetensors (models/): eval scores it the same, and --predictions lists every image
      writeFileSync(join(dir, 's.safetensors'), encodeShippedModel(loadCheckpoint(join(dir, 's.ckpt'))));
      p = cli(['eval', '--ckpt', join(dir, 's.safetensors'), '--test-limit', '20', '--predictions', join(dir, 's.jsonl'), '--json']);
      expect(p.status, p.stderr).toBe(0);
      expect(JSON.parse(p.stdout)).toMatchObject({ precision: 'fp32', sparse: '4x4', test_accuracy: es.test_accuracy });
      const preds = readFileSync(join(dir, 's.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(preds.map((q) => q.i)).toEqual([...Array(20).keys()]);
      expect(preds.every((q) => q.logits.length === 10 && q.pred === q.logits.indexOf(Math.max(...q.logits)))).toBe(true);
      expect(preds.filter((q) => q.pred === q.label).length / 20).toBe(es.test_accuracy);
      p = cli(['train', '--model', 'cnn_tiny', '--init', join(dir, 's.ckpt'), '--qat', 'int8', '--out', join(dir, 'q.ckpt'), ...common]);
      expect(p.status, p.stderr).toBe(0);
      expect(JSON.parse(p.stdout)).toMatchObject({ qat: 'int8', init: join(dir, 's.ckpt') });
      p = cli(['eval', '--ckpt', join(dir, 'q.ckpt'), '--test-limit', '20', '--calib', '16', '--json']);
      expect(p.status, p.stderr).toBe(0);
      expect(JSON.parse(p.stdout)).toMatchObject({ precision: 'int8', calibration_images: 100 }); // one whole batch of 100
      p = cli(['train', '--model', 'cnn_tiny', '--init', join(dir, 'b.ckpt'), ...common]);
      expect(p.stderr).toMatch(/--init .*b\.ckpt holds a cnn_binary, not a cnn_tiny/);
      p = cli([
        'train',
        '--model',
        'cnn_tiny',
        '--prune-flops',
        '0.6',
        '--prune-filters',
        'l2',
        '--prune-epochs',
        '1:1',
        '--prune-floor',
        '0',
        '--val',
        '20',
        '--out',
        join(dir, 'f.ckpt'),
        ...common,
      ]);
      expect(p.status, p.stderr).toBe(0);
      expect(JSON.parse(p.stdout).prune).toMatchObject({ kind: 'filters', stopped: null });
      expect(JSON.parse(p.stdout)).toMatchObject({ val_examples: 20, val_accuracy: expect.any(Number) });
      p = cli(['eval', '--ckpt', join(dir, 'f.ckpt'), '--test-limit', '20', '--json']);
      expect(p.status, p.stderr).toBe(0);
      const ef = JSON.parse(p.stdout);
      expect(ef.thinned).toBeGreaterThan(0);
      expect(ef.macs).toBeLessThanOrEqual(0.6 * ef.fp32_macs);
      p = cli(['train', '--model', 'cnn_tiny', '--prune-floor', '0.5', ...common]);
      expect(p.stderr).toMatch(/--prune-floor needs --prune RATIO/);
      p = cli(['eval', '--ckpt', join(dir, 's.ckpt'), '--precision', 'int8', '--sparse', '--json']);
      expect(p.status).not.toBe(0);
      expect(p.stderr).toMatch(/--sparse runs fp32 block-sparse kernels, not --precision int8/);
      p = cli(['eval', '--ckpt', join(dir, 'b.ckpt'), '--precision', 'int4']);
      expect(p.stderr).toMatch(/--precision must be one of as-trained, fp32, int8, binary \(got 'int4'\)/);
      p = cli(['train', '--model', 'cnn_tiny', '--prune', '0.5', '--prune-block', '3x3', ...common]);
      expect(p.stderr).toMatch(/pruning block 3x3 is not one of/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
