/**
 * The incident worker: runs incident workflows and their activities.
 *   node --import tsx worker.ts
 * Environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE, TEMPORAL_TLS*, TEMPORAL_API_KEY,
 * LEDGER_URL (default sqlite:.data/ledger.sqlite), PLANS_DIR (default plans).
 */
import { NativeConnection } from '@temporalio/worker';
import { openLedger } from './src/activities/ledger';
import { loadPlanDir } from './src/plan/plan.loader';
import { temporalSettings } from './src/runtime/connection';
import { createIncidentWorker } from './src/runtime/worker';

async function main() {
  const settings = temporalSettings();
  // An invalid plan stops start-up, naming the file, the path inside it and the reason.
  const plans = loadPlanDir(process.env.PLANS_DIR ?? 'plans');
  console.log(`plans: ${plans.map((p) => `${p.plan.id}@${p.plan.version}`).join(', ')}`);
  const ledger = openLedger(process.env.LEDGER_URL ?? 'sqlite:.data/ledger.sqlite');
  await ledger.migrate();
  const connection = await NativeConnection.connect({ address: settings.address, tls: settings.tls, apiKey: settings.apiKey });
  const worker = await createIncidentWorker({ connection, namespace: settings.namespace, taskQueue: settings.taskQueue, ledger });
  console.log(`worker: ${settings.address} namespace=${settings.namespace} taskQueue=${settings.taskQueue}`);
  try {
    await worker.run();
  } finally {
    await connection.close();
    await ledger.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
  process.exit(1);
});
