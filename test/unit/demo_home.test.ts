// The landing page (index.html, what `npm start` serves at /) in headless Chromium: it shows the adapter (vendor,
// architecture, features, limits) and links every demo, with no console errors; its layout holds at 400, 1280 and
// 1920 px (test/layout.ts). Screenshots: test-results/demo-home.png, demo-home-<width>.png.

import { describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { withPage } from '../../bench/browser.js';
import { checkLayout } from '../layout.js';

describe('landing page', () => {
  it('shows the adapter and links the four demos', async () => {
    const log: string[] = [];
    const out = await withPage(
      '/',
      async (page) => {
        await page.waitForFunction(() => (window as any).__home, null, { timeout: 60_000, polling: 200 });
        mkdirSync('test-results', { recursive: true });
        await page.screenshot({ path: 'test-results/demo-home.png', fullPage: true });
        const layout = await checkLayout(page, 'demo-home');
        const r = await page.evaluate(() => ({
          home: (window as any).__home,
          links: Array.from(document.querySelectorAll('.card a')).map((a) => a.getAttribute('href')),
          limits: document.querySelectorAll('#limits tr').length,
          features: document.querySelectorAll('#features li').length,
        }));
        return { ...r, layout };
      },
      { log: (l) => log.push(l) },
    );
    expect(out.home.error, log.join('\n')).toBeUndefined();
    expect(
      log.filter((l) => l.startsWith('[page error]')),
      log.join('\n'),
    ).toEqual([]);
    expect(out.layout).toEqual([]);
    expect(out.home.vendor).toBeTruthy();
    expect(out.links).toEqual(['/demos/classify/', '/demos/train/', '/demos/compress/', '/demos/bench/']);
    expect(out.limits).toBeGreaterThanOrEqual(5);
    expect(out.features).toBe(out.home.features.length);
  }, 120_000);
});
