// The CLI contract that scripts rely on.
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const cli = (args: string[]) => spawnSync('./bin/slimgpu', args, { encoding: 'utf8', timeout: 300_000 });

describe('slimgpu CLI', () => {
  it('builds', () => {
    execFileSync('npx', ['vite', 'build', '--config', 'vite.cli.config.ts'], { stdio: 'ignore' });
  });
  it('info --json names the adapter, features and limits', () => {
    const r = cli(['info', '--json']);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.adapter.vendor).toBeTypeOf('string');
    expect(j.features).toBeInstanceOf(Array);
    expect(j.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
  });
  it('run --json prints the contract fields', () => {
    const r = cli(['run', '--model', 'cnn_tiny', '--batch', '2', '--runs', '2', '--json', '--profile']);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    for (const k of ['adapter', 'model', 'params', 'macs', 'median_ms', 'min_ms', 'first_run_ms', 'peak_gpu_bytes', 'output_checksum'])
      expect(j, k).toHaveProperty(k);
    expect(j.params).toBeGreaterThan(20000);
    expect(j.median_ms).toBeGreaterThan(0);
    expect(j.first_run_ms).toBeGreaterThanOrEqual(j.min_ms);
    expect(j.profile.nodes.length).toBeGreaterThan(3);
    // deterministic weights and input: the checksum repeats
    const again = JSON.parse(cli(['run', '--model', 'cnn_tiny', '--batch', '2', '--runs', '1', '--json']).stdout);
    expect(again.output_checksum).toBe(j.output_checksum);
  });
  it.each([
    [['run', '--model', 'resnet9000'], /--model must be one of mobilenet_v1, .* \(got 'resnet9000'\)/],
    [['run', '--model', 'mobilenet_v1', '--alpha', '0.3'], /--alpha must be one of/],
    [['run', '--model', 'cnn_small', '--batch', 'lots'], /--batch needs an integer/],
    [['run', '--model', 'cnn_small', '--batch', '0'], /--batch must be an integer in \[1, 4096\]/],
    [['run', '--model', 'shufflenet', '--groups', '5'], /--groups must be one of 1, 2, 3, 4, 8/],
    [['run', '--modle', 'cnn_small'], /unknown option --modle/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('%j fails with a one-line error', (args, re) => {
    const r = cli(args as string[]);
    expect(r.status).not.toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('slimgpu:'));
    expect(lines.length).toBe(1);
    expect(lines[0]).toMatch(re);
  });
});
