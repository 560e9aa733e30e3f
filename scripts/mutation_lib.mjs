// What the mutation samplers share (issue 17): the seeded generator, the scratch copy of the tree a mutant is applied
// to, and the vitest run that decides Killed / Survived / Timeout. Used by mutate_sample.mjs (per file, seed 17) and
// mutate_fresh.mjs (per folder, fresh seeds), so both judge a mutant the same way.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** mulberry32: a seeded uniform generator on [0, 1). */
export function rng(s) {
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates shuffle of `a` in place with the generator `rand`. */
export function shuffle(a, rand) {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/**
 * A scratch copy of the working tree (tracked and untracked-but-not-ignored files, never .cache/) at `scratch`/repo,
 * with node_modules and ../shared linked. Returns the copy's path; `cleanup()` removes it, also on SIGINT/SIGTERM.
 */
export function scratchTree(scratch) {
  const repo = join(scratch, 'repo');
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(repo, { recursive: true });
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) if (existsSync(f) && !f.startsWith('.cache/')) cpSync(f, join(repo, f), { recursive: false, dereference: false });
  symlinkSync(realpathSync('node_modules'), join(repo, 'node_modules'));
  if (existsSync('../shared')) symlinkSync(realpathSync('../shared'), join(scratch, 'shared'));
  const cleanup = () => rmSync(scratch, { recursive: true, force: true });
  process.on('SIGINT', () => (cleanup(), process.exit(130)));
  process.on('SIGTERM', () => (cleanup(), process.exit(143)));
  return { repo, cleanup };
}

/**
 * `vitest run <tests> --bail 1` in `repo`, killed (with its process group) after `limitS` seconds (0: no limit).
 * Resolves { code, timedOut, seconds, failed (count or null), failures: [{ name, message }] (first 3), err (stderr tail) }.
 * The mutant's status: timedOut → Timeout, code 0 → Survived, else Killed.
 */
export function runVitest(repo, scratch, tests, limitS) {
  return new Promise((res) => {
    const t0 = Date.now();
    const report = join(scratch, 'vitest.json');
    rmSync(report, { force: true });
    const child = spawn('npx', ['vitest', 'run', ...tests, '--bail', '1', '--reporter=json', `--outputFile=${resolve(report)}`], {
      cwd: repo,
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
      env: { ...process.env, CI: '1' },
    });
    let err = '';
    child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
    let timedOut = false;
    const timer = limitS
      ? setTimeout(() => {
          timedOut = true;
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }, limitS * 1000)
      : null;
    child.on('exit', (code) => {
      if (timer) clearTimeout(timer);
      const seconds = +((Date.now() - t0) / 1000).toFixed(1);
      const short = (name) => name.replace(/.*\/test\//, 'test/');
      let failed = null;
      let failures = [];
      try {
        const j = JSON.parse(readFileSync(report, 'utf8'));
        failed = j.numFailedTests;
        for (const tr of j.testResults ?? [])
          for (const a of tr.assertionResults ?? [])
            if (a.status === 'failed')
              failures.push({ name: `${short(tr.name)} › ${a.title}`, message: (a.failureMessages?.[0] ?? '').split('\n')[0] });
        if (!failures.length)
          failures = (j.testResults ?? [])
            .filter((t) => t.status === 'failed')
            .map((t) => ({ name: `${short(t.name)} (suite: ${(t.message ?? '').slice(0, 160)})`, message: '' }));
      } catch {
        // no report (the run died before writing it): the exit code decides
      }
      res({ code, timedOut, seconds, failed, failures: failures.slice(0, 3), err });
    });
  });
}
