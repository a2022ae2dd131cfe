import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import { createActivities } from '../activities/incident.activities';
import type { Ledger } from '../activities/ledger';

/** The folder with package.json above a module: the repository root, from src/runtime/ or from dist/. */
function packageRoot(moduleUrl: string): string {
  let dir = path.dirname(fileURLToPath(moduleUrl));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(moduleUrl)}`);
    dir = up;
  }
  return dir;
}

/**
 * The workflow source Temporal bundles at start-up: src/workflows/index.ts, whether this module runs
 * from source (tsx, tests) or bundled into dist/worker.js.
 */
export const workflowsPath = path.join(packageRoot(import.meta.url), 'src', 'workflows', 'index.ts');

export interface IncidentWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  ledger: Ledger;
  /** a prebuilt bundle (tests share one); otherwise the workflows are bundled from source */
  workflowBundle?: WorkflowBundle;
}

/** Build a worker for incidents: shared by worker.ts and the tests. */
export async function createIncidentWorker(o: IncidentWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: o.taskQueue,
    ...(o.workflowBundle ? { workflowBundle: o.workflowBundle } : { workflowsPath }),
    activities: createActivities({ ledger: o.ledger }),
  });
}
