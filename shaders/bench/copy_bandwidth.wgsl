// copy_bandwidth — microbenchmark of device-memory bandwidth (the roofline's memory ceiling).
// Math: y[i] = x[i] · scale, vec4 elements (16 bytes read + 16 written per invocation).
// Layout: x, y flat [n] vec4<f32>. Thread: one vec4 per invocation. Overwrites y. Bytes counted: 32 · n.

struct Params { n: u32, scale: f32 }
override WG: u32 = 256u;

//! uniform params: Params
//! read x: array<vec4<f32>>
//! read_write y: array<vec4<f32>>

//! entry
  y[i] = x[i] * params.scale;
}
