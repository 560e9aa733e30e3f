// The npm package as users get it: the ESM bundle with its types, imported from plain Node (no Vite).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('npm package', () => {
  it('builds an ESM bundle with types that runs a model in plain Node', () => {
    execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'ignore' });
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(existsSync(pkg.exports['.'].import)).toBe(true);
    expect(existsSync(pkg.exports['.'].types)).toBe(true);
    const script = `
      import { Runtime, buildModel, compile, sampleInput } from './dist/slimgpu.js';
      const rt = await Runtime.create();
      const g = buildModel({ model: 'cnn_tiny', batch: 2 });
      const m = await compile(rt, g);
      const [y] = await m.run(sampleInput(g));
      console.log(JSON.stringify({ n: y.length, finite: y.every(Number.isFinite) }));
      rt.destroy();
    `;
    const out = execFileSync('node', ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ n: 20, finite: true });
  });
});
