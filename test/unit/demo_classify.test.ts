// The classify page (demos/classify/) in headless Chromium on SwiftShader, with every shipped model of
// models/manifest.json: 20 test images classified by every model (top-3 sorted, probabilities in [0, 1]), each
// model's latency, size and kernels shown; then "Evaluate" on the first 500 test images, whose accuracy must equal
// `slimgpu eval` on the same checkpoints and images (same kernels: int8, XNOR, block-sparse, thinned).
// Layout at 400, 1280 and 1920 px (test/layout.ts). Screenshots: test-results/demo-classify.png, demo-classify-<width>.png.

import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { withPage } from '../../bench/browser.js';
import { checkLayout } from '../layout.js';

const N = 500;

describe('classify page', () => {
  it('classifies 20 test images with every shipped model; its accuracy on 500 equals slimgpu eval', async () => {
    const manifest = JSON.parse(readFileSync('models/manifest.json', 'utf8'));
    const log: string[] = [];
    const out = await withPage(
      `/demos/classify/?autorun=1&n=${N}`,
      async (page) => {
        await page.waitForFunction(() => (window as any).__classifyDone, null, { timeout: 900_000, polling: 1000 });
        mkdirSync('test-results', { recursive: true });
        await page.screenshot({ path: 'test-results/demo-classify.png', fullPage: true });
        const layout = await checkLayout(page, 'demo-classify');
        const r = await page.evaluate(() => {
          const s = (window as any).__classify;
          return {
            error: (window as any).__classifyError,
            results: s.results,
            evals: s.evals,
            models: s.models.map((m: any) => ({ name: m.entry.name, bytes: m.bytes, kernels: m.kernels, latencyMs: m.latencyMs })),
            cards: document.querySelectorAll('#models .model').length,
            rows: document.querySelectorAll('#accuracy tbody tr').length,
          };
        });
        return { ...r, layout };
      },
      { log: (l) => log.push(l) },
    );
    if (out.error) throw new Error(`page error: ${out.error}\n${log.join('\n')}`);
    expect(
      log.filter((l) => l.startsWith('[page error]')),
      log.join('\n'),
    ).toEqual([]);
    expect(out.layout).toEqual([]);
    const names = manifest.models.map((m: any) => m.name);
    expect(out.models.map((m: any) => m.name)).toEqual(names);
    expect(out.cards).toBe(names.length);
    for (const m of out.models) {
      expect(m.bytes).toBeGreaterThan(0);
      expect(m.latencyMs).toBeGreaterThan(0);
      expect(m.kernels.length).toBeGreaterThan(0);
    }
    const kernelsOf = (role: string) =>
      out.models.find((m: any) => manifest.models.find((e: any) => e.name === m.name).role === role)?.kernels.join(' ') ?? '';
    expect(kernelsOf('int8')).toMatch(/int8\//);
    expect(kernelsOf('binary')).toMatch(/xnor\//);
    expect(kernelsOf('sparse')).toMatch(/block_sparse\//);
    expect(out.results).toHaveLength(20);
    for (const r of out.results) {
      for (const name of names) {
        const top = r.models[name].top3;
        expect(top).toHaveLength(3);
        expect(top[0].p).toBeGreaterThanOrEqual(top[1].p);
        expect(top[1].p).toBeGreaterThanOrEqual(top[2].p);
        for (const t of top) expect(t.p >= 0 && t.p <= 1 && t.class >= 0 && t.class < 10).toBe(true);
      }
    }
    expect(out.rows).toBe(names.length);
    // the same checkpoints on the same 500 images through the CLI
    for (const e of out.evals) {
      expect(e.n).toBe(N);
      const cli = JSON.parse(
        execFileSync(
          './bin/slimgpu',
          [
            'eval',
            '--ckpt',
            `models/${e.file}`,
            '--peer',
            String(e.peer),
            '--dataset',
            'fashion-mnist',
            '--test-limit',
            String(N),
            '--json',
          ],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
        ),
      );
      expect(e.accuracy, `${e.name}: page ${e.accuracy} vs eval ${cli.test_accuracy}`).toBe(cli.test_accuracy);
      console.log(`${e.name}: page ${(e.accuracy * 100).toFixed(2)}% = eval ${(cli.test_accuracy * 100).toFixed(2)}% (${e.precision})`);
    }
  }, 1_500_000);
});
