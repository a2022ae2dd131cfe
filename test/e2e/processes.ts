/**
 * The product as a user runs it: the compiled worker and CLI as child processes of the test
 * (`node dist/worker.js`, `node dist/client.js …`, cwd = repository root). vitest's global setup
 * builds dist/ before any test file starts, so it is never stale.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../scripts/temporal-binaries';

export const CLI_ENTRY = path.join(REPO_ROOT, 'dist', 'client.js');
export const WORKER_ENTRY = path.join(REPO_ROOT, 'dist', 'worker.js');

export interface CliResult {
  args: string[];
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The environment a child sees: ours without any TEMPORAL_* / LEDGER_URL of the caller's shell, plus `extra`. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if ((k.startsWith('TEMPORAL_') && k !== 'TEMPORAL_CLI_PATH') || k === 'LEDGER_URL' || k === 'PLANS_DIR' || k === 'ROSTERS_DIR' || k === 'DELIVERY_CONFIG') continue;
    env[k] = v;
  }
  // the legacy-shape plans the e2e scenarios were written against (test/fixtures/plans), unless a test names its own
  // the fixture plans have no rosters (the shipped rosters/ belong to the shipped plans)
  return { ...env, PLANS_DIR: path.join(REPO_ROOT, 'test', 'fixtures', 'plans'), ROSTERS_DIR: path.join(REPO_ROOT, 'test', 'fixtures', 'rosters'), ...extra };
}

/** Run `node dist/client.js <args>` to completion, stdout and stderr through pipes (optionally `input` on stdin). */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 60_000, input?: string): Promise<CliResult> {
  return runCommand(process.execPath, [CLI_ENTRY, ...args], env, timeoutMs, input, args);
}

/**
 * `node dist/client.js <args> | cat` in a shell, so the CLI writes into a real pipe to another process;
 * `code` is the CLI's own exit status (pipefail).
 */
export function runCliPiped(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<CliResult> {
  const quoted = [process.execPath, CLI_ENTRY, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return runCommand('bash', ['-c', `set -o pipefail; ${quoted} | cat`], env, timeoutMs, undefined, args);
}

function runCommand(file: string, argv: string[], env: Record<string, string>, timeoutMs: number, input: string | undefined, args: string[]): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, {
      cwd: REPO_ROOT,
      env: childEnv(env),
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (input !== undefined) child.stdin!.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`client ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ args, code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Parse a `--json` stdout, failing with the whole result when it is not JSON. */
export function json<T = any>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`client ${r.args.join(' ')} (exit ${r.code}) did not print JSON\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
}

/** Repeat `attempt` until it returns a value other than undefined, or fail after `timeoutMs`. */
export async function eventually<T>(what: string, attempt: () => Promise<T | undefined>, timeoutMs = 15_000, pauseMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await attempt();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}

export interface WorkerProcess {
  child: ChildProcess;
  /** everything the worker printed (stdout and stderr) */
  output(): string;
  /** SIGKILL / SIGTERM and wait for the process to exit */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Start `node dist/worker.js` and resolve once it has built its worker and starts polling. */
export async function startWorkerProcess(env: Record<string, string>, readyTimeoutMs = 120_000): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--enable-source-maps', WORKER_ENTRY], {
    cwd: REPO_ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const onData = (d: Buffer) => (out += d.toString('utf8'));
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const proc: WorkerProcess = {
    child,
    output: () => out,
    async kill(signal = 'SIGTERM') {
      if (exited) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exit;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + readyTimeoutMs;
  // the worker prints "worker: <address> …" once Worker.create succeeded; run() starts polling right after.
  while (!/^worker: /m.test(out)) {
    if (exited) throw new Error(`dist/worker.js exited before it was ready (code ${child.exitCode}, signal ${child.signalCode})\n${out}`);
    if (Date.now() > deadline) {
      await proc.kill('SIGKILL');
      throw new Error(`dist/worker.js not ready within ${readyTimeoutMs} ms\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return proc;
}

/** A fresh temporary directory for one test file. */
export const tempDir = (prefix: string) => mkdtempSync(path.join(tmpdir(), prefix));

/** Write an incident file derived from an example, with its own id and discovery time. */
export function incidentFile(dir: string, example: string, changes: Record<string, unknown>): string {
  const base = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'examples', example), 'utf8')) as Record<string, unknown>;
  const file = path.join(dir, `${String(changes.id ?? base.id)}.json`);
  writeFileSync(file, JSON.stringify({ ...base, ...changes }, null, 2));
  return file;
}

/** An ISO time `ms` before now, with the plans' +08:00 offset (as a user in China would type it). */
export function isoAgo(ms: number): string {
  const t = new Date(Date.now() - ms + 8 * 3600_000);
  return t.toISOString().replace(/\.\d{3}Z$/, '+08:00');
}
