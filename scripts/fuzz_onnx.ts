// Fuzzing the ONNX importer: mutate real model files (the ONNX node-test models in ../shared/onnx-node-tests and
// zoo-shaped models exported by slimgpu) and import each mutant. Every outcome must be either a model or a
// SlimError (a clear message) — never another exception (a crash), a slow import (a hang) or a large jump in
// memory (a runaway allocation from a bogus size field).
//
//   bash scripts/fuzz_onnx.sh [CASES] [SEED]     (runs this through Vitest: FUZZ_CASES=2000 FUZZ_SEED=7)
//
// Small mutants that import are also compiled and run on the GPU: compile errors must be SlimErrors too.
//
// The CI test (test/unit/onnx_fuzz.test.ts) runs a smaller seeded set of the same mutations.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importOnnx, supportedOperators } from '../src/io/onnx/import.js';
import { decodeModel, encodeModel, type ModelProto } from '../src/io/onnx/proto.js';
import { exportOnnx } from '../src/io/onnx/export.js';
import { SlimError } from '../src/runtime/errors.js';
import type { Runtime } from '../src/runtime/runtime.js';
import { compile } from '../src/graph/executor.js';
import { ZOO } from '../test/zoo.js';
import { attr, OnnxBuilder } from '../test/onnx_builder.js';
import { onnxNodeTestsDir } from '../test/shared_data.js';

export interface FuzzReport {
  cases: number;
  imported: number;
  /** Imported mutants that were also compiled and run on the GPU (small ones), and how many of those ran. */
  gpuTried: number;
  gpuRan: number;
  rejected: number;
  crashes: { mutation: string; seed: string; error: string }[];
  /** Slowest import (decode + import; GPU compile and run of small mutants not included). */
  slowest: { ms: number; what: string };
  maxHeapGrowthMB: number;
  messages: Map<string, number>;
}

const NODE_TESTS = onnxNodeTestsDir() ?? '';

export function seedModels(): { name: string; bytes: Uint8Array }[] {
  const out: { name: string; bytes: Uint8Array }[] = [];
  if (NODE_TESTS) {
    for (const d of readdirSync(NODE_TESTS).sort()) {
      const f = join(NODE_TESTS, d, 'model.onnx');
      if (existsSync(f)) out.push({ name: d, bytes: new Uint8Array(readFileSync(f)) });
    }
  }
  for (const [name, build] of Object.entries(ZOO)) out.push({ name: `zoo_${name}`, bytes: exportOnnx(build()) });
  for (const [name, build] of Object.entries(EXPORTER_SEEDS)) out.push({ name: `exporter_${name}`, bytes: build().bytes() });
  return out;
}

/** Small models in the forms exporters write (legacy attributes, ConvTranspose, Resize, logic), so mutations reach those handlers. */
const EXPORTER_SEEDS: Record<string, () => OnnxBuilder> = {
  legacy_opset6: () => {
    const b = new OnnxBuilder(6);
    const x = b.input('x', [1, 3, 6, 6]);
    let y = b.node(
      'BatchNormalization',
      [b.conv(x, 3, 4, 3), ...[0, 1, 2, 3].map(() => b.rand([4], 0.5))],
      [attr.i('is_test', 1), attr.i('spatial', 1), attr.ints('consumed_inputs', [0, 0, 0, 1, 1])],
      5,
    )[0];
    y = b.node1(
      'Add',
      [b.node1('Relu', [y], [attr.ints('consumed_inputs', [0])]), b.rand([4], 0.5)],
      [attr.i('broadcast', 1), attr.i('axis', 1)],
    );
    b.output(b.node('Dropout', [y], [attr.i('is_test', 1)], 2)[0]);
    return b;
  },
  decoder: () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [1, 4, 3, 5]);
    const t = b.node1(
      'ConvTranspose',
      [x, b.rand([4, 2, 3, 3], 0.5), b.rand([2], 0.1)],
      [attr.ints('strides', [2, 2]), attr.ints('pads', [1, 1, 1, 1]), attr.ints('output_padding', [1, 1])],
    );
    const r = b.node1(
      'Resize',
      [t, '', b.init([4], [1, 1, 2, 1.5])],
      [attr.s('mode', 'linear'), attr.s('coordinate_transformation_mode', 'align_corners')],
    );
    b.output(b.node1('Resize', [r, '', '', b.ints([1, 2, 5, 7])], [attr.s('mode', 'cubic')]));
    return b;
  },
  logic: () => {
    const b = new OnnxBuilder(13);
    const x = b.input('x', [2, 3, 4]);
    const w = b.node1('Where', [b.node1('Greater', [x, b.init([], [0])]), x, b.node1('Erf', [x])]);
    const g = b.node1('Gather', [b.node1('Expand', [w, b.ints([2, 2, 3, 4])]), b.init([2], [2, 0], 7)], [attr.i('axis', 2)]);
    b.output(b.node1('LayerNormalization', [b.node1('Tile', [g, b.ints([1, 1, 1, 2])]), b.rand([8], 1)]));
    return b;
  },
};

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Mutation = (b: Uint8Array, r: () => number, other: Uint8Array) => Uint8Array;
const at = (b: Uint8Array, r: () => number) => Math.floor(r() * Math.max(b.length, 1));

