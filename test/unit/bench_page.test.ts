// The device benchmark page (demos/bench/) in headless Chromium: a small model with every peer, ceilings and the
// per-layer profile; the table and the three charts must appear with plausible numbers. A full-page screenshot
// is saved as a test artifact: test-results/bench-page.png.

import { describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { withPage } from '../../bench/browser.js';

describe('bench page', () => {
  it('runs cnn_tiny against tfjs and ORT and draws table, bars, layers and roofline', async () => {
    const log: string[] = [];
    const q = 'models=cnn_tiny&batches=1,2&peers=tfjs,ort,ort-wasm&runs=2&warmup=1&micro=1&profile=1&autorun=1';
    const out = await withPage(
      `/demos/bench/?${q}`,
      async (page) => {
        await page.waitForFunction(() => (window as any).__benchResult, null, { timeout: 400_000, polling: 500 });
        const doc = await page.evaluate(() => (window as any).__benchResult);
        const counts = await page.evaluate(() => ({
          rows: document.querySelectorAll('#results tbody tr').length,
          latencyBars: document.querySelectorAll('svg.chart-latency rect.bar').length,
          layerBars: document.querySelectorAll('svg.chart-layers rect.bar').length,
          roofs: document.querySelectorAll('svg.chart-roofline path.roof').length,
          points: document.querySelectorAll('svg.chart-roofline circle.layer').length,
          download: !(document.getElementById('download') as HTMLButtonElement).disabled,
        }));
        mkdirSync('test-results', { recursive: true });
        await page.screenshot({ path: 'test-results/bench-page.png', fullPage: true });
        return { doc, counts };
      },
      { log: (l) => log.push(l) },
    );
    const { doc, counts } = out;
    if (doc.error) throw new Error(`page error: ${doc.error}\n${log.join('\n')}`);
    expect(doc.schema).toBe('slimgpu-bench/1');
    expect(doc.env.adapter.vendor).toBeTruthy();
    expect(doc.models).toHaveLength(2);
    for (const m of doc.models) {
      expect(Object.keys(m.engines).sort()).toEqual(['ort-wasm', 'ort-webgpu', 'slimgpu', 'tfjs-webgpu']);
      for (const r of Object.values<any>(m.engines)) {
        expect(r.error, `${r.engine}: ${r.error}`).toBeUndefined();
        expect(r.median_ms).toBeGreaterThan(0);
        expect(Number.isFinite(r.median_ms)).toBe(true);
        expect(r.first_run_ms).toBeGreaterThanOrEqual(r.min_ms * 0.5);
        expect(r.max_rel_diff).toBeLessThan(1e-4); // every peer computes the same network
      }
      expect(m.ratio_vs_tfjs).toBeGreaterThan(0);
      expect(m.ratio_vs_ort).toBeGreaterThan(0);
      for (const e of ['slimgpu', 'tfjs-webgpu', 'ort-webgpu']) expect(m.engines[e].peak_gpu_bytes, e).toBeGreaterThan(0);
      expect(m.engines['ort-wasm'].peak_gpu_bytes).toBeNull();
    }
    expect(doc.ceilings.f32_gflops).toBeGreaterThan(0);
    expect(doc.ceilings.bandwidth_gbps).toBeGreaterThan(0);
    expect(doc.profiles).toHaveLength(2);
    const layers = doc.profiles[0].layers.length;
    expect(layers).toBeGreaterThanOrEqual(4);
    expect(doc.profiles[0].layers.every((p: any) => p.ms >= 0)).toBe(true);
    expect(counts.rows).toBe(8);
    expect(counts.latencyBars).toBe(8);
    expect(counts.layerBars).toBe(2 * layers);
    expect(counts.roofs).toBeGreaterThanOrEqual(2);
    expect(counts.points).toBeGreaterThan(0);
    expect(counts.download).toBe(true);
  }, 500_000);
});
