// The npm package as users get it: the ESM bundle with its types, imported from plain Node (no Vite); the files
// `npm pack` ships, none of which imports a devDependency; and the tarball installed beside its dependencies only
// (no tfjs, onnxruntime, playwright-core or vite to be found), where the library and the CLI run and `bench`, which
// the package does not ship, is a one-line error.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const DEV_DEPENDENCIES = Object.keys(pkg.devDependencies);

const MODEL_SCRIPT = `
  import { Runtime, buildModel, compile, sampleInput } from 'slimgpu';
  const rt = await Runtime.create();
  const g = buildModel({ model: 'cnn_tiny', batch: 2 });
  const m = await compile(rt, g);
  const [y] = await m.run(sampleInput(g));
  console.log(JSON.stringify({ n: y.length, finite: y.every(Number.isFinite) }));
  rt.destroy();
`;
const lastJson = (out: string) => JSON.parse(out.trim().split('\n').pop()!);

/** Module specifiers written in a built file (bundles and .d.ts): static, side-effect and dynamic imports, require. */
function specifiersIn(text: string): string[] {
  const res = [
    /\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g,
    /reference\s+types\s*=\s*["']([^"']+)["']/g,
  ];
  return res.flatMap((re) => [...text.matchAll(re)].map((m) => m[1]));
}

const namesDevDependency = (spec: string) => DEV_DEPENDENCIES.some((d) => spec === d || spec.startsWith(`${d}/`));

describe('npm package', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'slimgpu-installed-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  beforeAll(() => {
    execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'ignore' });
  }, 300_000);

  it('builds an ESM bundle with types that runs a model in plain Node', () => {
    expect(existsSync(pkg.exports['.'].import)).toBe(true);
    expect(existsSync(pkg.exports['.'].types)).toBe(true);
    const out = execFileSync('node', ['--input-type=module', '-e', MODEL_SCRIPT.replace("'slimgpu'", "'./dist/slimgpu.js'")], {
      encoding: 'utf8',
    });
    expect(lastJson(out)).toEqual({ n: 20, finite: true });
  });

  it('ships no benchmark code, and no shipped file imports a devDependency', () => {
    const [{ files }] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8' }));
    const paths: string[] = files.map((f: { path: string }) => f.path);
    expect(paths).toContain('dist/slimgpu.js');
    expect(paths).toContain('dist/cli.mjs');
    expect(paths.filter((p) => /^(bench|test|demos|scripts|dist\/bench|dist\/site)\//.test(p))).toEqual([]);
    const offending: string[] = [];
    let scanned = 0;
    for (const p of paths.filter((f) => /\.(m?js|ts)$/.test(f))) {
      scanned++;
      for (const s of specifiersIn(readFileSync(p, 'utf8'))) if (namesDevDependency(s)) offending.push(`${p}: '${s}'`);
    }
    expect(offending).toEqual([]);
    expect(scanned).toBeGreaterThan(50);
  });

  it('installed from its tarball with only its dependencies: the library and the CLI run, bench is a one-line error', () => {
    execFileSync('npm', ['pack', '--pack-destination', tmp, '--ignore-scripts', '--silent'], { stdio: 'ignore' });
    const tarball = readdirSync(tmp).find((f) => f.endsWith('.tgz'))!;
    const modules = path.join(tmp, 'node_modules');
    mkdirSync(modules);
    execFileSync('tar', ['-xzf', path.join(tmp, tarball), '-C', modules]);
    renameSync(path.join(modules, 'package'), path.join(modules, 'slimgpu'));
    for (const d of Object.keys(pkg.dependencies)) symlinkSync(path.resolve('node_modules', d), path.join(modules, d), 'dir');
    expect(existsSync(path.join(modules, 'slimgpu', 'bench'))).toBe(false);

    const lib = execFileSync('node', ['--input-type=module', '-e', MODEL_SCRIPT], { cwd: tmp, encoding: 'utf8' });
    expect(lastJson(lib)).toEqual({ n: 20, finite: true });

    const bin = path.join(modules, 'slimgpu', 'bin', 'slimgpu');
    const cli = (args: string[]) => spawnSync('bash', [bin, ...args], { cwd: tmp, encoding: 'utf8', timeout: 300_000 });
    const info = cli(['info', '--json']);
    expect(info.status, info.stderr).toBe(0);
    expect(JSON.parse(info.stdout).adapter.vendor).toBeTypeOf('string');
    const run = cli(['run', '--model', 'cnn_tiny', '--runs', '1', '--json']);
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).macs).toBeGreaterThan(0);
    for (const r of [
      cli(['bench', '--suite', 'core']),
      spawnSync('node', [path.join(modules, 'slimgpu', 'dist', 'cli.mjs'), 'bench', '--suite', 'core'], { encoding: 'utf8' }),
    ]) {
      expect(r.status).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^slimgpu: 'bench' runs from a source checkout/)]);
    }
  });

  it('the bench CLI (checkout only) names a missing peer package in one line', () => {
    // the checkout's bench bundle, run where only the package's dependencies can be found
    execFileSync('npx', ['vite', 'build', '--config', 'vite.bench.config.ts'], { stdio: 'ignore' });
    const dir = path.join(tmp, 'bench-only');
    mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
    cpSync('dist/bench', path.join(dir, 'dist', 'bench'), { recursive: true });
    for (const d of Object.keys(pkg.dependencies)) symlinkSync(path.resolve('node_modules', d), path.join(dir, 'node_modules', d), 'dir');
    const r = spawnSync('node', [path.join(dir, 'dist', 'bench', 'cli.mjs'), '--model', 'cnn_tiny', '--runs', '1'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(r.status).toBe(1);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('slimgpu:'));
    expect(lines).toEqual([expect.stringMatching(/^slimgpu: bench needs the npm package '@tensorflow\/tfjs-core'/)]);
  });
});
