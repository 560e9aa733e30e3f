// The train-live page (demos/train/) in headless Chromium on SwiftShader: two training steps of KD (from the shipped
// teacher in models/) and of DML with 3 peers, on small batches; the losses are finite and positive, every model is
// scored on the train slice and the held-out images, images/s is measured, and the checkpoint the page writes is the
// CLI's format (`slimgpu eval` reads it); the layout holds at 400, 1280 and 1920 px (test/layout.ts). A plain run is
// paused (the step count holds, the checkpoint can be taken), resumed to its end, and sent to the classify page,
// which classifies with it beside the shipped models.
// Screenshots: test-results/demo-train-{kd,dml}.png and demo-train-{kd,dml}-<width>.png.

import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { withPage } from '../../bench/browser.js';
import { checkLayout } from '../layout.js';
import { decodeCheckpoint } from '../../src/train/checkpoint.js';

async function trainPage(q: string, shot: string): Promise<{ r: any; ckpt: Uint8Array; layout: string[]; log: string[] }> {
  const log: string[] = [];
  const out = await withPage(
    `/demos/train/?${q}&steps=2&every=2&limit=64&holdout=20&batch=8&autorun=1`,
    async (page) => {
      await page.waitForFunction(() => (window as any).__train?.done || (window as any).__train?.error, null, {
        timeout: 300_000,
        polling: 500,
      });
      mkdirSync('test-results', { recursive: true });
      await page.screenshot({ path: `test-results/${shot}.png`, fullPage: true });
      const r = await page.evaluate(() => (window as any).__train);
      const layout = await checkLayout(page, shot);
      const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
      const path = await dl.path();
      const { readFileSync } = await import('node:fs');
      return { r, ckpt: new Uint8Array(readFileSync(path)), layout };
    },
    { log: (l) => log.push(l) },
  );
  return { ...out, log };
}

function checkRun(r: any, models: number, log: string[]): void {
  if (r.error) throw new Error(`page error: ${r.error}\n${log.join('\n')}`);
  expect(
    log.filter((l) => l.startsWith('[page error]') || l.startsWith('[page error ')),
    log.join('\n'),
  ).toEqual([]);
  expect(r.steps).toBe(2);
  expect(r.models).toBe(models);
  expect(r.losses).toHaveLength(models);
  for (const l of r.losses) {
    expect(l).toHaveLength(2);
    for (const v of l) expect(Number.isFinite(v) && v > 0).toBe(true);
  }
  expect(r.accuracy).toHaveLength(1);
  for (const k of ['train', 'held']) {
    expect(r.accuracy[0][k]).toHaveLength(models);
    for (const a of r.accuracy[0][k]) expect(a >= 0 && a <= 1).toBe(true);
  }
  expect(r.imagesPerS).toBeGreaterThan(0); // the training loop's rate (steps and the page's own work per step)
  expect(r.stepImagesPerS).toBeGreaterThanOrEqual(r.imagesPerS); // the step runs alone: part of the loop
}

describe('train page', () => {
  it('two KD steps from the shipped teacher', async () => {
    const { r, ckpt, layout, log } = await trainPage('mode=kd&tau=4&alpha=0.5', 'demo-train-kd');
    checkRun(r, 1, log);
    expect(layout).toEqual([]);
    const ck = decodeCheckpoint(ckpt);
    expect(ck.meta.mode).toBe('kd');
    expect(ck.meta.step).toBe(2);
    expect([...ck.tensors.keys()].some((k) => k.startsWith('teacher/'))).toBe(false);
    writeFileSync('test-results/demo-train-kd.ckpt', ckpt);
    const ev = JSON.parse(
      execFileSync(
        './bin/slimgpu',
        ['eval', '--ckpt', 'test-results/demo-train-kd.ckpt', '--dataset', 'fashion-mnist', '--test-limit', '20', '--json'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
      ),
    );
    expect([ev.model, ev.mode, ev.step, ev.test_examples]).toEqual(['cnn_tiny', 'kd', 2, 20]);
  }, 400_000);

  it('pause holds the step count, resume finishes; the checkpoint goes to the classify page', async () => {
    const log: string[] = [];
    const out = await withPage(
      '/demos/train/?mode=plain&steps=40&epochs=50&every=40&limit=64&holdout=20&batch=8&autorun=1',
      async (page) => {
        const steps = () => page.evaluate(() => (window as any).__train.steps as number);
        await page.waitForFunction(() => (window as any).__train.steps >= 1, null, { timeout: 300_000, polling: 50 });
        await page.click('#pause');
        await page.waitForFunction(() => document.getElementById('status')!.textContent === 'paused', null, { timeout: 60_000 });
        const held = await steps();
        await page.waitForTimeout(1500);
        const paused = {
          before: held,
          after: await steps(),
          button: await page.textContent('#pause'),
          download: await page.isEnabled('#download'),
        };
        await page.click('#pause');
        await page.waitForFunction(() => (window as any).__train?.done || (window as any).__train?.error, null, {
          timeout: 300_000,
          polling: 200,
        });
        const r = await page.evaluate(() => (window as any).__train);
        await Promise.all([page.waitForURL('**/demos/classify/'), page.click('#send')]);
        await page.waitForFunction(() => (window as any).__classifyDone, null, { timeout: 600_000, polling: 500 });
        const sent = await page.evaluate(() => {
          const s = (window as any).__classify;
          const m = s.models.find((m: any) => m.entry.name.startsWith('trained here'));
          return { error: (window as any).__classifyError, name: m?.entry.name, top3: m ? s.last.models[m.entry.name]?.top3 : null };
        });
        return { paused, r, sent };
      },
      { log: (l) => log.push(l) },
    );
    if (out.r.error) throw new Error(`page error: ${out.r.error}\n${log.join('\n')}`);
    expect(out.paused.after).toBe(out.paused.before);
    expect(out.paused.before).toBeLessThan(40);
    expect(out.paused.button).toBe('Resume');
    expect(out.paused.download).toBe(true); // a checkpoint can be taken while paused
    expect(out.r.steps).toBe(40);
    expect(out.sent.error).toBeUndefined();
    expect(out.sent.name).toBe('trained here (plain, step 40)');
    expect(out.sent.top3).toHaveLength(3);
    expect(
      log.filter((l) => l.startsWith('[page error]')),
      log.join('\n'),
    ).toEqual([]);
  }, 900_000);

  it('two DML steps with 3 peers', async () => {
    const { r, ckpt, layout, log } = await trainPage('mode=dml&peers=3', 'demo-train-dml');
    checkRun(r, 3, log);
    expect(layout).toEqual([]);
    const ck = decodeCheckpoint(ckpt);
    expect(ck.meta.mode).toBe('dml');
    expect(ck.meta.peers).toBe(3);
    expect([...ck.tensors.keys()].filter((k) => k.startsWith('peer2/')).length).toBeGreaterThan(0);
  }, 400_000);
});
