// slimgpu public API.
export { createContext, type GpuContext, type ContextOptions, type AdapterSummary } from './runtime/device.js';
export { Runtime } from './runtime/runtime.js';
export { SlimError } from './runtime/errors.js';
export { Graph, numel, type TensorDesc, type Node } from './graph/ir.js';
export { compile, CompiledGraph, type CompileOptions, type NodeProfile } from './graph/executor.js';
export { planMemory, type MemoryPlan } from './graph/memory.js';
export { optimizeForInference } from './graph/passes.js';
export { ACTIVATIONS, type ActivationName, type FusedActivationName } from './ops/activation.js';
export { opNames } from './ops/registry.js';
export { buildModel, MODEL_NAMES, type ModelSpec } from './models/zoo.js';
export { ModelBuilder } from './models/builder.js';
export { measureModel, checksum, sampleInput, type RunRecord } from './models/measure.js';
export { Tuner, type TuneMode } from './runtime/tuner.js';
export {
  compress,
  compressOptionsFor,
  modelBytes,
  type CompressOptions,
  type CompressedModel,
  type Precision,
} from './compress/compress.js';
export {
  importOnnx,
  supportedOperators,
  registerOnnxOp,
  type ImportOptions,
  type ImportedModel,
  type OnnxOpOptions,
  type OnnxOpContext,
  type OnnxOpHandler,
  type OnnxValue,
} from './io/onnx/import.js';
export { exportOnnx, type ExportOptions } from './io/onnx/export.js';
export { saveWeights, loadWeights, encodeSafetensors, decodeSafetensors, type NamedTensor } from './io/safetensors.js';
