// The architecture-search space (src/models/search_space.ts): names round-trip, bad names are named, the built
// layers have the shapes the space describes, a search model trains through train(), and the search's report
// (scripts/search.ts: SUMMARY.md, pareto.svg) is written from finished candidates, and its calibration pass
// replaces lone absolute times with ratios to cnn_small from the same rounds (GPU).

import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runtime } from '../helpers.js';
import { archName, parseArch, SEARCH_SPACE, type SearchArch } from '../../src/models/search_space.js';
import { buildModel, modelSize } from '../../src/models/zoo.js';
import { FASHION_MNIST_DIR, limitSplit, loadSplit } from '../../src/io/fashion_mnist.js';
import { DEFAULT_OPTIM } from '../../src/train/optim.js';
import { train } from '../../src/train/loop.js';
import { LatencyTable } from '../../src/scale/latency_table.js';
import {
  finalId,
  finalistNames,
  finalVerdict,
  measureTunedRatios,
  pairedVerdict,
  propose,
  reusableFinal,
  Search,
  SEARCH_PLANS,
  spaceArchs,
  proposals,
  candidatesDone,
  writeSummary,
  type CandidateResult,
} from '../../scripts/search.js';

describe('search space', () => {
  it('names round-trip over the whole space', () => {
    let n = 0;
    for (const depth of SEARCH_SPACE.depth)
      for (const width of SEARCH_SPACE.width)
        for (const k of SEARCH_SPACE.k)
          for (const dw of SEARCH_SPACE.dw)
            for (const se of SEARCH_SPACE.se)
              for (const fc of SEARCH_SPACE.fc) {
                const a: SearchArch = { depth, width, k, dw, se, fc };
                expect(parseArch(archName(a))).toEqual(a);
                n++;
              }
    expect(n).toBe(5 * 8 * 2 * 2 * 2 * 2);
    expect(archName({ depth: 3, width: 16, k: 5, dw: true, se: false, fc: true })).toBe('cnn_search:d3-w16-k5-dw-fc');
  });

  it.each([
    ['cnn_small', /not a search architecture/],
    ['cnn_search:d3-w16', /bad search architecture/],
    ['cnn_search:d3-w16-k5-fc-dw', /bad search architecture/], // flags in their order only
    ['cnn_search:d9-w16-k3', /depth must be in \[2, 6\]/],
    ['cnn_search:d3-w99-k3', /width must be in \[4, 64\]/],
    ['cnn_search:d3-w16-k4', /kernel must be 3 or 5/],
  ])('%s is refused', (name, msg) => {
    expect(() => parseArch(name)).toThrow(msg);
    if (name.startsWith('cnn_search:')) expect(() => buildModel({ model: name })).toThrow(msg);
  });

  it('builds the layers the name describes (28×28×1 in, 10 logits out)', () => {
    const shapes = (name: string) => modelSize({ model: name }).paramShapes;
    const plain = shapes('cnn_search:d2-w8-k3');
    expect(plain.get('s1b0.conv.w')).toEqual([3, 3, 1, 8]);
    expect(plain.get('s2b0.conv.w')).toEqual([3, 3, 8, 16]);
    expect(plain.get('classifier.w')).toEqual([1, 1, 16, 10]); // global average pool head
    const dw = shapes('cnn_search:d3-w8-k5-dw-se-fc');
    expect(dw.get('s1b0.conv.w')).toEqual([5, 5, 1, 8]); // the first block sees 1 channel: a plain conv
    expect(dw.get('s1b1.dw.w')).toEqual([5, 5, 1, 8]);
    expect(dw.get('s1b1.pw.w')).toEqual([1, 1, 8, 8]);
    expect(dw.get('s2b0.dw.w')).toEqual([5, 5, 1, 8]);
    expect(dw.get('s2b0.pw.w')).toEqual([1, 1, 8, 16]);
    expect(dw.get('s2b0.se.reduce.w')).toEqual([1, 1, 16, 4]);
    expect(dw.get('fc1.w')).toEqual([1, 1, 7 * 7 * 16, 64]);
    const g = buildModel({ model: 'cnn_search:d3-w8-k5-dw-se-fc', batch: 2 });
    expect(g.shape(g.inputs[0])).toEqual([2, 28, 28, 1]);
    expect(g.shape(g.outputs[0])).toEqual([2, 10]);
  });

  it('a depthwise-separable SE model trains through train() (loss finite, starts near ln 10)', async () => {
    const rt = await runtime();
    const split = limitSplit(loadSplit(FASHION_MNIST_DIR, 'train'), 64);
    const r = await train(rt, {
      model: { model: 'cnn_search:d2-w4-k3-dw-se' },
      mode: 'plain',
      epochs: 1,
      batch: 16,
      seed: 1,
      opt: { ...DEFAULT_OPTIM, lr: 0.05 },
      augment: { cropPad: 0, flip: false },
      train: split,
      test: limitSplit(split, 32),
      maxSteps: 3,
    });
    expect(r.steps).toBe(3);
    expect(r.stepLosses[0].every(Number.isFinite)).toBe(true);
    expect(Math.abs(r.stepLosses[0][0] - Math.log(10))).toBeLessThan(0.5);
  }, 300_000);
});

