// Parts of the CLI's checks without a child process: model sizes from shapes alone (equal to the built model's),
// the "no Vulkan driver" test that picks SwiftShader before Dawn loads, and the progress reporter's two modes.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildModel, modelSize } from '../../src/models/zoo.js';
import { noVulkanDriver } from '../../src/runtime/device.js';
import { progressReporter } from '../../src/cli/progress.js';
import { helpText, parseCommand } from '../../src/cli/flags.js';
import { RUN } from '../../src/cli/commands/run.js';

describe('modelSize', () => {
  it.each([
    { model: 'cnn_tiny' },
    { model: 'mobilenet_v1', alpha: 0.25, res: 96 },
    { model: 'shufflenet', groups: 2 },
    { model: 'efficientnet' },
  ])('%j: parameters and shapes as built, nothing allocated', (spec) => {
    const g = buildModel(spec);
    const params = g.tensors.filter((t) => t.role === 'param');
    const size = modelSize(spec);
    expect(size.params).toBe(params.reduce((a, t) => a + t.data!.length, 0));
    for (const t of params) expect(size.paramShapes.get(t.name)).toEqual(t.shape);
  });
  it('sizes an impossible model in no time', () => {
    const t0 = performance.now();
    const s = modelSize({ model: 'cnn_tiny', classes: 100_000_000, res: 4096, batch: 4096 });
    expect(s.largest.bytes).toBeGreaterThan(2 ** 40);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('noVulkanDriver', () => {
  it('is true only with no ICD manifest in the loader folders and no driver chosen', async () => {
    if (process.platform !== 'linux') return;
    const root = mkdtempSync(join(tmpdir(), 'slimgpu-icd-'));
    try {
      const env = { XDG_DATA_DIRS: join(root, 'data'), XDG_CONFIG_DIRS: join(root, 'config'), HOME: join(root, 'home') };
      const systemHasOne = !(await noVulkanDriver({ ...env, XDG_DATA_DIRS: join(root, 'none') }));
      if (!systemHasOne) expect(await noVulkanDriver(env)).toBe(true);
      expect(await noVulkanDriver({ ...env, VK_ICD_FILENAMES: '/x.json' })).toBe(false);
      expect(await noVulkanDriver({ ...env, VK_DRIVER_FILES: '/x.json' })).toBe(false);
      mkdirSync(join(root, 'data', 'vulkan', 'icd.d'), { recursive: true });
      writeFileSync(join(root, 'data', 'vulkan', 'icd.d', 'real_gpu.json'), '{}');
      expect(await noVulkanDriver(env)).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('progress', () => {
  const sink = () => {
    let text = '';
    return { stream: { write: (s: string) => ((text += s), true), isTTY: false } as unknown as NodeJS.WriteStream, text: () => text };
  };
  it('not a terminal: the first and the last update as plain lines, the rest at most every interval', () => {
    const s = sink();
    const p = progressReporter('eval', { stream: s.stream, interval: 3600 });
    for (let i = 1; i <= 100; i++) p.update(i, 100, 'images');
    const lines = s.text().trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^eval: 1\/100 \(1%\) {2}images {2}elapsed \d+s/);
    expect(lines[1]).toMatch(/^eval: 100\/100 \(100%\)/);
  });
  it('a terminal: a bar redrawn in place with an ETA; --quiet: nothing', () => {
    const s = sink();
    const p = progressReporter('train', { stream: s.stream, tty: true });
    p.update(5, 10, 'loss 1.0');
    p.line('epoch 1: done');
    expect(s.text()).toMatch(/^\rtrain \[#{12}\.{12}\] 5\/10 \(50%\) {2}loss 1\.0 {2}elapsed \d+s {2}ETA \d+s \nepoch 1: done\n$/);
    const q = sink();
    const quiet = progressReporter('train', { stream: q.stream, quiet: true });
    quiet.update(1, 2);
    quiet.line('x');
    expect(q.text()).toBe('');
  });
});

describe('flag tables', () => {
  it('apply defaults, remember what was given, and print every flag in --help', () => {
    const p = parseCommand(RUN, ['--model', 'cnn_tiny', '--runs=3']);
    expect(p.flags).toMatchObject({ model: 'cnn_tiny', runs: 3, batch: 1, precision: 'fp32', tune: 'cached' });
    expect([...p.given].sort()).toEqual(['model', 'runs']);
    const help = helpText(RUN);
    for (const name of Object.keys(RUN.flags)) expect(help).toContain(`--${name}`);
    expect(help).toContain('--help');
  });
});
