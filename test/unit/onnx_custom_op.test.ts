// A user-registered ONNX op handler (registerOnnxOp, exported from the package): an op the importer does not know
// imports once a handler is registered, runs on the GPU, and is unknown again after unregistering; handlers in
// their own domain see that domain's opset and are chosen by opset range.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import { importOnnx, registerOnnxOp, type OnnxOpHandler } from '../../src/index.js';
import { encodeModel } from '../../src/io/onnx/proto.js';
import { OnnxBuilder, attr } from '../onnx_builder.js';
import { expectClose, randn, runtime, TOL } from '../helpers.js';

// Softsign(x) = x / (1 + |x|), from the importer's layout-aware building blocks
const softsign: OnnxOpHandler = (c) => {
  const x = c.in(0);
  const y = c.node.output![0];
  const den = c.imp.binary(`${y}.den`, 'add', c.imp.unary(`${y}.abs`, 'abs', x), c.imp.scalar(1));
  return [c.imp.binary(y, 'div', x, den)];
};

/** Conv → Relu (→ Softsign); the same weights with and without the last node. */
function convModel(softsign: boolean): Uint8Array {
  const b = new OnnxBuilder(13);
  const h = b.relu(b.conv(b.input('x', ['N', 3, 5, 4]), 3, 6, 3, { pad: 1 }));
  b.output(softsign ? b.node1('Softsign', [h]) : h);
  return b.bytes();
}

describe('registerOnnxOp', () => {
  it('imports and runs an op the importer does not know, until unregistered', async () => {
    const bytes = convModel(true);
    expect(() => importOnnx(bytes)).toThrow(/\(Softsign, opset 13\): operator 'Softsign' is not supported/);
    const unregister = registerOnnxOp('Softsign', softsign);
    try {
      const m = importOnnx(bytes, { batch: 2 });
      const rt = await runtime();
      const x = randn(2 * 3 * 5 * 4, 7);
      const run = async (g: typeof m.graph) => {
        const compiled = await compile(rt, g);
        const [y] = await compiled.run([x]);
        compiled.destroy();
        return y;
      };
      const y = await run(m.graph);
      const h = await run(importOnnx(convModel(false), { batch: 2 }).graph);
      const want = h.map((v) => v / (1 + Math.abs(v)));
      expect(m.outputs[0].shape).toEqual([2, 6, 5, 4]);
      expectClose(y, want, TOL.f32, 'Softsign');
    } finally {
      unregister();
    }
    expect(() => importOnnx(bytes)).toThrow(/operator 'Softsign' is not supported/);
  });

  it('a handler in its own domain sees that domain opset, is picked by opset range, and must read every attribute', () => {
    const model = (domainOpset: number, attrs = [attr.f('scale', 2)]) =>
      encodeModel({
        irVersion: 8,
        opsetImport: [
          { domain: '', version: 17 },
          { domain: 'com.example', version: domainOpset },
        ],
        graph: {
          name: 'g',
          node: [{ opType: 'Scale', domain: 'com.example', name: 'scale0', input: ['x'], output: ['y'], attribute: attrs }],
          input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 2 }, { dimValue: 3 }] } } } }],
          output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
        },
      });
    expect(() => importOnnx(model(2))).toThrow(
      /\(Scale in domain 'com\.example', opset 17\): operator domain 'com\.example' is not supported/,
    );
    const seen: number[] = [];
    const scale: OnnxOpHandler = (c) => {
      seen.push(c.opset);
      return [c.imp.binary(c.node.output![0], 'mul', c.in(0), c.imp.scalar(c.float('scale', 1)))];
    };
    const unregister = registerOnnxOp('Scale', scale, { domain: 'com.example', opsets: [1, 3] });
    try {
      const m = importOnnx(model(2));
      expect(seen).toEqual([2]);
      expect(m.graph.nodes.map((n) => n.op)).toEqual(['binary']);
      expect(() => importOnnx(model(4))).toThrow(
        /\(Scale in domain 'com\.example', opset 4\): operator 'Scale' is not supported at opset 4 \(handlers cover 1–3\)/,
      );
      expect(() => importOnnx(model(2, [attr.f('scale', 2), attr.i('bias', 1)]))).toThrow(/attribute 'bias' is not supported/);
      expect(() => registerOnnxOp('Scale', scale, { opsets: [3, 1] })).toThrow(/not a range of opset versions/);
    } finally {
      unregister();
    }
    expect(() => importOnnx(model(2))).toThrow(/operator domain 'com\.example' is not supported/);
  });
});
