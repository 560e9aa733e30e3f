// `slimgpu bench --where browser`: the bench page (demos/bench/) in headless Chromium, with the run's choices in
// the URL and autorun; the page's own JSON document comes back, with the browser's version added.

import type { ModelSpec } from '../src/models/zoo.js';
import { withPage } from './browser.js';

export interface BrowserBenchOptions {
  runs: number;
  warmup: number;
  profile?: boolean;
  micro?: boolean;
  /** measure kernel variants before each model (the page's `tune=1`) */
  tuneVariants?: boolean;
  /** save a full-page screenshot of the finished page here */
  screenshot?: string;
  /** whole-run limit, ms (SwiftShader is slow: the default allows about an hour) */
  timeoutMs?: number;
  log?: (line: string) => void;
}

export function benchPageQuery(specs: ModelSpec[], peers: string[], o: BrowserBenchOptions): string {
  const q = new URLSearchParams({
    specs: JSON.stringify(specs),
    peers: peers.join(','),
    runs: String(o.runs),
    warmup: String(o.warmup),
    micro: o.micro ? '1' : '0',
    profile: o.profile ? '1' : '0',
    tune: o.tuneVariants ? '1' : '0',
    autorun: '1',
  });
  return `/demos/bench/?${q}`;
}

export async function benchInBrowser(specs: ModelSpec[], peers: string[], o: BrowserBenchOptions): Promise<any> {
  const log = o.log ?? ((l: string) => console.error(l));
  return withPage(
    benchPageQuery(specs, peers, o),
    async (page, info) => {
      await page.waitForFunction(() => (window as any).__benchResult, null, { timeout: o.timeoutMs ?? 3_600_000, polling: 1000 });
      const doc = await page.evaluate(() => (window as any).__benchResult);
      if (doc.error) throw new Error(`bench page: ${doc.error}`);
      if (o.screenshot) await page.screenshot({ path: o.screenshot, fullPage: true });
      doc.env = { ...doc.env, runtime: 'browser', browser: `Chromium ${info.chromium} (headless, playwright-core)` };
      return doc;
    },
    { log: (l) => (l.startsWith('[page log]') ? log(l.slice(11)) : log(l)) },
  );
}

/**
 * `slimgpu bench --onnx FILE`: the bench page with the file set on its file picker (as a person would), the
 * input shapes in the URL, then Run; the page's JSON document comes back.
 */
export async function benchOnnxInBrowser(file: string, shapes: string | undefined, peers: string[], o: BrowserBenchOptions): Promise<any> {
  const log = o.log ?? ((l: string) => console.error(l));
  const q = new URLSearchParams({
    models: '',
    peers: peers.join(','),
    runs: String(o.runs),
    warmup: String(o.warmup),
    micro: o.micro ? '1' : '0',
    profile: o.profile ? '1' : '0',
    tune: '0',
    ...(shapes ? { shapes } : {}),
  });
  return withPage(
    `/demos/bench/?${q}`,
    async (page, info) => {
      await page.setInputFiles('#onnx-file', file);
      await page.waitForFunction(() => (window as any).__onnxReady, null, { timeout: 60_000 });
      const problem = await page.evaluate(() =>
        document.getElementById('onnx-info')!.className === 'error' ? document.getElementById('onnx-info')!.textContent : null,
      );
      if (problem) throw new Error(`bench page: ${problem}`);
      await page.click('#run');
      await page.waitForFunction(() => (window as any).__benchResult, null, { timeout: o.timeoutMs ?? 3_600_000, polling: 1000 });
      const doc = await page.evaluate(() => (window as any).__benchResult);
      if (o.screenshot) await page.screenshot({ path: o.screenshot, fullPage: true });
      if (doc.error) return doc;
      doc.env = { ...doc.env, runtime: 'browser', browser: `Chromium ${info.chromium} (headless, playwright-core)` };
      return doc;
    },
    { log: (l) => (l.startsWith('[page log]') ? log(l.slice(11)) : log(l)) },
  );
}
