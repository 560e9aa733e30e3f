// The one module that loads WGSL. Every file under shaders/ is bundled as a raw string (Vite `?raw` glob,
// which Vitest and the library/CLI builds all go through). Kernels are named by their path without the
// extension: 'conv/conv2d_forward_direct'.
//
// Shared snippets: a line `//! import <name>` is replaced by shaders/common/<name>.wgsl, so helpers such as
// the activation functions live in one file instead of being copied into every kernel.
//
// Kernel variants from one source: a file `<family>/<stem>.tmpl.wgsl` is a template, never a kernel by itself.
// Its instances are listed by name in kernel_manifest.ts (template + parameters), so every kernel name is a literal
// somewhere. Expansion, in this order, gives plain WGSL (what wgsl_reflect and the driver see):
//   //! for r in 0..ROWS        repeat the lines up to the matching `//! end` once per r = 0 .. ROWS-1
//   ...${r}...                  (bounds: integer literals or parameter names; blocks nest)
//   //! end
//   //! if NAME                 keep the lines up to `//! else` / `//! end` when parameter NAME is set (not 0 / '')
//   //! else
//   //! end
//   ${NAME}                     a parameter's value, anywhere (also inside `//! import`)
//   ${r+t}, ${r+1}              the sum of two parameters or of one and an integer literal (sliding windows: tap t of
//                               output column r reads window column r + t)
//
// The entry point of a 1-D launch: a line `//! entry` (or `//! entry r` to name the index r instead of i) stands for
//   //! import invocation
//   @compute @workgroup_size(WG)
//   fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
//     let i = invocation_index(gid, nwg);
//     if (i >= params.n) { return; }
// so the kernel file goes on with the body and the closing `}`. It needs `override WG` and `params.n` (the
// number of invocations that do work); kernels with another entry (workgroup reductions, 2-D tiles) write theirs.
//
// Generated kernels: a kernel whose WGSL is written at run time (src/ops/fused_elementwise.ts, one per chain of
// elementwise ops) is added with `defineGeneratedKernel(name, text)`; its text uses the same directives and then loads,
// reflects and launches through kernels.ts like a file. Such names are not in `shaderNames()` (no file, no manifest).
//
// Bindings, one line each, numbered in the order written (so no binding number is written by hand, and inserting
// one renumbers the rest; the house order: params first, inputs, outputs last):
//   //! uniform params: Params      @group(0) @binding(0) var<uniform> params: Params;
//   //! read x: array<f32>          @group(0) @binding(1) var<storage, read> x: array<f32>;
//   //! read_write y: array<f32>    @group(0) @binding(2) var<storage, read_write> y: array<f32>;
// Loops write out named registers (`a${r}` → a0, a1, …), not private arrays indexed by a loop variable: a
// compiler that does not unroll (SwiftShader's) keeps such arrays in memory (README, Design). Keep `override`
// constants for what an override can do (workgroup size, loop counts); templates only for names and flavours.

import { SlimError } from './errors.js';
import { TEMPLATE_INSTANCES, type TemplateParams } from './kernel_manifest.js';

