import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import type { Ledger, NoticeRow } from '../../src/activities/ledger';
import { LogDeliveryChannel } from '../../src/delivery/channels/log';
import { Dispatcher } from '../../src/delivery/dispatcher';
import type { Finding } from '../../src/machines/effects';
import type { IncidentStatus } from '../../src/machines/status';
import type { Metrics } from '../../src/plan/incident.schema';
import type { Grade } from '../../src/plan/codes';
import { calendarSlice, HOLIDAY_DATA_COVERS } from '../../src/plan/holidays';
import { localDate } from '../../src/plan/time-zone';
import { incidentWorkflow } from '../../src/workflows/incident.workflow';
import { statusQuery, workflowIdFor } from '../../src/workflows/incident.definitions';
import { incidentWorker, plan, tempLedger, timeSkippingEnv } from '../helpers/temporal';

/**
 * One time-skipping server, one ledger and one running worker per test file. Every test starts its
 * incident at a fixed local time (Asia/Shanghai, the shipped plans' zone) found by skipping the server's
 * clock forward, so calendar-day deadlines do not depend on when the suite runs.
 */

export const EventType = temporal.api.enums.v1.EventType;
export const UPDATE_EVENTS = [
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ADMITTED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_REJECTED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
];

/** A history ending in one of these has a task scheduled or running. */
const BUSY = new Set<number>([
  EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
  EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
  EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED,
  EventType.EVENT_TYPE_TIMER_FIRED,
]);

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
/** Asia/Shanghai has kept UTC+8 all year since 1991. */
const SHANGHAI_OFFSET = 8 * HOUR;

/** The last millisecond of the Shanghai calendar day holding `at`, computed independently of src/. */
export function endOfShanghaiDay(at: number): number {
  return Math.floor((at + SHANGHAI_OFFSET) / DAY) * DAY + DAY - SHANGHAI_OFFSET - 1;
}

export type IncidentHandle = WorkflowHandle<typeof incidentWorkflow>;

export interface Started {
  h: IncidentHandle;
  id: string;
  /** the moment of discovery (ms), a whole local hour */
  t0: number;
}

export interface Harness {
  env: TestWorkflowEnvironment;
  ledger: Ledger;
  /** log-channel lines, one per delivery the dispatcher made (see deliver) */
  lines: string[];
  taskQueue: string;
  /** Skip the server clock to the next `hour`:00 in Asia/Shanghai and start an incident discovered then (or entered `enteredAfter` ms later). */
  /**
   * `current`: start as a client does today (holiday data in the input: the v3 rules); without it the incident runs
   * v1, as the older scenarios were written. `grade`/`subject`: what the discoverer records at entry (v3).
   */
  start(o: {
    planId: string; id: string; by: string; metrics?: Metrics; title?: string; atLocalHour?: number; enteredAfter?: number;
    current?: boolean; grade?: Grade; subject?: string;
  }): Promise<Started>;
  now(): Promise<number>;
  /** Skip the server clock forward to `at` (ms); timers due on the way fire in order. */
  sleepUntil(at: number): Promise<void>;
  /** Skip the server clock to the next `hour`:00 in Asia/Shanghai (at least a minute away) and return it. */
  advanceToLocalHour(hour: number): Promise<number>;
  /** Wait until the workflow has no activity in flight and its last task completed. */
  quiescent(h: IncidentHandle): Promise<void>;
  status(h: IncidentHandle): Promise<IncidentStatus>;
  /** the findings the ledger holds for an incident */
  outcomes(incidentId: string): Promise<Finding[]>;
  /** the notices the incident recorded for the dispatcher */
  notices(incidentId: string): Promise<NoticeRow[]>;
  /** Run the dispatcher (log channel) at the server's current time until no notice is due; returns how many it sent. */
  deliver(): Promise<number>;
}

let runtimeInstalled = false;
function quietRuntime() {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // already installed in this process: keep it
  }
}

