// An UNBIASED per-folder mutation score (issue 17): a fresh random sample of mutants drawn over every file of a
// folder, at positions no earlier sample drew.
//
// Why: scripts/mutate_sample.mjs samples each file with seed 17, and the survivors of those samples got targeted
// tests and were rechecked, so those samples are no longer random draws of what the tests miss (their detected
// fraction is optimistic). This script draws NEW positions instead and runs them BEFORE any test is written for them.
//
// Population of a folder: every StrykerJS mutant (its instrumenter, every mutator) of every .ts file under it.
// Census: the positions an earlier mutate_sample.mjs run drew (docs/results/mutation/sampled/*.json, current and
// "previous" samples; matched on the current source by line/column/mutator/replacement, or for a sample of an older
// source by the line's text/original/mutator/replacement). Their recorded status is used as it is (they were tested
// one by one). Pool: every other position. The pool is shuffled with the seed (mulberry32 + Fisher–Yates); the
// folders are walked round-robin (one mutant of each in turn), so a run stopped at any point holds a simple random
// sample of each folder's pool (a prefix of a random permutation). Each mutant is applied ALONE to a scratch copy of
// the tree (.cache/mutfresh/repo) and its file's test files run with vitest --bail 1: Killed (a test failed),
// Survived (all passed), Timeout (over max(120 s, 4 × the recorded baseline)) counts as detected, like Stryker.
// Test files per source file: those of its mutate_sample.mjs sample if it has one, else those of its StrykerJS group
// (docs/results/mutation/incremental/*.json); a file with neither is refused.
//
//   node scripts/mutate_fresh.mjs --seed 2026 --n 35 [--folders src/graph,src/io/onnx,src/train]
// Resumable (state after every mutant in docs/results/mutation/fresh/seed-<seed>.json); a rerun continues the same
// permutation. --recheck-survivors: after tests were added, rerun the survivors and record the result apart
// ("after"), leaving the first ("before") result, the unbiased figure, untouched. Summaries: mutation_summary.mjs.
// --redo-survivors REASON: only when the first run's environment was wrong (e.g. test data the suite needs was not
// found, so part of it skipped itself): rerun the survivors at the sample's own commit (refused elsewhere), with the
// same tests; a changed status replaces the first, which is kept in `first_run` with REASON.
import { Instrumenter } from '@stryker-mutator/instrumenter';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { rng, runVitest, scratchTree, shuffle } from './mutation_lib.mjs';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i < 0 ? dflt : args[i + 1];
};
const seed = Number(opt('--seed', ''));
const N = Number(opt('--n', '35'));
const folders = opt('--folders', 'src/graph,src/io/onnx,src/train').split(',');
const recheck = args.includes('--recheck-survivors');
const redoReason = opt('--redo-survivors', null);
if (!Number.isInteger(seed) || seed === 17) throw new Error('--seed must be an integer other than 17 (the per-file samples used 17)');
if (!Number.isInteger(N) || N < 1) throw new Error('--n must be a positive integer');

const dir = 'docs/results/mutation';
const hash = (s) => createHash('sha256').update(s).digest('hex').slice(0, 16);
const walk = (d) =>
  readdirSync(d, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.ts') ? [join(d, e.name)] : [],
  );

// test files per source file
const testsOf = {};
const baselineOf = {};
for (const f of readdirSync(join(dir, 'incremental')).filter((n) => n.endsWith('.json'))) {
  const r = JSON.parse(readFileSync(join(dir, 'incremental', f), 'utf8'));
  for (const p of Object.keys(r.files)) testsOf[p] = Object.keys(r.testFiles ?? {}).sort();
}
const samples = [];
for (const f of readdirSync(join(dir, 'sampled')).filter((n) => n.endsWith('.json'))) {
  const s = JSON.parse(readFileSync(join(dir, 'sampled', f), 'utf8'));
  testsOf[s.file] = s.tests;
  baselineOf[s.file] = s.baselineSeconds;
  for (let x = s; x; x = x.previous) if (x.results?.length) samples.push(x);
}

