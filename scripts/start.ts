/**
 * `npm start`: a local Temporal dev server (SQLite in .data/, Web UI) plus the worker, as one command.
 *
 *   TEMPORAL_ADDRESS   use that cluster; no dev server is started (the worker gets the variable as is)
 *   TEMPORAL_PORT      dev server gRPC port (7233)
 *   TEMPORAL_UI_PORT   dev server Web UI port (8233); "off" runs it headless
 *   TEMPORAL_NAMESPACE created on the dev server when it is not "default"
 *
 * Ctrl-C stops the worker first, then the server. If either dies on its own, the other is stopped
 * and the command exits non-zero.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT, ensureTemporalCli, startDevServer, type DevServer } from './temporal-binaries';

const DATA_DIR = path.join(REPO_ROOT, '.data');
const DB_FILE = path.join(DATA_DIR, 'temporal.sqlite');
const SERVER_LOG = path.join(DATA_DIR, 'temporal-server.log');
const WORKER_ENTRY = path.join(REPO_ROOT, 'worker.ts');
const WORKER_GRACE_MS = 30_000;
const SERVER_GRACE_MS = 10_000;

const say = (msg: string) => console.log(`[start] ${msg}`);
const complain = (msg: string) => console.error(`[start] ${msg}`);

let server: DevServer | undefined;
let serverStarting: Promise<DevServer> | undefined;
let worker: ChildProcess | undefined;
let shuttingDown = false;
const startup = new AbortController();

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new Error(`${name}=${raw} is not a TCP port`);
  return n;
}

function uiPortFromEnv(): number | false {
  const raw = process.env.TEMPORAL_UI_PORT?.trim().toLowerCase();
  if (raw === 'off' || raw === 'false' || raw === 'none') return false;
  return portFromEnv('TEMPORAL_UI_PORT', 8233);
}

function alive(child: ChildProcess | undefined): child is ChildProcess {
  return !!child && child.exitCode === null && child.signalCode === null;
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (!alive(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function shutdown(exitCode: number): Promise<never> {
  if (!shuttingDown) {
    shuttingDown = true;
    startup.abort();
    // An interrupted start-up kills its own server; a start-up that just finished hands it over.
    const started = await serverStarting?.catch(() => undefined);
    server ??= started;
    if (alive(worker)) {
      say('stopping the worker…');
      worker.kill('SIGTERM');
      if (!(await waitForExit(worker, WORKER_GRACE_MS))) {
        complain(`worker did not stop within ${WORKER_GRACE_MS / 1000} s; killing it`);
        worker.kill('SIGKILL');
        await waitForExit(worker, 5_000);
      }
    }
    if (server) {
      say('stopping the Temporal server…');
      await server.stop(SERVER_GRACE_MS);
    }
    say(exitCode === 0 ? 'stopped.' : `stopped (exit code ${exitCode}).`);
  }
  process.exit(exitCode);
}

// Children run in their own process groups so that a terminal's Ctrl-C reaches only this process,
// which then stops them in order. A second Ctrl-C kills them at once.
let interrupts = 0;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    interrupts += 1;
    if (interrupts === 1) {
      say(`${signal} received`);
      void shutdown(0);
    } else {
      complain('second interrupt: killing everything now');
      killAllNow();
      process.exit(130);
    }
  });
}
process.on('exit', killAllNow);

function killAllNow(): void {
  for (const child of [worker, server?.process]) {
    if (alive(child)) child.kill('SIGKILL');
  }
}

async function main(): Promise<void> {
  let address = process.env.TEMPORAL_ADDRESS;
  if (address) {
    say(`TEMPORAL_ADDRESS=${address}: using that cluster; no local dev server is started.`);
  } else {
    const port = portFromEnv('TEMPORAL_PORT', 7233);
    const uiPort = uiPortFromEnv();
    const namespace = process.env.TEMPORAL_NAMESPACE || undefined;
    await fs.mkdir(DATA_DIR, { recursive: true });
    const cli = await ensureTemporalCli();
    say(`starting the Temporal dev server (${cli})…`);
    serverStarting = startDevServer({
      port,
      uiPort,
      dbFile: DB_FILE,
      namespace,
      logFile: SERVER_LOG,
      detached: true,
      signal: startup.signal,
    });
    server = await serverStarting;
    address = server.address;
    server.process.once('exit', (code, signal) => {
      if (shuttingDown) return;
      complain(`the Temporal server exited unexpectedly (code ${code}, signal ${signal}); last output:`);
      complain(server!.logTail(30));
      complain(`full log: ${SERVER_LOG}`);
      void shutdown(1);
    });
    say(`Temporal server: ${address} (namespace ${server.namespace}; data ${path.relative(REPO_ROOT, DB_FILE)}; log ${path.relative(REPO_ROOT, SERVER_LOG)})`);
    say(server.uiUrl ? `Temporal Web UI: ${server.uiUrl}` : 'Temporal Web UI: off (headless)');
  }
  if (shuttingDown) return;

  say(`starting the worker: node --import tsx worker.ts (TEMPORAL_ADDRESS=${address})`);
  worker = spawn(process.execPath, ['--import', 'tsx', WORKER_ENTRY], {
    cwd: REPO_ROOT,
    env: { ...process.env, TEMPORAL_ADDRESS: address },
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  worker.once('error', (err) => {
    if (shuttingDown) return;
    complain(`could not start the worker: ${err.message}`);
    void shutdown(1);
  });
  worker.once('exit', (code, signal) => {
    if (shuttingDown) return;
    const hint = existsSync(WORKER_ENTRY) ? '' : ` (${path.relative(REPO_ROOT, WORKER_ENTRY)} does not exist)`;
    complain(`the worker exited unexpectedly (code ${code}, signal ${signal})${hint}; stopping.`);
    void shutdown(1);
  });
  say('running; press Ctrl-C to stop.');
}

main().catch((err) => {
  if (shuttingDown) return;
  complain(`failed: ${err instanceof Error ? err.message : String(err)}`);
  void shutdown(1);
});