describe('search report', () => {
  it('SUMMARY.md lists every candidate and the SVG marks the front', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slimgpu-search-'));
    const c = (k: number, name: string, ratio: number, acc: number): CandidateResult => ({
      k,
      name,
      arch: parseArch(name === 'cnn_small' ? 'cnn_search:d2-w32-k3-fc' : name),
      origin: k < 0 ? 'baseline' : 'random',
      params: 1000,
      macs: 1000,
      predicted_ratio: ratio,
      predicted_ms: ratio * 10,
      measured_ms: ratio * 10,
      baseline_ms: 10,
      latency_ratio: ratio,
      val_accuracy: acc,
      objective: acc * Math.pow(ratio, -0.07),
      seconds: 1,
      load: [1, 1, 1],
      date: '2026-11-29',
    });
    mkdirSync(join(dir, 'candidates'));
    writeFileSync(join(dir, 'baseline.json'), JSON.stringify(c(-1, 'cnn_small', 1, 0.8)));
    writeFileSync(join(dir, 'candidates', '000.json'), JSON.stringify(c(0, 'cnn_search:d2-w8-k3', 0.3, 0.82))); // dominates the baseline
    writeFileSync(join(dir, 'candidates', '001.json'), JSON.stringify(c(1, 'cnn_search:d3-w8-k3', 0.5, 0.7))); // dominated
    writeSummary(dir, SEARCH_PLANS.smoke);
    const md = readFileSync(join(dir, 'SUMMARY.md'), 'utf8');
    expect(md).toContain('| 0 | *cnn_search:d2-w8-k3 |');
    expect(md).toContain('| 1 | cnn_search:d3-w8-k3 |');
    expect(md).toContain('| base | cnn_small |'); // dominated by candidate 0: not on the front
    expect(md).toContain('2 of 3 candidates finished');
    const svg = readFileSync(join(dir, 'pareto.svg'), 'utf8');
    expect(svg.match(/<circle /g)).toHaveLength(3);
    expect(svg.match(/fill="#c33"/g)).toHaveLength(1);
  });

  it('measures latency ratios with the tuned kernels, and the summary shows them beside the search ratios', async () => {
    const rt = await runtime();
    // (tune 'off': the pipeline, not the tuner, is under test here)
    const t = await measureTunedRatios(rt, ['cnn_tiny'], 2, 2, 'off');
    expect(Object.keys(t.ratio)).toEqual(['cnn_small', 'cnn_tiny']);
    expect(t.pass_ratios.cnn_small).toEqual([1, 1]);
    expect(t.pass_ratios.cnn_tiny).toHaveLength(2);
    // cnn_tiny has ~1/10 of cnn_small's MACs: faster, whatever the load
    expect(t.ratio.cnn_tiny).toBeGreaterThan(0);
    expect(t.ratio.cnn_tiny).toBeLessThan(1);
    expect(t.kernels.cnn_small.some((k) => k.startsWith('winograd2x2+'))).toBe(true); // cnn_small's conv2 (winogradFirst)
    const dir = mkdtempSync(join(tmpdir(), 'slimgpu-search-'));
    mkdirSync(join(dir, 'candidates'));
    const cand = {
      k: 0,
      name: 'cnn_search:d2-w8-k3',
      arch: parseArch('cnn_search:d2-w8-k3'),
      origin: 'random',
      params: 1,
      macs: 1,
      predicted_ratio: 0.4,
      predicted_ms: 4,
      measured_ms: 3,
      baseline_ms: 10,
      latency_ratio: 0.3,
      val_accuracy: 0.82,
      objective: 0.9,
      seconds: 1,
      load: [1],
      date: '2026-12-01',
    };
    writeFileSync(join(dir, 'candidates', '000.json'), JSON.stringify(cand));
    writeFileSync(
      join(dir, 'tuned-ratios.json'),
      JSON.stringify({ ...t, ratio: { [cand.name]: 0.42 }, pass_ratios: { [cand.name]: [0.4, 0.42, 0.5] } }),
    );
    writeSummary(dir, SEARCH_PLANS.smoke);
    expect(readFileSync(join(dir, 'SUMMARY.md'), 'utf8')).toContain('| cnn_search:d2-w8-k3 | 82.00% | 0.30 | 0.42 (0.40, 0.42, 0.50) |');
  });

  it('picks the finalists by objective, then by validation accuracy at ≤ accuracyMaxRatio', () => {
    const c = (name: string, val_accuracy: number) => ({ name, val_accuracy }) as CandidateResult;
    const done = [c('a', 0.8), c('b', 0.84), c('c', 0.83), c('d', 0.82), c('e', 0.81)];
    const ratios = { a: 0.1, b: 0.9, c: 0.45, d: 0.5, e: 0.3 };
    const plan = { ...SEARCH_PLANS.full, finalists: 1, accuracyFinalists: 2, accuracyMaxRatio: 0.5, w: -0.07 };
    // objective: a = 0.8·0.1^-0.07 = 0.940 is the best; then by accuracy at ≤ 0.5×: c (0.83), d (0.82); b is too slow
    expect(finalistNames(done, ratios, plan)).toEqual(['a', 'cnn_small', 'c', 'd']);
    expect(finalistNames(done, ratios, { ...plan, accuracyFinalists: 0 })).toEqual(['a', 'cnn_small']);
    // an earlier stage's finalists come last, once
    expect(finalistNames(done, ratios, { ...plan, carried: ['x', 'c'] })).toEqual(['a', 'cnn_small', 'c', 'd', 'x']);
  });

  it("judges a final against cnn_small's by issue 15's two rules", () => {
    const base = { test_accuracy: 0.88 };
    expect(finalVerdict({ test_accuracy: 0.881, latency_ratio: 1 }, base)).toMatch(/^met: 0\.10 pt/); // more accurate, ≤ 1×
    expect(finalVerdict({ test_accuracy: 0.881, latency_ratio: 1.01 }, base)).toMatch(/^not met/); // slower
    expect(finalVerdict({ test_accuracy: 0.88, latency_ratio: 0.5 }, base)).toMatch(/^met: 0\.00 pt/); // as accurate, ≤ 0.5×
    expect(finalVerdict({ test_accuracy: 0.88, latency_ratio: 0.51 }, base)).toMatch(/^not met/); // as accurate, > 0.5×
    expect(finalVerdict({ test_accuracy: 0.879, latency_ratio: 0.2 }, base)).toMatch(/^not met: -0\.10 pt/); // less accurate
    expect(finalVerdict({ test_accuracy: 0.9, latency_ratio: 0.2 }, undefined)).toMatch(/not trained yet/);
  });
});

