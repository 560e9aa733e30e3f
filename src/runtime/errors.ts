// Every error slimgpu raises on purpose is a SlimError with a message that names the problem
// (the shape, dtype, op, file or limit involved), so callers and the CLI can print it on one line.
export class SlimError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SlimError';
  }
}

export function check(cond: unknown, message: string | (() => string)): asserts cond {
  if (!cond) throw new SlimError(typeof message === 'string' ? message : message());
}

export function shapeStr(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
