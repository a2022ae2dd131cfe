import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { incidentWorker, plan, tempLedger, timeSkippingEnv } from '../helpers/temporal';
import { metricsSignal, statusQuery, workflowIdFor } from '../../src/workflows/incident.definitions';
import { incidentWorkflow } from '../../src/workflows/incident.workflow';

const EventType = temporal.api.enums.v1.EventType;

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

describe('a burst of monitoring readings', () => {
  it('1,500 metrics signals waiting for one workflow task are all applied in that task', async () => {
    const { ledger, channels } = tempLedger();
    await ledger.migrate();
    const county = plan('county-office');
    const taskQueue = 'burst';
    const id = 'burst-1';
    // No worker yet: the start and every signal wait in the history for the first workflow task.
    const h = await env.client.workflow.start(incidentWorkflow, {
      workflowId: workflowIdFor(id), taskQueue,
      args: [{ incident: { id, title: '监测数据激增', discoveredAt: new Date(Date.now() - 60_000).toISOString(), discoveredBy: 'liu.bo', metrics: { posts: 1 } }, plan: county.plan, planHash: county.hash }],
    });
    const N = 1500;
    for (let i = 0; i < N; i += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, k) => h.signal(metricsSignal, { by: 'liu.bo', metrics: { posts: 1 + ((i + k) % 40) } })));
    }
    const worker = await incidentWorker(env, ledger, taskQueue, channels);
    await worker.runUntil(async () => {
      const s = await h.query(statusQuery);
      expect(s.timeline.filter((t) => t.action === 'metrics')).toHaveLength(N);
      expect(s.grade).toBe('general');
      const history = await h.fetchHistory();
      const types = history.events!.map((e) => e.eventType);
      expect(types.filter((t) => t === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)).toHaveLength(N);
      // the first task handled the whole burst: no failed or timed-out workflow task
      expect(types).not.toContain(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
      expect(types).not.toContain(EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT);
      // search attributes were published once for the burst, not once per reading
      expect(types.filter((t) => t === EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES).length).toBeLessThanOrEqual(2);
    });
  });
});
