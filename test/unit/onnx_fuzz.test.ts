// Seeded fuzzing of the ONNX importer (scripts/fuzz_onnx.ts): a small fixed set in CI; FUZZ_CASES / FUZZ_SEED
// (scripts/fuzz_onnx.sh) run more. Any exception other than SlimError, an import slower than HANG_MS, or heap
// growth past HEAP_LIMIT_MB fails.
import { expect, it } from 'vitest';
import { fuzz, HANG_MS, HEAP_LIMIT_MB } from '../../scripts/fuzz_onnx.js';
import { runtime } from '../helpers.js';

const cases = Number(process.env.FUZZ_CASES ?? 300);
const seed = Number(process.env.FUZZ_SEED ?? 1);

it(`import survives ${cases} mutated models (seed ${seed})`, async () => {
  const r = await fuzz(cases, seed, await runtime());
  const top = [...r.messages.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12);
  console.log(
    `fuzz: ${r.cases} cases, ${r.imported} imported (${r.gpuRan}/${r.gpuTried} small ones compiled and ran), ${r.rejected} rejected with SlimError, ${r.crashes.length} crashes; ` +
      `slowest ${r.slowest.ms.toFixed(1)} ms (${r.slowest.what}); max heap growth ${r.maxHeapGrowthMB.toFixed(0)} MB\n` +
      top.map(([m, n]) => `  ${String(n).padStart(5)}  ${m}`).join('\n'),
  );
  for (const c of r.crashes.slice(0, 10)) console.log(`CRASH ${c.mutation}: ${c.error}`);
  expect(r.crashes).toEqual([]);
  expect(r.slowest.ms).toBeLessThan(HANG_MS);
  expect(r.maxHeapGrowthMB).toBeLessThan(HEAP_LIMIT_MB);
});