describe("search stage 3: the most accurate at ≤ 0.9×, paired with stage 2's cnn_small finals", () => {
  it('picks the most accurate candidates at a re-measured ratio ≤ 0.9 and no one by objective', () => {
    const plan = SEARCH_PLANS.stage3;
    const c = (name: string, val_accuracy: number) => ({ name, val_accuracy }) as CandidateResult;
    const done = [c('a', 0.87), c('b', 0.875), c('c', 0.86), c('d', 0.9), c('e', 0.865)];
    const ratios = { a: 0.8, b: 0.9, c: 0.5, d: 0.95, e: 0.3 }; // d is the most accurate but over 0.9
    expect(finalistNames(done, ratios, plan)).toEqual(['cnn_small', 'b', 'a', 'e']);
    expect(plan.w).toBe(0); // the hard constraint: the objective is the accuracy
  });

  it('copies a final of the same model, seed and recipe from the first plan named, and nothing else', () => {
    const root = mkdtempSync(join(tmpdir(), 'slimgpu-search-reuse-'));
    const plan = SEARCH_PLANS.stage3;
    const id = finalId('cnn_small', 2, plan);
    mkdirSync(join(root, 'stage2', 'final'), { recursive: true });
    const f = { name: 'cnn_small', seed: 2, recipe: plan.final, test_images: 10000, test_accuracy: 0.891, val_accuracy: 0.9 };
    writeFileSync(join(root, 'stage2', 'final', `${id}.json`), JSON.stringify(f));
    const dir = join(root, 'stage3');
    expect(reusableFinal(dir, plan, id)).toEqual({ ...f, reused_from: `stage2/final/${id}.json` });
    expect(reusableFinal(dir, plan, finalId('cnn_small', 3, plan))).toBeNull(); // not trained there
    writeFileSync(join(root, 'stage2', 'final', `${id}.json`), JSON.stringify({ ...f, seed: 3 }));
    expect(reusableFinal(dir, plan, id)).toBeNull(); // the file holds another seed
    writeFileSync(join(root, 'stage2', 'final', `${id}.json`), JSON.stringify({ ...f, recipe: { ...plan.final, epochs: 4 } }));
    expect(reusableFinal(dir, plan, id)).toBeNull(); // another recipe
    writeFileSync(join(root, 'stage2', 'final', `${id}.json`), JSON.stringify({ ...f, test_images: 5000 }));
    expect(reusableFinal(dir, plan, id)).toBeNull(); // scored on other test images
    writeFileSync(join(root, 'stage2', 'final', `${id}.json`), JSON.stringify(f));
    expect(reusableFinal(dir, SEARCH_PLANS.stage2, id)).toBeNull(); // a plan that reuses nothing

    // stage 4 also takes a finalist stage 3 trained (stage 2 first, then stage 3)
    const s4 = SEARCH_PLANS.stage4;
    const name = 'cnn_search:d3-w24-k3-dw-se-fc';
    const fid = finalId(name, 1, s4);
    mkdirSync(join(root, 'stage3', 'final'), { recursive: true });
    const g = { name, seed: 1, recipe: s4.final, test_images: 10000, test_accuracy: 0.8859, val_accuracy: 0.9005 };
    writeFileSync(join(root, 'stage3', 'final', `${fid}.json`), JSON.stringify(g));
    expect(reusableFinal(join(root, 'stage4'), s4, fid)).toEqual({ ...g, reused_from: `stage3/final/${fid}.json` });
    expect(reusableFinal(join(root, 'stage4'), s4, id)).toEqual({ ...f, reused_from: `stage2/final/${id}.json` });
    writeFileSync(join(root, 'stage3', 'final', `${fid}.json`), JSON.stringify({ ...g, name: 'cnn_search:d3-w24-k3-dw-fc' }));
    expect(reusableFinal(join(root, 'stage4'), s4, fid)).toBeNull(); // another model under that file name
  });
});

