// Sampled mutation testing for files whose tests are too slow for a full StrykerJS run here (GPU tests on
// SwiftShader: the training files, the executor, ONNX import/export). Issue 17.
//
// StrykerJS's own instrumenter enumerates every mutant of the file (the same mutators and mutants a
// `stryker run --mutate <file>` would test; static mutants included, which Stryker's ignoreStatic would skip). A
// seeded random permutation of them is walked in order; each mutant is applied ALONE to a scratch copy of the
// working tree (.cache/mutsample/<slug>/repo, never the checkout) and the given test files run with vitest --bail 1:
//   Killed    some test failed (or the mutant made the module throw)   Survived   every test passed
//   Timeout   still running after the time limit (Stryker counts these as detected)
// Results are appended to docs/results/mutation/sampled/<slug>.json after every mutant, so a stopped run resumes
// where it left off (same file content and seed = same permutation; a changed file starts a new sample, the old one
// is kept under "previous"). The report is killed/sampled with a 95 % Wilson interval: a SAMPLE, not a score over
// every mutant. The unmutated tests must pass first (the baseline; its seconds are recorded).
//
//   node scripts/mutate_sample.mjs <file.ts> '<test files, comma-separated>' [--k 20] [--seed 17] [--timeout-factor 3]
//   node scripts/mutate_sample.mjs --list <file.ts>          the mutant count per mutator, runs nothing
//   … --recheck-survivors   tests were added to the same files: keep the killed results, rerun the survivors
// Not part of npm test (npm run mutate:sample -- …). Summaries: node scripts/mutation_summary.mjs.
import { Instrumenter } from '@stryker-mutator/instrumenter';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { rng, runVitest, scratchTree, shuffle } from './mutation_lib.mjs';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const recheck = args.includes('--recheck-survivors') ? (args.splice(args.indexOf('--recheck-survivors'), 1), true) : false;
const list = args.includes('--list') ? (args.splice(args.indexOf('--list'), 1), true) : false;
const K = Number(opt('--k', '20'));
const seed = Number(opt('--seed', '17'));
const timeoutFactor = Number(opt('--timeout-factor', '3'));
const [file, testsArg] = args;
if (!file || !existsSync(file) || (!list && !testsArg)) {
  console.error("usage: node scripts/mutate_sample.mjs <file.ts> '<test files, comma-separated>' [--k 20] [--seed 17]");
  process.exit(2);
}
if (!Number.isInteger(K) || K < 1 || !Number.isInteger(seed)) throw new Error(`--k must be a positive integer and --seed an integer`);

const source = readFileSync(file, 'utf8');
const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
const quiet = {
  debug() {},
  info() {},
  trace() {},
  warn: console.warn,
  error: console.error,
  isDebugEnabled: () => false,
  isTraceEnabled: () => false,
};
const { mutants } = await new Instrumenter(quiet).instrument([{ name: file, mutate: true, content: source }], {
  plugins: null,
  excludedMutations: [],
  ignorers: [],
});
if (list) {
  const by = {};
  for (const m of mutants) by[m.mutatorName] = (by[m.mutatorName] ?? 0) + 1;
  console.log(`${file}: ${mutants.length} mutants`, by);
  process.exit(0);
}
const tests = testsArg.split(',').filter(Boolean);
for (const t of tests) if (!existsSync(t)) throw new Error(`no test file ${t}`);

// line offsets: Stryker's API locations are 0-based lines and columns
const lineStart = [0];
for (let i = 0; i < source.length; i++) if (source[i] === '\n') lineStart.push(i + 1);
const at = (p) => lineStart[p.line] + p.column;
const apply = (m) => source.slice(0, at(m.location.start)) + m.replacement + source.slice(at(m.location.end));

// seeded permutation (mulberry32 + Fisher–Yates)
const order = mutants.map((_, i) => i);
const rand = rng(seed);
shuffle(order, rand);

