// A user's ONNX file on the bench page (file picker) and through `slimgpu bench --onnx` (the same page, headless):
// slimgpu and onnxruntime-web run the same file on the same seeded input, and their outputs agree.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withPage } from '../../bench/browser.js';
import { tinyCnn } from '../onnx_files.js';

const dir = mkdtempSync(join(tmpdir(), 'slimgpu-bench-onnx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bench with an ONNX file', () => {
  it('the page takes a file from its picker and shows slimgpu, both ORT engines and max |Δ|', async () => {
    const log: string[] = [];
    const out = await withPage(
      '/demos/bench/?models=&peers=ort,ort-wasm&runs=1&warmup=0&micro=0&profile=0&shapes=x=1x3x12x10',
      async (page) => {
        await page.setInputFiles('#onnx-file', { name: 'tiny.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from(tinyCnn()) });
        await page.waitForFunction(() => (window as any).__onnxReady, null, { timeout: 60_000 });
        const info = await page.textContent('#onnx-info');
        await page.click('#run');
        await page.waitForFunction(() => (window as any).__benchResult, null, { timeout: 300_000, polling: 500 });
        const doc = await page.evaluate(() => (window as any).__benchResult);
        const rows = await page.$$eval('#results tbody tr', (trs) =>
          trs.map((tr) => ({
            engine: tr.getAttribute('data-engine'),
            cells: Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? ''),
          })),
        );
        return { doc, rows, info };
      },
      { log: (l) => log.push(l) },
    );
    if (out.doc.error) throw new Error(`page error: ${out.doc.error}\n${log.join('\n')}`);
    expect(out.info).toMatch(/tiny\.onnx .*inputs x \[N,3,H,W\]/);
    expect(out.doc.onnx.input.shape).toEqual([1, 3, 12, 10]);
    expect(out.rows.map((r: any) => r.engine)).toEqual(['slimgpu', 'ort-webgpu', 'ort-wasm']);
    for (const r of out.rows.slice(1)) expect(r.cells[11]).toMatch(/^\d\.\de[-+]\d+ \(rel /); // the max |Δ| column
    const m = out.doc.models[0];
    for (const e of ['ort-webgpu', 'ort-wasm']) {
      expect(m.engines[e].error, m.engines[e].error).toBeUndefined();
      expect(m.engines[e].max_rel_diff).toBeLessThan(1e-4);
    }
    expect(m.ratio_vs_ort).toBeGreaterThan(0);
    expect(m.ratio_vs_ort_wasm).toBeGreaterThan(0);
  }, 400_000);

  it('slimgpu bench --onnx prints medians, ratio and max_abs_diff, and per-node GPU time with --profile', () => {
    const file = join(dir, 'tiny.onnx');
    writeFileSync(file, tinyCnn());
    const r = spawnSync(
      './bin/slimgpu',
      ['bench', '--onnx', file, '--shape', 'x=1x3x8x8', '--peers', 'ort-wasm', '--runs', '2', '--profile', '--json'],
      {
        encoding: 'utf8',
        timeout: 400_000,
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc.summary.median_ms)).toEqual(['slimgpu', 'ort-wasm']);
    expect(doc.summary.median_ms.slimgpu).toBeGreaterThan(0);
    expect(doc.summary.ratio_vs_ort_wasm).toBeGreaterThan(0);
    expect(doc.summary.max_abs_diff['ort-wasm']).toBeLessThan(1e-4);
    expect(doc.profiles[0].layers.map((l: any) => l.op)).toContain('conv2d');
  }, 400_000);
});
