// Headless Chromium on our own pages, for the browser kernel tests and `slimgpu bench --where browser`.
//
// startSite()   the Vite dev server over the repository (vite.config.ts), on a free localhost port: pages get a
//               secure context (navigator.gpu needs one) and npm packages — ORT's .wasm files included — are
//               served from node_modules; nothing is fetched from the network.
// openChromium() Debian's /usr/bin/chromium (or $SLIMGPU_CHROMIUM) through playwright-core, with the flags of
//               shared/WEBGPU-ON-CPU.md (WebGPU on SwiftShader when there is no GPU) and a fresh, empty
//               user-data-dir that is deleted on close. Never downloads a browser.
// withPage()    both, one page, and guaranteed clean-up (Chromium closed, server stopped) however `fn` ends.

import chromiumArgs from './chromium_args.json';

/** The flags (bench/chromium_args.json, also read by scripts/demo_train_speed.mjs). */
export const CHROMIUM_ARGS: string[] = chromiumArgs;

export interface Site {
  url: string;
  close(): Promise<void>;
}

async function repoRoot(start: string): Promise<string> {
  const fs = await import('node:fs');
  const path = await import('node:path');
  let dir = path.resolve(start);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'vite.config.ts')) && fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no slimgpu checkout (vite.config.ts) above ${start}`);
    dir = up;
  }
}

export async function startSite(root?: string): Promise<Site> {
  const { createServer } = await import('vite');
  // the checkout holding this module (bench/ or dist/bench/), else the working directory's
  const here = decodeURIComponent(new URL('.', import.meta.url).pathname);
  const dir = await repoRoot(root ?? here).catch(() => repoRoot(process.cwd()));
  const server = await createServer({
    configFile: `${dir}/vite.config.ts`,
    root: dir,
    logLevel: 'error',
    clearScreen: false,
    server: { port: 0, host: '127.0.0.1', strictPort: false, hmr: false, watch: null },
  });
  await server.listen();
  const addr = server.httpServer!.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  // `localhost` (not 127.0.0.1) so Chromium treats the origin as potentially trustworthy on every version
  return { url: `http://localhost:${port}`, close: () => server.close() };
}

export interface Chromium {
  context: import('playwright-core').BrowserContext;
  version: string;
  close(): Promise<void>;
}

export async function openChromium(): Promise<Chromium> {
  const { chromium } = await import('playwright-core');
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const executablePath = process.env.SLIMGPU_CHROMIUM ?? '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) {
    throw new Error(`no Chromium at ${executablePath} (apt-get install chromium, or set SLIMGPU_CHROMIUM)`);
  }
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'slimgpu-chromium-'));
  let context: import('playwright-core').BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
    });
  } catch (e) {
    fs.rmSync(userDataDir, { recursive: true, force: true });
    throw e;
  }
  const version = context.browser()?.version() ?? 'unknown';
  return {
    context,
    version,
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Open `pagePath` (e.g. '/test/browser/kernels.html') in headless Chromium and run `fn`; always cleans up. */
export async function withPage<T>(
  pagePath: string,
  fn: (page: import('playwright-core').Page, info: { url: string; chromium: string }) => Promise<T>,
  opts: { root?: string; log?: (line: string) => void } = {},
): Promise<T> {
  const site = await startSite(opts.root);
  let browser: Chromium | null = null;
  try {
    browser = await openChromium();
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on('console', (m) => opts.log?.(`[page ${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => opts.log?.(`[page error] ${e.message}`));
    await page.goto(`${site.url}${pagePath}`, { waitUntil: 'load' });
    return await fn(page, { url: site.url, chromium: browser.version });
  } finally {
    await browser?.close();
    await site.close();
  }
}
