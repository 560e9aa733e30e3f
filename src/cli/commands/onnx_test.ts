// slimgpu onnx-test DIR...: runs ONNX backend-test folders (model.onnx + test_data_set_*/{input,output}_N.pb) and prints one line per case
// (pass/fail, max abs and rel error, the reason on failure), then `N passed, N failed`. A DIR that holds no
// model.onnx but has case folders inside is expanded. Exit status 0 only when every case passes (or
// --allow-fail). Tolerance: ONNX's rtol 1e-3, atol 1e-7; --deep uses atol 1e-5 for whole models (deep graphs
// accumulate fp32 rounding); --atol/--rtol override; integer outputs always exact.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DEEP_TOL, ONNX_TOL, runBackendCase, type CaseResult } from '../../io/onnx/backend_test.js';
import { Runtime } from '../../runtime/runtime.js';
import { SlimError } from '../../runtime/errors.js';
import { parseOrHelp, UsageError, type CommandSpec } from '../flags.js';

export const ONNX_TEST: CommandSpec = {
  name: 'onnx-test',
  summary: 'run ONNX backend-test folders (model.onnx + test_data_set_*) and print pass/fail per case',
  positional: 'DIR...',
  flags: {
    'allow-fail': { type: 'boolean', help: 'exit 0 even when cases fail' },
    deep: { type: 'boolean', help: 'whole-model tolerance: atol 1e-5 (deep graphs accumulate fp32 rounding)' },
    atol: { type: 'number', min: 0, help: 'absolute tolerance (default 1e-7, or 1e-5 with --deep)' },
    rtol: { type: 'number', min: 0, help: 'relative tolerance (default 1e-3)' },
    json: { type: 'boolean', help: 'print the results as JSON' },
  },
  notes: ['A DIR without model.onnx but with case folders inside is expanded. Integer outputs must match exactly.'],
  examples: ['slimgpu onnx-test ../shared/onnx-node-tests/test_conv_with_strides_padding'],
};

function expand(dirs: string[]): string[] {
  const out: string[] = [];
  for (const d of dirs) {
    if (!existsSync(d) || !statSync(d).isDirectory()) throw new SlimError(`onnx-test: '${d}' is not a directory`);
    if (existsSync(join(d, 'model.onnx'))) out.push(d);
    else {
      const subs = readdirSync(d)
        .filter((s) => existsSync(join(d, s, 'model.onnx')))
        .sort()
        .map((s) => join(d, s));
      if (!subs.length) throw new SlimError(`onnx-test: '${d}' has no model.onnx and no case folders`);
      out.push(...subs);
    }
  }
  return out;
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toExponential(2) : String(x));

export async function onnxTest(argv: string[]): Promise<number> {
  const p = parseOrHelp(ONNX_TEST, argv);
  if (!p) return 0;
  const { flags, positional } = p;
  if (!positional.length) throw new UsageError('onnx-test needs at least one DIR (see slimgpu onnx-test --help)');
  const base = flags.deep ? DEEP_TOL : ONNX_TOL;
  const tol = { atol: (flags.atol as number) ?? base.atol, rtol: (flags.rtol as number) ?? base.rtol };
  const cases = expand(positional);
  const rt = await Runtime.create();
  const results: CaseResult[] = [];
  try {
    for (const dir of cases) {
      const r = await runBackendCase(rt, dir, tol);
      results.push(r);
      if (!flags.json) {
        const err = Number.isNaN(r.maxAbs) ? '' : ` max_abs=${fmt(r.maxAbs)} max_rel=${fmt(r.maxRel)}`;
        console.log(`${r.pass ? 'pass' : 'FAIL'} ${r.name}${err}${r.error ? `  (${r.error.split('\n')[0]})` : ''}`);
      }
    }
  } finally {
    rt.destroy();
  }
  const passed = results.filter((r) => r.pass).length;
  const failed = results.length - passed;
  if (flags.json) console.log(JSON.stringify({ tolerance: tol, results, passed, failed }, null, 2));
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 || flags['allow-fail'] ? 0 : 1;
}
