import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { reconcile } from '../../src/api/ledger-views';
import { actionUpdates, statusQuery, workflowIdFor } from '../../src/workflows/incident.definitions';
import { incidentWorkflow } from '../../src/workflows/incident.workflow';
import { devServerEnv, incidentWorker, plan, tempLedger } from '../helpers/temporal';

/**
 * Termination cannot run workflow code: `reconcile` finds terminated incidents whose findings were never
 * written and writes them from the last recorded state, judged as of the termination (not when it runs),
 * once (rule book, Accountability: Endings). On the dev server: the time-skipping server lists no workflows.
 */
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await devServerEnv();
});
afterAll(async () => {
  await env?.teardown();
});

describe('reconcile', () => {
  it('writes a terminated incident’s findings as of the termination, exactly once', async () => {
    const { ledger } = tempLedger();
    await ledger.migrate();
    const county = plan('county-office');
    const taskQueue = 'reconcile-1';
    const worker = await incidentWorker(env, ledger, taskQueue);
    await worker.runUntil(async () => {
      const id = 'reconcile-1';
      // Major, discovered 3 h 10 min ago: the first report (2 h) and the public response (3 h) have passed.
      const h = await env.client.workflow.start(incidentWorkflow, {
        workflowId: workflowIdFor(id), taskQueue,
        args: [{ incident: { id, title: '被强制终止的事件', discoveredAt: new Date(Date.now() - 190 * 60_000).toISOString(), discoveredBy: 'liu.bo', metrics: { posts: 600 } }, plan: county.plan, planHash: county.hash }],
      });
      await h.executeUpdate(actionUpdates.report, { args: [{ by: 'liu.bo', to: 'office', mode: 'phone' }] });
      await h.terminate('operator terminated the run');
      const closeTime = (await h.describe()).closeTime!.getTime();
      // the workflow wrote the late first report itself; nothing else yet
      expect((await ledger.listFindings({ incidentId: id })).map((f) => f.kind)).toEqual(['late']);

      let results: Awaited<ReturnType<typeof reconcile>> = [];
      for (let i = 0; i < 50 && results.length === 0; i++) {
        results = await reconcile(env.client, ledger, { incidentId: id });
        if (!results.length) await new Promise((r) => setTimeout(r, 200)); // visibility catches up
      }
      expect(results).toEqual([expect.objectContaining({ incidentId: id, ending: 'terminated', findings: 2, written: 2 })]);
      const findings = await ledger.listFindings({ incidentId: id });
      expect(findings.map((f) => `${f.obligationKind}:${f.kind}:${f.ending ?? ''}`).sort()).toEqual([
        'firstReport:late:', 'publicResponse:missedDuty:terminated', 'writtenReport:unmetAtEnding:terminated',
      ]);
      // judged as of the termination event, not as of the reconcile run
      for (const f of findings.filter((x) => x.ending === 'terminated')) expect(f.at).toBe(closeTime);
      expect(await ledger.listEndings({ incidentId: id })).toEqual([expect.objectContaining({ ending: 'terminated', at: closeTime })]);
      // what the workflow still shows is its last state; the ledger holds the ending
      expect((await h.query(statusQuery)).stage).toBe('researchAndWarning');

      // a second run finds nothing left to do
      expect(await reconcile(env.client, ledger, { incidentId: id })).toEqual([]);
      expect(await ledger.listFindings({ incidentId: id })).toHaveLength(3);
    });
    await ledger.close();
  });
});
