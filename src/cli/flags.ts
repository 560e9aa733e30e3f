// Command-line flags as tables: each command declares its flags once (type, one-line help, default, range or
// choices, what kind of file), and that one table drives parsing (Node's util.parseArgs), validation and the
// `--help` text. Adding a flag is one line in the command's table. Errors name the flag on one line; usage errors
// (an unknown or malformed flag, a value out of range) exit 2, other SlimErrors exit 1.

import { accessSync, closeSync, constants, existsSync, openSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs as nodeParseArgs } from 'node:util';
import { SlimError } from '../runtime/errors.js';

/** A mistake in how the command was called (exit status 2). */
export class UsageError extends SlimError {
  readonly exitCode = 2;
}

export type FlagValue = string | number | boolean;
export type Flags = Record<string, FlagValue | undefined>;

export interface Flag {
  type: 'string' | 'int' | 'number' | 'boolean';
  /** One line for --help. */
  help: string;
  /** Placeholder for the value in --help (default: N, X or VALUE by type). */
  arg?: string;
  /** Applied when the flag is absent, and shown in --help. */
  default?: FlagValue;
  /** Inclusive bounds for int/number flags. */
  min?: number;
  max?: number;
  /** Allowed values for a string flag. */
  choices?: readonly string[];
  /** A file to read ('in'), a file to write ('out': its folder must exist and be writable), or a folder ('dir'). */
  file?: 'in' | 'out' | 'dir';
  /** Shown in --help but not required by the parser (the command checks it, e.g. a flag needed only with another). */
  required?: boolean;
  /** May be given more than once (string flags): the values are joined with commas. */
  multiple?: boolean;
}

export type FlagTable = Record<string, Flag>;

export interface CommandSpec {
  name: string;
  /** One line: what the command does. */
  summary: string;
  /** Words after the flags in the usage line, e.g. 'DIR...'. */
  positional?: string;
  flags: FlagTable;
  /** Extra paragraphs for --help (how defaults follow from other flags, what a value means). */
  notes?: string[];
  examples: string[];
}

/** Flags every command accepts. */
export const COMMON_FLAGS: FlagTable = {
  help: { type: 'boolean', help: 'show this help and exit' },
};

function placeholder(name: string, f: Flag): string {
  if (f.type === 'boolean') return '';
  if (f.arg) return ` ${f.arg}`;
  if (f.choices) return ` ${f.choices.join('|')}`;
  return f.type === 'string' ? ' VALUE' : f.type === 'int' ? ' N' : ' X';
}

function describe(f: Flag): string {
  const parts = [f.help];
  if (f.type !== 'boolean' && (f.min !== undefined || f.max !== undefined)) parts.push(`[${f.min ?? '-∞'}, ${f.max ?? '∞'}]`);
  if (f.default !== undefined && f.type !== 'boolean') parts.push(`(default ${f.default})`);
  return parts.join(' ');
}

/** The --help text of a command, from its table. */
export function helpText(spec: CommandSpec): string {
  const flags = { ...spec.flags, ...COMMON_FLAGS };
  const required = Object.entries(spec.flags)
    .filter(([, f]) => f.required)
    .map(([n, f]) => `--${n}${placeholder(n, f)}`);
  const usage = ['slimgpu', spec.name, ...required, '[options]', ...(spec.positional ? [spec.positional] : [])].join(' ');
  const rows = Object.entries(flags).map(([n, f]) => [`--${n}${placeholder(n, f)}`, describe(f)]);
  const width = Math.min(30, Math.max(...rows.map(([a]) => a.length)) + 2);
  const lines = [`slimgpu ${spec.name}: ${spec.summary}`, '', `usage: ${usage}`, '', 'options:'];
  for (const [a, d] of rows) lines.push(a.length + 2 > width ? `  ${a}\n  ${' '.repeat(width)}${d}` : `  ${a.padEnd(width)}${d}`);
  if (spec.notes?.length) lines.push('', ...spec.notes);
  lines.push('', spec.examples.length > 1 ? 'examples:' : 'example:', ...spec.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

export interface ParsedCommand {
  flags: Flags;
  positional: string[];
  /** The user asked for --help; the caller prints helpText and exits 0. */
  help: boolean;
  /** The flags given on the command line (the others hold their defaults or are absent). */
  given: Set<string>;
}

/** util.parseArgs's error codes → one line that names the flag. */
function usageMessage(e: unknown, spec: CommandSpec): string {
  const err = e as { message?: unknown; code?: unknown } | null | undefined;
  const m = String(err?.message ?? e);
  if (/ambiguous/.test(m)) {
    const name = /'(--[^' ]+)/.exec(m)?.[1] ?? 'the option';
    return `${spec.name}: option ${name} needs a value (for a value starting with '-', write ${name}=-X)`;
  }
  const known = Object.keys(spec.flags)
    .map((k) => `--${k}`)
    .join(' ');
  if (err?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const name = /'([^']+)'/.exec(m)?.[1] ?? m;
    return `${spec.name}: unknown option ${name} (see slimgpu ${spec.name} --help; known: ${known})`;
  }
  if (err?.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = /'(--[^' ]+)/.exec(m)?.[1];
    if (name && /does not take an argument/.test(m)) return `${spec.name}: ${name} is a switch and takes no value`;
    if (name) return `${spec.name}: option ${name} needs a value`;
  }
  return `${spec.name}: ${m.split('\n')[0]}`;
}