const quiet = {
  debug() {},
  info() {},
  trace() {},
  warn: console.warn,
  error: console.error,
  isDebugEnabled: () => false,
  isTraceEnabled: () => false,
};
const instrumenter = new Instrumenter(quiet);
const mutantsOf = async (file, source) =>
  (await instrumenter.instrument([{ name: file, mutate: true, content: source }], { plugins: null, excludedMutations: [], ignorers: [] }))
    .mutants;

// every folder's population, census and shuffled pool
const plan = {};
const sources = {};
for (const folder of folders) {
  const census = [];
  const pool = [];
  let population = 0;
  for (const file of walk(folder).sort()) {
    const source = readFileSync(file, 'utf8');
    sources[file] = source;
    const lines = source.split('\n');
    const h = hash(source);
    const ms = await mutantsOf(file, source);
    population += ms.length;
    if (!testsOf[file]) throw new Error(`${file}: no test files known (no sample, no StrykerJS group)`);
    const lineStart = [0];
    for (let i = 0; i < source.length; i++) if (source[i] === '\n') lineStart.push(i + 1);
    const at = (p) => lineStart[p.line] + p.column;
    // the latest recorded result of each earlier-drawn position, by two keys
    const exact = new Map();
    const loose = new Map();
    for (const s of samples.filter((x) => x.file === file).reverse())
      for (const r of s.results) {
        if (s.sourceHash === h) exact.set(`${r.line}:${r.column}:${r.mutator}:${r.replacement}`, r);
        loose.set(`${r.code}\u0000${r.original}\u0000${r.mutator}\u0000${r.replacement}`, r);
      }
    for (const m of ms) {
      const line = m.location.start.line + 1;
      const column = m.location.start.column + 1;
      const original = source.slice(at(m.location.start), at(m.location.end)).slice(0, 200);
      const code = lines[m.location.start.line].trim().slice(0, 160);
      const old =
        exact.get(`${line}:${column}:${m.mutatorName}:${m.replacement}`) ??
        loose.get(`${code}\u0000${original}\u0000${m.mutatorName}\u0000${m.replacement}`);
      const rec = { file, id: m.id, line, column, mutator: m.mutatorName, replacement: m.replacement, original, code };
      if (old) census.push({ ...rec, status: old.status });
      else pool.push({ ...rec, start: at(m.location.start), end: at(m.location.end) });
    }
  }
  const rand = rng(
    seed ^
      hash(folder)
        .split('')
        .reduce((a, c) => (a * 31 + c.charCodeAt(0)) | 0, 0),
  );
  shuffle(pool, rand);
  plan[folder] = { population, census, pool };
}

if (args.includes('--dry')) {
  for (const [folder, p] of Object.entries(plan))
    console.log(folder, {
      population: p.population,
      census: p.census.length,
      pool: p.pool.length,
      first: p.pool.slice(0, N).map((m) => `${m.file}:${m.line}`),
    });
  process.exit(0);
}
const outDir = join(dir, 'fresh');
mkdirSync(outDir, { recursive: true });
const outFile = join(outDir, `seed-${seed}.json`);
const state = existsSync(outFile)
  ? JSON.parse(readFileSync(outFile, 'utf8'))
  : {
      seed,
      note: 'fresh random sample over every file of each folder, positions no earlier sample drew; run before any test was written for them (scripts/mutate_fresh.mjs)',
      started: new Date().toISOString(),
      commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(),
      folders: {},
    };
for (const [folder, p] of Object.entries(plan)) {
  const f = (state.folders[folder] ??= { results: [] });
  f.population = p.population;
  f.poolSize = p.pool.length;
  f.census = p.census.map(({ file, line, column, mutator, replacement, status }) => ({ file, line, column, mutator, replacement, status }));
  f.sourceHashes = Object.fromEntries(
    Object.keys(sources)
      .filter((s) => s.startsWith(folder + '/'))
      .map((s) => [s, hash(sources[s])]),
  );
}
const save = () => writeFileSync(outFile, JSON.stringify(state, null, 1) + '\n');
save();

// each mutant is applied alone to a scratch copy of the working tree
const scratch = '.cache/mutfresh';
const { repo, cleanup } = scratchTree(scratch);

