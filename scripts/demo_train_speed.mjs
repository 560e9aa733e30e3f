// Training speed: the train-live page (demos/train/, headless Chromium) against `./bin/slimgpu train` (Node/Dawn), same
// model, batch, method and number of steps, interleaved (page, CLI, page, CLI, …) so both see the same machine load.
// Prints one line per run and the medians; writes the JSON record to the file named by --out.
//
//   node scripts/demo_train_speed.mjs --rounds 3 --steps 30 --modes plain,kd,dml --out docs/results/demos/train-speed.json
//
// What each figure counts: the page's images/s is images ÷ the time of its training loop (batch, the step run —
// upload, one command buffer, loss read-back — and its per-step chart and stats updates; scoring and pauses are
// outside), and it also reports the step runs alone; the CLI's `images_per_s` is images ÷ the time of its training
// loop (steps submitted up to 16 at a time, losses read back together; scoring outside). Both start from the same
// seeded weights and data order, with no augmentation, on this machine's adapter.
// Needs Debian's /usr/bin/chromium (SLIMGPU_CHROMIUM) and dataset-fashion-mnist; builds dist/ through ./bin/slimgpu.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: o } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    steps: { type: 'string', default: '30' },
    batch: { type: 'string', default: '32' },
    model: { type: 'string', default: 'cnn_tiny' },
    modes: { type: 'string', default: 'plain' },
    out: { type: 'string' },
  },
});
const rounds = Number(o.rounds);
const steps = Number(o.steps);
const batch = Number(o.batch);
const limit = steps * batch; // one epoch of exactly `steps` steps
const modes = o.modes.split(',');
for (const [k, v] of [
  ['rounds', rounds],
  ['steps', steps],
  ['batch', batch],
])
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${k} must be a whole number ≥ 1 (got '${o[k]}')`);
for (const m of modes) if (!['plain', 'kd', 'dml'].includes(m)) throw new Error(`--modes: '${m}' is not plain, kd or dml`);

// the flags of bench/browser.ts (shared/WEBGPU-ON-CPU.md): WebGPU on SwiftShader when there is no GPU
const CHROMIUM_ARGS = JSON.parse(readFileSync(new URL('../bench/chromium_args.json', import.meta.url), 'utf8'));

const TEACHER = 'models/teacher.safetensors';
const pageQuery = (mode) =>
  new URLSearchParams({
    mode,
    model: o.model,
    batch: String(batch),
    limit: String(limit),
    epochs: '1',
    steps: String(steps),
    every: String(steps), // scored once, after the last (timed) step
    holdout: '10',
    ...(mode === 'kd' ? { tau: '4', alpha: '0.5' } : {}),
    ...(mode === 'dml' ? { peers: '2' } : {}),
    autorun: '1',
  }).toString();
const cliArgs = (mode) => [
  'train',
  '--model',
  o.model,
  '--batch',
  String(batch),
  '--limit',
  String(limit),
  '--epochs',
  '1',
  '--test-limit',
  '10',
  '--seed',
  '1',
  ...(mode === 'kd' ? ['--teacher', TEACHER, '--kd', '--temperature', '4', '--alpha', '0.5'] : []),
  ...(mode === 'dml' ? ['--mutual', '2'] : []),
  '--quiet',
  '--json',
];

const { createServer } = await import('vite');
const { chromium } = await import('playwright-core');
const server = await createServer({
  configFile: join(root, 'vite.config.ts'),
  root,
  logLevel: 'error',
  server: { port: 0, host: '127.0.0.1', hmr: false, watch: null },
});
await server.listen();
const port = server.httpServer.address().port;
const userDataDir = mkdtempSync(join(tmpdir(), 'slimgpu-speed-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.SLIMGPU_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: CHROMIUM_ARGS,
  viewport: { width: 1280, height: 900 },
});

async function pageRun(mode) {
  const page = await context.newPage();
  try {
    const t0 = performance.now();
    await page.goto(`http://localhost:${port}/demos/train/?${pageQuery(mode)}`, { waitUntil: 'load' });
    await page.waitForFunction(() => window.__train?.done || window.__train?.error, null, { timeout: 1_200_000, polling: 500 });
    const r = await page.evaluate(() => window.__train);
    if (r.error) throw new Error(`page: ${r.error}`);
    return {
      images_per_s: r.imagesPerS,
      steps_alone_images_per_s: r.stepImagesPerS,
      steps: r.steps,
      wall_s: (performance.now() - t0) / 1000,
    };
  } finally {
    await page.close();
  }
}

function cliRun(mode) {
  const t0 = performance.now();
  const r = JSON.parse(
    execFileSync(join(root, 'bin/slimgpu'), cliArgs(mode), { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  return { images_per_s: r.images_per_s, steps: r.steps, wall_s: (performance.now() - t0) / 1000 };
}

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const record = {
  date: new Date().toISOString(),
  what: `${o.model}, batch ${batch}, ${steps} steps, no augmentation; train page (headless Chromium) vs slimgpu train (Node/Dawn), interleaved`,
  chromium: context.browser()?.version() ?? 'unknown',
  load_before: loadavg().map((v) => Number(v.toFixed(1))),
  modes: {},
};
try {
  cliRun('plain'); // builds dist/ if needed; not recorded
  for (const mode of modes) {
    const runs = [];
    for (let i = 0; i < rounds; i++) {
      const page = await pageRun(mode);
      const cli = cliRun(mode);
      const load = Number(loadavg()[0].toFixed(1));
      runs.push({ page, cli, load });
      console.log(
        `${mode} round ${i + 1}/${rounds}: page ${page.images_per_s.toFixed(1)} img/s ` +
          `(steps alone ${page.steps_alone_images_per_s.toFixed(1)}, ${page.steps} steps), ` +
          `CLI ${cli.images_per_s.toFixed(1)} img/s (${cli.steps} steps), load ${load}`,
      );
    }
    const p = median(runs.map((r) => r.page.images_per_s));
    const c = median(runs.map((r) => r.cli.images_per_s));
    const ps = median(runs.map((r) => r.page.steps_alone_images_per_s));
    record.modes[mode] = {
      page_url: `/demos/train/?${pageQuery(mode)}`,
      cli: `./bin/slimgpu ${cliArgs(mode).join(' ')}`,
      runs,
      median_page_images_per_s: Number(p.toFixed(1)),
      median_page_steps_alone_images_per_s: Number(ps.toFixed(1)),
      median_cli_images_per_s: Number(c.toFixed(1)),
      page_over_cli: Number((p / c).toFixed(2)),
    };
    console.log(`${mode}: median page ${p.toFixed(1)} img/s, CLI ${c.toFixed(1)} img/s, page/CLI ${(p / c).toFixed(2)}`);
  }
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
  await server.close();
}
record.load_after = loadavg().map((v) => Number(v.toFixed(1)));
if (o.out) {
  mkdirSync(dirname(o.out), { recursive: true });
  writeFileSync(o.out, JSON.stringify(record, null, 1) + '\n');
  console.log(`wrote ${o.out}`);
}
