/**
 * How a backlog of monitoring readings is taken by an incident workflow (v1: at most READINGS_PER_TASK per
 * workflow task, a 1 ms timer between slices). On a dev server with an in-process worker: start an
 * incident, stop the worker, send N metrics signals (they wait in the history), start the worker again,
 * and read from the history how many workflow tasks the backlog took, the readings each applied and how
 * long each task ran (WORKFLOW_TASK_STARTED → COMPLETED, the server's event times).
 *
 *   npm run backlog-bench                       # N = 200, 500, 1000, 2000
 *   npm run backlog-bench -- --sizes 200,5000   # other backlogs
 *
 * Readings per task come from the history's structure: every task but the last of a backlog ends with a
 * 1 ms slice timer and applied READINGS_PER_TASK readings; the last applied the rest. The sum is checked
 * against the readings the incident's timeline holds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { openLedger } from '../src/activities/ledger';
import { loadPlanFile } from '../src/plan/plan.loader';
import { bundleIncidentWorkflows, createIncidentWorker } from '../src/runtime/worker';
import { metricsSignal, statusQuery, workflowIdFor } from '../src/workflows/incident.definitions';
import { READINGS_PER_TASK, incidentWorkflow } from '../src/workflows/incident.workflow';
import { startDevServer } from './temporal-binaries';

const EventType = proto.temporal.api.enums.v1.EventType;
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '200,500,1000,2000' } } });
const SIZES = values.sizes!.split(',').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0);
const TASK_QUEUE = 'backlog-bench';

const ms = (e: HistoryEvent): number => Number(e.eventTime?.seconds?.toString() ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;
const isSliceTimer = (e: HistoryEvent): boolean => {
  const t = e.timerStartedEventAttributes?.startToFireTimeout;
  return e.eventType === EventType.EVENT_TYPE_TIMER_STARTED && Number(t?.seconds?.toString() ?? 0) === 0 && (t?.nanos ?? 0) === 1_000_000;
};

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 600_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Task { started: number; completed: number; ms: number; readings: number; endsWithSliceTimer: boolean }
interface Row { n: number; tasks: Task[]; applied: number }

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dir = mkdtempSync(path.join(tmpdir(), 'backlog-bench-'));
  const ledger = openLedger(`sqlite:${path.join(dir, 'ledger.sqlite')}`);
  await ledger.migrate();
  const server = await startDevServer({ uiPort: false });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: 'default' });
  const workflowBundle = await bundleIncidentWorkflows({ trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never);
  const county = loadPlanFile(path.join('test', 'fixtures', 'plans', 'county-office.yaml'));
  const newWorker = () => createIncidentWorker({ connection: nativeConnection, namespace: 'default', taskQueue: TASK_QUEUE, ledger, workflowBundle });
  const rows: Row[] = [];
  try {
    for (const n of SIZES) {
      const id = `backlog-${n}`;
      // 1. The incident starts with a worker running, which records its first notices.
      let worker: Worker = await newWorker();
      let running = worker.run();
      const h = await client.workflow.start(incidentWorkflow, {
        workflowId: workflowIdFor(id), taskQueue: TASK_QUEUE,
        args: [{ incident: { id, title: `积压的监测数据 ${n}`, discoveredAt: new Date(Date.now() - 60_000).toISOString(), discoveredBy: 'liu.bo', metrics: { posts: 1 } }, plan: county.plan, planHash: county.hash }],
      });
      await until('the start to settle', async () => {
        const ev = (await h.fetchHistory()).events ?? [];
        return ev.at(-1)?.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED && ev.some((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) ? true : undefined;
      });
      // 2. No worker: the readings wait in the history.
      worker.shutdown();
      await running;
      const before = ((await h.fetchHistory()).events ?? []).length;
      for (let i = 0; i < n; i += 100) {
        await Promise.all(Array.from({ length: Math.min(100, n - i) }, (_, k) => h.signal(metricsSignal, { by: 'liu.bo', metrics: { posts: 1 + ((i + k) % 40) } })));
      }
      // 3. The worker comes back and takes the backlog.
      worker = await newWorker();
      running = worker.run();
      const applied = await until('every reading applied', async () => {
        const s = await h.query(statusQuery);
        const count = s.timeline.filter((t) => t.action === 'metrics').length;
        return count === n ? count : undefined;
      });
      const events = await until('the backlog to settle', async () => {
        const ev = (await h.fetchHistory()).events ?? [];
        return ev.at(-1)?.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED ? ev : undefined;
      });
      await h.terminate('backlog bench done');
      worker.shutdown();
      await running;

      // Workflow tasks after the signals: the first takes the signals and the first slice; each slice timer starts the next.
      const after = events.slice(before);
      const signals = after.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED).length;
      if (signals !== n) throw new Error(`expected ${n} signals in the history, found ${signals}`);
      const tasks: Task[] = [];
      let open: HistoryEvent | undefined;
      for (let i = 0; i < after.length; i++) {
        const e = after[i];
        if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED) open = e;
        if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED && open) {
          tasks.push({ started: ms(open), completed: ms(e), ms: ms(e) - ms(open), readings: 0, endsWithSliceTimer: after[i + 1] !== undefined && isSliceTimer(after[i + 1]) });
          open = undefined;
        }
      }
      // The slices, in order: a task ending with a slice timer took READINGS_PER_TASK; the task after the last such timer took the rest.
      let rest = n;
      for (const t of tasks) {
        if (rest === 0) break;
        t.readings = t.endsWithSliceTimer ? Math.min(READINGS_PER_TASK, rest) : rest;
        rest -= t.readings;
      }
      if (rest !== 0) throw new Error(`N=${n}: ${rest} readings not accounted for by the history's tasks`);
      rows.push({ n, tasks: tasks.filter((t) => t.readings > 0), applied });
      console.error(`N=${n}: done`);
    }
  } finally {
    await connection.close();
    await nativeConnection.close();
    await server.stop();
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const pad = (v: string | number, w: number) => String(v).padStart(w);
  console.log(`backlog of metrics signals taken by one incident (READINGS_PER_TASK = ${READINGS_PER_TASK}; dev server, in-process worker, ${new Date().toISOString()})`);
  // first task: it also receives every signal (and, on a fresh worker, replays the history); later tasks take one slice each.
  console.log(`${pad('N', 6)}${pad('tasks', 7)}${pad('max readings/task', 19)}${pad('max task ms', 13)}${pad('first task ms', 15)}${pad('later tasks max ms', 20)}${pad('gap between tasks ms', 22)}${pad('backlog ms', 12)}`);
  for (const r of rows) {
    const max = Math.max(...r.tasks.map((t) => t.ms));
    const later = r.tasks.slice(1).map((t) => t.ms);
    const gaps = r.tasks.slice(1).map((t, i) => t.started - r.tasks[i].completed);
    const span = r.tasks[r.tasks.length - 1].completed - r.tasks[0].started;
    const mean = (xs: number[]) => (xs.length ? (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(0) : '—');
    console.log(`${pad(r.n, 6)}${pad(r.tasks.length, 7)}${pad(Math.max(...r.tasks.map((t) => t.readings)), 19)}${pad(max.toFixed(0), 13)}${pad(r.tasks[0].ms.toFixed(0), 15)}`
      + `${pad(later.length ? Math.max(...later).toFixed(0) : '—', 20)}${pad(gaps.length ? `${mean(gaps)} (mean)` : '—', 22)}${pad(span.toFixed(0), 12)}`);
  }
  // The largest number of readings one task applied while it stayed under a second.
  const under = rows.flatMap((r) => r.tasks.map((t) => ({ n: r.n, ...t }))).filter((t) => t.ms < 1000).sort((a, b) => b.readings - a.readings || a.ms - b.ms);
  const whole = rows.filter((r) => r.tasks.length === 1 && r.tasks[0].ms < 1000).sort((a, b) => b.n - a.n)[0];
  console.log(under.length
    ? `largest backlog applied within one task under 1 s: ${under[0].readings} readings (N=${under[0].n}, ${under[0].ms.toFixed(0)} ms)`
    : 'no task stayed under 1 s');
  console.log(whole ? `largest whole backlog taken in a single task under 1 s: N=${whole.n} (${whole.tasks[0].ms.toFixed(0)} ms)` : 'no whole backlog was taken in a single task under 1 s');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
