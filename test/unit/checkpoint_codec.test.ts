// The checkpoint format without files or a GPU (src/train/checkpoint_codec.ts): the byte layout written by hand
// and read back, every kind of header field refused by name (the small schema language: numbers, integers with a
// minimum, booleans, strings, enumerations, optional/defaulted/nullable fields, fixed-length arrays, objects), the
// size bookkeeping (padding, duplicates, truncation, trailing bytes), checkpointWeights (peers, masks, optimizer
// state), shipped models (safetensors) and applyWeights. checkpoint.test.ts covers files and resuming on the GPU.
// StrykerJS (issue 17): the codec had no CPU test file of its own, so its mutants could not be measured cheaply.
import { describe, expect, it } from 'vitest';
import { Graph } from '../../src/graph/ir.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { SlimError } from '../../src/runtime/errors.js';
import {
  applyWeights,
  checkpointWeights,
  decodeCheckpoint,
  decodeShippedModel,
  encodeCheckpoint,
  encodeShippedModel,
  headerLength,
  headerOf,
  isShippedModel,
  parseCheckpointHeader,
  parseCheckpointMeta,
  SHIPPED_META_KEY,
  type Checkpoint,
  type CheckpointMeta,
} from '../../src/train/checkpoint_codec.js';
import { DEFAULT_OPTIM } from '../../src/train/optim.js';
import { checkpointMeta } from '../checkpoint_meta.js';

const meta = (patch: Partial<CheckpointMeta> = {}): CheckpointMeta =>
  checkpointMeta({ initSeed: 4, augment: { cropPad: 2, flip: true }, step: 7, ...patch });
const ck = (tensors: [string, number[], number[]][], m = meta()): Checkpoint => ({
  meta: m,
  tensors: new Map(tensors.map(([name, shape, data]) => [name, { shape, data: Float32Array.from(data) }])),
});
const u32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at, true);

describe('byte layout', () => {
  it('magic, version 1, header length, JSON header, zero padding to 4 bytes, then f32 LE data in header order', () => {
    const c = ck([
      ['b', [3], [1.5, -2, 0.25]],
      ['a', [1], [7]],
    ]);
    const b = encodeCheckpoint(c);
    expect(new TextDecoder().decode(b.subarray(0, 8))).toBe('SLIMCKPT');
    expect(u32(b, 8)).toBe(1);
    const hlen = u32(b, 12);
    const header = JSON.parse(new TextDecoder().decode(b.subarray(16, 16 + hlen)));
    expect(header).toEqual({
      meta: c.meta,
      tensors: [
        { name: 'b', shape: [3] },
        { name: 'a', shape: [1] },
      ],
    });
    const start = Math.ceil((16 + hlen) / 4) * 4;
    expect([...b.subarray(16 + hlen, start)].every((x) => x === 0)).toBe(true);
    expect(b.length).toBe(start + 16);
    expect([...new Float32Array(b.slice(start).buffer)]).toEqual([1.5, -2, 0.25, 7]);
    expect(headerLength(b, b.length, 'f')).toBe(hlen);
  });
  it.each([0, 1, 2, 3])('round trip with %i extra header bytes (every padding), epoch_progress kept', (extra) => {
    const c = ck(
      [['w', [2, 2], [1, 2, 3, 4]]],
      meta({ model: { model: 'x'.repeat(1 + extra) }, epoch_progress: { loss_sum: [1.5, 2], steps: 3 } }),
    );
    const d = decodeCheckpoint(encodeCheckpoint(c));
    expect(d.meta).toEqual(c.meta);
    expect(d.tensors.get('w')).toEqual({ shape: [2, 2], data: Float32Array.of(1, 2, 3, 4) });
  });
  it('a tensor whose values do not fit its shape is refused when encoding', () => {
    expect(() => encodeCheckpoint(ck([['w', [2, 2], [1, 2, 3]]]))).toThrow("checkpoint tensor 'w' has 3 values for shape [2,2]");
  });
  it('a subarray view encodes only its own values', () => {
    const big = Float32Array.of(9, 1, 2, 9);
    const c: Checkpoint = { meta: meta(), tensors: new Map([['v', { shape: [2], data: big.subarray(1, 3) }]]) };
    expect([...decodeCheckpoint(encodeCheckpoint(c)).tensors.get('v')!.data]).toEqual([1, 2]);
  });
});

