// Kernel sources: every kernel name (plain .wgsl file or template instance of src/runtime/kernel_manifest.ts)
// expands to plain WGSL that wgsl_reflect parses, and is reachable: its literal name is launched somewhere in src/
// (an op planner, the trainer) or bench/ (the micro-benchmarks), so no file or instance lies unused.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WgslReflect } from 'wgsl_reflect';
import { TEMPLATE_INSTANCES } from '../../src/runtime/kernel_manifest.js';
import { shaderNames, shaderSource, templateNames } from '../../src/runtime/shaders.js';

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('kernel sources', () => {
  it('every kernel expands to plain WGSL with a main entry point', () => {
    for (const name of shaderNames()) {
      const code = shaderSource(name);
      if (process.env.SLIMGPU_DUMP_WGSL) writeFileSync(join(process.env.SLIMGPU_DUMP_WGSL, name.replace(/\//g, '__') + '.wgsl'), code);
      expect(code, name).not.toMatch(/\$\{|^\s*\/\/!\s*(for|if|else|end|import|entry|uniform|read|read_write)\b/m);
      const reflect = new WgslReflect(code);
      expect(
        reflect.entry.compute.map((e) => e.name),
        name,
      ).toContain('main');
    }
  });

  it('every template has an instance and every instance a template', () => {
    const used = new Set(Object.values(TEMPLATE_INSTANCES).map((t) => t.template));
    expect([...used].sort()).toEqual(templateNames());
  });

  it('every kernel name is launched by name somewhere in src/ or bench/', () => {
    const text = [...tsFiles('src'), ...tsFiles('bench')]
      .filter((p) => !/runtime[\\/](kernel_manifest|shaders)\.ts$/.test(p))
      .map((p) => readFileSync(p, 'utf8'))
      .join('\n');
    const unreached = shaderNames().filter((n) => !text.includes(`'${n}'`));
    expect(unreached).toEqual([]);
  });
});