export function useHarness(name: string): Harness {
  const taskQueue = `wf-${name}`;
  const started: IncidentHandle[] = [];
  let worker: Worker;
  let running: Promise<void>;
  const { ledger, lines } = tempLedger();
  const hx = { ledger, lines, taskQueue } as Harness;
  // The dispatcher runs on the test server's clock (skipped forward), one round at a time when a test asks.
  let serverNow = 0;
  const dispatcher = new Dispatcher({ ledger, clock: () => serverNow, channels: [new LogDeliveryChannel((l) => lines.push(l))] });

  beforeAll(async () => {
    quietRuntime();
    hx.env = await timeSkippingEnv();
    await ledger.migrate();
    worker = await incidentWorker(hx.env, ledger, taskQueue);
    running = worker.run();
  });

  // A test's incident must not keep firing timers while the next test skips the clock forward.
  afterEach(async (ctx) => {
    // HARNESS_DUMP=1: a failed test leaves the tail of each of its incidents' histories in the temp folder
    if (process.env.HARNESS_DUMP && ctx.task.result?.state === 'fail') {
      for (const h of started) {
        const ev = (await h.fetchHistory()).events ?? [];
        const lines = ev.slice(-25).map((e) => `${e.eventId} ${EventType[e.eventType ?? 0]} ${JSON.stringify(e.timerStartedEventAttributes ?? e.timerFiredEventAttributes ?? e.workflowTaskFailedEventAttributes ?? e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ?? '')}`);
        writeFileSync(path.join(tmpdir(), `harness-${h.workflowId}.txt`), lines.join('\n'));
      }
    }
    for (const h of started.splice(0)) {
      const d = await h.describe();
      if (d.status.name === 'RUNNING') await h.terminate('test finished');
    }
  });

  afterAll(async () => {
    if (worker) {
      worker.shutdown();
      await running;
    }
    await hx.env?.teardown();
    await ledger.close();
  });

  hx.now = () => hx.env.currentTimeMs();

  // After a clock skip, every open incident takes the timers that fired before the test sends its next update: the
  // time-skipping server refuses a workflow task that completes an update beside a timer firing at that same instant
  // ("invalid history builder state for action") and never retries it, so the two are kept apart.
  hx.sleepUntil = async (at) => {
    const now = await hx.now();
    if (at <= now) return;
    await hx.env.sleep(at - now);
    for (const h of started) {
      const d = await h.describe();
      if (d.status.name === 'RUNNING') await hx.quiescent(h);
    }
  };

  hx.advanceToLocalHour = async (hour) => {
    const now = await hx.now();
    const localMidnight = Math.floor((now + SHANGHAI_OFFSET) / DAY) * DAY - SHANGHAI_OFFSET;
    let t0 = localMidnight + hour * HOUR;
    while (t0 < now + MIN) t0 += DAY;
    await hx.env.sleep(t0 - now);
    return t0;
  };

  hx.quiescent = (h) =>
    eventually(async () => {
      const d = await h.describe();
      const events = (await h.fetchHistory()).events ?? [];
      const last = events[events.length - 1]?.eventType ?? EventType.EVENT_TYPE_UNSPECIFIED;
      if ((d.raw.pendingActivities?.length ?? 0) > 0 || BUSY.has(last)) {
        throw new Error(`workflow ${h.workflowId} is still busy (last event ${EventType[last]})`);
      }
      // a timer due by the server's clock (or within the next second: a locked test server's clock runs on in real
      // time) fires any moment: not quiet yet. An update whose task cancels a timer that fires meanwhile is refused
      // by the time-skipping server ("invalid history builder state for action") and never retried.
      const now = (await hx.now()) + 1000;
      const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
      const open = new Map<string, number>();
      for (const e of events) {
        const started = e.timerStartedEventAttributes;
        if (started?.timerId) open.set(started.timerId, ms(e.eventTime) + ms(started.startToFireTimeout));
        const done = e.timerFiredEventAttributes?.timerId ?? e.timerCanceledEventAttributes?.timerId;
        if (done) open.delete(done);
      }
      const due = [...open.values()].filter((at) => at <= now);
      if (due.length) throw new Error(`workflow ${h.workflowId} has ${due.length} timer(s) due and not fired yet`);
    });

  hx.start = async ({ planId, id, by, metrics = {}, title, atLocalHour = 9, enteredAfter = 0, current = false, grade, subject }) => {
    const t0 = await hx.advanceToLocalHour(atLocalHour);
    // An incident entered late: discovered at t0, started `enteredAfter` later.
    if (enteredAfter > 0) await hx.sleepUntil(t0 + enteredAfter);
    const p = plan(planId);
    const h = await hx.env.client.workflow.start(incidentWorkflow, {
      workflowId: workflowIdFor(id),
      taskQueue,
      args: [{
        incident: {
          id, title: title ?? `测试舆情 ${id}`, discoveredAt: new Date(t0).toISOString(), discoveredBy: by, metrics,
          ...(grade ? { grade } : {}), ...(subject ? { subject } : {}),
        },
        plan: p.plan,
        planHash: p.hash,
        ...(current ? { calendar: calendarSlice(localDate(p.plan.timeZone, t0), HOLIDAY_DATA_COVERS.to) } : {}),
      }],
    });
    started.push(h);
    // The first workflow task has run once the status query answers.
    await h.query(statusQuery);
    return { h, id, t0 };
  };

  hx.status = (h) => h.query(statusQuery);
  hx.outcomes = (incidentId) => ledger.listFindings({ incidentId });
  hx.notices = (incidentId) => ledger.listNotices({ incidentId });
  hx.deliver = async () => {
    serverNow = await hx.now();
    let sent = 0;
    for (let n = await dispatcher.tick(); n > 0; n = await dispatcher.tick()) sent += n;
    return sent;
  };
  return hx;
}