function checkValue(name: string, f: Flag, raw: string | boolean, cmd: string): FlagValue {
  if (f.type === 'boolean') return raw as boolean;
  const text = raw as string;
  if (f.type === 'int' || f.type === 'number') {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n) || (f.type === 'int' && !Number.isInteger(n))) {
      throw new UsageError(`${cmd}: option --${name} needs ${f.type === 'int' ? 'an integer' : 'a number'}, got '${text}'`);
    }
    if ((f.min !== undefined && n < f.min) || (f.max !== undefined && n > f.max)) {
      throw new UsageError(
        `${cmd}: --${name} must be ${f.type === 'int' ? 'an integer' : 'a number'} in [${f.min ?? '-∞'}, ${f.max ?? '∞'}], got ${text}`,
      );
    }
    return n;
  }
  if (f.choices && !f.choices.includes(text))
    throw new UsageError(`${cmd}: --${name} must be one of ${f.choices.join(', ')} (got '${text}')`);
  if (text === '') throw new UsageError(`${cmd}: --${name} needs a non-empty value`);
  if (f.file) checkPath(name, text, f.file);
  return text;
}

/** A file flag's path: readable file, folder, or a writable place for a new file. Checked before any work. */
export function checkPath(flag: string, path: string, kind: 'in' | 'out' | 'dir'): void {
  const what = `--${flag} ${path}`;
  if (kind === 'in' || kind === 'dir') {
    if (!existsSync(path)) throw new SlimError(`${what}: no such ${kind === 'dir' ? 'folder' : 'file'}`);
    const st = statSync(path);
    if (kind === 'in' && st.isDirectory()) throw new SlimError(`${what}: is a folder, not a file`);
    if (kind === 'dir' && !st.isDirectory()) throw new SlimError(`${what}: is not a folder`);
    try {
      accessSync(path, constants.R_OK);
    } catch {
      throw new SlimError(`${what}: not readable`);
    }
    return;
  }
  const dir = dirname(resolve(path));
  if (existsSync(path) && statSync(path).isDirectory()) throw new SlimError(`${what}: is a folder; give a file name`);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new SlimError(`${what}: folder ${dir} does not exist`);
  // a probe file, not access(2) alone: root passes every permission check, a read-only file system does not
  const probe = join(dir, `.slimgpu-probe-${process.pid}`);
  try {
    if (existsSync(path)) accessSync(path, constants.W_OK);
    closeSync(openSync(probe, 'wx'));
  } catch (e) {
    throw new SlimError(`${what}: not writable (${(e as NodeJS.ErrnoException).code ?? 'denied'})`);
  }
  rmSync(probe, { force: true });
}

/** Parse argv against a command's table: types, ranges, choices and file paths checked; defaults applied. */
export function parseCommand(spec: CommandSpec, argv: string[]): ParsedCommand {
  const table = { ...spec.flags, ...COMMON_FLAGS };
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [n, f] of Object.entries(table))
    options[n] = { type: f.type === 'boolean' ? 'boolean' : 'string', ...(f.multiple ? { multiple: true } : {}) };
  options.help.short = 'h';
  let values: Record<string, string | boolean | string[] | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = nodeParseArgs({ args: argv, options, strict: true, allowPositionals: true }) as {
      values: typeof values;
      positionals: string[];
    });
  } catch (e) {
    // --help anywhere wins over a malformed rest of the line
    if (argv.includes('--help') || argv.includes('-h')) return { flags: {}, positional: [], help: true, given: new Set() };
    throw new UsageError(usageMessage(e, spec));
  }
  if (values.help) return { flags: {}, positional: [], help: true, given: new Set() };
  if (positionals.length && !spec.positional)
    throw new UsageError(`${spec.name}: unexpected argument '${positionals[0]}' (see slimgpu ${spec.name} --help)`);
  const flags: Flags = {};
  const given = new Set<string>();
  for (const [n, f] of Object.entries(spec.flags)) {
    const given_ = values[n];
    const raw = Array.isArray(given_) ? given_.join(',') : given_;
    if (raw !== undefined) {
      flags[n] = checkValue(n, f, raw, spec.name);
      given.add(n);
    } else if (f.default !== undefined) flags[n] = f.default;
  }
  return { flags, positional: positionals, help: false, given };
}

/** Parse, or print the help and return null (the command then exits 0). */
export function parseOrHelp(spec: CommandSpec, argv: string[]): ParsedCommand | null {
  const p = parseCommand(spec, argv);
  if (p.help) {
    console.log(helpText(spec));
    return null;
  }
  return p;
}
