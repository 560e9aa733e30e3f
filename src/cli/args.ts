// Minimal, strict flag parsing for the CLI: --name value, --flag, and positional arguments. Unknown flags and
// malformed numbers are errors that name the flag.

import { SlimError } from '../runtime/errors.js';

export interface FlagSpec {
  [name: string]: 'string' | 'number' | 'boolean' | 'int';
}

export interface Parsed {
  flags: Record<string, string | number | boolean>;
  positional: string[];
}

export function parseArgs(argv: string[], spec: FlagSpec): Parsed {
  const flags: Parsed['flags'] = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    let name = a.slice(2);
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const kind = spec[name];
    if (!kind) throw new SlimError(`unknown option --${name} (known: ${Object.keys(spec).map((k) => `--${k}`).join(' ')})`);
    if (kind === 'boolean') {
      flags[name] = value === undefined ? true : value !== 'false';
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new SlimError(`option --${name} needs a value`);
    }
    if (kind === 'number' || kind === 'int') {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n) || (kind === 'int' && !Number.isInteger(n))) {
        throw new SlimError(`option --${name} needs ${kind === 'int' ? 'an integer' : 'a number'}, got '${value}'`);
      }
      flags[name] = n;
    } else flags[name] = value;
  }
  return { flags, positional };
}

export function positiveInt(flags: Parsed['flags'], name: string, dflt: number, max = 1 << 20): number {
  const v = flags[name] ?? dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) throw new SlimError(`--${name} must be an integer in [1, ${max}], got ${v}`);
  return v;
}

/** Ends the process with `status`'s code; SlimErrors print as one `slimgpu: …` line (exit 1). */
export function exitWith(status: Promise<number>, describe: (e: any) => string | null = () => null): void {
  status.then(
    (code) => process.exit(code),
    (e) => {
      const line = describe(e);
      if (line !== null) console.error(`slimgpu: ${line}`);
      else if (e instanceof SlimError) console.error(`slimgpu: ${e.message}`);
      else console.error(`slimgpu: internal error: ${e?.stack ?? e}`);
      process.exit(1);
    },
  );
}
