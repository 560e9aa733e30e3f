// The compression explorer (demos/compress/) in headless Chromium on SwiftShader: one setting — cnn_small (zoo,
// random weights) at 90% block sparsity in 4×4 blocks — compressed, compiled, profiled and compared with fp32.
// Asserts the size ratio, that the pruned layers run on a block_sparse/ kernel, one chart row per layer with GPU
// times on both sides, the agreement figure, and the layout at 400, 1280 and 1920 px (test/layout.ts).
// Screenshots: test-results/demo-compress.png, demo-compress-<width>.png.

import { describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { withPage } from '../../bench/browser.js';
import { checkLayout } from '../layout.js';

describe('compression explorer page', () => {
  it('cnn_small at 90% block sparsity (4x4): smaller, on conv2d_bsr, layer times before/after, agreement', async () => {
    const log: string[] = [];
    const { r, bars, layout } = await withPage(
      '/demos/compress/?source=zoo:cnn_small&precision=fp32&sparsity=0.9&block=4x4&images=4&autorun=1',
      async (page) => {
        await page.waitForFunction(() => (window as any).__compress?.done, null, { timeout: 300_000, polling: 500 });
        mkdirSync('test-results', { recursive: true });
        await page.screenshot({ path: 'test-results/demo-compress.png', fullPage: true });
        const r = await page.evaluate(() => (window as any).__compress);
        const bars = await page.evaluate(() => ((window as any).Chart ? null : document.querySelectorAll('#layer-table tbody tr').length));
        const layout = await checkLayout(page, 'demo-compress');
        return { r, bars, layout };
      },
      { log: (l) => log.push(l) },
    );
    if (r.error) throw new Error(`page error: ${r.error}\n${log.join('\n')}`);
    expect(
      log.filter((l) => l.startsWith('[page error]')),
      log.join('\n'),
    ).toEqual([]);
    expect(layout).toEqual([]);
    expect(r.setting).toBe('fp32, 90% block-sparse 4x4');
    expect(r.ratio).toBeGreaterThan(3); // conv2 and fc1 hold almost all of cnn_small's weights
    expect(r.bytes).toBeLessThan(r.fp32_bytes);
    expect(
      r.kernels.some((k: string) => k.startsWith('block_sparse/')),
      r.kernels.join(' '),
    ).toBe(true);
    const both = r.layers.filter((l: any) => l.ms_fp32 !== null && l.ms !== null);
    expect(both.length).toBeGreaterThanOrEqual(3);
    for (const l of r.layers) for (const v of [l.ms_fp32, l.ms]) if (v !== null) expect(v).toBeGreaterThanOrEqual(0);
    expect(bars).toBe(r.layers.length);
    expect(r.fp32_ms).toBeGreaterThan(0);
    expect(r.ms).toBeGreaterThan(0);
    expect(r.agreement_images).toBe(4);
    expect(r.agreement).toBeGreaterThanOrEqual(0);
    expect(r.agreement).toBeLessThanOrEqual(1);
  }, 400_000);
});
