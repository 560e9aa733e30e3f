// q8 keeps flowing through channel concat and channel shuffle: concat_int8 (bytes copied at a shared scale and zero
// point, requantized otherwise) and channel_shuffle_int8 (a byte permutation) against the CPU integer reference,
// exactly; and a ShuffleNet-shaped int8 graph with no float round trip around its shuffles and concats.
import { describe, expect, it } from 'vitest';
import { compress } from '../../src/compress/compress.js';
import { quantDebug } from '../../src/compress/quant_debug.js';
import { compile } from '../../src/graph/executor.js';
import { Graph } from '../../src/graph/ir.js';
import { int8ConcatFactor } from '../../src/ops/int8.js';
import { channelShuffleInt8Ref, concatInt8Ref } from '../ref/int8.js';
import { expectExact, randInt, randn, runtime } from '../helpers.js';
import { exportCompressed } from '../../src/io/onnx/export.js';
import { ortOutputs } from '../onnx_compare.js';
import { shufflenetV1 } from '../zoo.js';

/** int8 values in through quantize (scale 1, zero z), out through dequantize (scale 1, zero 0): compares the int8 values. */
async function runQ8(build: (g: Graph, xs: number[]) => number, inputs: { shape: number[]; q: Int8Array; zero: number }[]) {
  const rt = await runtime();
  const g = new Graph();
  const xs = inputs.map((x, k) => g.add1('quantize', [g.addInput(`x${k}`, x.shape)], { scale: 1, zero: x.zero }));
  g.markOutput(g.add1('dequantize', [build(g, xs)], { scale: 1, zero: 0 }));
  const m = await compile(rt, g, { fuse: false, tune: 'off' });
  const [out] = await m.run(inputs.map((x) => Float32Array.from(x.q, (v) => v - x.zero)));
  m.destroy();
  return out;
}

const q8 = (n: number, seed: number) => Int8Array.from(randInt(n, seed, -128, 127));

describe('concat_int8 and channel_shuffle_int8 vs the integer reference (exact)', () => {
  it('concat: one input copied (same scale and zero point), two requantized, with and without a ReLU clamp', async () => {
    const rows = 2 * 3 * 5;
    const channels = [8, 4, 12];
    const xs = channels.map((c, k) => q8(rows * c, 40 + k));
    const zeros = [-7, 20, -128];
    for (const clamp of [
      { qmin: -128, qmax: 127 },
      { qmin: -7, qmax: 100 },
    ]) {
      const attrs = {
        xZeros: zeros,
        ks: [1 << 14, int8ConcatFactor(0.031, 0.02), int8ConcatFactor(0.007, 0.02)],
        yZero: -7,
        ...clamp,
      };
      const out = await runQ8(
        (g, ids) => g.add1('concat_int8', ids, attrs),
        xs.map((q, k) => ({ shape: [2, 3, 5, channels[k]], q, zero: zeros[k] })),
      );
      expectExact(out, concatInt8Ref(xs, channels, attrs), `concat_int8 ${JSON.stringify(clamp)}`);
    }
  });

  it('concat: every input at the output parameters passes its bytes unchanged', async () => {
    const channels = [4, 16];
    const xs = channels.map((c, k) => q8(7 * c, 50 + k));
    const attrs = { xZeros: [3, 3], ks: [1 << 14, 1 << 14], yZero: 3, qmin: -128, qmax: 127 };
    const out = await runQ8(
      (g, ids) => g.add1('concat_int8', ids, attrs),
      xs.map((q, k) => ({ shape: [1, 7, 1, channels[k]], q, zero: 3 })),
    );
    const want = new Int8Array(7 * 20);
    for (let r = 0; r < 7; r++) {
      want.set(xs[0].subarray(r * 4, r * 4 + 4), r * 20);
      want.set(xs[1].subarray(r * 16, r * 16 + 16), r * 20 + 4);
    }
    expectExact(out, want, 'byte copy');
  });

  it('channel shuffle on q8 is the byte permutation, channels a multiple of 4 or not', async () => {
    for (const [c, groups] of [
      [12, 3],
      [18, 3],
      [9, 3],
      [16, 8],
    ]) {
      const x = q8(2 * 3 * c, c + groups);
      const out = await runQ8(
        (g, [t]) => g.add1('channel_shuffle_int8', [t], { groups, zero: -5 }),
        [{ shape: [2, 3, 1, c], q: x, zero: -5 }],
      );
      expectExact(out, channelShuffleInt8Ref(x, c, groups), `shuffle C=${c} G=${groups}`);
    }
  });

  it('clear errors: channels not a multiple of 4 in concat_int8, groups not dividing C', () => {
    const g = new Graph();
    const a = g.add1('quantize', [g.addInput('a', [1, 2, 2, 6])], { scale: 1, zero: 0 });
    expect(() => g.add1('concat_int8', [a, a], { xZeros: [0, 0], ks: [16384, 16384], yZero: 0 })).toThrow(/divisible by 4/);
    const b = g.add1('quantize', [g.addInput('b', [1, 2, 2, 8])], { scale: 1, zero: 0 });
    expect(() => g.add1('concat_int8', [b, b], { xZeros: [0], ks: [16384, 16384], yZero: 0 })).toThrow(/xZeros/);
    expect(() => g.add1('channel_shuffle_int8', [b], { groups: 3 })).toThrow(/3 groups do not divide 8/);
  });
});

