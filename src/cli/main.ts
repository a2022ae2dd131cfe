/**
 * Runs one command line and returns its exit status. Never calls process.exit: output is awaited
 * until the stream has taken it, so a pipe (`history <id> | cat`) gets every byte.
 */
import { readFileSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import { existsSync } from 'node:fs';
import { connect } from '../api/incidents';
import { openLedger, type Ledger } from '../activities/ledger';
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
  let ledger: Ledger | undefined;
  const ledgerUrl = io.env.LEDGER_URL ?? 'sqlite:.data/ledger.sqlite';
  const openOnce = async () => {
    ledger ??= openLedger(ledgerUrl);
    await ledger.migrate();
    return ledger;
  };
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
      ledger: openOnce,
      ledgerIfPresent: async () => {
        const file = /^sqlite:(?:\/\/)?(.+)$/.exec(ledgerUrl)?.[1] ?? (ledgerUrl.includes('://') ? undefined : ledgerUrl);
        if (file !== undefined && file !== ':memory:' && !existsSync(file)) return undefined;
        return openOnce().catch(() => undefined);
      },
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
    await ledger?.close().catch(() => undefined);
  }
}
