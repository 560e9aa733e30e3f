// Losses, each a fused node producing the per-row loss and the gradient of the weighted batch loss:
//   softmax_cross_entropy (z [N,C], labels [N] as f32 class ids) → (loss [N], dz [N,C])    attr scale (α/N)
//   kl_div (s [N,C], t [N,C]) → (loss [N] = KL(softmax(t/τ) ‖ softmax(s/τ)), ds)           attrs tau, scale (β·τ²/N)
// The second input of kl_div (teacher or peer logits) is a constant target: it gets no gradient.

import { check, shapeStr } from '../runtime/errors.js';
import { attrNum, registerOp } from './registry.js';

registerOp({
  name: 'softmax_cross_entropy',
  infer([z, labels]) {
    check(
      z.length === 2 && labels.length === 1 && labels[0] === z[0],
      `softmax_cross_entropy needs logits [N,C] and labels [N], got ${shapeStr(z)} and ${shapeStr(labels)}`,
    );
    return [[z[0]], z];
  },
  plan: async (pc) => {
    const [n, c] = pc.inShapes[0];
    return [
      await pc.rt.kernels.launch('loss/softmax_cross_entropy_fused', {
        uniforms: { cols: c, scale: attrNum(pc.attrs, 'scale', 1 / n) },
        buffers: { z: pc.input(0), labels: pc.input(1), loss: pc.output(0), dz: pc.output(1) },
        invocations: n,
      }),
    ];
  },
});

registerOp({
  name: 'kl_div',
  infer([s, t]) {
    check(
      s.length === 2 && t.length === 2 && s[0] === t[0] && s[1] === t[1],
      `kl_div needs equal [N,C] logits, got ${shapeStr(s)} and ${shapeStr(t)}`,
    );
    return [[s[0]], s];
  },
  plan: async (pc) => {
    const [n, c] = pc.inShapes[0];
    const tau = attrNum(pc.attrs, 'tau', 1);
    check(tau > 0, `kl_div temperature must be > 0, got ${tau}`);
    return [
      await pc.rt.kernels.launch('loss/kl_div_fused', {
        uniforms: { cols: c, inv_tau: 1 / tau, scale: attrNum(pc.attrs, 'scale', (tau * tau) / n) },
        buffers: { s: pc.input(0), t: pc.input(1), loss: pc.output(0), ds: pc.output(1) },
        invocations: n,
      }),
    ];
  },
});
