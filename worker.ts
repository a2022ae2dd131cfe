/**
 * The incident worker: runs incident workflows and their activities.
 *   node --import tsx worker.ts
 * Environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE, TEMPORAL_TLS*, TEMPORAL_API_KEY,
 * LEDGER_URL (default sqlite:.data/ledger.sqlite), PLANS_DIR (default plans),
 * DELIVERY_CONFIG (the channels: docs/channels.md), ROSTERS_DIR (duty rosters: docs/rosters.md),
 * DELIVERY_POLL_MS, DELIVERY_GIVE_UP_AFTER_MS, DELIVERY_LEASE_MS, DELIVERY_TEST_HTTP_URL, DELIVERY_TEST_HTTP_TIMEOUT_MS
 * DELIVERY_BACKOFF_MAX_MS, DELIVERY_CONCURRENCY, DISPATCHER (thread | inline | off: where the dispatcher runs) (the dispatcher), WORKER_MAX_WORKFLOW_TASKS, WORKER_MAX_ACTIVITY_TASKS, WORKER_WORKFLOW_POLLERS, WORKER_ACTIVITY_POLLERS,
 * WORKER_WORKFLOW_THREADS, WORKER_MAX_CACHED_WORKFLOWS, WORKER_REUSE_V8_CONTEXT (the worker's limits; see README).
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { openLedger } from './src/activities/ledger';
import { loadPlanDir } from './src/plan/plan.loader';
import { temporalSettings } from './src/runtime/connection';
import { createIncidentWorker } from './src/runtime/worker';
import { channelsFor, checkRoutes, createDispatcher, deliverySettings, dispatcherMode, syncRosters } from './src/runtime/dispatcher';
import { startDispatcherThread } from './src/runtime/dispatcher-thread';

async function main() {
  const settings = temporalSettings();
  const delivery = deliverySettings();
  const ledgerUrl = process.env.LEDGER_URL ?? 'sqlite:.data/ledger.sqlite';
  // (a ledger in memory is this process's alone: its dispatcher runs inline)
  const requested = dispatcherMode();
  const mode = requested === 'thread' && /^(sqlite:)?(\/\/)?:memory:$/.test(ledgerUrl.trim()) ? 'inline' : requested;
  // An invalid plan stops start-up, naming the file, the path inside it and the reason.
  const plans = loadPlanDir(process.env.PLANS_DIR ?? 'plans');
  console.log(`plans: ${plans.map((p) => `${p.plan.id}@${p.plan.version}`).join(', ')}`);
  // Every route a plan names must be a configured channel (DELIVERY_CONFIG): a clear error now, not silent notices later.
  checkRoutes(plans, delivery);
  const ledger = openLedger(ledgerUrl);
  await ledger.migrate();
  // Duty rosters (ROSTERS_DIR, default rosters/): each version is kept in the ledger; an invalid one stops start-up.
  const rosters = await syncRosters(ledger);
  const rosterTimer = setInterval(() => {
    syncRosters(ledger).then((n) => { if (n) console.log(`rosters: ${n} new version(s) kept`); }, (err) => console.warn(`[rosters] not synced: ${err instanceof Error ? err.message : err}`));
  }, 60_000);
  rosterTimer.unref();
  const connection = await NativeConnection.connect({ address: settings.address, tls: settings.tls, apiKey: settings.apiKey });
  // A notice recorded by this worker's activities wakes its dispatcher (set below, once it runs): no wait for the next poll.
  let wake = () => {};
  const worker = await createIncidentWorker({ connection, namespace: settings.namespace, taskQueue: settings.taskQueue, ledger, onNoticesRecorded: () => wake() });
  // The dispatcher sends notices on its own path (by default its own thread); it signals incidents through a client of its own.
  let stopDispatcher = async () => {};
  if (mode === 'inline') {
    const clientConnection = await Connection.connect({ address: settings.address, tls: settings.tls, apiKey: settings.apiKey });
    const dispatcher = createDispatcher({ ledger, settings: delivery, plans, client: new Client({ connection: clientConnection, namespace: settings.namespace }) });
    dispatcher.start();
    wake = () => dispatcher.wake();
    stopDispatcher = async () => {
      await dispatcher.stop();
      await clientConnection.close();
    };
  } else if (mode === 'thread') {
    const thread = await startDispatcherThread();
    wake = () => thread.wake();
    stopDispatcher = () => thread.stop();
  }
  const where = mode === 'off' ? 'no dispatcher here (DISPATCHER=off)' : `dispatcher (${mode}) every ${delivery.pollMs} ms via ${channelsFor(delivery).map((c) => `${c.name} (${c.type})`).join(', ')}`;
  console.log(`worker: ${settings.address} namespace=${settings.namespace} taskQueue=${settings.taskQueue}; ${where}; rosters: ${rosters} new version(s) kept`);
  try {
    await worker.run();
  } finally {
    await stopDispatcher();
    await connection.close();
    await ledger.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
  process.exit(1);
});
