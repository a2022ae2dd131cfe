import fs from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import { openLedger, type Ledger } from '../../src/activities/ledger';
import { loadPlanFile, type LoadedPlan } from '../../src/plan/plan.loader';
import { bundleIncidentWorkflows, createIncidentWorker } from '../../src/runtime/worker';
import { ensureTemporalCli, ensureTestServer, SEARCH_ATTRIBUTES } from '../../scripts/temporal-binaries';

const INDEXED = { Text: 1, Keyword: 2, Int: 3, Double: 4, Bool: 5, Datetime: 6, KeywordList: 7 } as const;
import { SA } from '../../src/workflows/incident.definitions';

let bundle: Promise<WorkflowBundle> | undefined;
/** Bundle the workflows once per test file. */
export function workflowBundle(): Promise<WorkflowBundle> {
  bundle ??= bundleIncidentWorkflows();
  return bundle;
}

export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const exe = process.env.TEMPORAL_TEST_SERVER_PATH ?? (await ensureTestServer());
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: exe } } });
  // The time-skipping server knows only the search attributes registered with it.
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(Object.entries(SEARCH_ATTRIBUTES).map(([name, kind]) => [name, INDEXED[kind]])),
  });
  return env;
}

export async function devServerEnv(opts: { dbFilename?: string; extraArgs?: string[] } = {}): Promise<TestWorkflowEnvironment> {
  const exe = process.env.TEMPORAL_CLI_PATH ?? (await ensureTemporalCli());
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: exe },
      searchAttributes: Object.values(SA),
      dbFilename: opts.dbFilename,
      extraArgs: opts.extraArgs,
      ip: '127.0.0.1',
    },
  });
}

export function tempLedger(): { ledger: Ledger; file: string; lines: string[] } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ledger-'));
  const file = path.join(dir, 'ledger.sqlite');
  const ledger = openLedger(`sqlite:${file}`);
  const lines: string[] = [];
  return { ledger, file, lines };
}

/** A plan by id: a shipped per-seed plan (plans/), else a legacy-shape fixture (test/fixtures/plans/). */
export const plan = (id: string): LoadedPlan => {
  const shipped = path.join('plans', `${id}.yaml`);
  return loadPlanFile(fs.existsSync(shipped) ? shipped : path.join('test', 'fixtures', 'plans', `${id}.yaml`));
};

export async function incidentWorker(env: TestWorkflowEnvironment, ledger: Ledger, taskQueue: string) {
  return createIncidentWorker({
    connection: env.nativeConnection, namespace: env.namespace ?? 'default', taskQueue, ledger,
    workflowBundle: await workflowBundle(),
  });
}