export const MUTATIONS: Record<string, Mutation> = {
  flipBytes: (b, r) => {
    const c = b.slice();
    const k = 1 + Math.floor(r() * 8);
    for (let i = 0; i < k; i++) c[at(c, r)] ^= 1 << Math.floor(r() * 8);
    return c;
  },
  randomBytes: (b, r) => {
    const c = b.slice();
    const k = 1 + Math.floor(r() * 16);
    for (let i = 0; i < k; i++) c[at(c, r)] = Math.floor(r() * 256);
    return c;
  },
  truncate: (b, r) => b.slice(0, at(b, r)),
  hugeVarint: (b, r) => {
    // a length or dimension field made enormous: 10-byte varint of all ones, or 2^31-ish
    const c = b.slice();
    const p = at(c, r);
    const big = r() < 0.5 ? [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01] : [0xff, 0xff, 0xff, 0xff, 0x07];
    big.forEach((v, i) => {
      if (p + i < c.length) c[p + i] = v;
    });
    return c;
  },
  insert: (b, r) => {
    const p = at(b, r);
    const ins = Uint8Array.from({ length: 1 + Math.floor(r() * 8) }, () => Math.floor(r() * 256));
    const c = new Uint8Array(b.length + ins.length);
    c.set(b.subarray(0, p));
    c.set(ins, p);
    c.set(b.subarray(p), p + ins.length);
    return c;
  },
  deleteRange: (b, r) => {
    const p = at(b, r);
    const n = 1 + Math.floor(r() * 16);
    const c = new Uint8Array(b.length);
    c.set(b.subarray(0, p));
    const tail = b.subarray(Math.min(b.length, p + n));
    c.set(tail, p);
    return c.slice(0, p + tail.length);
  },
  duplicateChunk: (b, r) => {
    const p = at(b, r);
    const n = Math.min(b.length - p, 1 + Math.floor(r() * 64));
    const c = new Uint8Array(b.length + n);
    c.set(b.subarray(0, p + n));
    c.set(b.subarray(p), p + n);
    return c;
  },
  splice: (b, r, other) => {
    const p = at(b, r);
    const q = at(other, r);
    const c = new Uint8Array(p + other.length - q);
    c.set(b.subarray(0, p));
    c.set(other.subarray(q), p);
    return c;
  },
  structural: (b, r) => structural(b, r),
  structural2: (b, r) => structural(structural(b, r), r),
  smallInts: (b, r) => {
    // nudge small bytes (dims, enum values, attribute ints) by ±1..3, keeping the wire structure mostly intact
    const c = b.slice();
    for (let i = 0; i < 6; i++) {
      const p = at(c, r);
      if (c[p] < 0x80) c[p] = (c[p] + (r() < 0.5 ? -1 : 1) * (1 + Math.floor(r() * 3))) & 0x7f;
    }
    return c;
  },
};

const pick = <T>(a: T[], r: () => number): T => a[Math.floor(r() * a.length)];
const WEIRD = [-1, 0, 1, 3, 7, 255, 65536, 2 ** 31, 1e9, 2 ** 40, -(2 ** 31)];
const OPS = supportedOperators();

/**
 * Structure-aware edits: decode, change one semantic field (a dimension, an attribute, an input name, a tensor's
 * type or bytes, the opset, an op type), encode again — the wire format stays valid so the importer's own checks
 * are what is exercised (size mismatches, cycles, missing inputs, bad attributes, huge shapes).
 */