describe('ShuffleNet int8: q8 flows through shuffle and concat', () => {
  it('no dequantize → quantize round trip around a shuffle or concat; the int8 layers report them', async () => {
    const rt = await runtime();
    const g = shufflenetV1();
    const batches = [0, 1, 2].map((k) => [randn(24 * 24 * 3, 900 + k)]);
    const c = await compress(g, { quantize: 'int8', calibration: { batches }, runtime: rt });
    const q = c.graph;
    const ops = q.nodes.map((n) => n.op);
    expect(ops.filter((o) => o === 'channel_shuffle_int8').length).toBe(2);
    expect(ops.filter((o) => o === 'concat_int8').length).toBe(1);
    expect(ops).not.toContain('channel_shuffle');
    expect(ops).not.toContain('concat');
    expect(ops).not.toContain('activation'); // the ReLU after the concat folded into its clamp
    const producers = q.producers();
    // a shuffle reads its conv's q8 output; a concat reads q8 from the int8 branch, and the float edge of the
    // stride-2 shortcut's average pool (no int8 pooling) is quantized straight to the concat's parameters
    for (const n of q.nodes) {
      const from = n.inputs.map((t) => producers.get(t)!);
      if (n.op === 'channel_shuffle_int8') expect(from.map((p) => p.op)).toEqual(['conv2d_int8']);
      if (n.op === 'concat_int8') {
        expect(from.map((p) => p.op)).toEqual(['quantize', 'conv2d_int8']);
        expect(producers.get(from[0].inputs[0])!.op).toBe('pool2d');
      }
    }
    // the concat's inputs were made at its parameters: every input is copied
    const cat = q.nodes.find((n) => n.op === 'concat_int8')!;
    expect(cat.attrs.ks).toEqual([16384, 16384]);
    // float is left only at the stem's max pool (whose output the shortcut's avg pool reads) and the head
    expect(q.nodes.filter((n) => n.op === 'dequantize').length).toBe(2);
    // chain vs fp32: the int8 model still tracks the float one through the shuffles and the concat
    const rep = await quantDebug(rt, g, { calibration: batches, evaluation: [[randn(24 * 24 * 3, 950)]] });
    const layer = (op: string) => rep.layers.find((l) => l.op === op)!;
    expect(layer('concat_int8').isolated.sqnr_db).toBeGreaterThan(30);
    // the conv feeding the concat was made at the concat's post-ReLU parameters (the ReLU after the concat is
    // applied early, by its clamp), so its own fp32 output (pre-ReLU) is not what it holds: compared after the concat
    const catLayer = c.int8!.layers.find((l) => l.op === 'concat_int8')!;
    const early = new Set(c.int8!.layers.filter((l) => catLayer.inputs.includes(l.output)).map((l) => l.name));
    expect(early.size).toBe(1);
    for (const l of rep.layers) if (!early.has(l.layer)) expect(l.chain.cosine, l.layer).toBeGreaterThan(0.999);
    expect(rep.output.cosine).toBeGreaterThan(0.999);
  }, 240_000);

  it('the QDQ export of the ShuffleNet int8 graph runs in onnxruntime and agrees with ours', async () => {
    const rt = await runtime();
    const g = shufflenetV1();
    const batches = [0, 1, 2].map((k) => [randn(24 * 24 * 3, 900 + k)]);
    const c = await compress(g, { quantize: 'int8', calibration: { batches }, runtime: rt });
    const x = randn(24 * 24 * 3, 960);
    const m = await compile(rt, c.graph, { tune: 'cached' });
    const [ours] = await m.run([x]);
    m.destroy();
    const [ort] = await ortOutputs(exportCompressed(c), { input: [x, [1, 24, 24, 3]] });
    const worst = ours.reduce((a, v, i) => Math.max(a, Math.abs(v - ort[i])), 0);
    console.log(`ShuffleNet int8 QDQ export: ORT vs ours max |diff| ${worst.toExponential(2)} (softmax outputs)`);
    expect(worst).toBeLessThan(1e-3);
  }, 240_000);
});
