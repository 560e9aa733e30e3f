// Summary of scripts/compress_targets.sh's runs: node scripts/compress_summary.mjs DIR
// Prints the accuracy table of the compressed models (each scored on its own kernels) against the fp32 teacher and
// the targets, and writes DIR/summary.json.
import fs from 'node:fs';

const [dir] = process.argv.slice(2);
const read = (f) => JSON.parse(fs.readFileSync(`${dir}/${f}`, 'utf8'));
const pct = (x) => Number((100 * x).toFixed(2));
const fp32 = read('fp32_eval.json');
const base = pct(fp32.test_accuracy);
const row = (run, e, target, ok) => ({
  run,
  kernels: e.sparse ? `fp32 block-sparse ${e.sparse}` : e.precision,
  test_accuracy: pct(e.test_accuracy),
  change: Number((pct(e.test_accuracy) - base).toFixed(2)),
  model_bytes: e.model_bytes,
  compression: e.compression_ratio,
  target,
  met: ok(e),
});
const rows = [
  row('teacher cnn_small fp32', fp32, '', () => null),
  row('int8 post-training quantization', read('ptq_eval.json'), 'drop <= 0.5', (e) => base - pct(e.test_accuracy) <= 0.5),
  row('int8 quantization-aware fine-tuning', read('qat_eval.json'), 'drop <= 0.3', (e) => base - pct(e.test_accuracy) <= 0.3),
  row('90% block-sparse, fine-tuned', read('sparse_eval.json'), 'drop <= 1', (e) => base - pct(e.test_accuracy) <= 1),
  row('binary cnn_binary (XNOR kernels)', read('binary_eval.json'), '>= 88%', (e) => pct(e.test_accuracy) >= 88),
];
if (fs.existsSync(`${dir}/thin_eval.json`)) {
  const t = read('thin_eval.json');
  rows.push({
    ...row(`filter-pruned, thinned (${(t.macs / t.fp32_macs).toFixed(3)} of the MACs)`, t, '', () => null),
    kernels: 'fp32 thinned',
  });
}
const asTrained = read('binary_as_trained.json');
const summary = { config: { test_examples: fp32.test_examples }, rows, binary_as_trained: pct(asTrained.test_accuracy) };
for (const r of rows)
  console.log(
    `${r.run.padEnd(40)} ${String(r.test_accuracy).padStart(6)}%  ${String(r.change).padStart(6)}  ${String(r.compression).padStart(6)}×  ${r.target} ${r.met === null ? '' : r.met ? 'met' : 'MISS'}`,
  );
console.log(`binary as trained (float kernels): ${summary.binary_as_trained}%`);
fs.writeFileSync(`${dir}/summary.json`, JSON.stringify(summary, null, 2));
