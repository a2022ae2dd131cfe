import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { incidentWorker, plan, tempLedger, timeSkippingEnv } from '../helpers/temporal';
import type { MetricsUpdate } from '../../src/plan/incident.schema';
import { metricsSignal, metricsUpdate, stateQuery, statusQuery, workflowIdFor } from '../../src/workflows/incident.definitions';
import { READINGS_PER_TASK, incidentWorkflow } from '../../src/workflows/incident.workflow';
import { eventually } from './harness';

const EventType = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/**
 * A backlog of monitoring readings (signals that arrived while no worker ran) is applied in slices of at
 * most READINGS_PER_TASK, each slice in a workflow task of its own (a 1 ms timer starts the next task), so no
 * task nears its deadline however large the backlog. Nothing here measures wall-clock time: the suite runs
 * in parallel on small, loaded machines, and the history says what happened.
 */
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const isSliceTimer = (e: HistoryEvent) => {
  const t = e.timerStartedEventAttributes?.startToFireTimeout;
  return e.eventType === EventType.EVENT_TYPE_TIMER_STARTED && Number(t?.seconds ?? 0) === 0 && (t?.nanos ?? 0) === 1_000_000;
};

describe('a burst of monitoring readings', () => {
  it('1,500 metrics signals waiting for the worker are all applied, in the order received, at most READINGS_PER_TASK per workflow task', async () => {
    expect(READINGS_PER_TASK).toBe(200);
    const { ledger } = tempLedger();
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
    // posts stay within 50 (一般) all along; the last reading, sent alone after the others, is the only 50.
    const reading = (i: number): MetricsUpdate => ({ by: 'liu.bo', metrics: { posts: i === N - 1 ? 50 : 1 + (i % 40) } });
    for (let i = 0; i < N - 1; i += 100) {
      await Promise.all(Array.from({ length: Math.min(100, N - 1 - i) }, (_, k) => h.signal(metricsSignal, reading(i + k))));
    }
    await h.signal(metricsSignal, reading(N - 1));

    const worker = await incidentWorker(env, ledger, taskQueue);
    await worker.runUntil(async () => {
      // Every reading is applied, however long the machine takes to get there.
      const s = await eventually(async () => {
        const st = await h.query(statusQuery);
        expect(st.timeline.filter((t) => t.action === 'metrics')).toHaveLength(N);
        return st;
      }, 240_000);
      expect(s.metrics).toEqual({ posts: 50 });
      expect(s.grade).toBe('general');
      expect(s.ignoredReadings.count).toBe(0);

      // Wait for the run to settle (the start's notices recorded after the backlog), then read its history.
      const events = await eventually(async () => {
        const ev = (await h.fetchHistory()).events ?? [];
        expect(ev.at(-1)?.eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
        expect(ev.some((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)).toBe(true);
        return ev;
      }, 240_000);
      const types = events.map((e) => e.eventType);
      const signals = events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
      expect(signals).toHaveLength(N);
      // They really were a backlog: every signal is in the history before the first workflow task started.
      const firstTask = types.indexOf(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
      expect(events.indexOf(signals[N - 1])).toBeLessThan(firstTask);

      // Applied in the order the server received them.
      const received = signals.map((e) => (defaultPayloadConverter.fromPayload(e.workflowExecutionSignaledEventAttributes!.input!.payloads![0]) as MetricsUpdate).metrics.posts);
      const { context } = await h.query(stateQuery);
      const applied = context.timeline.filter((t) => t.action === 'metrics').sort((a, b) => a.seq - b.seq).map((t) => (JSON.parse(t.details) as MetricsUpdate['metrics']).posts);
      expect(applied).toEqual(received);
      expect(received.at(-1)).toBe(50);

      // In slices: after each slice but the last, a 1 ms timer ends the task, and the next slice runs in the task it starts.
      const timers = events.filter(isSliceTimer);
      expect(timers).toHaveLength(Math.ceil(N / READINGS_PER_TASK) - 1);
      const fired = new Set(events.filter((e) => e.eventType === EventType.EVENT_TYPE_TIMER_FIRED).map((e) => String(e.timerFiredEventAttributes!.startedEventId)));
      for (const t of timers) expect(fired.has(String(t.eventId))).toBe(true);
      // One slice per task: each slice timer ends a task of its own (a completed task between any two), and nothing else happens meanwhile.
      const at = timers.map((t) => events.indexOf(t));
      for (let i = 1; i < at.length; i++) {
        const between = types.slice(at[i - 1] + 1, at[i]);
        expect(between.filter((t) => t === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).length).toBeGreaterThanOrEqual(1);
        expect(between.filter((t) => t !== EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED && t !== EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED
          && t !== EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED && t !== EventType.EVENT_TYPE_TIMER_FIRED)).toEqual([]);
      }
      // The first slice ran in the first task, which ended with the first slice timer.
      expect(types.slice(firstTask + 1, at[0]).filter((t) => t === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).length).toBeGreaterThanOrEqual(1);
      // No task failed or ran out of time.
      expect(types).not.toContain(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
      expect(types).not.toContain(EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT);
      // Search attributes were published when they changed, not once per reading or per slice.
      expect(types.filter((t) => t === EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES).length).toBeLessThanOrEqual(2);
      // The notices of the start were recorded once the backlog was done.
      expect((await ledger.listNotices({ incidentId: id })).map((n) => n.kind)).toContain('assigned');
    });
    await ledger.close();
  }, 600_000);

  // Readings are taken in the order they arrived: an update (recordMetrics, or any action) waits until the readings
  // signalled before it have been applied, so an older reading never overwrites a newer one.
  it('a reading sent as an update after buffered signals is applied after them, in the order received', async () => {
    const { ledger } = tempLedger();
    await ledger.migrate();
    const county = plan('county-office');
    const taskQueue = 'burst-order';
    const id = 'burst-order';
    const h = await env.client.workflow.start(incidentWorkflow, {
      workflowId: workflowIdFor(id), taskQueue,
      args: [{ incident: { id, title: '更新与积压的顺序', discoveredAt: new Date(Date.now() - 60_000).toISOString(), discoveredBy: 'liu.bo', metrics: { posts: 1 } }, plan: county.plan, planHash: county.hash }],
    });
    // 300 readings signalled while no worker runs (more than one slice), then one more by a person, as an update.
    for (let i = 0; i < 300; i += 100) await Promise.all(Array.from({ length: 100 }, () => h.signal(metricsSignal, { by: 'liu.bo', metrics: { posts: 10 } })));
    const update = h.executeUpdate(metricsUpdate, { args: [{ by: 'zhao.min', metrics: { posts: 45 } }] });
    await new Promise((r) => setTimeout(r, 1000));
    const worker = await incidentWorker(env, ledger, taskQueue);
    await worker.runUntil(async () => {
      await update;
      const s = await eventually(async () => {
        const st = await h.query(statusQuery);
        expect(st.timeline.filter((t) => t.action === 'metrics')).toHaveLength(301);
        return st;
      }, 240_000);
      const last = s.timeline.filter((t) => t.action === 'metrics').sort((a, b) => a.seq - b.seq).at(-1)!;
      expect(last.by).toBe('zhao.min');
      expect(s.metrics).toEqual({ posts: 45 });
    });
    await ledger.close();
  }, 600_000);
});
