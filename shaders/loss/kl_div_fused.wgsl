// kl_div_fused — distillation loss with temperature τ (Hinton et al. 2015) and its gradient for the student, in one
// pass over each row: with q = softmax(t[r,:]/τ) (target, e.g. the teacher or a peer, held constant) and
// p = softmax(s[r,:]/τ) (the student),
//   loss[r] = KL(q ‖ p) = Σ_j q_j · (log q_j − log p_j)
//   ds[r,j] = scale · (p_j − q_j) / τ            (scale = β·τ²/N in Hinton's weighting)
// Layout: s, t, ds [N, C] row-major, loss [N]. Thread: one row per invocation. Overwrites loss and ds.

struct Params { n: u32, cols: u32, inv_tau: f32, scale: f32 }
override WG: u32 = 64u;

//! uniform params: Params
//! read s: array<f32>
//! read t: array<f32>
//! read_write loss: array<f32>
//! read_write ds: array<f32>

//! entry r
  let base = r * params.cols;
  let k = params.inv_tau;
  var ms = -3.402823e38;
  var mt = -3.402823e38;
  for (var j = 0u; j < params.cols; j++) {
    ms = max(ms, s[base + j] * k);
    mt = max(mt, t[base + j] * k);
  }
  var ss = 0.0;
  var st = 0.0;
  for (var j = 0u; j < params.cols; j++) {
    ss += exp(s[base + j] * k - ms);
    st += exp(t[base + j] * k - mt);
  }
  let lss = log(ss);
  let lst = log(st);
  var kl = 0.0;
  for (var j = 0u; j < params.cols; j++) {
    let lp = s[base + j] * k - ms - lss;
    let lq = t[base + j] * k - mt - lst;
    let q = exp(lq);
    kl += q * (lq - lp);
    ds[base + j] = params.scale * (exp(lp) - q) * k;
  }
  loss[r] = kl;
}
