import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import { createActivities } from '../activities/incident.activities';
import type { Ledger } from '../activities/ledger';
import { ConfigError } from './connection';

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

/** Libraries loaded once per workflow thread and shared by every incident (src/workflows/preload.ts). */
export const PRELOAD_MODULES = [path.join(packageRoot(import.meta.url), 'src', 'workflows', 'preload.ts')];

type BundleLogger = NonNullable<Parameters<typeof bundleWorkflowCode>[0]['logger']>;
const quiet: BundleLogger = { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} } as never;

/** The incident workflows bundled as the worker bundles them (tests and scripts share one bundle). */
export function bundleIncidentWorkflows(logger: BundleLogger = quiet): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath, preloadModules: PRELOAD_MODULES, logger });
}

export interface IncidentWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  ledger: Ledger;
  /** a prebuilt bundle (tests share one); otherwise the workflows are bundled from source */
  workflowBundle?: WorkflowBundle;
  /** the worker's limits; default: workerTuning(process.env) */
  tuning?: WorkerTuning;
  /** told after an activity recorded new notices (wake the dispatcher) */
  onNoticesRecorded?: () => void;
}

/**
 * The worker's limits, a deployment choice (WORKER_* in the environment; README, Configuration). Unset: the SDK's
 * defaults (40 workflow tasks and 100 activities at once, 10 pollers of each, a workflow cache sized from the heap,
 * one workflow thread with a reused V8 context).
 */
export interface WorkerTuning {
  maxConcurrentWorkflowTaskExecutions?: number;
  maxConcurrentActivityTaskExecutions?: number;
  workflowTaskPollers?: number;
  activityTaskPollers?: number;
  maxCachedWorkflows?: number;
  workflowThreadPoolSize?: number;
  reuseV8Context?: boolean;
}

const whole = (name: string, text: string | undefined, min: number): number | undefined => {
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${name}: must be a whole number ≥ ${min}, got "${text}"`);
  return n;
};

const flag = (name: string, text: string | undefined): boolean | undefined => {
  if (text === undefined || text === '') return undefined;
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw new ConfigError(`${name}: must be true or false, got "${text}"`);
};

export function workerTuning(env: NodeJS.ProcessEnv = process.env): WorkerTuning {
  const t: WorkerTuning = {
    maxConcurrentWorkflowTaskExecutions: whole('WORKER_MAX_WORKFLOW_TASKS', env.WORKER_MAX_WORKFLOW_TASKS, 2),
    maxConcurrentActivityTaskExecutions: whole('WORKER_MAX_ACTIVITY_TASKS', env.WORKER_MAX_ACTIVITY_TASKS, 1),
    workflowTaskPollers: whole('WORKER_WORKFLOW_POLLERS', env.WORKER_WORKFLOW_POLLERS, 1),
    activityTaskPollers: whole('WORKER_ACTIVITY_POLLERS', env.WORKER_ACTIVITY_POLLERS, 1),
    maxCachedWorkflows: whole('WORKER_MAX_CACHED_WORKFLOWS', env.WORKER_MAX_CACHED_WORKFLOWS, 0),
    workflowThreadPoolSize: whole('WORKER_WORKFLOW_THREADS', env.WORKER_WORKFLOW_THREADS, 1),
    reuseV8Context: flag('WORKER_REUSE_V8_CONTEXT', env.WORKER_REUSE_V8_CONTEXT),
  };
  return Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined)) as WorkerTuning;
}

/** Build a worker for incidents: shared by worker.ts and the tests. */
export async function createIncidentWorker(o: IncidentWorkerOptions): Promise<Worker> {
  const t = o.tuning ?? workerTuning();
  return Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: o.taskQueue,
    ...(o.workflowBundle ? { workflowBundle: o.workflowBundle } : { workflowsPath, bundlerOptions: { preloadModules: PRELOAD_MODULES } }),
    activities: createActivities({ ledger: o.ledger, ...(o.onNoticesRecorded ? { onNoticesRecorded: o.onNoticesRecorded } : {}) }),
    ...(t.maxConcurrentWorkflowTaskExecutions !== undefined ? { maxConcurrentWorkflowTaskExecutions: t.maxConcurrentWorkflowTaskExecutions } : {}),
    ...(t.maxConcurrentActivityTaskExecutions !== undefined ? { maxConcurrentActivityTaskExecutions: t.maxConcurrentActivityTaskExecutions } : {}),
    ...(t.workflowTaskPollers !== undefined ? { workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: t.workflowTaskPollers } } : {}),
    ...(t.activityTaskPollers !== undefined ? { activityTaskPollerBehavior: { type: 'simple-maximum', maximum: t.activityTaskPollers } } : {}),
    ...(t.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: t.maxCachedWorkflows } : {}),
    ...(t.workflowThreadPoolSize !== undefined ? { workflowThreadPoolSize: t.workflowThreadPoolSize } : {}),
    ...(t.reuseV8Context !== undefined ? { reuseV8Context: t.reuseV8Context } : {}),
  });
}
