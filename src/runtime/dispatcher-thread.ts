/**
 * The dispatcher on a thread of its own (DISPATCHER=thread, the worker's default): the same dispatcher as inline,
 * with its own event loop, ledger connection and Temporal client, so rendering, sending and recording deliveries
 * never hold up the event loop the Temporal worker runs its workflow tasks and activities on.
 *
 * Started by `startDispatcherThread` (below, in the worker's process); its settings come from the environment the
 * worker was given (LEDGER_URL, PLANS_DIR, DELIVERY_*, TEMPORAL_*), plus any overrides the host passes. It reports
 * its log lines to the host, which prints them, and stops when the host asks (a round in progress finishes first).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Client, Connection } from '@temporalio/client';
import { openLedger } from '../activities/ledger';
import { loadPlanDir } from '../plan/plan.loader';
import { ConfigError, temporalSettings } from './connection';
import { createDispatcher, deliverySettings } from './dispatcher';

/** Host → thread */
type ToThread = { type: 'stop' } | { type: 'wake' };
/** Thread → host */
type FromThread =
  | { type: 'ready'; channels: string[] }
  | { type: 'log'; message: string; meta?: Record<string, unknown> }
  | { type: 'error'; name: string; message: string }
  | { type: 'stopped' };

export interface DispatcherThreadOptions {
  /** environment overrides for the thread (the worker's own environment otherwise) */
  env?: Record<string, string>;
  /** the dispatcher's log lines (default: console.warn, as inline) */
  log?: (message: string, meta?: Record<string, unknown>) => void;
}

export interface DispatcherThread {
  /** the channels it sends on */
  channels: string[];
  /** New notices were recorded: the dispatcher looks now rather than at its next poll. */
  wake(): void;
  /** Finish the round in progress, close the channels, the ledger connection and the client; end the thread. */
  stop(): Promise<void>;
}

/** The thread's entry: src/runtime/dispatcher-thread.ts from source, dist/dispatcher-thread.js once built. */
function entry(): URL {
  const js = new URL('./dispatcher-thread.js', import.meta.url);
  return existsSync(fileURLToPath(js)) ? js : new URL('./dispatcher-thread.ts', import.meta.url);
}

/** Start the dispatcher on its own thread; resolves once it runs, rejects with its start-up error. */
export function startDispatcherThread(o: DispatcherThreadOptions = {}): Promise<DispatcherThread> {
  const file = entry();
  const options = { env: { ...process.env, ...o.env }, workerData: { dispatcherThread: true } };
  // From source (tsx, tests) the thread registers the TypeScript loader the worker runs under before loading its entry.
  const worker = file.pathname.endsWith('.ts')
    ? new Worker(
      `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(file.href)}); })`,
      { ...options, eval: true },
    )
    : new Worker(file, options);
  const log = o.log ?? ((m, meta) => console.warn(`[dispatcher] ${m}`, meta ?? ''));
  return new Promise((resolve, reject) => {
    let started = false;
    let stopping: (() => void) | undefined;
    const exited = new Promise<void>((done) => worker.once('exit', () => done()));
    worker.on('message', (m: FromThread) => {
      switch (m.type) {
        case 'log': log(m.message, m.meta); break;
        case 'error':
          // (a configuration problem stays a ConfigError: worker.ts prints it as one)
          if (!started) reject(m.name === 'ConfigError' ? new ConfigError(m.message) : new Error(m.message));
          else log('dispatcher thread failed', { error: m.message });
          break;
        case 'stopped': stopping?.(); break;
        case 'ready':
          started = true;
          resolve({
            channels: m.channels,
            wake() {
              if (!stopping) worker.postMessage({ type: 'wake' } satisfies ToThread);
            },
            async stop() {
              const stopped = new Promise<void>((done) => (stopping = done));
              worker.postMessage({ type: 'stop' } satisfies ToThread);
              await Promise.race([stopped, exited]);
              await worker.terminate();
            },
          });
          break;
      }
    });
    worker.once('error', (err) => {
      if (!started) reject(err);
      else log('dispatcher thread failed', { error: err.message });
    });
    worker.once('exit', (code) => {
      if (!started) reject(new Error(`the dispatcher thread exited before it started (code ${code})`));
    });
  });
}

/** In the thread: build the dispatcher from the environment, run it, stop when told. */
async function runInThread() {
  const port = parentPort!;
  const send = (m: FromThread) => port.postMessage(m);
  try {
    const settings = temporalSettings();
    const delivery = deliverySettings();
    const plans = loadPlanDir(process.env.PLANS_DIR ?? 'plans');
    const ledger = openLedger(process.env.LEDGER_URL ?? 'sqlite:.data/ledger.sqlite');
    // (Temporal only hears from the dispatcher when a notice finally failed or recovered, but a start that cannot reach it
    // is a configuration problem to report now)
    const connection = await Connection.connect({ address: settings.address, tls: settings.tls, apiKey: settings.apiKey }).catch((err: unknown) => {
      throw new ConfigError(`TEMPORAL_ADDRESS: the dispatcher cannot reach Temporal at ${settings.address}: ${err instanceof Error ? err.message : String(err)}`);
    });
    const dispatcher = createDispatcher({
      ledger, settings: delivery, plans, client: new Client({ connection, namespace: settings.namespace }),
      log: (message, meta) => send({ type: 'log', message, ...(meta ? { meta: JSON.parse(JSON.stringify(meta)) } : {}) }),
    });
    port.on('message', (m: ToThread) => {
      if (m.type === 'wake') return dispatcher.wake();
      if (m.type !== 'stop') return;
      void (async () => {
        await dispatcher.stop();
        await connection.close();
        await ledger.close();
        send({ type: 'stopped' });
        port.close();
      })();
    });
    dispatcher.start();
    send({ type: 'ready', channels: dispatcher.channelNames() });
  } catch (err) {
    send({ type: 'error', name: err instanceof Error ? err.name : 'Error', message: err instanceof Error ? err.message : String(err) });
  }
}

if (!isMainThread && (workerData as { dispatcherThread?: boolean } | undefined)?.dispatcherThread) void runInThread();
