// A user's ONNX file on the CPU (src/io/onnx/user_model.ts, issue 17: it had only the CLI tests, which spawn
// `slimgpu run` on the GPU): the inputs a caller feeds, `--shape` lists, binding symbolic dimensions, errors that
// name the file and the flag, and the seeded inputs.
import { describe, expect, it, vi } from 'vitest';
import { UnsupportedOpsError } from '../../src/io/onnx/import.js';
import { DT, encodeModel } from '../../src/io/onnx/proto.js';
import { bindShapes, describeInputs, loadUserOnnx, onnxInputs, parseShapeList, seededOnnxInputs } from '../../src/io/onnx/user_model.js';
import { OnnxBuilder } from '../onnx_builder.js';
import { tinyCnn, unsupportedOps } from '../onnx_files.js';

// importOnnx as imported, except that a test may make it throw a given error (an importer bug: not a SlimError)
const importFault = vi.hoisted(() => ({ error: null as Error | null }));
vi.mock('../../src/io/onnx/import.js', async (original) => {
  const m = await original<typeof import('../../src/io/onnx/import.js')>();
  return {
    ...m,
    importOnnx: (...a: Parameters<typeof m.importOnnx>) => {
      if (importFault.error) throw importFault.error;
      return m.importOnnx(...a);
    },
  };
});

/** A model of two inputs (a float image with symbolic N, H, W; an int64 vector) and an initializer listed as input. */
function twoInputs(withSequence = false): Uint8Array {
  const b = new OnnxBuilder(13);
  const x = b.input('img', ['N', 3, 'H', 'W']);
  const v = b.input('ids', [64], DT.INT64);
  const w = b.init([3], [1, 2, 3]);
  b.inputs.push({ name: w, type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 3 }] } } } });
  b.inputs.push({ name: 'odd', type: { tensorType: { elemType: 1, shape: { dim: [{}, { dimValue: 0 }, { dimParam: '' }] } } } });
  if (withSequence) b.inputs.push({ name: 'seq', type: {} }, { name: 'untyped' });
  b.output(b.node1('Relu', [x]));
  b.output(b.node1('Cast', [v], [{ name: 'to', type: 2, i: 1 }]));
  return b.bytes();
}

describe('onnxInputs', () => {
  it('lists the inputs to feed (not initializers), fixed dimensions as numbers, symbolic ones by name or ?', () => {
    expect(onnxInputs(twoInputs(true))).toEqual([
      { name: 'img', dtype: DT.FLOAT, dims: ['N', 3, 'H', 'W'] },
      { name: 'ids', dtype: DT.INT64, dims: [64] },
      { name: 'odd', dtype: DT.FLOAT, dims: ['?', '?', '?'] },
      // not tensors (a sequence, no type at all): element type 0 and no dimensions, for the importer to refuse
      { name: 'seq', dtype: 0, dims: [] },
      { name: 'untyped', dtype: 0, dims: [] },
    ]);
  });
  it('a model without a graph', () => {
    expect(() => onnxInputs(encodeModel({ irVersion: 7 }))).toThrow('the ONNX model has no graph');
  });
});

describe('parseShapeList', () => {
  it('names and dimensions, separated by , or ; with spaces; the last = splits', () => {
    expect(parseShapeList(' a = 1x3x224x224 ; b=1x128, c:d=2 ,')).toEqual({ a: [1, 3, 224, 224], b: [1, 128], 'c:d': [2] });
    expect(parseShapeList('')).toEqual({});
    expect(parseShapeList('a=1;  ; ,b=2')).toEqual({ a: [1], b: [2] }); // blank items are skipped
    expect(parseShapeList('x=16777216')).toEqual({ x: [1 << 24] });
  });
  for (const bad of ['a', '=1x2', 'a=', 'a=1x0', 'a=1x-2', 'a=1.5', 'a=1xx2', 'a=16777217', 'a=1xb'])
    it(`refuses '${bad}'`, () => {
      expect(() => parseShapeList(bad, '--input-shape')).toThrow(
        `--input-shape '${bad}' must look like NAME=1x3x224x224 (the input's name, then positive whole dimensions)`,
      );
    });
  it('refuses a name given twice', () => {
    expect(() => parseShapeList('a=1,a=2')).toThrow("--shape: input 'a' is given twice");
  });
});