/** Retry an assertion until it passes: activities and timer-driven tasks finish a moment after a clock skip. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export const iso = (ms: number) => new Date(ms).toISOString();

/** Notices of one kind about one obligation. */
export function noticesFor(rows: NoticeRow[], obligationId: string, kind: 'assigned' | 'reminder' | 'overdue' | string): NoticeRow[] {
  return rows.filter((r) => r.obligationId === obligationId && r.kind === kind);
}

/** Who a notice addresses, as `personId:role`, sorted. */
export const persons = (n: NoticeRow | undefined): string[] => (n ? n.notice.recipients.map((r) => `${r.personId}:${r.role}`).sort() : []);

export function obligation(s: IncidentStatus, id: string) {
  const o = s.obligations.find((x) => x.id === id);
  if (!o) throw new Error(`no obligation ${id} in ${s.obligations.map((x) => x.id).join(', ')}`);
  return o;
}

/** The update was refused by the workflow's validator: return the ApplicationFailure the client received. */
export async function refused(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => { throw new Error('expected the update to be refused'); },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

/** The event types of a workflow's history, by name. */
export async function historyTypes(h: IncidentHandle): Promise<string[]> {
  return ((await h.fetchHistory()).events ?? []).map((e) => EventType[e.eventType ?? 0]);
}

/**
 * A refused update leaves no trace: the history gained no update event and nothing but the workflow
 * task that ran the validator (the time-skipping server records that empty task; a real server
 * drops a speculative task whose update was rejected).
 */
export function expectNoTrace(before: string[], after: string[]) {
  expect(after.slice(0, before.length)).toEqual(before);
  const added = after.slice(before.length);
  const bookkeeping = new Set([
    EventType[EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED],
    EventType[EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED],
    EventType[EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED],
  ]);
  expect(added.filter((t) => !bookkeeping.has(t))).toEqual([]);
  const updates = new Set(UPDATE_EVENTS.map((e) => EventType[e]));
  expect(after.filter((t) => updates.has(t))).toEqual(before.filter((t) => updates.has(t)));
}

/** Log-channel lines of one incident. */
export const linesOf = (lines: string[], incidentId: string) => lines.filter((l) => l.startsWith(`[notify] ${incidentId} → `));
