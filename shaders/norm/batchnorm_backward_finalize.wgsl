// batchnorm_backward_finalize — training-mode batch-norm backward, between pass 1 split over row parts
// (batchnorm_backward_reduce / batchnorm_maxpool_backward_reduce_vec4 with PARTS > 1) and pass 2: the parts' sums.
//
// Math:   dbeta[c] = Σ_p part_db[p,c];   dgamma[c] = rstd[c] · Σ_p part_dg[p,c]   (part_dg holds Σ g·(x − mean))
// Layout: part_db, part_dg [P, C] (a vec4 pass-1 kernel's [P, C/4] vec4 is the same memory), rstd, dgamma,
//         dbeta [C]. Thread: one channel per invocation, i = c; the parts are added in order p = 0, 1, …
//         Overwrites dgamma, dbeta.

struct Params { n: u32, parts: u32 }
override WG: u32 = 64u;

//! uniform params: Params
//! read part_db: array<f32>
//! read part_dg: array<f32>
//! read rstd: array<f32>
//! read_write dgamma: array<f32>
//! read_write dbeta: array<f32>

//! entry
  var db = 0.0;
  var dg = 0.0;
  for (var p = 0u; p < params.parts; p++) {
    db += part_db[p * params.n + i];
    dg += part_dg[p * params.n + i];
  }
  dbeta[i] = db;
  dgamma[i] = dg * rstd[i];
}