describe('bindShapes', () => {
  const inputs = onnxInputs(twoInputs()).slice(0, 2);
  it('given shapes, fixed dimensions, a symbolic batch as 1', () => {
    expect(bindShapes(inputs, { img: [2, 3, 8, 8] }, 'm.onnx')).toEqual({ img: [2, 3, 8, 8], ids: [64] });
    expect(bindShapes([{ name: 'x', dtype: 1, dims: ['batch', 5] }], {}, 'm.onnx')).toEqual({ x: [1, 5] });
  });
  it('an input the model does not have, listing its inputs', () => {
    expect(() => bindShapes(inputs, { image: [1, 3, 2, 2] }, 'm.onnx', '--shp')).toThrow(
      "m.onnx: --shp names 'image', the model has no such input (its inputs: img [N,3,H,W], ids [64])",
    );
    expect(() => bindShapes([], { a: [1] }, 'm.onnx')).toThrow('the model has no such input (its inputs: none)');
  });
  it('a shape of the wrong rank', () => {
    expect(() => bindShapes(inputs, { img: [1, 3, 8] }, 'm.onnx')).toThrow(
      "m.onnx: --shape img=1x3x8 has rank 3, input 'img' [N,3,H,W] has rank 4",
    );
  });
  it('an unbound symbolic dimension after the batch, with the flag to give it', () => {
    expect(() => bindShapes(inputs, {}, 'm.onnx', '--s')).toThrow(
      "m.onnx: input 'img' [N,3,H,W] has a symbolic dimension 2 ('H'): give its shape with --s img=1x3xNxN",
    );
  });
});

describe('loadUserOnnx / seededOnnxInputs / describeInputs', () => {
  it('imports with the bound shapes; seeded inputs: floats in [-1, 1), integers 0 or 1, the same for a seed', () => {
    const m = loadUserOnnx(twoInputs(), { img: [2, 3, 4, 5], odd: [1, 2, 3] }, 'm.onnx');
    expect(describeInputs(m)).toEqual([
      { name: 'img', dtype: 'float', shape: [2, 3, 4, 5] },
      { name: 'ids', dtype: 'int64', shape: [64] },
      { name: 'odd', dtype: 'float', shape: [1, 2, 3] },
    ]);
    const [img, ids, odd] = seededOnnxInputs(m, 3);
    expect(img.length).toBe(120);
    expect(odd.length).toBe(6);
    expect(img.every((v) => v >= -1 && v < 1)).toBe(true);
    expect(new Set(img).size).toBeGreaterThan(100);
    expect(img.some((v) => v < 0)).toBe(true);
    expect([...ids].every((v) => v === 0 || v === 1)).toBe(true);
    expect(new Set(ids)).toEqual(new Set([0, 1])); // both, over 64 draws
    expect(seededOnnxInputs(m, 3)).toEqual([img, ids, odd]);
    expect(seededOnnxInputs(m, 4)[0]).not.toEqual(img);
    expect(seededOnnxInputs(m)).toEqual(seededOnnxInputs(m, 7));
    const many = loadUserOnnx(tinyCnn([1, 3, 2, 2]), {}, 't.onnx');
    expect(describeInputs(many)[0].shape).toEqual([1, 3, 2, 2]);
  });
  it('errors name the file: a bad file, an unbound shape, an unsupported operator (with its list)', () => {
    expect(() => loadUserOnnx(encodeModel({ irVersion: 7 }), {}, 'f.onnx')).toThrow('f.onnx: the ONNX model has no graph');
    expect(() => loadUserOnnx(tinyCnn(), {}, 'f.onnx')).toThrow("f.onnx: input 'x' [N,3,H,W] has a symbolic dimension 2");
    expect(() => loadUserOnnx(tinyCnn([1, 3, 4, 4]), { x: [1, 3, 5, 4] }, 'f.onnx')).toThrow(
      /^f\.onnx: input shape \[1,3,5,4\] for 'x' disagrees with the model's dimension 2 = 4/,
    );
    let err: unknown;
    try {
      loadUserOnnx(unsupportedOps(), {}, 'u.onnx');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnsupportedOpsError);
    expect((err as Error).message).toMatch(/^u\.onnx: /);
    expect((err as UnsupportedOpsError).ops.length).toBeGreaterThan(0);
  });
});

describe('loadUserOnnx passes an importer bug through unchanged', () => {
  it("a TypeError from the importer is not rewrapped as an error in the user's file", () => {
    const bug = new TypeError('cannot read properties of undefined');
    importFault.error = bug;
    try {
      let err: unknown;
      try {
        loadUserOnnx(tinyCnn([1, 3, 2, 2]), {}, 'f.onnx');
      } catch (e) {
        err = e;
      }
      expect(err).toBe(bug);
      expect((err as Error).message).toBe('cannot read properties of undefined');
    } finally {
      importFault.error = null;
    }
  });
});
