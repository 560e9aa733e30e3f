// The scaling page (demos/scale/) in headless Chromium: a tiny grid (MobileNetV1 and ShuffleNet at 32×32, two
// configurations each, fp32) measured in the page; the chart, the table with each figure's source, the chosen
// model's per-layer times and the JSON download must appear, and moving the budget must change the choice.
// The layout holds at 400, 1280 and 1920 px (test/layout.ts). Screenshots: test-results/scale-page.png and
// scale-page-<width>.png.

import { describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { withPage } from '../../bench/browser.js';
import { checkLayout } from '../layout.js';

describe('scale page', () => {
  it('measures a tiny grid, draws the front, picks a model for the budget and profiles it', async () => {
    const log: string[] = [];
    const q = 'families=mobilenet_v1,shufflenet&precisions=fp32&budget=100000&resScale=0.143&limit=2&measure=2&runs=1&autorun=1';
    const out = await withPage(
      `/demos/scale/?${q}`,
      async (page) => {
        await page.waitForFunction(() => (window as any).__scaleResult, null, { timeout: 400_000, polling: 500 });
        const doc = await page.evaluate(() => (window as any).__scaleResult);
        const dom = await page.evaluate(() => ({
          rows: document.querySelectorAll('#points tbody tr').length,
          frontRows: document.querySelectorAll('#points tbody tr.front').length,
          chosenRows: document.querySelectorAll('#points tbody tr.chosen').length,
          sources: Array.from(document.querySelectorAll('#points tbody tr td:last-child')).map((td) => td.textContent),
          download: !(document.getElementById('download') as HTMLButtonElement).disabled,
          canvas: (document.getElementById('pareto') as HTMLCanvasElement).width,
        }));
        const layout = await checkLayout(page, 'scale-page'); // with the chosen model's per-layer chart drawn
        // a budget below every model: nothing fits, the choice disappears
        const fastest = Math.min(...doc.points.map((p: any) => p.latency_ms));
        await page.evaluate((ms) => (window as any).__setBudget(ms), fastest / 2);
        const none = await page.evaluate(() => ({
          chosen: (window as any).__scaleResult.chosen,
          text: document.getElementById('choice')!.textContent,
        }));
        mkdirSync('test-results', { recursive: true });
        await page.screenshot({ path: 'test-results/scale-page.png', fullPage: true });
        return { doc, dom, none, layout };
      },
      { log: (l) => log.push(l) },
    );
    const { doc, dom, none } = out;
    if (doc.error) throw new Error(`page error: ${doc.error}\n${log.join('\n')}`);
    expect(out.layout).toEqual([]);
    expect(doc.schema).toBe('slimgpu-scale-page/1');
    expect(doc.results).toHaveLength(2);
    expect(doc.points).toHaveLength(4);
    for (const p of doc.points) {
      expect(p.predicted_ms).toBeGreaterThan(0);
      expect(p.top1).toBeGreaterThan(40);
    }
    expect(doc.points.filter((p: any) => p.measured_ms !== null).length).toBe(4);
    expect(doc.chosen.top1).toBe(Math.max(...doc.points.map((p: any) => p.top1)));
    expect(doc.profile.label).toBe(doc.chosen.label);
    expect(doc.profile.layers.length).toBeGreaterThan(10);
    expect(dom.rows).toBe(4);
    expect(dom.frontRows).toBeGreaterThanOrEqual(1);
    expect(dom.chosenRows).toBe(1);
    expect(dom.sources.every((s: string) => /MobileNets|ShuffleNet|mobilenet/.test(s))).toBe(true);
    expect(dom.download).toBe(true);
    expect(dom.canvas).toBeGreaterThan(0);
    expect(none.chosen).toBeNull();
    expect(none.text).toMatch(/Nothing fits/);
  }, 500_000);
});
