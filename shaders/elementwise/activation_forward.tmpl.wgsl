// ${NAME} — y[i] = act(x[i]) for the activation chosen by the override ACT (common/activation.wgsl).
//! if VEC4
// Layout: x, y flat [n/4] of vec4 (n % 4 = 0). Thread: four elements per invocation (16-byte loads). Overwrites y.
//! else
// Layout: x, y flat [n]. Thread: one element per invocation. Overwrites y.
//! end
//! import activation

struct Params { n: u32 }
override WG: u32 = 256u;

//! uniform params: Params
//! read x: array<${T}>
//! read_write y: array<${T}>

//! entry
  y[i] = activate${V}(x[i]);
}
