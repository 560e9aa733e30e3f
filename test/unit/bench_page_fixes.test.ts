// The bench page's input checks and compressed precisions (issue 14), in headless Chromium: no model picked, and a
// batch list with a word and a negative number, each give a clear error instead of a run; the light defaults come
// with a time estimate; int8 / binary / block-sparse are enabled and run cnn_tiny on slimgpu beside fp32; the
// latency chart's value labels (one per bar) and every other label stay inside their canvas at 400, 1280 and
// 1920 px. Screenshot: test-results/bench-page-precisions.png.

import { describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { withPage } from '../../bench/browser.js';
import { checkLayout } from '../layout.js';

describe('bench page fixes', () => {
  it('errors for an empty selection and bad numbers; int8, binary and block-sparse run', async () => {
    const log: string[] = [];
    const out = await withPage(
      '/demos/bench/',
      async (page) => {
        // wait for the adapter-aware estimate (it replaces the first guess once requestAdapter answers)
        await page.waitForFunction(() => /on this adapter: ~/.test(document.getElementById('estimate')!.textContent ?? ''), null, {
          timeout: 30_000,
        });
        const estimate = await page.textContent('#estimate');
        const defaults = await page.evaluate(() => ({
          models: Array.from(document.querySelectorAll<HTMLInputElement>('input[name=model]:checked')).map((c) => c.value),
          batches: (document.getElementById('batches') as HTMLInputElement).value,
          runs: (document.getElementById('runs') as HTMLInputElement).value,
        }));
        const enabled = await page.evaluate(() =>
          Array.from(document.querySelectorAll<HTMLInputElement>('input[name=precision]')).map(
            (c) => [c.value, !c.disabled] as [string, boolean],
          ),
        );
        await page.evaluate(() => document.querySelectorAll<HTMLInputElement>('input[name=model]').forEach((c) => (c.checked = false)));
        await page.click('#run');
        const empty = await page.textContent('#status');
        await page.evaluate(() => ((document.querySelector('input[name=model][value=cnn_tiny]') as HTMLInputElement).checked = true));
        await page.fill('#batches', 'abc,-1');
        await page.click('#run');
        const bad = await page.textContent('#status');
        const badDoc = await page.evaluate(() => (window as any).__benchResult);
        await page.fill('#batches', '2,-1');
        await page.click('#run');
        const negative = await page.textContent('#status');
        await page.fill('#batches', '1');
        await page.evaluate(() => document.querySelectorAll<HTMLInputElement>('input[name=precision]').forEach((c) => (c.checked = false)));
        await page.click('#run');
        const noPrecision = await page.textContent('#status');
        await page.fill('#batches', '1');
        await page.evaluate(() => {
          document.querySelectorAll<HTMLInputElement>('input[name=peer]').forEach((c) => (c.checked = false));
          document.querySelectorAll<HTMLInputElement>('input[name=precision]').forEach((c) => (c.checked = true));
          for (const id of ['micro', 'profile']) (document.getElementById(id) as HTMLInputElement).checked = false;
          (window as any).__benchResult = undefined;
        });
        await page.fill('#runs', '2');
        await page.click('#run');
        await page.waitForFunction(() => (window as any).__benchResult, null, { timeout: 300_000, polling: 500 });
        const doc = await page.evaluate(() => (window as any).__benchResult);
        // the latency chart's value labels, as drawn (demos/bench/charts.ts records them), one per bar
        const labels = await page.evaluate(() => {
          const c = Object.values<any>((window as any).__Chart.instances).find((c) =>
            c.canvas.parentElement?.classList.contains('chart-latency'),
          );
          return c.$valueLabels.map((l: any) => l.text);
        });
        mkdirSync('test-results', { recursive: true });
        await page.screenshot({ path: 'test-results/bench-page-precisions.png', fullPage: true });
        const layout = await checkLayout(page, 'bench-page-precisions'); // every label inside its canvas, at each width
        return { estimate, defaults, enabled, empty, bad, badDoc, negative, noPrecision, doc, labels, layout };
      },
      { log: (l) => log.push(l) },
    );
    // light defaults: two small CNNs at batch 1, 3 timed runs, estimated at a few minutes at most even on SwiftShader
    expect({ ...out.defaults, models: out.defaults.models.sort() }).toEqual({ models: ['cnn_small', 'cnn_tiny'], batches: '1', runs: '3' });
    const est = /~(\d+(?:\.\d+)?) (s|min)\b/.exec(out.estimate ?? '');
    expect(est, out.estimate ?? '').not.toBeNull();
    console.log(out.estimate);
    expect(Number(est![1]) * (est![2] === 'min' ? 60 : 1), out.estimate ?? '').toBeLessThanOrEqual(180);
    for (const [p, on] of out.enabled) expect(on, p).toBe(true);
    expect(out.empty).toMatch(/pick at least one model/);
    expect(out.bad).toMatch(/batches: 'abc' is not a whole number/);
    expect(out.badDoc).toEqual({ error: "batches: 'abc' is not a whole number from 1 to 1024" }); // no run started
    expect(out.negative).toMatch(/batches: '-1' is not a whole number from 1 to 1024/);
    expect(out.noPrecision).toMatch(/pick at least one precision/);
    if (out.doc.error) throw new Error(`page error: ${out.doc.error}\n${log.join('\n')}`);
    const m = out.doc.models[0];
    expect(Object.keys(m.engines).sort()).toEqual(['slimgpu', 'slimgpu-binary', 'slimgpu-block-sparse', 'slimgpu-int8']);
    for (const r of Object.values<any>(m.engines)) {
      expect(r.error, `${r.engine}: ${r.error}`).toBeUndefined();
      expect(r.median_ms).toBeGreaterThan(0);
    }
    expect(out.labels).toHaveLength(4);
    for (const l of out.labels) expect(l).toMatch(/^\d+(\.\d+)? ms$/);
    expect(out.layout).toEqual([]);
  }, 400_000);
});