/** A file with this header text (and `data` bytes after the padding). */
function file(text: string, data = 0, version = 1, magic = 'SLIMCKPT'): Uint8Array {
  const header = new TextEncoder().encode(text);
  const start = Math.ceil((16 + header.length) / 4) * 4;
  const out = new Uint8Array(start + data);
  out.set(new TextEncoder().encode(magic));
  new DataView(out.buffer).setUint32(8, version, true);
  new DataView(out.buffer).setUint32(12, header.length, true);
  out.set(header, 16);
  return out;
}
const headerText = (m: unknown, tensors: unknown = []) => JSON.stringify({ meta: m, tensors });

describe('framing errors', () => {
  it.each([
    ['too short for the magic', new Uint8Array(12), 'f: not a slimgpu checkpoint (bad magic)'],
    ['another magic', file('{}', 0, 1, 'SLIMCKPX'), 'f: not a slimgpu checkpoint (bad magic)'],
    ['version 2', file('{}', 0, 2), 'f: checkpoint version 2 is not supported (expected 1)'],
    ['header longer than the file', file('{}').subarray(0, 17), 'f: truncated checkpoint header'],
    ['header not JSON', file('{"meta"'), 'f: checkpoint header is not valid JSON ('],
    [
      'a tensor twice',
      file(
        headerText(meta(), [
          { name: 'w', shape: [1] },
          { name: 'w', shape: [1] },
        ]),
        8,
      ),
      "f: checkpoint tensor 'w' appears twice",
    ],
    ['data shorter than the shapes', file(headerText(meta(), [{ name: 'w', shape: [2] }]), 4), "f: truncated at tensor 'w'"],
    [
      'bytes after the last tensor',
      file(headerText(meta(), [{ name: 'w', shape: [1] }]), 12),
      'f: 8 unexpected bytes after the last tensor',
    ],
  ])('%s', (_, bytes, message) => {
    expect(() => decodeCheckpoint(bytes, 'f')).toThrow(SlimError);
    expect(() => decodeCheckpoint(bytes, 'f')).toThrow(message);
  });
  it('the header length check counts the 16 bytes before the header', () => {
    const b = file('{}');
    expect(() => headerLength(b, 16 + 1, 'f')).toThrow('f: truncated checkpoint header');
    expect(headerLength(b, 16 + 2, 'f')).toBe(2);
  });
  it('exactly 16 bytes of head are enough for headerLength (what checkpoint.ts reads first)', () => {
    expect(headerLength(file('{}').subarray(0, 16), 18, 'f')).toBe(2);
  });
  it('headerOf alone (the header-only read of checkpoint.ts) checks the sizes against the file length', () => {
    const text = headerText(meta(), [{ name: 'w', shape: [2] }]);
    const bytes = new TextEncoder().encode(text);
    const start = Math.ceil((16 + bytes.length) / 4) * 4;
    expect(headerOf(bytes, bytes.length, start + 8, 'f').tensors).toEqual([{ name: 'w', shape: [2] }]);
    expect(() => headerOf(bytes, bytes.length, start + 12, 'f')).toThrow('f: 4 unexpected bytes after the last tensor');
    expect(() => headerOf(bytes, bytes.length, start + 4, 'f')).toThrow("f: truncated at tensor 'w'");
  });
  it("a header that is not UTF-8 is refused, with the parser's whole first line in the message", () => {
    const good = new TextEncoder().encode(headerText(meta(), [{ name: 'wX', shape: [0] }]));
    const bad = Uint8Array.from(good);
    bad[good.lastIndexOf(0x58)] = 0xff; // the X of the name: an invalid UTF-8 byte inside a JSON string
    expect(() => headerOf(bad, bad.length, Math.ceil((16 + bad.length) / 4) * 4, 'f')).toThrow(
      /^f: checkpoint header is not valid JSON \(.+\)$/,
    );
    let parserMessage = '';
    try {
      JSON.parse('{"meta"');
    } catch (e) {
      parserMessage = (e as Error).message.split('\n')[0];
    }
    expect(parserMessage.length).toBeGreaterThan(1);
    expect(() => decodeCheckpoint(file('{"meta"'), 'f')).toThrow(`f: checkpoint header is not valid JSON (${parserMessage})`);
  });
  it('the default file name is "checkpoint"', () => {
    expect(() => decodeCheckpoint(file('{}', 0, 3))).toThrow(/^checkpoint: checkpoint version 3/);
  });
});