const files = import.meta.glob('../../shaders/**/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

const sources = new Map<string, string>();
const templates = new Map<string, string>();
for (const [path, text] of Object.entries(files)) {
  const name = path.replace(/^.*\/shaders\//, '').replace(/\.wgsl$/, '');
  if (name.endsWith('.tmpl')) templates.set(name.slice(0, -'.tmpl'.length), text);
  else sources.set(name, text);
}

const IMPORT_RE = /^\s*\/\/!\s*import\s+(\S+)\s*$/gm;
const ENTRY_RE = /^\/\/!\s*entry(?:[ \t]+(\w+))?[ \t]*$/gm;

/** The lines a `//! entry [index]` line stands for (see the header). */
function entryLines(index = 'i'): string {
  return [
    '//! import invocation',
    '@compute @workgroup_size(WG)',
    'fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {',
    `  let ${index} = invocation_index(gid, nwg);`,
    `  if (${index} >= params.n) { return; }`,
  ].join('\n');
}
const BINDING_RE = /^\/\/![ \t]*(uniform|read|read_write)[ \t]+(\w+)[ \t]*:[ \t]*(.*?)[ \t]*$/gm;
const BINDING_SPACE: Record<string, string> = { uniform: 'uniform', read: 'storage, read', read_write: 'storage, read_write' };

/** Expand `//! entry` and the binding lines of one file (after templates, before imports). */
function expandDeclarations(text: string): string {
  let binding = 0;
  return text
    .replace(
      BINDING_RE,
      (_m, space: string, id: string, type: string) => `@group(0) @binding(${binding++}) var<${BINDING_SPACE[space]}> ${id}: ${type};`,
    )
    .replace(ENTRY_RE, (_m, index: string | undefined) => entryLines(index));
}
const DIRECTIVE_RE = /^\s*\/\/!\s*(for|if|else|end)\b\s*(.*)$/;

function param(params: TemplateParams, key: string, where: string): string | number {
  const v = params[key];
  if (v === undefined) throw new SlimError(`template ${where}: no parameter '${key}'`);
  return v;
}

function substitute(line: string, params: TemplateParams, where: string): string {
  const value = (key: string) => (/^\d+$/.test(key) ? Number(key) : param(params, key, where));
  return line.replace(/\$\{(\w+)(?:\+(\w+))?\}/g, (_m, key: string, add?: string) =>
    add === undefined ? String(value(key)) : String(Number(value(key)) + Number(value(add))),
  );
}

/** Expand `//! for` / `//! if` blocks and `${NAME}` in lines[from, to); returns the lines and where it stopped. */
function expandLines(lines: string[], start: number, params: TemplateParams, where: string, out: string[]): number {
  let i = start;
  while (i < lines.length) {
    const d = DIRECTIVE_RE.exec(lines[i]);
    if (!d) {
      out.push(substitute(lines[i], params, where));
      i++;
      continue;
    }
    const [, word, rest] = d;
    if (word === 'end' || word === 'else') return i;
    if (word === 'for') {
      const m = /^(\w+)\s+in\s+(\w+)\.\.(\w+)\s*$/.exec(rest);
      if (!m) throw new SlimError(`template ${where}: bad line '${lines[i].trim()}' (want //! for r in 0..N)`);
      const bound = (s: string) => Number(/^\d+$/.test(s) ? s : param(params, s, where));
      const [lo, hi] = [bound(m[2]), bound(m[3])];
      let stop = i + 1;
      for (let r = lo; r < hi; r++) stop = expandLines(lines, i + 1, { ...params, [m[1]]: r }, where, out);
      if (hi <= lo) stop = expandLines(lines, i + 1, params, where, []);
      if (DIRECTIVE_RE.exec(lines[stop] ?? '')?.[1] !== 'end') throw new SlimError(`template ${where}: //! for without //! end`);
      i = stop + 1;
    } else {
      const v = param(params, rest.trim(), where);
      const on = v !== 0 && v !== '';
      let stop = expandLines(lines, i + 1, params, where, on ? out : []);
      if (DIRECTIVE_RE.exec(lines[stop] ?? '')?.[1] === 'else') stop = expandLines(lines, stop + 1, params, where, on ? [] : out);
      if (DIRECTIVE_RE.exec(lines[stop] ?? '')?.[1] !== 'end') throw new SlimError(`template ${where}: //! if without //! end`);
      i = stop + 1;
    }
  }
  return i;
}

/** A template instance's text before `//! import` expansion. */
function instanceText(name: string): string | undefined {
  const inst = TEMPLATE_INSTANCES[name];
  if (!inst) return undefined;
  const text = templates.get(inst.template);
  if (text === undefined) throw new SlimError(`kernel '${name}': no template shaders/${inst.template}.tmpl.wgsl`);
  const where = `${inst.template} (for ${name})`;
  const lines = text.split('\n');
  const out: string[] = [];
  const stop = expandLines(lines, 0, { ...inst.params, NAME: name }, where, out);
  if (stop < lines.length) throw new SlimError(`template ${where}: stray '${lines[stop].trim()}'`);
  return out.join('\n');
}

const generated = new Map<string, string>();

/**
 * Add a kernel generated at run time under `name` (its text may use `//! import`, `//! entry` and the binding lines).
 * Defining a name again with the same text is a no-op; with other text it is an error (the caller picks a new name).
 */
export function defineGeneratedKernel(name: string, text: string): void {
  if (sources.has(name) || TEMPLATE_INSTANCES[name]) throw new SlimError(`generated kernel '${name}' would shadow a kernel file`);
  const old = generated.get(name);
  if (old !== undefined && old !== text) throw new SlimError(`generated kernel '${name}' is already defined with other text`);
  generated.set(name, text);
}

/** The text of a generated kernel, if `name` is one. */
export function generatedKernelText(name: string): string | undefined {
  return generated.get(name);
}

function expand(name: string, seen: Set<string>): string {
  const text = sources.get(name) ?? generated.get(name) ?? instanceText(name);
  if (text === undefined) throw new SlimError(`unknown WGSL kernel '${name}' (no shaders/${name}.wgsl, no template instance)`);
  return expandDeclarations(text).replace(IMPORT_RE, (_m, dep: string) => {
    const depName = `common/${dep}`;
    if (seen.has(depName)) return '';
    seen.add(depName);
    return expand(depName, seen);
  });
}

/** The full WGSL of a kernel, with templates and `//! import` lines expanded. */
export function shaderSource(name: string): string {
  return expand(name, new Set());
}

/** Every kernel name: the plain .wgsl files outside common/, and every template instance of the manifest. */
export function shaderNames(): string[] {
  return [...[...sources.keys()].filter((n) => !n.startsWith('common/')), ...Object.keys(TEMPLATE_INSTANCES)].sort();
}

/** Template names (path without `.tmpl.wgsl`), for the manifest test. */
export function templateNames(): string[] {
  return [...templates.keys()].sort();
}