async function runOne(m) {
  const tests = testsOf[m.file];
  const limit = Math.max(120, Math.ceil(4 * (baselineOf[m.file] ?? 30)));
  const source = sources[m.file];
  const target = join(repo, m.file);
  writeFileSync(target, source.slice(0, m.start) + m.replacement + source.slice(m.end));
  const r = await runVitest(repo, scratch, tests, limit);
  writeFileSync(target, source);
  const failures = r.failures.slice(0, 2).map((f) => `${f.name}: ${f.message.slice(0, 160)}`);
  return {
    status: r.timedOut ? 'Timeout' : r.code === 0 ? 'Survived' : 'Killed',
    seconds: r.seconds,
    failures,
    err: (failures.length ? '' : r.err.slice(-300)) || undefined,
  };
}

/** A recorded mutant in the current pool: at its position, else (lines above it added or removed since) the one mutant
 *  of its file with the same line text, original, mutator and replacement. */
function locate(pool, r) {
  const same = (q) => q.file === r.file && q.mutator === r.mutator && q.replacement === r.replacement;
  const moved = pool.filter((q) => same(q) && q.code === r.code && q.original === r.original);
  return pool.find((q) => same(q) && q.line === r.line && q.column === r.column) ?? (moved.length === 1 ? moved[0] : undefined);
}

if (redoReason !== null) {
  const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  if (!redoReason) throw new Error('--redo-survivors needs the reason the first run was wrong');
  if (!head.startsWith(state.commit) && !state.commit.startsWith(head))
    throw new Error(`--redo-survivors reruns the sample with its own tests: check out ${state.commit} (HEAD is ${head})`);
  for (const [folder, p] of Object.entries(plan))
    for (const r of state.folders[folder].results.filter((x) => x.status === 'Survived' && !x.first_run)) {
      const m = locate(p.pool, r);
      if (!m) throw new Error(`${r.file}:${r.line} ${r.mutator}: not in the pool at ${head}`);
      const a = await runOne(m);
      if (a.status !== r.status) {
        r.first_run = { status: r.status, seconds: r.seconds, at: r.at, note: redoReason };
        Object.assign(r, a, { at: new Date().toISOString() });
      }
      save();
      console.log(`redo ${a.status.padEnd(8)} ${r.file}:${r.line} ${r.mutator} (${a.seconds} s)`);
    }
  cleanup();
  process.exit(0);
}

if (recheck) {
  // survivors listed as equivalent (docs/results/mutation/equivalent.json) are not rerun
  const eqList = existsSync(join(dir, 'equivalent.json')) ? JSON.parse(readFileSync(join(dir, 'equivalent.json'), 'utf8')) : [];
  const isEq = (r) =>
    eqList.some(
      (e) =>
        e.file === r.file &&
        e.line === r.line &&
        e.mutator === r.mutator &&
        e.replacement === r.replacement &&
        (!e.column || e.column === r.column),
    );
  for (const [folder, p] of Object.entries(plan))
    for (const r of state.folders[folder].results.filter((x) => x.status === 'Survived' && !x.after && !isEq(x))) {
      const m = locate(p.pool, r);
      if (!m) {
        r.after = { status: 'Gone', note: 'no such mutant in the current source' };
        continue;
      }
      const a = await runOne(m);
      r.after = { ...a, at: new Date().toISOString(), ...(m.line !== r.line ? { line: m.line } : {}) };
      save();
      console.log(`recheck ${a.status.padEnd(8)} ${r.file}:${r.line} ${r.mutator} (${a.seconds} s)`);
    }
  cleanup();
  process.exit(0);
}

for (let k = 0; k < N; k++)
  for (const [folder, p] of Object.entries(plan)) {
    const f = state.folders[folder];
    if (f.results.length > k) continue;
    const m = p.pool[k];
    if (!m) continue;
    const r = await runOne(m);
    const { start: _s, end: _e, ...rec } = m;
    f.results.push({ k: k + 1, ...rec, ...r, tests: testsOf[m.file].length, at: new Date().toISOString() });
    save();
    console.log(
      `${folder} #${k + 1} ${r.status.padEnd(8)} ${m.file}:${m.line} ${m.mutator} → ${m.replacement.replace(/\s+/g, ' ').slice(0, 50)} (${r.seconds} s)`,
    );
  }
state.finished = new Date().toISOString();
save();
cleanup();