describe('header schema: each bad field named, with what it must be and what it got', () => {
  const m = (patch: Record<string, unknown>) => ({ ...meta(), ...patch });
  const cases: [string, unknown, string][] = [
    ['header not an object', null, 'header must be an object (got null)'],
    ['header an array', [], 'header must be an object (got [])'],
    ['tensors missing', { meta: meta() }, 'header.tensors must be an array (got nothing)'],
    [
      'tensor name empty',
      { meta: meta(), tensors: [{ name: '', shape: [] }] },
      'header.tensors[0].name must be a non-empty string (got "")',
    ],
    [
      'shape not integral',
      { meta: meta(), tensors: [{ name: 'w', shape: [1.5] }] },
      'header.tensors[0].shape[0] must be an integer ≥ 0 (got 1.5)',
    ],
    ['format', { meta: m({ format: 'other' }), tensors: [] }, 'meta.format must be one of slimgpu-checkpoint (got "other")'],
    ['peers 0', { meta: m({ peers: 0 }), tensors: [] }, 'meta.peers must be an integer ≥ 1 (got 0)'],
    ['seed a string', { meta: m({ seed: '3' }), tensors: [] }, 'meta.seed must be a number (got "3")'],
    ['flip a number', { meta: m({ augment: { cropPad: 0, flip: 1 } }), tensors: [] }, 'meta.augment.flip must be true or false (got 1)'],
    [
      'cropPad -1',
      { meta: m({ augment: { cropPad: -1, flip: false } }), tensors: [] },
      'meta.augment.cropPad must be an integer ≥ 0 (got -1)',
    ],
    ['qat', { meta: m({ qat: 'int4' }), tensors: [] }, 'meta.qat must be one of none, int8, binary (got "int4")'],
    ['teacher_cache', { meta: m({ teacher_cache: 'yes' }), tensors: [] }, 'meta.teacher_cache must be true or false (got "yes")'],
    ['train_examples 0', { meta: m({ train_examples: 0 }), tensors: [] }, 'meta.train_examples must be an integer ≥ 1 (got 0)'],
    ['model.batch 0', { meta: m({ model: { model: 'a', batch: 0 } }), tensors: [] }, 'meta.model.batch must be an integer ≥ 1 (got 0)'],
    ['model.alpha', { meta: m({ model: { model: 'a', alpha: 'x' } }), tensors: [] }, 'meta.model.alpha must be a number (got "x")'],
    [
      'opt.nesterov',
      { meta: m({ opt: { ...DEFAULT_OPTIM, nesterov: 0 } }), tensors: [] },
      'meta.opt.nesterov must be true or false (got 0)',
    ],
    [
      'opt.schedule',
      { meta: m({ opt: { ...DEFAULT_OPTIM, schedule: 'linear' } }), tensors: [] },
      'meta.opt.schedule must be one of constant, step, cosine (got "linear")',
    ],
    [
      'opt.lr missing',
      { meta: m({ opt: { ...DEFAULT_OPTIM, lr: undefined } }), tensors: [] },
      'meta.opt.lr must be a number (got nothing)',
    ],
    [
      'prune.start 0',
      { meta: m({ prune: { sparsity: 0.5, start: 0, end: 2 } }), tensors: [] },
      'meta.prune.start must be an integer ≥ 1 (got 0)',
    ],
    [
      'prune.block of 3',
      { meta: m({ prune: { sparsity: 0.5, start: 1, end: 2, block: [1, 2, 3] } }), tensors: [] },
      'meta.prune.block must be an array of 2 (got [1,2,3])',
    ],
    [
      'prune.block entry',
      { meta: m({ prune: { sparsity: 0.5, start: 1, end: 2, block: [1, 0] } }), tensors: [] },
      'meta.prune.block[1] must be an integer ≥ 1 (got 0)',
    ],
    [
      'prune.filters',
      { meta: m({ prune: { sparsity: 0.5, start: 1, end: 2, filters: 'l3' } }), tensors: [] },
      'meta.prune.filters must be one of l1, l2 (got "l3")',
    ],
    [
      'prune_state.stopped.epoch',
      { meta: m({ prune_state: { ratio: 0.5, stopped: { epoch: 0, val_accuracy: 0.9 } } }), tensors: [] },
      'meta.prune_state.stopped.epoch must be an integer ≥ 1 (got 0)',
    ],
    [
      'epoch_progress.loss_sum',
      { meta: m({ epoch_progress: { loss_sum: [1, 'a'], steps: 1 } }), tensors: [] },
      'meta.epoch_progress.loss_sum[1] must be a number (got "a")',
    ],
    [
      'epoch_progress.steps',
      { meta: m({ epoch_progress: { loss_sum: [], steps: -1 } }), tensors: [] },
      'meta.epoch_progress.steps must be an integer ≥ 0 (got -1)',
    ],
    ['epoch negative', { meta: m({ epoch: -1 }), tensors: [] }, 'meta.epoch must be an integer ≥ 0 (got -1)'],
  ];
  it.each(cases)('%s', (_, header, message) => {
    const run = () => decodeCheckpoint(file(JSON.stringify(header)), 'run.ckpt');
    expect(run).toThrow(SlimError);
    expect(run).toThrow(`run.ckpt: checkpoint ${message}`);
  });
  it('optional fields present come back; absent ones stay absent; defaults fill the later fields', () => {
    const full = meta({
      model: { model: 'm', batch: 2, res: 28, classes: 10, alpha: 0.5, groups: 2, scale: 1, phi: 0, seed: 1, width: 1, depth: 1 },
      prune: { sparsity: 0.5, start: 1, end: 2, block: [2, 4], filters: 'l2', flops: 0.5, floor: 0.8 },
      prune_state: { ratio: 0.25, stopped: { epoch: 2, val_accuracy: 0.75 } },
      qat: 'int8',
      teacher_cache: true,
    });
    expect(parseCheckpointMeta(JSON.parse(JSON.stringify(full)))).toEqual(full);
    const { train_examples: _, qat: _q, prune: _p, teacher_cache: _t, prune_state: _s, ...first } = meta();
    const read = parseCheckpointMeta({ ...first, extra: 1 });
    expect(read).toEqual({ ...first, qat: 'none', prune: null, teacher_cache: false, prune_state: null });
    expect('train_examples' in read || 'epoch_progress' in read || 'extra' in read).toBe(false);
    expect(parseCheckpointMeta({ ...meta(), prune_state: { ratio: 0, stopped: null } }).prune_state).toEqual({ ratio: 0, stopped: null });
  });
  it('parseCheckpointHeader returns the tensor list and the typed meta; without a file name no prefix', () => {
    expect(parseCheckpointHeader({ meta: meta(), tensors: [{ name: 'w', shape: [2, 0] }] })).toEqual({
      meta: meta(),
      tensors: [{ name: 'w', shape: [2, 0] }],
    });
    expect(() => parseCheckpointMeta({ ...meta(), mode: 'x' })).toThrow(
      /^checkpoint meta\.mode must be one of plain, kd, dml \(got "x"\)$/,
    );
  });
  it('numbers must be finite (a caller of parseCheckpointMeta may pass NaN or Infinity; JSON cannot)', () => {
    expect(() => parseCheckpointMeta({ ...meta(), seed: NaN })).toThrow('checkpoint meta.seed must be a number (got null)');
    expect(() => parseCheckpointMeta({ ...meta(), opt: { ...DEFAULT_OPTIM, lr: Infinity } })).toThrow(
      'checkpoint meta.opt.lr must be a number (got null)',
    );
  });
  it('an error that is not a SlimError passes through unchanged', () => {
    const evil = {
      ...meta(),
      get peers(): number {
        throw new RangeError('boom');
      },
    };
    expect(() => parseCheckpointMeta(evil, 'f')).toThrow(RangeError);
    expect(() => parseCheckpointMeta(evil, 'f')).toThrow(/^boom$/);
  });
});

