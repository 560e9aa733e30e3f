// ${NAME} — dx[i] = dy[i] · act'(x[i]) for the activation chosen by the override ACT, with x the
// activation's input (the forward saved it as its own input tensor). Derivatives (codes as in common/activation):
//   relu 1[x>0]   relu6 1[0<x<6]   hard-swish 0 (x<−3), 1 (x>3), (2x+3)/6 otherwise   swish σ + x·σ·(1−σ)
//   sigmoid σ·(1−σ)   tanh 1 − tanh²   leaky-relu 1 (x≥0), 0.01 otherwise   identity 1
//! if VEC4
// Layout: x, dy, dx flat [n/4] of vec4 (n % 4 = 0). Thread: four elements per invocation. Overwrites dx.
//! else
// Layout: x, dy, dx flat [n]. Thread: one element per invocation. Overwrites dx.
//! end
//! import activation

struct Params { n: u32 }
override WG: u32 = 256u;

//! uniform params: Params
//! read x: array<${T}>
//! read dy: array<${T}>
//! read_write dx: array<${T}>

//! entry
  dx[i] = dy[i] * activate_grad${V}(x[i]);
}
