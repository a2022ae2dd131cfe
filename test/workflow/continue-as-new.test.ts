import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { devServerEnv, incidentWorker, plan, tempLedger } from '../helpers/temporal';
import { SA, actionUpdates, metricsSignal, statusQuery, workflowIdFor } from '../../src/workflows/incident.definitions';
import { incidentWorkflow } from '../../src/workflows/incident.workflow';

/**
 * The dev server is told to suggest continue-as-new after a few dozen events, so a long incident
 * rolls over to a new run several times; nothing it knew may be lost on the way.
 */
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await devServerEnv({ extraArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=60'] });
});
afterAll(async () => {
  await env?.teardown();
});

describe('continue-as-new', () => {
  it('carries the machine snapshot, obligations, timeline and outcomes into the next run', async () => {
    const { ledger } = tempLedger();
    await ledger.migrate();
    const county = plan('county-office');
    const taskQueue = 'can-1';
    const worker = await incidentWorker(env, ledger, taskQueue);
    await worker.runUntil(async () => {
      const id = 'can-1';
      const h = await env.client.workflow.start(incidentWorkflow, {
        workflowId: workflowIdFor(id), taskQueue,
        args: [{ incident: { id, title: '持续发酵的舆情', discoveredAt: new Date(Date.now() - 10 * 60_000).toISOString(), discoveredBy: 'liu.bo', metrics: { posts: 20 } }, plan: county.plan, planHash: county.hash }],
      });
      const firstRun = h.firstExecutionRunId;
      await h.executeUpdate(actionUpdates.report, { args: [{ by: 'liu.bo', to: 'office', mode: 'phone' }] });
      await h.executeUpdate(actionUpdates.report, { args: [{ by: 'liu.bo', to: 'office', mode: 'written' }] });
      await h.executeUpdate(actionUpdates.assess, { args: [{ by: 'zhao.min' }] });
      // many monitoring readings: each is a signal event in the history
      for (let i = 1; i <= 40; i++) await h.signal(metricsSignal, { by: 'liu.bo', metrics: { posts: 20 + i } });
      await h.executeUpdate(actionUpdates.report, { args: [{ by: 'zhao.min', to: 'leaderInCharge', mode: 'written', kind: 'followUp' }] });
      for (let i = 41; i <= 80; i++) await h.signal(metricsSignal, { by: 'liu.bo', metrics: { posts: 20 + i } });
      // posts > 100 made it larger on the way
      const s = await env.client.workflow.getHandle(workflowIdFor(id)).query(statusQuery);
      const d = await env.client.workflow.getHandle(workflowIdFor(id)).describe();
      expect(d.runId).not.toBe(firstRun);
      expect(s.stage).toBe('rapidResponse');
      expect(s.grade).toBe('larger');
      expect(s.metrics.posts).toBe(100);
      expect(s.timeline.filter((t) => t.action === 'metrics')).toHaveLength(80);
      expect(s.obligations.find((o) => o.id === 'firstReport')).toMatchObject({ status: 'met' });
      // v1 ids come from meaning (who phoned, when), so they survive the rollover unchanged.
      const written = s.obligations.filter((o) => o.kind === 'writtenReport');
      expect(written).toHaveLength(1);
      expect(written[0]).toMatchObject({ status: 'met', owner: { personId: 'liu.bo' } });
      expect(written[0].id).toMatch(/^writtenReport\/liu\.bo@\d{8}T\d{6}\.\d{3}Z$/);
      // the follow-up cadence obligation is still timed in the new run
      const pendingFollowUp = s.obligations.find((o) => o.kind === 'followUp' && o.status === 'pending');
      expect(pendingFollowUp?.dueAt).toBeTruthy();
      // and the new run still takes actions
      const after = await env.client.workflow.getHandle(workflowIdFor(id)).executeUpdate(actionUpdates.classify, { args: [{ by: 'zhao.min', category: 'hype' }] });
      expect(after.stage).toBe('categorizedHandling');
      const outcomes = await ledger.listFindings({ incidentId: id });
      expect(outcomes.map((o) => o.id).sort()).toEqual([...new Set(outcomes.map((o) => o.id))].sort());
      expect(outcomes.map((o) => o.obligationId)).toEqual(expect.arrayContaining(['firstReport', written[0].id]));
      expect(outcomes.find((o) => o.obligationId === 'firstReport')).toMatchObject({ id: `${id}/firstReport/timers`, kind: 'onTime' });
      // The new run is still a v1 run: it writes the v1 search attributes.
      const sa = (await env.client.workflow.getHandle(workflowIdFor(id)).describe()).typedSearchAttributes;
      expect(sa.get(SA.bindingOverdueCount)).toBe(0);
      // (the status writes times to the second, with the plan zone's offset)
      expect(pendingFollowUp!.dueAt).toMatch(/\+08:00$/);
      expect(Math.floor(sa.get(SA.earliestDueAt)!.getTime() / 1000) * 1000).toBe(Date.parse(pendingFollowUp!.dueAt!));
    });
  });
});
