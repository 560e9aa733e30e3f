// Helpers shared by the commands: reading a parsed flag as a bounded integer, and ending the process with a
// command's status. Flag parsing itself is table-driven (flags.ts).

import { SlimError } from '../runtime/errors.js';
import { UsageError, type Flags } from './flags.js';

export interface Parsed {
  flags: Flags;
  positional: string[];
}

export function positiveInt(flags: Flags, name: string, dflt: number, max = 1 << 20): number {
  const v = flags[name] ?? dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max)
    throw new UsageError(`--${name} must be an integer in [1, ${max}], got ${v}`);
  return v;
}

/** One line for an error slimgpu did not raise on purpose: no stack trace unless SLIMGPU_DEBUG is set. */
function internalLine(e: unknown): string {
  const err = (typeof e === 'object' && e !== null ? e : {}) as { stack?: unknown; message?: unknown; name?: unknown };
  if (process.env.SLIMGPU_DEBUG) return `internal error: ${err.stack ?? e}`;
  const msg = String(err.message ?? e).split('\n')[0];
  if (e instanceof RangeError && /array (buffer|length)|allocation failed/i.test(msg))
    return `out of memory: ${msg} (a size the checks did not catch; please report it)`;
  return `internal error: ${err.name ?? 'Error'}: ${msg} (set SLIMGPU_DEBUG=1 for the stack trace)`;
}

/** Ends the process with `status`'s code; SlimErrors print as one `slimgpu: …` line (exit 1; usage errors exit 2). */
export function exitWith(status: Promise<number>, describe: (e: unknown) => string | null = () => null): void {
  status.then(
    (code) => process.exit(code),
    (e) => {
      const line = describe(e);
      if (line !== null) console.error(`slimgpu: ${line}`);
      else if (e instanceof SlimError) console.error(`slimgpu: ${e.message}`);
      else console.error(`slimgpu: ${internalLine(e)}`);
      process.exit(e instanceof UsageError ? 2 : 1);
    },
  );
}
