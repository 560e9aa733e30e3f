// The npm package ships src/ (as source) and the bundles built from it (package.json `files`): nothing in them may
// import a devDependency (tfjs, onnxruntime, playwright-core, vite, …: the benchmarks' peers and tools live in
// bench/, which is not shipped) or reach outside src/ (bench/, test/). Checked on the source, by walking the import
// graph of src/ with the TypeScript parser: static imports and re-exports, `import type`, `import('x')` in types
// and dynamic `import(…)` calls, whose argument must be a string literal or a const bound to one. The built
// bundles are checked by test/unit/package.test.ts.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = process.cwd();
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const DEPENDENCIES = new Set(Object.keys(pkg.dependencies ?? {}));
const DEV_DEPENDENCIES = new Set(Object.keys(pkg.devDependencies ?? {}));

interface ImportSite {
  file: string;
  line: number;
  /** null: a dynamic import whose argument is not a string the parser can see */
  spec: string | null;
}

/** Every module specifier `file` imports, statically or dynamically, in code or in types. */
function importSites(file: string): ImportSite[] {
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const consts = new Map<string, string>();
  const sites: ImportSite[] = [];
  const at = (n: ts.Node, spec: string | null) =>
    sites.push({ file, line: src.getLineAndCharacterOfPosition(n.getStart()).line + 1, spec });
  const collect = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer && ts.isStringLiteralLike(n.initializer)) {
      consts.set(n.name.text, n.initializer.text);
    }
    ts.forEachChild(n, collect);
  };
  const visit = (n: ts.Node): void => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteralLike(n.moduleSpecifier)) {
      at(n, n.moduleSpecifier.text);
    } else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteralLike(n.argument.literal)) {
      at(n, n.argument.literal.text);
    } else if (
      ts.isCallExpression(n) &&
      (n.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(n.expression) && n.expression.text === 'require'))
    ) {
      const a = n.arguments[0];
      if (a && ts.isStringLiteralLike(a)) at(n, a.text);
      else if (a && ts.isIdentifier(a) && consts.has(a.text)) at(n, consts.get(a.text)!);
      else at(n, null);
    }
    ts.forEachChild(n, visit);
  };
  collect(src);
  visit(src);
  return sites;
}

/** The npm package a bare specifier names ('@scope/pkg/sub' → '@scope/pkg'), or null for node builtins. */
function packageOf(spec: string): string | null {
  if (spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0])) return null;
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function resolveRelative(from: string, spec: string): string | null {
  const clean = spec.replace(/\?.*$/, '');
  const p = path.resolve(path.dirname(from), clean);
  for (const c of [p, p.replace(/\.js$/, '.ts'), `${p}.ts`, path.join(p, 'index.ts')]) if (existsSync(c) && statSync(c).isFile()) return c;
  return null;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Walk the import graph from `entries`: the files reached and every bare or unresolvable import on the way. */
function walk(entries: string[]): { files: Set<string>; problems: string[]; packages: Set<string> } {
  const files = new Set<string>();
  const problems: string[] = [];
  const packages = new Set<string>();
  const queue = entries.map((e) => path.resolve(e));
  while (queue.length) {
    const f = queue.pop()!;
    if (files.has(f)) continue;
    files.add(f);
    for (const s of importSites(f)) {
      const where = `${path.relative(root, s.file)}:${s.line}`;
      if (s.spec === null) problems.push(`${where}: dynamic import of a computed name (use a string literal, or a const bound to one)`);
      else if (s.spec.startsWith('.') || s.spec.startsWith('/')) {
        const target = resolveRelative(f, s.spec);
        if (!target) problems.push(`${where}: '${s.spec}' does not resolve`);
        else if (target.endsWith('.ts')) queue.push(target);
      } else {
        const p = packageOf(s.spec);
        if (p === null) continue;
        packages.add(p);
        if (DEV_DEPENDENCIES.has(p)) problems.push(`${where}: imports the devDependency '${p}'`);
        else if (!DEPENDENCIES.has(p)) problems.push(`${where}: imports '${p}', which is not a dependency`);
      }
    }
  }
  return { files, problems, packages };
}

describe('what the npm package ships imports no devDependency', () => {
  it('the parser sees every kind of import', () => {
    const sites = importSites(path.resolve('bench/tfjs_peer.ts')).map((s) => s.spec);
    expect(sites).toContain('@tensorflow/tfjs-core'); // `import type` and `await import(…)`
    expect(sites).toContain('@tensorflow/tfjs-backend-webgpu');
    expect(sites).toContain('webgpu'); // `const name = 'webgpu'; import(name)`
    expect(importSites(path.resolve('bench/browser.ts')).map((s) => s.spec)).toContain('playwright-core'); // import('…').Type
    expect(packageOf('@tensorflow/tfjs-core/dist/x.js')).toBe('@tensorflow/tfjs-core');
    expect(packageOf('node:fs')).toBeNull();
    expect(packageOf('fs')).toBeNull();
  });

  it('the library entry and the shipped CLI reach only src/ and dependencies', () => {
    const { files, problems, packages } = walk(['src/index.ts', 'src/cli/main.ts']);
    expect(problems).toEqual([]);
    const outside = [...files].map((f) => path.relative(root, f)).filter((f) => !f.startsWith(`src${path.sep}`));
    expect(outside).toEqual([]);
    expect(files.size).toBeGreaterThan(30);
    expect(packages.has('webgpu')).toBe(true); // seen through device.ts's `import(modName)`
  });

  it('no file of src/ (shipped as source) imports a devDependency or anything outside src/', () => {
    const all = tsFiles(path.resolve('src'));
    const { files, problems } = walk(all);
    expect(problems).toEqual([]);
    expect([...files].map((f) => path.relative(root, f)).filter((f) => !f.startsWith(`src${path.sep}`))).toEqual([]);
  });

  it('the check bites: bench/ imports devDependencies', () => {
    const { problems } = walk(['bench/cli/main.ts']);
    expect(problems.some((p) => p.includes("devDependency '@tensorflow/tfjs-core'"))).toBe(true);
    expect(problems.some((p) => p.includes("devDependency 'playwright-core'"))).toBe(true);
  });
});
