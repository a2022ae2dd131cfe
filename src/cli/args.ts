/**
 * The command line as data: each command declares its positional arguments and options, and one
 * parser checks a command line against that table. Pure: no I/O, no process.
 */
import { workflowIdFor } from '../workflows/incident.definitions';
import { UsageError } from './errors';
import { suggestion } from './text';

export const PROGRAM = 'client';

export interface OptionSpec {
  name: string;
  type: 'string' | 'boolean';
  /** placeholder for the value in usage lines, e.g. "<file>" */
  value?: string;
  short?: string;
  help: string;
}

export interface ArgSpec {
  name: string;
  optional?: boolean;
  /** an incident id; the workflow id `start` prints (incident-<id>) is accepted too */
  incident?: boolean;
}

export interface CommandSyntax {
  name: string;
  summary: string;
  args: readonly ArgSpec[];
  options: readonly OptionSpec[];
  /** options that must be given */
  required?: readonly string[];
  /** groups of options of which exactly one must be given */
  oneOf?: readonly (readonly string[])[];
}

export type OptionValues = Record<string, string | boolean | undefined>;

export interface Invocation {
  command: string;
  /** positional arguments by name (incident ids already without the workflow prefix) */
  args: Record<string, string | undefined>;
  options: OptionValues;
  json: boolean;
  /** --help / -h was given: print the command's help instead of running it */
  help: boolean;
}

export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { name: 'json', type: 'boolean', help: 'machine-readable output (errors as one JSON line on stderr)' },
  { name: 'help', short: 'h', type: 'boolean', help: 'this help' },
];

const WORKFLOW_PREFIX = workflowIdFor('');

/** `incident-county-001` (what `start` prints) → `county-001`; a bare id is returned as is. The one place the prefix is stripped. */
export function incidentIdFromArg(arg: string): string {
  return arg.startsWith(WORKFLOW_PREFIX) && arg.length > WORKFLOW_PREFIX.length ? arg.slice(WORKFLOW_PREFIX.length) : arg;
}

function optionUsage(o: OptionSpec): string {
  return o.type === 'boolean' ? `--${o.name}` : `--${o.name} ${o.value ?? '<value>'}`;
}

/** `client act <id> <action> (--data <json> | --data-file <file>) [--json]` */
export function usageLine(c: CommandSyntax): string {
  const parts = [PROGRAM, c.name];
  for (const a of c.args) parts.push(a.optional ? `[<${a.name}>]` : `<${a.name}>`);
  const grouped = new Set((c.oneOf ?? []).flat());
  for (const group of c.oneOf ?? []) {
    parts.push(`(${group.map((n) => optionUsage(c.options.find((o) => o.name === n)!)).join(' | ')})`);
  }
  for (const o of c.options) {
    if (grouped.has(o.name)) continue;
    parts.push(c.required?.includes(o.name) ? optionUsage(o) : `[${optionUsage(o)}]`);
  }
  parts.push('[--json]');
  return `usage: ${parts.join(' ')}`;
}

export const GENERAL_USAGE = `usage: ${PROGRAM} <command> [arguments] [options]   (${PROGRAM} help for the commands)`;

/**
 * Check a command line against the command table. Throws UsageError (exit 2) for an unknown command or
 * option, an option without its value or given twice, a missing or extra argument, a missing required
 * option. No command at all is a usage error too, unless --help was asked for.
 */
