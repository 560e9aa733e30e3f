// Block-sparse fp32 convolution: weights viewed as the matrix Wm[co, k], k = (kh·KW + kw)·Cin + ci (HWIO order),
// stored in BSR with blocks of BR output channels × BC columns; kernels touch only the non-zero blocks.
//
// conv2d_bsr inputs: x (f32 NHWC), idx (u32: rowptr [Cout/BR + 1] then one code per block: kh << 24 | kw << 16 |
//            ci0/4, the block's tap and first input channel, so kernels never divide), val (f32:
//            [nnzb][BC][BR]), optional bias [Cout].
//            attrs: kernel [kh,kw], cout, block [BR, BC], stride, pads, dilation, act.
// Block shapes: BR ∈ {1, 4, 8}, BC ∈ {4, 8}; Cin % BC == 0 (a block is one tap, BC consecutive channels) and
// Cout % BR == 0 (and Cout % 4 == 0 for BR ≥ 4). The block shape is fixed when the weights are encoded, so it is
// chosen per layer by src/compress/sparse.ts (measuring each shape on the adapter); here the tuner picks the tile.
// GEMM-shaped layers (1×1, stride 1, unpadded) with 8-row blocks also get block_sparse/pointwise_forward_quad* and
// block_sparse/pointwise_forward_quadblk* (the whole block written out, no inner loop).

import { check, shapeStr, SlimError } from '../runtime/errors.js';
import type { Candidate } from '../runtime/tuner.js';
import { convGeom, convUniforms, type ConvGeom } from './conv.js';
import { attrInts, attrNum, numel, registerOp, type Attrs, type PlanContext } from './registry.js';

export type BlockShape = [number, number];
export const BLOCK_SHAPES: BlockShape[] = [
  [1, 4],
  [1, 8],
  [4, 4],
  [4, 8],
  [8, 4],
  [8, 8],
];

export interface Bsr {
  block: BlockShape;
  /** rowptr [Cout/BR + 1] followed by each stored block's code kh << 24 | kw << 16 | ci0/4 */
  idx: Uint32Array;
  /** [nnzb][BC][BR] */
  val: Float32Array;
  nnzb: number;
  /** blocks in the dense matrix */
  totalBlocks: number;
}

export function blockShapeFits(wShape: number[], [br, bc]: BlockShape): boolean {
  const [, , cin, cout] = wShape;
  return cin % bc === 0 && cin % 4 === 0 && cout % br === 0 && (br === 1 || cout % 4 === 0);
}

/** Encode dense HWIO weights [KH,KW,Cin,Cout] as BSR; a block is stored when any of its values is non-zero. */
export function toBsr(w: Float32Array, wShape: number[], block: BlockShape): Bsr {
  const [kh, kw, cin, cout] = wShape;
  const [br, bc] = block;
  check(
    blockShapeFits(wShape, block),
    `block ${br}×${bc} does not fit weights ${shapeStr(wShape)} (needs Cin % ${bc} == 0, Cout % ${br} == 0)`,
  );
  const K = kh * kw * cin;
  const nbr = cout / br;
  const nbc = K / bc;
  const rowptr = [0];
  const cols: number[] = [];
  const vals: number[] = [];
  for (let r = 0; r < nbr; r++) {
    for (let c = 0; c < nbc; c++) {
      let any = false;
      for (let j = 0; j < bc && !any; j++) for (let q = 0; q < br && !any; q++) any = w[(c * bc + j) * cout + r * br + q] !== 0;
      if (!any) continue;
      cols.push(c);
      for (let j = 0; j < bc; j++) for (let q = 0; q < br; q++) vals.push(w[(c * bc + j) * cout + r * br + q]);
    }
    rowptr.push(cols.length);
  }
  if (cols.length === 0) vals.push(...new Array(br * bc).fill(0)); // a buffer may not be empty: one unused block
  // block column c covers k = c·BC .. : tap ⌊k/Cin⌋ = kh·KW + kw, first channel k mod Cin
  const code = (c: number) => {
    const k0 = c * bc;
    const tap = Math.floor(k0 / cin);
    return ((Math.floor(tap / kw) << 24) | ((tap % kw) << 16) | ((k0 % cin) / 4)) >>> 0;
  };
  check(kh < 256 && kw < 256 && cin / 4 < 65536, `conv2d_bsr: kernel ${kh}×${kw} or ${cin} channels too large for block codes`);
  return {
    block,
    idx: Uint32Array.from([...rowptr, ...cols.map(code)]),
    val: Float32Array.from(vals),
    nnzb: cols.length,
    totalBlocks: nbr * nbc,
  };
}