describe('search stage 4: the final recipe as the proxy, near 1× latency', () => {
  it('scores candidates with the final recipe, in the narrowed space, finals at a re-measured ratio ≤ 1', () => {
    const plan = SEARCH_PLANS.stage4;
    expect(plan.search).toEqual(plan.final);
    expect(plan.final).toEqual(SEARCH_PLANS.stage3.final); // so stage 2's cnn_small finals pair with these
    const c = (name: string, val_accuracy: number) => ({ name, val_accuracy }) as CandidateResult;
    const done = [c('a', 0.9), c('b', 0.905), c('c', 0.91), c('d', 0.895)];
    expect(finalistNames(done, { a: 0.9, b: 1, c: 1.05, d: 0.5 }, plan)).toEqual(['cnn_small', 'b', 'a']);
    for (let k = 0; k < plan.candidates; k++) {
      const { arch } = propose(plan, k, [], 0);
      expect(plan.space.depth).toContain(arch.depth);
      expect(plan.space.width).toContain(arch.width);
      expect(arch.dw && arch.fc).toBe(true);
    }
  });
});

describe('search stage 2: a narrowed space and finals paired over seeds', () => {
  it("proposes only architectures inside the plan's space, at random and by mutation", () => {
    const plan = SEARCH_PLANS.stage2;
    const inSpace = (a: CandidateResult['arch']) =>
      plan.space.depth.includes(a.depth) &&
      plan.space.width.includes(a.width) &&
      plan.space.k.includes(a.k) &&
      plan.space.dw.includes(a.dw) &&
      plan.space.se.includes(a.se) &&
      plan.space.fc.includes(a.fc);
    const done: CandidateResult[] = [];
    const widths = new Set<number>();
    for (let k = 0; k < 40; k++)
      for (let attempt = 0; attempt < 5; attempt++) {
        const { arch, origin } = propose(plan, k, done, attempt);
        expect(inSpace(arch), `${origin}: ${JSON.stringify(arch)}`).toBe(true);
        widths.add(arch.width);
        if (attempt === 0) done.push({ k, name: `m${k}`, arch, objective: k % 7, val_accuracy: 0.8 } as CandidateResult);
      }
    expect(done.slice(plan.population).length).toBeGreaterThan(0); // mutations were proposed, not only random draws
    expect(widths.size).toBeGreaterThan(2); // the draws do move over the widths
    expect(SEARCH_PLANS.full.space.fc).toEqual([false, true]); // stage 1's space is the whole one
  });

  it("enumerates the plan's space for the calibration pass: every combination once", () => {
    const archs = spaceArchs(SEARCH_PLANS.stage2.space);
    expect(archs).toHaveLength(4 * 5 * 2 * 2 * 2 * 1);
    expect(new Set(archs.map(archName)).size).toBe(archs.length);
    expect(archs.every((a) => a.fc)).toBe(true);
    expect(spaceArchs(SEARCH_PLANS.full.space)).toHaveLength(5 * 8 * 2 * 2 * 2 * 2);
  });

  it('falls back to the rest of the space when evolution keeps proposing known architectures, and then stops', () => {
    const space = { ...SEARCH_PLANS.stage2.space, depth: [2], width: [12, 16], k: [3] as (3 | 5)[], se: [false] }; // 4 architectures
    const plan = { ...SEARCH_PLANS.stage2, space, population: 1, tournament: 1 };
    const done = [{ k: 0, name: 'cnn_search:d2-w12-k3-fc', arch: spaceArchs(space)[0], objective: 1 } as CandidateResult];
    const all = [...proposals(plan, 1, done)];
    expect(all).toHaveLength(200 + 4);
    expect(new Set(all.slice(200).map((p) => archName(p.arch)))).toEqual(new Set(spaceArchs(space).map(archName)));
    expect(all[200].origin).toMatch(/rest of the space/);
    const dir = mkdtempSync(join(tmpdir(), 'slimgpu-search-exhausted-'));
    expect(candidatesDone(dir, plan)).toBe(false);
    writeFileSync(join(dir, 'exhausted.json'), '{}');
    expect(candidatesDone(dir, plan)).toBe(true);
  });

  it('names one final per seed only where the plan has several seeds', () => {
    expect(finalId('cnn_search:d2-w12-k3-fc', 2, SEARCH_PLANS.stage2)).toBe('cnn_search_d2-w12-k3-fc-s2');
    expect(finalId('cnn_search:d2-w12-k3-fc', 1, SEARCH_PLANS.full)).toBe('cnn_search_d2-w12-k3-fc'); // stage 1's files
  });

  it("judges the mean paired difference to cnn_small's same-seed finals, with a 95% interval", () => {
    const base = [
      { seed: 1, test_accuracy: 0.89 },
      { seed: 2, test_accuracy: 0.88 },
      { seed: 3, test_accuracy: 0.885 },
    ];
    const run = (seed: number, test_accuracy: number, latency_ratio = 0.45) => ({ seed, test_accuracy, latency_ratio });
    // differences +0.2, +0.4, −0.3 pt: mean +0.1, sd 0.3606, half-width 4.303·0.3606/√3 = 0.896
    const v = pairedVerdict([run(1, 0.892), run(2, 0.884), run(3, 0.882)], base, 3);
    expect(v.verdict).toBe('met: +0.10 pt at 0.45×, 3 of 3 seeds');
    expect(v.difference).toBe('+0.10 pt (-0.80 … +1.00)');
    // the same accuracies pair by seed, not by position: seed 1's run against seed 1's baseline
    const shuffled = pairedVerdict([run(3, 0.882), run(1, 0.892), run(2, 0.884)], base, 3);
    expect(shuffled.verdict).toBe(v.verdict);
    // less accurate on average
    expect(pairedVerdict([run(1, 0.888), run(2, 0.879)], base, 3).verdict).toBe('not met so far: -0.15 pt at 0.45×, 2 of 3 seeds');
    // as accurate, but its median latency ratio is over 0.5 (and not more accurate at ≤ 1)
    expect(pairedVerdict([run(1, 0.89, 0.4), run(2, 0.88, 0.6), run(3, 0.885, 0.55)], base, 3).verdict).toMatch(
      /^not met: \+0\.00 pt at 0\.55×/,
    );
    // more accurate at ≤ 1×
    expect(pairedVerdict([run(1, 0.9, 0.9)], base, 3).verdict).toBe('met so far: +1.00 pt at 0.90×, 1 of 3 seeds');
    expect(pairedVerdict([run(4, 0.9)], base, 3).verdict).toMatch(/not trained yet/);
  });
});