export function parseCommandLine(argv: readonly string[], commands: readonly CommandSyntax[]): Invocation {
  let cmd: CommandSyntax | undefined;
  const positionals: string[] = [];
  const values: OptionValues = {};
  let onlyPositionals = false;
  const usage = () => (cmd ? usageLine(cmd) : GENERAL_USAGE);
  const fail = (message: string): never => {
    throw new UsageError(message, usage());
  };
  const known = () => [...(cmd?.options ?? []), ...GLOBAL_OPTIONS];

  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i];
    if (onlyPositionals || tok === '-' || !tok.startsWith('-')) {
      if (!cmd && !onlyPositionals) {
        cmd = commands.find((c) => c.name === tok);
        if (!cmd) fail(`unknown command "${tok}".${suggestion(tok, commands.map((c) => c.name)) || ` Commands: ${commands.map((c) => c.name).join(', ')}`}`);
      } else if (!cmd) {
        fail('missing command');
      } else {
        positionals.push(tok);
      }
      continue;
    }
    if (tok === '--') {
      onlyPositionals = true;
      continue;
    }
    let spec: OptionSpec | undefined;
    let inline: string | undefined;
    let name: string;
    if (tok.startsWith('--')) {
      const eq = tok.indexOf('=');
      name = eq === -1 ? tok.slice(2) : tok.slice(2, eq);
      inline = eq === -1 ? undefined : tok.slice(eq + 1);
      spec = known().find((o) => o.name === name);
    } else {
      const short = tok.slice(1);
      spec = known().find((o) => o.short === short);
      name = spec?.name ?? short;
      if (!spec) fail(`unknown option ${tok}`);
    }
    if (!spec) {
      const elsewhere = commands.filter((c) => c.options.some((o) => o.name === name)).map((c) => c.name);
      if (!cmd && elsewhere.length) fail(`--${name} goes after the command (${elsewhere.join(', ')})`);
      const names = known().map((o) => o.name);
      const hint = suggestion(name, names, '--');
      fail(`unknown option --${name}${cmd ? ` for ${cmd.name}` : ''}.${hint || ` ${cmd ? `${cmd.name} takes` : 'Options here:'} ${names.map((n) => `--${n}`).join(', ')}`}`);
    }
    const o = spec!;
    if (values[o.name] !== undefined) fail(`--${o.name} given twice`);
    if (o.type === 'boolean') {
      if (inline !== undefined) fail(`--${o.name} takes no value`);
      values[o.name] = true;
    } else {
      const value = inline ?? argv[i + 1];
      if (value === undefined || (inline === undefined && value.startsWith('--') && value.length > 2)) fail(`--${o.name} needs a value: ${optionUsage(o)}`);
      if (inline === undefined) i++;
      values[o.name] = value;
    }
  }

  const json = values.json === true;
  const help = values.help === true;
  if (!cmd) {
    if (help) return { command: 'help', args: {}, options: values, json, help: false };
    throw new UsageError('missing command', GENERAL_USAGE);
  }
  if (help) return { command: cmd.name, args: {}, options: values, json, help: true };

  const c = cmd;
  if (positionals.length > c.args.length) {
    const extra = positionals.slice(c.args.length);
    fail(`unexpected argument${extra.length > 1 ? 's' : ''} ${extra.map((a) => `"${a}"`).join(' ')} (${c.name} takes ${c.args.length ? c.args.map((a) => `<${a.name}>`).join(' ') : 'no arguments'})`);
  }
  const missing = c.args.filter((a, i) => !a.optional && positionals[i] === undefined);
  if (missing.length) fail(`${c.name}: missing ${missing.map((a) => `<${a.name}>`).join(' ')}`);
  for (const r of c.required ?? []) {
    if (values[r] === undefined) fail(`${c.name}: missing ${optionUsage(c.options.find((o) => o.name === r)!)}`);
  }
  for (const group of c.oneOf ?? []) {
    const given = group.filter((n) => values[n] !== undefined);
    const alternatives = group.map((n) => optionUsage(c.options.find((o) => o.name === n)!)).join(' or ');
    if (given.length === 0) fail(`${c.name}: give ${alternatives}`);
    if (given.length > 1) fail(`${c.name}: give only one of ${given.map((n) => `--${n}`).join(', ')}`);
  }
  const args: Record<string, string | undefined> = {};
  c.args.forEach((a, i) => {
    const v = positionals[i];
    args[a.name] = v !== undefined && a.incident ? incidentIdFromArg(v) : v;
  });
  return { command: c.name, args, options: values, json, help: false };
}

/** A positive whole number option (--limit, --page); a usage error otherwise. */
export function positiveInt(c: CommandSyntax, name: string, raw: string | boolean | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--${name} must be a whole number from 1, not "${String(raw)}"`, usageLine(c));
  return n;
}

/** An option limited to a few values (--lang zh|en); a usage error otherwise. */
export function oneOfValues<T extends string>(c: CommandSyntax, name: string, raw: string | boolean | undefined, allowed: readonly T[]): T | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw === 'string' && (allowed as readonly string[]).includes(raw)) return raw as T;
  throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, not "${String(raw)}"`, usageLine(c));
}