/** Dense HWIO weights back from BSR (tests, and the fp32 fallback). */
export function fromBsr(b: Bsr, wShape: number[]): Float32Array {
  const [, kw, cin, cout] = wShape;
  const [br, bc] = b.block;
  const nbr = cout / br;
  const w = new Float32Array(numel(wShape));
  for (let r = 0; r < nbr; r++)
    for (let p = b.idx[r]; p < b.idx[r + 1]; p++) {
      const code = b.idx[nbr + 1 + p];
      const c = (((code >>> 24) * kw + ((code >>> 16) & 0xff)) * cin + (code & 0xffff) * 4) / bc;
      for (let j = 0; j < bc; j++) for (let q = 0; q < br; q++) w[(c * bc + j) * cout + r * br + q] = b.val[(p * bc + j) * br + q];
    }
  return w;
}

export function bsrGeom(inShapes: number[][], attrs: Attrs): ConvGeom {
  const [kh, kw] = attrInts(attrs, 'kernel', 2);
  const xs = inShapes[0];
  check(xs && xs.length === 4, `conv2d_bsr input must be NHWC 4-D, got ${shapeStr(xs ?? [])}`);
  check(attrNum(attrs, 'groups', 1) === 1, 'conv2d_bsr supports groups = 1 only');
  return convGeom([xs, [kh, kw, xs[3], attrNum(attrs, 'cout')]], attrs);
}

/** Check that a block shape is one of BLOCK_SHAPES; `what` names it in the error. */
export function checkBlockShape(block: readonly number[], what: string, sep = 'x'): void {
  check(
    BLOCK_SHAPES.some(([a, b]) => a === block[0] && b === block[1]),
    `${what} ${block.join(sep)} is not one of ${BLOCK_SHAPES.map((b) => b.join(sep)).join(', ')}`,
  );
}

/** A block shape as the CLI spells it, 'RxC' (rows × cols of the weight matrix); the error names `flag` and what
 *  it accepts (`accepts`). */
export function parseBlockShape(text: string, flag: string, accepts: string): BlockShape {
  const m = /^(\d+)x(\d+)$/.exec(text);
  if (!m) throw new SlimError(`${flag} must look like ${accepts}, got '${text}'`);
  return [Number(m[1]), Number(m[2])];
}

registerOp({
  name: 'conv2d_bsr',
  infer(inShapes, attrs) {
    const g = bsrGeom(inShapes, attrs);
    const block = attrInts(attrs, 'block', 2) as BlockShape;
    checkBlockShape(block, 'conv2d_bsr block', '×');
    check(
      blockShapeFits([g.kh, g.kw, g.cin, g.cout], block),
      `conv2d_bsr block ${block.join('×')} does not fit Cin ${g.cin}, Cout ${g.cout}`,
    );
    check(
      inShapes[1] && inShapes[1].length === 1 && inShapes[1][0] > g.cout / block[0],
      `conv2d_bsr idx must be [Cout/BR + 1 + nnzb], got ${shapeStr(inShapes[1] ?? [])}`,
    );
    const nnzb = inShapes[1][0] - g.cout / block[0] - 1;
    check(
      inShapes[2] && numel(inShapes[2]) === Math.max(1, nnzb) * block[0] * block[1],
      `conv2d_bsr values must hold ${nnzb} blocks, got ${shapeStr(inShapes[2] ?? [])}`,
    );
    if (inShapes[3]) check(inShapes[3].length === 1 && inShapes[3][0] === g.cout, `conv2d_bsr bias must be [${g.cout}]`);
    return [[g.n, g.oh, g.ow, g.cout]];
  },
  dtypes(t) {
    check(t[0] === 'f32' && t[1] === 'u32' && t[2] === 'f32', `conv2d_bsr takes (f32, u32, f32[, f32]), got (${t.join(', ')})`);
    return ['f32'];
  },
  macs(inShapes, outShapes, attrs) {
    // non-zero blocks only
    const block = attrInts(attrs, 'block', 2);
    const g = bsrGeom(inShapes, attrs);
    const nnzb = inShapes[1][0] - g.cout / block[0] - 1;
    return g.n * g.oh * g.ow * nnzb * block[0] * block[1];
  },
  plan: (pc) => pc.tuner.choose(`conv2d_bsr|${pc.inShapes.map((s) => s.join('x')).join('|')}|${JSON.stringify(pc.attrs)}`, bsrVariants(pc)),
});

/** block_sparse/pointwise_forward_quadblk instances by `${ROWS}_${BC}` */
const PW_BLOCK_KERNELS: Record<string, string> = {
  '4_4': 'block_sparse/pointwise_forward_quadblk4rows_bc4',
  '4_8': 'block_sparse/pointwise_forward_quadblk4rows_bc8',
  '8_4': 'block_sparse/pointwise_forward_quadblk8rows_bc4',
  '8_8': 'block_sparse/pointwise_forward_quadblk8rows_bc8',
};

