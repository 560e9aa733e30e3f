// add_forward — residual add: y[i] = act(a[i] + b[i]) (same shapes; broadcasting is done by the graph importer).
// Layout: a, b, y flat [n]. Thread: one element per invocation. Overwrites y.
//! import activation

struct Params { n: u32 }
override WG: u32 = 256u;

//! uniform params: Params
//! read a: array<f32>
//! read b: array<f32>
//! read_write y: array<f32>

//! entry
  y[i] = activate(a[i] + b[i]);
}