function structural(b: Uint8Array, r: () => number): Uint8Array {
  let m: ModelProto;
  try {
    m = decodeModel(b);
  } catch {
    return b;
  }
  const g = m.graph;
  if (!g) return b;
  const nodes = g.node ?? [];
  const inits = g.initializer ?? [];
  const edits = [
    () => {
      const vi = pick(g.input ?? [], r);
      const d = vi?.type?.tensorType?.shape?.dim;
      if (d?.length) pick(d, r).dimValue = pick(WEIRD, r);
    },
    () => {
      const t = pick(inits, r);
      if (t?.dims?.length) (t.dims as any[])[Math.floor(r() * t.dims.length)] = pick(WEIRD, r);
    },
    () => {
      const t = pick(inits, r);
      if (t) t.dataType = Math.floor(r() * 20);
    },
    () => {
      const t = pick(inits, r);
      if (t?.rawData) t.rawData = t.rawData.subarray(0, Math.floor(r() * t.rawData.length));
    },
    () => {
      const t = pick(inits, r);
      if (t) {
        t.externalData = [{ key: 'location', value: 'weights.bin' }];
        t.dataLocation = 1;
      }
    },
    () => {
      const n = pick(nodes, r);
      const later = pick(nodes, r);
      if (n?.input?.length && later?.output?.length) n.input[Math.floor(r() * n.input.length)] = pick(later.output, r);
    },
    () => {
      const n = pick(nodes, r);
      if (n?.input?.length) n.input[Math.floor(r() * n.input.length)] = 'missing_value';
    },
    () => {
      const a = pick(nodes, r)?.attribute;
      const at = a && pick(a, r);
      if (at) {
        at.i = pick(WEIRD, r);
        if (at.ints?.length) at.ints[Math.floor(r() * at.ints.length)] = pick(WEIRD, r);
      }
    },
    () => {
      const a = pick(nodes, r)?.attribute;
      const at = a && pick(a, r);
      if (at?.ints) at.ints = r() < 0.5 ? at.ints.slice(1) : [...at.ints, pick(WEIRD, r)];
    },
    () => {
      const a = pick(nodes, r)?.attribute;
      const at = a && pick(a, r);
      if (at) at.type = Math.floor(r() * 12);
    },
    () => {
      if (m.opsetImport?.length) m.opsetImport[0].version = pick([1, 6, 7, 9, 11, 13, 18, 21, 25, 26, 99], r);
    },
    () => {
      const n = pick(nodes, r);
      if (n) n.opType = pick(OPS, r);
    },
    () => {
      if (nodes.length) nodes.splice(Math.floor(r() * nodes.length), 1);
    },
    () => {
      const n = pick(nodes, r);
      if (n) nodes.push({ ...n });
    },
    () => {
      const n = pick(nodes, r);
      if (n) n.domain = 'com.microsoft';
    },
  ];
  const k = 1 + Math.floor(r() * 3);
  for (let i = 0; i < k; i++) pick(edits, r)();
  try {
    return encodeModel(m);
  } catch {
    return b;
  }
}

export const HANG_MS = 2000;
export const HEAP_LIMIT_MB = 512;

/** Import `cases` mutants; with a runtime, small imported ones are also compiled and run (inputs all zero). */
export async function fuzz(cases: number, seed: number, rt?: Runtime): Promise<FuzzReport> {
  const models = seedModels();
  const names = Object.keys(MUTATIONS);
  const r = rng(seed);
  const report: FuzzReport = {
    cases,
    imported: 0,
    gpuTried: 0,
    gpuRan: 0,
    rejected: 0,
    crashes: [],
    slowest: { ms: 0, what: '' },
    maxHeapGrowthMB: 0,
    messages: new Map(),
  };
  const heap0 = process.memoryUsage().heapUsed;
  for (let k = 0; k < cases; k++) {
    const m = models[Math.floor(r() * models.length)];
    const other = models[Math.floor(r() * models.length)];
    // a third of the cases are structure-aware (they reach the importer's semantic checks), the rest byte-level
    const mut = r() < 0.33 ? 'structural' : names[Math.floor(r() * names.length)];
    let bytes = MUTATIONS[mut](m.bytes, r, other.bytes);
    if (r() < 0.25) bytes = MUTATIONS[names[Math.floor(r() * names.length)]](bytes, r, other.bytes); // stacked
    const what = `${mut} of ${m.name} (case ${k})`;
    if (process.env.FUZZ_TRACE) console.log(what); // locate a case that kills the process (e.g. out of memory)
    const t0 = performance.now();
    let ms = 0;
    try {
      const res = importOnnx(bytes, { batch: 1 });
      ms = performance.now() - t0;
      report.imported++;
      const small = res.graph.tensors.every((t) => t.shape.reduce((a, b) => a * b, 1) <= 1 << 16);
      if (rt && small && res.graph.outputs.length) {
        report.gpuTried++;
        const m = await compile(rt, res.graph);
        try {
          await m.run(res.graph.inputs.map((t) => new Float32Array(res.graph.shape(t).reduce((a, b) => a * b, 1))));
          report.gpuRan++;
        } finally {
          m.destroy();
        }
      }
    } catch (e) {
      ms ||= performance.now() - t0;
      if (e instanceof SlimError) {
        report.rejected++;
        const key = e.message
          .replace(/'[^']*'/g, "'…'")
          .replace(/\d+/g, 'N')
          .slice(0, 80);
        report.messages.set(key, (report.messages.get(key) ?? 0) + 1);
      } else
        report.crashes.push({
          mutation: what,
          seed: `${seed}`,
          error: String((e as Error)?.stack ?? e)
            .split('\n')
            .slice(0, 3)
            .join(' | '),
        });
    }
    if (ms > report.slowest.ms) report.slowest = { ms, what };
    report.maxHeapGrowthMB = Math.max(report.maxHeapGrowthMB, (process.memoryUsage().heapUsed - heap0) / 2 ** 20);
  }
  return report;
}
