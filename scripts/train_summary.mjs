// Summary of scripts/train_targets.sh's runs: node scripts/train_summary.mjs DIR "SEEDS"
// Prints the accuracy table (teacher, student alone and with KD as the median over seeds, DML peers and their
// independently trained twins) and the targets, and writes DIR/summary.json.
import fs from 'node:fs';

const [dir, seedList = '1 2 3'] = process.argv.slice(2);
const seeds = seedList.trim().split(/\s+/);
const read = (f) => JSON.parse(fs.readFileSync(`${dir}/${f}`, 'utf8'));
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const pct = (x) => Number((100 * x).toFixed(2));
const teacher = read('teacher.json');
const alone = seeds.map((s) => read(`student_s${s}.json`));
const kd = seeds.map((s) => read(`student_kd_s${s}.json`));
const dml = read('dml.json');
const twins = [alone[0], read('twin1.json')];
const med = (rs) => median(rs.map((r) => r.test_accuracy));
const rows = [
  {
    run: 'teacher cnn_small',
    params: teacher.params,
    epochs: teacher.epochs,
    test_accuracy: pct(teacher.test_accuracy),
    images_per_s: teacher.images_per_s,
    target: '>= 93%',
  },
  {
    run: `student cnn_tiny alone (median of ${seeds.length})`,
    params: alone[0].params,
    epochs: alone[0].epochs,
    test_accuracy: pct(med(alone)),
    per_seed: alone.map((r) => pct(r.test_accuracy)),
    images_per_s: median(alone.map((r) => r.images_per_s)),
  },
  {
    run: `student cnn_tiny + KD (median of ${seeds.length})`,
    params: kd[0].params,
    epochs: kd[0].epochs,
    test_accuracy: pct(med(kd)),
    per_seed: kd.map((r) => pct(r.test_accuracy)),
    images_per_s: median(kd.map((r) => r.images_per_s)),
    target: '>= alone + 0.5',
  },
  ...[0, 1].map((k) => ({
    run: `DML peer ${k} (twin: same init alone)`,
    params: dml.params,
    epochs: dml.epochs,
    test_accuracy: pct(dml.test_accuracy[k]),
    twin: pct(twins[k].test_accuracy),
    images_per_s: dml.images_per_s,
    target: '>= twin + 0.5',
  })),
];
const summary = {
  config: { train_examples: teacher.train_examples, test_examples: teacher.test_examples, batch: teacher.batch, adapter: teacher.adapter },
  rows,
  targets: {
    teacher_93: teacher.test_accuracy >= 0.93,
    params_ratio: Number((alone[0].params / teacher.params).toFixed(4)),
    kd_gain_points: Number((100 * (med(kd) - med(alone))).toFixed(2)),
    dml_gain_points: [0, 1].map((k) => Number((100 * (dml.test_accuracy[k] - twins[k].test_accuracy)).toFixed(2))),
  },
};
fs.writeFileSync(`${dir}/summary.json`, JSON.stringify(summary, null, 2));
console.log(JSON.stringify(summary, null, 2));