describe('checkpointWeights', () => {
  const dml = ck(
    [
      ['peer0/w', [2], [1, 2]],
      ['peer0/w@mask', [2], [0, 1]],
      ['peer0/w@m', [2], [5, 5]],
      ['peer1/w', [2], [3, 4]],
      ['peer1/b', [1], [9]],
    ],
    meta({ mode: 'dml', peers: 2 }),
  );
  it('peer k of a DML run: its prefix dropped, masks applied, optimizer state and masks left out', () => {
    expect(checkpointWeights(dml, 0)).toEqual(new Map([['w', Float32Array.of(0, 2)]]));
    expect(checkpointWeights(dml, 1)).toEqual(
      new Map([
        ['w', Float32Array.of(3, 4)],
        ['b', Float32Array.of(9)],
      ]),
    );
  });
  it('a plain run: names kept, the same data when unmasked', () => {
    const c = ck([
      ['conv.w', [2], [1, 2]],
      ['conv.w@v', [2], [0, 0]],
    ]);
    const w = checkpointWeights(c);
    expect([...w.keys()]).toEqual(['conv.w']);
    expect(w.get('conv.w')).toBe(c.tensors.get('conv.w')!.data);
  });
  it.each([
    [2, 'checkpoint holds 2 models; there is no peer 2'],
    [-1, 'checkpoint holds 2 models; there is no peer -1'],
    [0.5, 'checkpoint holds 2 models; there is no peer 0.5'],
  ])('peer %d is refused', (peer, message) => {
    expect(() => checkpointWeights(dml, peer)).toThrow(message);
  });
  it('one model: "1 model"; no weights at all is an error', () => {
    expect(() => checkpointWeights(ck([['w', [1], [1]]]), 1)).toThrow('checkpoint holds 1 model; there is no peer 1');
    expect(() => checkpointWeights(ck([['w@v', [1], [1]]]))).toThrow('checkpoint has no weights for peer 0');
  });
});