export function bsrVariants(pc: PlanContext): Candidate[] {
  const g = bsrGeom(pc.inShapes, pc.attrs);
  const [br, bc] = attrInts(pc.attrs, 'block', 2);
  const k = pc.rt.kernels;
  const bias = () => (pc.inputCount > 3 ? pc.input(3) : pc.constant(new Float32Array(g.cout), `${pc.name}.zero_bias`));
  const out: Candidate[] = [];
  if (
    br === 8 &&
    g.kh === 1 &&
    g.kw === 1 &&
    g.sh === 1 &&
    g.sw === 1 &&
    g.pt + g.pl + g.pb + g.pr === 0 &&
    pc.rt.ctx.features.has('subgroups')
  ) {
    // GEMM-shaped (1×1, stride 1, unpadded): pixels flat, quads sharing each block's values
    const m = g.n * g.h * g.w;
    // the whole block written out
    for (const rows of [8, 4]) {
      out.push({
        id: `bsr_${br}x${bc}_pwblk${rows}`,
        build: async () => [
          await k.launch(PW_BLOCK_KERNELS[`${rows}_${bc}`], {
            overrides: { ACT: attrNum(pc.attrs, 'act', 0) },
            uniforms: { m, cin: g.cin, cout: g.cout },
            buffers: { x: pc.input(0), idx: pc.input(1), val: pc.input(2), bias: bias(), y: pc.output(0) },
            invocations: Math.ceil(m / (4 * rows)) * (g.cout / 8) * 4,
          }),
        ],
      });
    }
    for (const rows of [4, 8]) {
      out.push({
        id: `bsr_${br}x${bc}_pwquad${rows}`,
        build: async () => [
          await k.launch(rows === 8 ? 'block_sparse/pointwise_forward_quad8rows' : 'block_sparse/pointwise_forward_quad4rows', {
            overrides: { BC: bc, ACT: attrNum(pc.attrs, 'act', 0) },
            uniforms: { m, cin: g.cin, cout: g.cout },
            buffers: { x: pc.input(0), idx: pc.input(1), val: pc.input(2), bias: bias(), y: pc.output(0) },
            invocations: Math.ceil(m / (4 * rows)) * (g.cout / 8) * 4,
          }),
        ],
      });
    }
  }
  if (br >= 4) {
    for (const cols of [4, 8]) {
      const owTiles = Math.ceil(g.ow / cols);
      out.push({
        id: `bsr_${br}x${bc}_unrolled${cols === 8 ? '8' : ''}`,
        build: async () => [
          await k.launch(cols === 8 ? 'block_sparse/conv2d_forward_unrolled8cols' : 'block_sparse/conv2d_forward_unrolled4cols', {
            overrides: { BC: bc, BR4: br / 4, ACT: attrNum(pc.attrs, 'act', 0) },
            uniforms: {
              cin: g.cin,
              cout: g.cout,
              ...convUniforms(g),
              ow_tiles: owTiles,
            },
            buffers: { x: pc.input(0), idx: pc.input(1), val: pc.input(2), bias: bias(), y: pc.output(0) },
            invocations: g.n * g.oh * owTiles * (g.cout / br),
          }),
        ],
      });
    }
  }
  for (const tm of [4, 8, 2]) {
    const owTiles = Math.ceil(g.ow / tm);
    const uniforms = {
      cin: g.cin,
      cout: g.cout,
      ...convUniforms(g),
      ow_tiles: owTiles,
    };
    out.push({
      id: `bsr_${br}x${bc}_tm${tm}`,
      build: async () => [
        br === 1
          ? await k.launch('block_sparse/conv2d_forward_rows1', {
              overrides: { TM: tm, BC: bc, ACT: attrNum(pc.attrs, 'act', 0) },
              uniforms,
              buffers: { x: pc.input(0), idx: pc.input(1), val: pc.input(2), bias: bias(), y: pc.output(0) },
              invocations: g.n * g.oh * owTiles * g.cout,
            })
          : await k.launch('block_sparse/conv2d_forward_rows4', {
              overrides: { TM: tm, BC: bc, BR4: br / 4, ACT: attrNum(pc.attrs, 'act', 0) },
              uniforms,
              buffers: { x: pc.input(0), idx: pc.input(1), val: pc.input(2), bias: bias(), y: pc.output(0) },
              invocations: g.n * g.oh * owTiles * (g.cout / br),
            }),
      ],
    });
  }
  return out;
}
