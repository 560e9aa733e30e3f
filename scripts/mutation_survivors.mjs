// List a committed Stryker incremental file's mutants of the given statuses (default Survived) with their source
// line: node scripts/mutation_survivors.mjs docs/results/mutation/incremental/onnx_fold.json [Survived,NoCoverage]
import { readFileSync } from 'node:fs';
const r = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const want = (process.argv[3] ?? 'Survived').split(',');
for (const [f, fr] of Object.entries(r.files)) {
  const lines = fr.source.split('\n');
  for (const m of fr.mutants)
    if (want.includes(m.status)) {
      const l = m.location.start.line;
      console.log(
        `${m.status} ${f}:${l}:${m.location.start.column} ${m.mutatorName}: ${lines[l - 1].trim().slice(0, 110)}\n    → ${(m.replacement ?? '').replace(/\n/g, ' ').slice(0, 110)}`,
      );
    }
}