describe('search calibration (GPU)', () => {
  it('re-times the table with the models and records every model as a ratio to cnn_small from the same rounds', async () => {
    const rt = await runtime();
    const root = mkdtempSync(join(tmpdir(), 'slimgpu-search-cal-'));
    const table = await new LatencyTable(rt, { persist: false, repeats: 1 }).load();
    // lone absolute times, as the older search recorded them (one during a burst of load)
    const lone = (label: string, layer_ms: number, dispatches: number, ms: number) =>
      table.recordModel({ key: `${label}|fp32|b1`, label, f: { layer_ms, layers: dispatches, dispatches }, ms });
    lone('cnn_search:d2-w4-k3', 1, 6, 250);
    lone('cnn_small', 9, 6, 10);
    lone('cnn_search:d4-w12-k3-fc', 14, 8, 242); // not in this pass: dropped
    lone('cnn_search:d5-w8-k3', 7, 9, 10);
    const search = new Search(rt, { ...SEARCH_PLANS.smoke, rounds: 2 }, table, () => {}, root);
    const done = ['cnn_search:d2-w4-k3', 'cnn_search:d2-w8-k3-dw'].map((name) => ({ name }) as CandidateResult);
    await search.calibrate(done);
    const cal = JSON.parse(readFileSync(join(root, 'docs/results/search/smoke/calibration.json'), 'utf8'));
    expect(cal.rows.map((r: { name: string }) => r.name)).toEqual(['cnn_tiny', ...done.map((d) => d.name)]);
    expect(cal.unpaired_fit.n).toBe(4); // the older fit was given the four lone records, which are then dropped
    expect(table.models['cnn_search:d4-w12-k3-fc|fp32|b1']).toBeUndefined();
    expect(table.models['cnn_search:d5-w8-k3|fp32|b1']).toBeUndefined();
    for (const r of cal.rows) {
      expect(r.measured_ratio).toBeGreaterThan(0);
      expect(Number.isFinite(r.predicted_ratio)).toBe(true);
    }
    const small = table.models['cnn_small|fp32|b1'];
    for (const label of ['cnn_small', 'cnn_tiny', ...done.map((d) => d.name)]) {
      const s = table.models[`${label}|fp32|b1`];
      expect(s.base).toBe('cnn_small');
      expect(s.base_ms).toBe(small.ms); // every ratio is to the cnn_small runs of the same rounds
      expect(s.ms).toBeGreaterThan(0); // no wall-clock bound: under load a 5 ms model took 639 ms
      expect(Number.isFinite(s.ms)).toBe(true);
      expect(s.f.layer_ms).toBeGreaterThan(0);
    }
    expect(cal.cnn_small_ms).toBeCloseTo(small.ms, 3);
  });
});
