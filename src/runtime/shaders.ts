// The one module that loads WGSL. Every file under shaders/ is bundled as a raw string (Vite `?raw` glob,
// which Vitest and the library/CLI builds all go through). Kernels are named by their path without the
// extension: 'conv/conv2d_forward_direct'.
//
// Shared snippets: a line `//! import <name>` is replaced by shaders/common/<name>.wgsl, so helpers such as
// the activation functions live in one file instead of being copied into every kernel.

import { SlimError } from './errors.js';

const files = import.meta.glob('../../shaders/**/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<
  string,
  string
>;

const sources = new Map<string, string>();
for (const [path, text] of Object.entries(files)) {
  const name = path.replace(/^.*\/shaders\//, '').replace(/\.wgsl$/, '');
  sources.set(name, text);
}

const IMPORT_RE = /^\s*\/\/!\s*import\s+(\S+)\s*$/gm;

function expand(name: string, seen: Set<string>): string {
  const text = sources.get(name);
  if (text === undefined) throw new SlimError(`unknown WGSL kernel '${name}' (no shaders/${name}.wgsl)`);
  return text.replace(IMPORT_RE, (_m, dep: string) => {
    const depName = `common/${dep}`;
    if (seen.has(depName)) return '';
    seen.add(depName);
    return expand(depName, seen);
  });
}

/** The full WGSL of a kernel, with its `//! import` lines expanded. */
export function shaderSource(name: string): string {
  return expand(name, new Set());
}

export function shaderNames(): string[] {
  return [...sources.keys()].filter((n) => !n.startsWith('common/')).sort();
}
