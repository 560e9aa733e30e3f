// The int8_agreement bench suite on a small model: metrics are computed and sane, and a deliberately broken int8
// graph (its output dequantize scale doubled) gives a much larger logit error and must be caught.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { agreementMetrics, centeredAgreementMetrics, int8Agreement, logitsOf, smoothImage } from '../../bench/int8_agreement.js';
import { compress } from '../../src/compress/compress.js';
import { buildModel } from '../../src/models/zoo.js';
import { runtime } from '../helpers.js';

const spec = { model: 'mobilenet_v1', alpha: 0.25, res: 32, batch: 1 };

describe('int8_agreement', () => {
  it('agreementMetrics: identical logits agree fully, permuted ones do not', () => {
    const a = [Float32Array.from([1, 5, 2, 0, -1, 3, 4]), Float32Array.from([0, 1, 9, 2, 3, 4, 5])];
    const same = agreementMetrics(
      a,
      a.map((z) => z.slice()),
    );
    expect(same.top1_agreement).toBe(1);
    expect(same.top5_overlap).toBe(1);
    expect(same.rel_logit_error_max).toBe(0);
    const rev = agreementMetrics(
      a,
      a.map((z) => z.slice().reverse()),
    );
    expect(rev.top1_agreement).toBe(0);
    expect(rev.rel_logit_error_median).toBeGreaterThan(0.5);
  });

  it('smooth images are seeded, in [-1, 1] and differ by seed', () => {
    const a = smoothImage(16, 3, 1);
    expect(smoothImage(16, 3, 1)).toEqual(a);
    expect(smoothImage(16, 3, 2)).not.toEqual(a);
    expect(Math.max(...a)).toBeLessThanOrEqual(1);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(-1);
  });

  it('suite record on mobilenet_v1 0.25-32, 8 images', async () => {
    const rt = await runtime();
    const r = await int8Agreement(rt, { spec, images: 8, calib: 2, runs: 2 });
    for (const k of ['top1_agreement', 'top5_overlap', 'top1_agreement_centered', 'top5_overlap_centered']) {
      expect(r[k] as number, k).toBeGreaterThanOrEqual(0);
      expect(r[k] as number, k).toBeLessThanOrEqual(1);
    }
    for (const k of [
      'rel_logit_error_median',
      'rel_logit_error_max',
      'rel_logit_error_centered_median',
      'fp32_median_ms',
      'int8_median_ms',
      'speedup',
    ]) {
      expect(Number.isFinite(r[k] as number), k).toBe(true);
      expect(r[k] as number, k).toBeGreaterThanOrEqual(0);
    }
    expect(r.rel_logit_error_median as number).toBeLessThan(0.2); // whole logits; the image-independent part dominates
    expect(r.top1_agreement as number).toBeGreaterThanOrEqual(0.5);
    expect(r.int8_model_bytes as number).toBeLessThan((r.fp32_model_bytes as number) / 3);
    expect(r.images).toBe(8);
  }, 120_000);

  it('a wrong quantization scale gives a much larger error', async () => {
    const rt = await runtime();
    const fp32 = buildModel(spec);
    const images = Array.from({ length: 8 }, (_, i) => smoothImage(32, 3, 1001 + i));
    const calib = Array.from({ length: 2 }, (_, i) => [smoothImage(32, 3, 1 + i)]);
    const c = await compress(fp32, { quantize: 'int8', calibration: { batches: calib }, runtime: rt });
    const zf = await logitsOf(rt, fp32, images);
    const zq = await logitsOf(rt, c.graph, images);
    const good = agreementMetrics(zf, zq);
    expect(good.rel_logit_error_median).toBeLessThan(0.2);
    // the int8 graph's output scale (the dequantize in front of the logits) doubled
    const d = [...c.graph.nodes].reverse().find((n) => n.op === 'dequantize');
    expect(d, 'the int8 graph dequantizes before its output').toBeDefined();
    d!.attrs.scale = (d!.attrs.scale as number) * 2;
    const bad = agreementMetrics(zf, await logitsOf(rt, c.graph, images));
    expect(Number.isFinite(bad.rel_logit_error_median)).toBe(true);
    expect(bad.rel_logit_error_median).toBeGreaterThan(10 * good.rel_logit_error_median);
    expect(bad.rel_logit_error_median).toBeGreaterThan(0.5);
    // centered metrics exist and are finite (at this size the image-dependent part of the logits is tiny, see the suite)
    expect(Number.isFinite(centeredAgreementMetrics(zf, zq).rel_logit_error_median)).toBe(true);
  }, 120_000);

  it('CLI: bench --suite int8_agreement --json prints one record; a bad --method is an error', () => {
    const cli = (args: string[]) =>
      spawnSync(
        './bin/slimgpu',
        [
          'bench',
          '--suite',
          'int8_agreement',
          '--alpha',
          '0.25',
          '--res',
          '32',
          '--images',
          '4',
          '--calib',
          '1',
          '--runs',
          '1',
          '--quiet',
          ...args,
        ],
        { encoding: 'utf8', timeout: 300_000 },
      );
    const r = cli(['--json', '--method', 'minmax']);
    expect(r.status, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout);
    expect(rows).toHaveLength(1);
    expect(rows[0].model).toBe('mobilenet_v1 0.25-32');
    expect(rows[0].calibration).toContain('minmax');
    expect(rows[0].images).toBe(4);
    const bad = cli(['--method', 'kl']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('--method must be');
  }, 300_000);
});
