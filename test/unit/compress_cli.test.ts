// CLI contract of the compression features: run --precision / --sparsity, bench --suite compressed.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const cli = (args: string[]) => spawnSync('./bin/slimgpu', args, { encoding: 'utf8', timeout: 600_000 });

describe('slimgpu CLI: compression', () => {
  it.each([
    ['int8', 3.5],
    ['binary', 1.5],
  ])('run --precision %s reports the model size', (precision, minRatio) => {
    // int8: every layer int8 (the default measures each layer and may keep some fp32: test/unit/int8_mix.test.ts)
    const all = precision === 'int8' ? ['--int8-layers', 'all'] : [];
    const r = cli(['run', '--model', 'cnn_tiny', '--runs', '1', '--precision', precision as string, ...all, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.precision).toBe(precision);
    expect(j.model_bytes).toBeLessThan(j.fp32_model_bytes);
    expect(j.compression_ratio).toBeGreaterThan(minRatio as number);
    expect(Number.isFinite(j.output_checksum)).toBe(true);
  });

  it('run --sparsity 0.9 --block 4x4', () => {
    const r = cli(['run', '--model', 'cnn_tiny', '--runs', '1', '--sparsity', '0.9', '--block', '4x4', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.compress_report.sparse.layers.length).toBeGreaterThan(0);
    expect(j.model_bytes).toBeLessThan(j.fp32_model_bytes);
  });

  it('bench --suite compressed --json prints one row per (layer, variant)', () => {
    const r = cli([
      'bench',
      '--suite',
      'compressed',
      '--layers',
      'pw_7',
      '--variants',
      'xnor,sparse90',
      '--runs',
      '1',
      '--json',
      '--quiet',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout);
    expect(rows.map((x: any) => x.variant)).toEqual(['xnor', 'sparse90']);
    for (const row of rows) for (const k of ['layer', 'shape', 'variant', 'ms', 'fp32_ms', 'speedup']) expect(row, k).toHaveProperty(k);
  });

  it.each([
    [['run', '--model', 'cnn_tiny', '--precision', 'int4'], /--precision must be one of fp32, int8, binary/],
    [['run', '--model', 'cnn_tiny', '--sparsity', '0.5', '--block', 'big'], /--block must look like 4x4/],
  ])('%j fails with a one-line error', (args, re) => {
    const r = cli(args as string[]);
    expect(r.status).not.toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('slimgpu:'));
    expect(lines.length).toBe(1);
    expect(lines[0]).toMatch(re);
  });
});
