import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import { createActivities } from '../activities/incident.activities';
import type { Ledger } from '../activities/ledger';
import type { NotificationChannel } from '../activities/notifier';

/** Build a worker for incidents: shared by worker.ts and the tests. */
export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface IncidentWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  ledger: Ledger;
  channels?: NotificationChannel[];
  /** a prebuilt bundle (tests share one); otherwise the workflows are bundled from source */
  workflowBundle?: WorkflowBundle;
}

export async function createIncidentWorker(o: IncidentWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: o.taskQueue,
    ...(o.workflowBundle ? { workflowBundle: o.workflowBundle } : { workflowsPath }),
    activities: createActivities({ ledger: o.ledger }),
  });
}
