// The device benchmark page (demos/bench/) in headless Chromium: a small model with every peer, ceilings and the
// per-layer profile; the table and the three charts (Chart.js) must appear with plausible numbers, the JSON export
// must download the page's result document, and the layout must hold at 400, 1280 and 1920 px (test/layout.ts).
// Full-page screenshots are saved as test artifacts: test-results/bench-page.png, bench-page-<width>.png.

import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import { withPage } from '../../bench/browser.js';
import { checkLayout } from '../layout.js';

describe('bench page', () => {
  it('runs cnn_tiny against tfjs and ORT and draws table, bars, layers and roofline', async () => {
    const log: string[] = [];
    const q = 'models=cnn_tiny&batches=1,2&peers=tfjs,ort,ort-wasm&runs=2&warmup=1&micro=1&profile=1&autorun=1';
    const out = await withPage(
      `/demos/bench/?${q}`,
      async (page) => {
        await page.waitForFunction(() => (window as any).__benchResult, null, { timeout: 400_000, polling: 500 });
        const doc = await page.evaluate(() => (window as any).__benchResult);
        const counts = await page.evaluate(() => {
          // the Chart.js charts on the page, by their box's kind (demos/bench/charts.ts)
          const charts = (kind: string) =>
            Object.values<any>((window as any).__Chart.instances).filter((c) => c.canvas.parentElement?.classList.contains(kind));
          const points = (kind: string, role?: string) =>
            charts(kind)
              .flatMap((c) => c.data.datasets)
              .filter((d: any) => role === undefined || d.role === role)
              .reduce((a: number, d: any) => a + d.data.filter((v: unknown) => v !== null).length, 0);
          return {
            rows: document.querySelectorAll('#results tbody tr').length,
            latencyBars: points('chart-latency'),
            layerBars: points('chart-layers'),
            layerCharts: charts('chart-layers').length,
            roofs: charts('chart-roofline').flatMap((c) => c.data.datasets.filter((d: any) => d.role === 'roof')).length,
            points: points('chart-roofline', 'layer'),
            download: !(document.getElementById('download') as HTMLButtonElement).disabled,
          };
        });
        mkdirSync('test-results', { recursive: true });
        await page.screenshot({ path: 'test-results/bench-page.png', fullPage: true });
        // the JSON export: the file the button downloads is the page's result document
        const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
        const exported = JSON.parse(readFileSync((await dl.path())!, 'utf8'));
        const layout = await checkLayout(page, 'bench-page');
        return { doc, counts, exported, name: dl.suggestedFilename(), layout };
      },
      { log: (l) => log.push(l) },
    );
    const { doc, counts } = out;
    expect(out.layout).toEqual([]);
    expect(out.name).toMatch(/^slimgpu-bench-.*\.json$/);
    expect(out.exported).toEqual(doc);
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
    expect(counts.layerCharts).toBe(2);
    expect(counts.layerBars).toBe(2 * layers);
    expect(counts.roofs).toBeGreaterThanOrEqual(2);
    expect(counts.points).toBeGreaterThan(0);
    expect(counts.download).toBe(true);
  }, 500_000);
});
