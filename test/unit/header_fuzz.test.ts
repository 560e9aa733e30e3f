// Seeded fuzzing of the checkpoint and safetensors readers (scripts/fuzz_headers.ts): 1,000 mutants of each format
// here; FUZZ_CASES / FUZZ_SEED run more. Any exception other than SlimError, a decode slower than HANG_MS, or heap
// growth past HEAP_LIMIT_MB fails.
import { expect, it } from 'vitest';
import { fuzzHeaders, HANG_MS, HEAP_LIMIT_MB } from '../../scripts/fuzz_headers.js';

const cases = Number(process.env.FUZZ_CASES ?? 1000);
const seed = Number(process.env.FUZZ_SEED ?? 1);

it(`checkpoint and safetensors readers survive ${cases} mutants each (seed ${seed})`, () => {
  const r = fuzzHeaders(cases, seed);
  const top = [...r.messages.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15);
  console.log(
    `header fuzz: ${r.cases} cases, ${r.decoded} decoded, ${r.rejected} rejected with SlimError, ${r.crashes.length} crashes; ` +
      `slowest ${r.slowest.ms.toFixed(1)} ms (${r.slowest.what}); max heap growth ${r.maxHeapGrowthMB.toFixed(0)} MB\n` +
      top.map(([m, n]) => `  ${String(n).padStart(5)}  ${m}`).join('\n'),
  );
  for (const c of r.crashes.slice(0, 10)) console.log(`CRASH ${c.format} ${c.mutation}: ${c.error}`);
  expect(r.crashes).toEqual([]);
  expect(r.rejected).toBeGreaterThan(r.cases / 2);
  expect(r.slowest.ms).toBeLessThan(HANG_MS);
  expect(r.maxHeapGrowthMB).toBeLessThan(HEAP_LIMIT_MB);
});
