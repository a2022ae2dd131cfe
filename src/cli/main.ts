/**
 * Runs one command line and returns its exit status. Never calls process.exit: output is awaited
 * until the stream has taken it, so a pipe (`history <id> | cat`) gets every byte.
 */
import { readFileSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import { connect } from '../api/incidents';
import { temporalSettings, type TemporalSettings } from '../runtime/connection';
import { parseCommandLine } from './args';
import { commandHelp, COMMANDS, type Context } from './commands';
import { errorReport, EXIT, formatErrorReport } from './errors';

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin(): string;
  env: NodeJS.ProcessEnv;
  now(): number;
}

export function processIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr, stdin: () => readFileSync(0, 'utf8'), env: process.env, now: Date.now };
}

/** Resolves once the stream has taken the text (for a pipe: handed it to the OS). */
export function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (text === '') return Promise.resolve();
  return new Promise((resolve, reject) => {
    stream.write(text, (err) => (err ? reject(err) : resolve()));
  });
}

const isBrokenPipe = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';

/** --json anywhere before a `--` (also when the rest of the line is wrong, so errors come as JSON). */
const wantsJson = (argv: readonly string[]) => {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
};

export async function run(argv: readonly string[], io: Io = processIo()): Promise<number> {
  let client: Client | undefined;
  let connecting: Promise<Client> | undefined;
  let settings: TemporalSettings | undefined;
  try {
    const inv = parseCommandLine(argv, COMMANDS);
    const command = COMMANDS.find((c) => c.name === inv.command)!;
    const out = (text: string) => write(io.stdout, text);
    const ctx: Context = {
      inv,
      now: io.now(),
      plansDir: io.env.PLANS_DIR ?? 'plans',
      stdin: io.stdin,
      out,
      err: (text) => write(io.stderr, text),
      print: (value, human) => out(`${inv.json ? JSON.stringify(value, null, 2) : human()}\n`),
      settings: () => (settings ??= temporalSettings(io.env)),
      client: () => (connecting ??= connect(ctx.settings()).then((c) => (client = c))),
    };
    if (inv.help) await out(`${commandHelp(command)}\n`);
    else await command.run(ctx);
    return EXIT.ok;
  } catch (err) {
    // The reader went away (`… | head`): nothing more to say to it.
    if (isBrokenPipe(err)) return EXIT.ok;
    const report = errorReport(err);
    await write(io.stderr, formatErrorReport(report, wantsJson(argv))).catch(() => undefined);
    return report.code;
  } finally {
    await client?.connection.close().catch(() => undefined);
  }
}
