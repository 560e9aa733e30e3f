// Browser-safe modules stay browser-safe: the demo pages (demos/**.ts) and the library's browser-safe codecs
// (src/io/fashion_mnist_codec.ts, src/train/checkpoint_codec.ts) must not reach a Node built-in (node:fs, zlib, …)
// through static imports. Walks the static value imports with the TypeScript parser: `import type` and imports of
// types only are erased by the compiler and skipped; dynamic `import(…)` is skipped too (src/runtime loads node:fs
// that way, only when it runs in Node). The Node halves (src/io/fashion_mnist.ts, src/train/checkpoint.ts) are
// the control: the walk must find their node: imports.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const BUILTINS = new Set(builtinModules);
const isBuiltin = (spec: string) => spec.startsWith('node:') || BUILTINS.has(spec) || BUILTINS.has(spec.split('/')[0]);

const parsed = new Map<string, string[]>();

/** Specifiers of `file`'s static imports and re-exports that survive compilation (not type-only). */
function valueImports(file: string): string[] {
  const done = parsed.get(file);
  if (done) return done;
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  for (const n of src.statements) {
    if (ts.isImportDeclaration(n) && ts.isStringLiteralLike(n.moduleSpecifier)) {
      const c = n.importClause;
      if (c?.isTypeOnly) continue;
      const named = c?.namedBindings;
      const onlyTypes =
        c && !c.name && named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
      if (!onlyTypes) out.push(n.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(n) && n.moduleSpecifier && ts.isStringLiteralLike(n.moduleSpecifier) && !n.isTypeOnly) {
      out.push(n.moduleSpecifier.text);
    }
  }
  parsed.set(file, out);
  return out;
}

/** Every Node built-in reachable from `entry` by static value imports, as 'importing file → specifier'. */
function nodeImportsReachable(entry: string): string[] {
  const seen = new Set<string>();
  const found: string[] = [];
  const stack = [path.resolve(entry)];
  while (stack.length) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of valueImports(file)) {
      if (isBuiltin(spec)) found.push(`${path.relative(process.cwd(), file)} → ${spec}`);
      else if (spec.startsWith('.')) {
        const base = path.resolve(path.dirname(file), spec);
        const ts_ = base.replace(/\.js$/, '.ts');
        const next = [ts_, base, `${base}.ts`].find((f) => existsSync(f) && statSync(f).isFile());
        if (next && /\.ts$/.test(next)) stack.push(next);
      }
    }
  }
  return found;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('browser-safe import graphs', () => {
  it.each(['src/io/fashion_mnist_codec.ts', 'src/train/checkpoint_codec.ts'])('%s reaches no Node built-in', (f) => {
    expect(nodeImportsReachable(f)).toEqual([]);
  });

  it('no demo page module reaches a Node built-in', () => {
    const files = tsFiles('demos');
    expect(files.length).toBeGreaterThan(5);
    expect(files.flatMap((f) => nodeImportsReachable(f))).toEqual([]);
  });

  it('the walk finds the Node halves’ own node: imports (the check can fail)', () => {
    expect(nodeImportsReachable('src/io/fashion_mnist.ts')).toContain('src/io/fashion_mnist.ts → node:zlib');
    expect(nodeImportsReachable('src/train/checkpoint.ts')).toContain('src/train/checkpoint.ts → node:fs');
    // and through a chain: the CLI's train command imports the Node halves
    expect(nodeImportsReachable('src/cli/commands/train.ts').some((s) => s.endsWith('→ node:fs'))).toBe(true);
  });
});