describe('shipped models (safetensors)', () => {
  it('one peer with masks applied, shapes kept, the meta with peers 1, metadata passed; decoded by decodeCheckpoint', () => {
    const c = ck(
      [
        ['peer0/w', [2, 1], [1, 2]],
        ['peer1/w', [2, 1], [3, 4]],
        ['peer1/w@mask', [2, 1], [1, 0]],
      ],
      meta({ mode: 'dml', peers: 2 }),
    );
    const b = encodeShippedModel(c, 1, { note: 'hi' });
    expect(isShippedModel(b)).toBe(true);
    expect(isShippedModel(encodeCheckpoint(c))).toBe(false);
    const { metadata, tensors } = decodeSafetensors(b);
    expect(metadata).toMatchObject({ format: 'slimgpu', layout: 'NHWC activations, HWIO conv weights', note: 'hi' });
    expect(JSON.parse(metadata[SHIPPED_META_KEY])).toEqual({ ...c.meta, peers: 1 });
    expect([...tensors.keys()]).toEqual(['w']);
    const d = decodeCheckpoint(b, 'm.safetensors');
    expect(d.meta).toEqual({ ...c.meta, peers: 1 });
    expect(d.tensors.get('w')).toEqual({ shape: [2, 1], data: Float32Array.of(3, 0) });
  });
  it('a plain model keeps its names', () => {
    const d = decodeShippedModel(encodeShippedModel(ck([['a.w', [1], [5]]])), 'f');
    expect([...d.tensors.keys()]).toEqual(['a.w']);
  });
  it('a safetensors file without the meta, with bad JSON in it, or with a non-F32 tensor is refused by name', () => {
    const st = (meta: Record<string, string>, data: Float32Array | Int32Array = Float32Array.of(1)) =>
      encodeSafetensors(new Map([['w', { shape: [1], data }]]), meta);
    expect(() => decodeShippedModel(st({}), 'f')).toThrow(
      `f: a safetensors file without ${SHIPPED_META_KEY} metadata (not a model shipped by slimgpu)`,
    );
    expect(() => decodeShippedModel(st({ [SHIPPED_META_KEY]: '{x' }), 'f')).toThrow(`f: ${SHIPPED_META_KEY} is not valid JSON (`);
    expect(() => decodeShippedModel(st({ [SHIPPED_META_KEY]: JSON.stringify(meta()) }, Int32Array.of(1)), 'f')).toThrow(
      "f: tensor 'w' is not F32",
    );
    expect(() => decodeShippedModel(st({ [SHIPPED_META_KEY]: JSON.stringify({ ...meta(), batch: 0 }) }), 'f')).toThrow(
      'f: checkpoint meta.batch must be an integer ≥ 1 (got 0)',
    );
  });
  it('isShippedModel needs 16 bytes, another magic and a "{" at byte 8', () => {
    const b = new Uint8Array(16);
    b[8] = 0x7b;
    expect(isShippedModel(b)).toBe(true);
    expect(isShippedModel(b.subarray(0, 15))).toBe(false);
    b[8] = 0x7a;
    expect(isShippedModel(b)).toBe(false);
    const m = file('{}');
    m[8] = 0x7b;
    expect(isShippedModel(m)).toBe(false);
  });
});

describe('applyWeights', () => {
  const graph = () => {
    const g = new Graph();
    const x = g.addInput('x', [1, 2]);
    const w = g.addParam('w', [2, 2], new Float32Array(4));
    g.markOutput(g.add1('matmul', [x, w], {}, 'mm'));
    return g;
  };
  it('sets every parameter (inputs untouched)', () => {
    const g = graph();
    const d = Float32Array.of(1, 2, 3, 4);
    applyWeights(g, new Map([['w', d]]), 'ck');
    expect(g.tensors.find((t) => t.name === 'w')!.data).toBe(d);
    expect(g.tensors.find((t) => t.name === 'x')!.data).toBeUndefined();
  });
  it('a missing or wrongly sized parameter is named', () => {
    expect(() => applyWeights(graph(), new Map(), 'ck')).toThrow(
      "ck: no tensor 'w' for this model (is it a checkpoint of the same --model?)",
    );
    expect(() => applyWeights(graph(), new Map([['w', new Float32Array(3)]]), 'ck')).toThrow(
      "ck: tensor 'w' has 3 values, the model needs 4",
    );
  });
});
