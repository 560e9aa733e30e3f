// The demo pages when WebGPU fails (issue 14: "WebGPU missing or an adapter lost → a clear message on the page, not a
// blank one"), in headless Chromium. Each failure is made by an init script that runs before the page's own code:
//   - no WebGPU: navigator.gpu deleted (as in a browser without it) — every page, on load;
//   - no adapter: requestAdapter() resolves null (GPU blocklisted or disabled) — the landing and classify pages;
//   - device lost: every GPUDevice the page creates is kept in window.__devices, and the test destroys it while the
//     page holds it (the loss event a driver reset gives) — the compression explorer, the train page, and the bench
//     page in the middle of a run.
// The message must be in the page's visible #gpu-error banner and say what happened. Screenshot of the lost case:
// test-results/demo-error-lost.png.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { openChromium, startSite, type Chromium, type Site } from '../../bench/browser.js';

const PAGES = ['/', '/demos/classify/', '/demos/train/', '/demos/compress/', '/demos/bench/', '/demos/scale/'];

let site: Site;
let browser: Chromium;

beforeAll(async () => {
  site = await startSite();
  browser = await openChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

/** Open `path` with `init` run first in the page; return the banner's text once it shows (or '' after `ms`). */
async function banner(path: string, init: () => void, ms = 30_000, then?: (page: import('playwright-core').Page) => Promise<void>) {
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.addInitScript(init);
    await page.goto(`${site.url}${path}`, { waitUntil: 'load' });
    if (then) await then(page);
    const shown = await page
      .waitForFunction(() => (document.getElementById('gpu-error') as HTMLElement | null)?.offsetParent != null, null, {
        timeout: ms,
        polling: 200,
      })
      .then(() => true)
      .catch(() => false);
    const text = shown ? ((await page.textContent('#gpu-error')) ?? '') : '';
    return { text, errors, page };
  } catch (e) {
    await page.close();
    throw e;
  }
}

const recordDevices = () => {
  const w = window as any;
  w.__devices = [];
  const orig = GPUAdapter.prototype.requestDevice;
  GPUAdapter.prototype.requestDevice = async function (this: GPUAdapter, d?: GPUDeviceDescriptor) {
    const dev = await orig.call(this, d);
    w.__devices.push(dev);
    return dev;
  };
};

const destroyAll = (page: import('playwright-core').Page) =>
  page.evaluate(() => (window as any).__devices.forEach((d: GPUDevice) => d.destroy()));

describe('demo pages without WebGPU', () => {
  for (const path of PAGES) {
    it(`${path}: navigator.gpu missing → says so`, async () => {
      const { text, page } = await banner(path, () => {
        delete (Navigator.prototype as any).gpu;
      });
      await page.close();
      expect(text).toMatch(/no WebGPU \(navigator\.gpu is missing\)/);
    }, 90_000);
  }

  for (const path of ['/', '/demos/classify/']) {
    it(`${path}: no adapter → says so`, async () => {
      const { text, page } = await banner(path, () => {
        GPU.prototype.requestAdapter = async () => null;
      });
      await page.close();
      expect(text).toMatch(/no adapter|requestAdapter\(\) returned null/i);
    }, 90_000);
  }

  it('/demos/compress/ and /demos/train/: device lost → says so', async () => {
    for (const path of ['/demos/compress/', '/demos/train/']) {
      const { text, errors, page } = await banner(path, recordDevices, 60_000, async (p) => {
        await p.waitForFunction(() => (window as any).__devices.length > 0, null, { timeout: 60_000, polling: 200 });
        await destroyAll(p);
      });
      if (path === '/demos/train/') {
        mkdirSync('test-results', { recursive: true });
        await page.screenshot({ path: 'test-results/demo-error-lost.png' });
      }
      await page.close();
      expect(text, path).toMatch(/GPU device was lost \(destroyed.*\)\. Reload the page/);
      expect(errors, path).toEqual([]);
    }
  }, 180_000);

  it('/demos/bench/: device lost during a run → says so, the run ends with an error', async () => {
    const { text, page } = await banner(
      '/demos/bench/?models=cnn_tiny&peers=&precisions=fp32&runs=50&warmup=1&micro=0&profile=0&autorun=1',
      recordDevices,
      60_000,
      async (p) => {
        await p.waitForFunction(() => (window as any).__devices.length > 0, null, { timeout: 60_000, polling: 100 });
        await destroyAll(p);
      },
    );
    const doc = await page
      .waitForFunction(() => (window as any).__benchResult, null, { timeout: 120_000, polling: 200 })
      .then((h) => h.jsonValue());
    await page.close();
    expect(text).toMatch(/GPU device was lost \(destroyed.*\)\. Reload the page/);
    // the run stops with an error (or, when the loss lands inside one engine's timing, that engine's row says so)
    const d = doc as any;
    const why = d.error ?? d.models?.flatMap((m: any) => Object.values<any>(m.engines).map((r) => r.error)).join(' | ');
    expect(why, JSON.stringify(d).slice(0, 400)).toMatch(/lost|destroyed/i);
  }, 240_000);
});
