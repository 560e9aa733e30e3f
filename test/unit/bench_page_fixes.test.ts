// The bench page's input checks and compressed precisions (issue 14), in headless Chromium: no model picked, and a
// batch list with a word and a negative number, each give a clear error instead of a run; the light defaults come
// with a time estimate; int8 / binary / block-sparse are enabled and run cnn_tiny on slimgpu beside fp32; the
// latency chart's value labels stay inside the chart. Screenshot: test-results/bench-page-precisions.png.

import { describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { withPage } from '../../bench/browser.js';

describe('bench page fixes', () => {
  it('errors for an empty selection and bad numbers; int8, binary and block-sparse run', async () => {
    const log: string[] = [];
    const out = await withPage(
      '/demos/bench/',
      async (page) => {
        const estimate = await page.textContent('#estimate');
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
        const labels = await page.evaluate(() => {
          const svg = document.querySelector('svg.chart-latency') as SVGSVGElement;
          const w = Number(svg.getAttribute('width'));
          return Array.from(svg.querySelectorAll('text')).map((t) => ({
            right: (t as SVGTextElement).getBBox().x + (t as SVGTextElement).getBBox().width,
            w,
          }));
        });
        mkdirSync('test-results', { recursive: true });
        await page.screenshot({ path: 'test-results/bench-page-precisions.png', fullPage: true });
        return { estimate, enabled, empty, bad, doc, labels };
      },
      { log: (l) => log.push(l) },
    );
    expect(out.estimate).toMatch(/estimate .*~\d/);
    for (const [p, on] of out.enabled) expect(on, p).toBe(true);
    expect(out.empty).toMatch(/pick at least one model/);
    expect(out.bad).toMatch(/batches: 'abc' is not a whole number/);
    if (out.doc.error) throw new Error(`page error: ${out.doc.error}\n${log.join('\n')}`);
    const m = out.doc.models[0];
    expect(Object.keys(m.engines).sort()).toEqual(['slimgpu', 'slimgpu-binary', 'slimgpu-block-sparse', 'slimgpu-int8']);
    for (const r of Object.values<any>(m.engines)) {
      expect(r.error, `${r.engine}: ${r.error}`).toBeUndefined();
      expect(r.median_ms).toBeGreaterThan(0);
    }
    for (const l of out.labels) expect(l.right).toBeLessThanOrEqual(l.w + 1);
  }, 400_000);
});
