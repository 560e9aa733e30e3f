// The kernel tests again, in headless Chromium on the browser's WebGPU (issue 2): Vite serves
// test/browser/kernels.html on a free port, Playwright drives /usr/bin/chromium (flags from
// shared/WEBGPU-ON-CPU.md, fresh user-data-dir), and every case the page ran must have passed.
// bench/browser.ts closes Chromium and the server however the test ends.

import { describe, expect, it } from 'vitest';
import { withPage } from '../../bench/browser.js';

describe('kernels in headless Chromium', () => {
  it('every browser kernel case passes against the CPU references', async () => {
    const log: string[] = [];
    const res = await withPage(
      '/test/browser/kernels.html',
      async (page) => {
        await page.waitForFunction(() => (window as any).__kernelResults?.done, null, { timeout: 240_000, polling: 250 });
        return page.evaluate(() => (window as any).__kernelResults);
      },
      { log: (l) => log.push(l) },
    );
    if (res.error) throw new Error(`page error: ${res.error}\n${log.join('\n')}`);
    const failed = res.results.filter((r: any) => !r.pass);
    console.log(
      `browser kernels: ${res.results.length - failed.length}/${res.results.length} passed on ${res.adapter?.vendor} ${res.adapter?.architecture} (${res.adapter?.runtime})`,
    );
    expect(res.adapter, 'adapter').toBeTruthy();
    expect(res.results.length).toBeGreaterThanOrEqual(25);
    expect(failed.map((r: any) => `${r.name} [${r.variant}]: ${r.detail}`)).toEqual([]);
  }, 300_000);
});