const slug = file
  .replace(/^src\//, '')
  .replace(/\.ts$/, '')
  .replace(/[/.]/g, '_');
const outDir = 'docs/results/mutation/sampled';
const outFile = join(outDir, `${slug}.json`);
mkdirSync(outDir, { recursive: true });
let state = existsSync(outFile) ? JSON.parse(readFileSync(outFile, 'utf8')) : null;
const testsKey = [...tests].sort().join(',');
// More test files can only kill more: with the same file and seed and a superset of the recorded test files, the
// Killed/Timeout results stand and only the survivors are run again (against every test file now given).
if (
  state &&
  state.sourceHash === hash &&
  state.seed === seed &&
  state.tests.every((t) => tests.includes(t)) &&
  [...state.tests].sort().join(',') !== testsKey
) {
  const again = state.results.filter((r) => r.status === 'Survived').length;
  console.log(
    `${outFile}: test files added (${tests.filter((t) => !state.tests.includes(t)).join(' ')}); rerunning the ${again} survivors`,
  );
  state.results = state.results.filter((r) => r.status !== 'Survived');
  state.testsAdded = [...(state.testsAdded ?? []), { tests: tests.filter((t) => !state.tests.includes(t)), survivorsRerun: again }];
  state.tests = tests;
  state.baselineSeconds = null;
}
// --recheck-survivors: tests were added inside the same files; killed results stand, survivors run again
if (recheck && state && state.sourceHash === hash && state.seed === seed && [...state.tests].sort().join(',') === testsKey) {
  const again = state.results.filter((r) => r.status === 'Survived').length;
  console.log(`${outFile}: rechecking the ${again} survivors against the current test files`);
  state.results = state.results.filter((r) => r.status !== 'Survived');
  state.testsAdded = [...(state.testsAdded ?? []), { tests: [], survivorsRerun: again, note: 'tests added inside the same files' }];
  state.baselineSeconds = null;
}
if (state && (state.sourceHash !== hash || state.seed !== seed || [...state.tests].sort().join(',') !== testsKey)) {
  console.log(`${outFile}: file, seed or tests changed since the recorded sample; starting a new one (old kept under "previous")`);
  const { previous: _, ...old } = state;
  state = { previous: old };
}
state = {
  file,
  sourceHash: hash,
  seed,
  tests,
  population: mutants.length,
  note: 'seeded random sample of StrykerJS mutants, each applied alone, tests run with vitest --bail 1 (scripts/mutate_sample.mjs)',
  baselineSeconds: null,
  results: [],
  ...(state ?? {}),
};
state.population = mutants.length;
state.commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
const save = () => writeFileSync(outFile, JSON.stringify(state, null, 1) + '\n');

// each mutant is applied alone to a scratch copy of the working tree
const scratch = join('.cache/mutsample', slug);
const { repo, cleanup } = scratchTree(scratch);
const target = join(repo, file);
const runTests = (limitS) => runVitest(repo, scratch, tests, limitS);

if (state.baselineSeconds == null) {
  console.log(`baseline: ${tests.join(' ')} on the unmutated tree`);
  const b = await runTests(0);
  if (b.code !== 0) {
    console.error(`the tests fail without any mutant (exit ${b.code}); fix that first\n${b.err}`);
    cleanup();
    process.exit(1);
  }
  state.baselineSeconds = b.seconds;
  save();
}
const limit = Math.max(60, Math.ceil(timeoutFactor * state.baselineSeconds));
const done = new Set(state.results.map((r) => r.id));
// the first K of the permutation (a rerun after adding test files fills the survivors' places again)
const todo = order
  .slice(0, Math.max(K, state.results.length))
  .map((i) => mutants[i])
  .filter((m) => !done.has(m.id));
console.log(
  `${file}: ${mutants.length} mutants, ${state.results.length} already sampled, ${todo.length} to run (k = ${K}, seed ${seed}, limit ${limit} s)`,
);
for (const m of todo) {
  writeFileSync(target, apply(m));
  const r = await runTests(limit);
  writeFileSync(target, source);
  const status = r.timedOut ? 'Timeout' : r.code === 0 ? 'Survived' : 'Killed';
  const line = source.split('\n')[m.location.start.line];
  state.results.push({
    id: m.id,
    line: m.location.start.line + 1,
    column: m.location.start.column + 1,
    mutator: m.mutatorName,
    replacement: m.replacement,
    original: source.slice(at(m.location.start), at(m.location.end)).slice(0, 200),
    code: line.trim().slice(0, 160),
    status,
    failedTests: r.failed,
    firstFailures: r.failures.map((f) => f.name),
    seconds: r.seconds,
  });
  save();
  console.log(
    `${status.padEnd(8)} ${file}:${m.location.start.line + 1} ${m.mutatorName} → ${m.replacement.replace(/\s+/g, ' ').slice(0, 60)} (${r.seconds} s)`,
  );
}
cleanup();
const det = state.results.filter((r) => r.status !== 'Survived').length;
console.log(`${file}: ${det}/${state.results.length} detected`);
