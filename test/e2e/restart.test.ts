/**
 * Durability end to end: the worker process is SIGKILLed in the middle of an incident and a new one
 * takes over; then the dev server itself is restarted on the same SQLite file and port. Nothing may be
 * lost or done twice: every earlier action stays in the timeline, each outcome is in the ledger once,
 * a deadline that passed while no worker ran still fires, and its overdue notice goes out once.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFreePort, REPO_ROOT, startDevServer, type DevServer } from '../../scripts/temporal-binaries';
import { openLedger, type Ledger } from '../../src/activities/ledger';
import { act, connect, list, show, startIncident } from '../../src/api/incidents';
import { loadPlanFile } from '../../src/plan/plan.loader';
import { eventually, isoAgo, startWorkerProcess, tempDir, type WorkerProcess } from './processes';

const ID = 'e2e-restart';
/** the county plan's first report for an especially major incident is due one hour after discovery */
const DUE_AFTER_START_MS = 12_000;

let dir: string;
let dbFile: string;
let port: number;
let ledgerFile: string;
let server: DevServer | undefined;
let taskQueue: string;
let client: Client | undefined;
const workers: WorkerProcess[] = [];

const settings = () => ({ address: server!.address, namespace: 'default', taskQueue });
// a short lease: a notice the killed worker had claimed is taken over within seconds, as DELIVERY_LEASE_MS allows
const workerEnv = () => ({ TEMPORAL_ADDRESS: server!.address, TEMPORAL_TASK_QUEUE: taskQueue, LEDGER_URL: `sqlite:${ledgerFile}`, DELIVERY_LEASE_MS: '5000' });
const allWorkerOutput = () => workers.map((w) => w.output()).join('\n');
const count = (text: string, needle: string) => text.split(needle).length - 1;

async function withLedger<T>(fn: (l: Ledger) => Promise<T>): Promise<T> {
  const ledger = openLedger(`sqlite:${ledgerFile}`);
  try {
    return await fn(ledger);
  } finally {
    await ledger.close();
  }
}

beforeAll(async () => {
  dir = tempDir('e2e-restart-');
  dbFile = path.join(dir, 'temporal.sqlite');
  ledgerFile = path.join(dir, 'ledger.sqlite');
  port = await getFreePort();
  taskQueue = `e2e-restart-${process.pid}-${Date.now()}`;
  server = await startDevServer({ uiPort: false, dbFile, port });
  workers.push(await startWorkerProcess(workerEnv()));
  client = await connect(settings());
});

afterAll(async () => {
  await client?.connection.close().catch(() => {});
  for (const w of workers) await w.kill('SIGTERM');
  await server?.stop();
});

describe('restarts lose nothing', () => {
  let dueAt: number;

  it('a worker killed with SIGKILL mid-incident is replaced; updates, timers and the ledger carry on exactly once', async () => {
    const example = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures/examples/county-especially-major.json'), 'utf8')) as Record<string, unknown>;
    const { plan: _plan, ...incident } = example;
    const loaded = loadPlanFile(path.join(REPO_ROOT, 'test/fixtures/plans/county-office.yaml'));
    const started = await startIncident(client!, taskQueue, { ...incident, id: ID, discoveredAt: isoAgo(3600_000 - DUE_AFTER_START_MS) }, loaded);
    expect(started.started).toBe(true);

    // Before the kill: an accountability finding (an outcome for the ledger) while the first report is still pending.
    const before = await act(client!, ID, 'finding', { by: 'li.guoqiang', kind: 'dereliction', person: 'chen.lei', details: '未及时核实现场情况' });
    const firstReport = before.obligations.find((o) => o.kind === 'firstReport')!;
    expect(firstReport).toMatchObject({ status: 'pending', overdue: false });
    dueAt = Date.parse(firstReport.dueAt!);
    expect(before.outcomes.map((o) => o.kind)).toEqual(['dereliction']);

    const first = workers[0];
    await first.kill('SIGKILL');
    expect(first.child.signalCode).toBe('SIGKILL');
    // the first worker is gone before the deadline: only the new one can have handled its timer
    expect(Date.now()).toBeLessThan(dueAt);

    // The new worker needs several seconds to bundle the workflows: the deadline passes while none runs.
    workers.push(await startWorkerProcess(workerEnv()));

    const overdue = await eventually('first report overdue after the restart', async () => {
      const s = await show(client!, ID);
      return s.obligations.find((o) => o.kind === 'firstReport')?.overdue ? s : undefined;
    }, 60_000, 500);
    expect(overdue.overdueCount).toBe(1);
    expect(Date.now()).toBeGreaterThanOrEqual(dueAt);

    // The overdue notice: one notice, one delivery per recipient, delivered once in total across both worker processes
    // (waited for before the late report: a report that comes first makes a notice not yet sent moot, superseded)
    const noticeId = `${ID}/overdue/firstReport/due=${new Date(dueAt).toISOString().replace(/[-:]/g, '')}`;
    const rows = await eventually('the overdue notice delivered', async () => {
      const d = await withLedger((l) => l.listDeliveries({ noticeId }));
      return d.length === 4 && d.every((r) => r.status === 'delivered') ? d : undefined;
    }, 30_000, 300);

    // Updates are accepted by the new worker.
    const reported = await act(client!, ID, 'report', { by: 'liu.bo', to: 'office', mode: 'phone' });
    expect(reported.obligations.find((o) => o.kind === 'firstReport')).toMatchObject({ status: 'late' });
    const assessed = await act(client!, ID, 'assess', { by: 'zhao.min' });
    expect(assessed.stage).toBe('rapidResponse');

    // Every earlier action is still in the timeline, in order.
    const actions = assessed.timeline.map((t) => t.action);
    const order = ['discover', 'finding', 'overdue', 'report', 'assess'].map((a) => actions.indexOf(a));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(actions.filter((a) => a === 'finding' || a === 'overdue' || a === 'report')).toEqual(['finding', 'overdue', 'report']);

    // Each finding once in the ledger, the same set the workflow reports.
    const outcomes = await withLedger((l) => l.listFindings({ incidentId: ID }));
    expect(outcomes.map((o) => o.id).sort()).toEqual(assessed.outcomes.map((o) => o.id).sort());
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['dereliction', 'late']);
    expect(outcomes.find((o) => o.kind === 'late')).toMatchObject({ obligationId: 'firstReport', personId: 'liu.bo', dueAt });

    // (v4: a 特别重大 overdue line also reaches the principal leader the grade requires)
    expect(rows.map((r) => r.personId).sort()).toEqual(['liu.bo', 'wang.jiazhi', 'zhang.weidong', 'zhao.min']);
    expect(rows.every((r) => r.channel === 'log' && r.attempts === 1)).toBe(true);
    const output = allWorkerOutput();
    for (const who of ['刘波', '赵敏', '王加志', '张卫东']) {
      const line = `[notify] ${ID} → ${who} via log: 【某县舆情应急处置领导小组办公室】逾期：首报`;
      expect(count(output, line)).toBe(1);
      expect(count(workers[1].output(), line)).toBe(1);
    }
    // the start notices went out once in total, by whichever worker's dispatcher held them: a notice the killed worker
    // had claimed is sent by the new one once its lease runs out, so wait for the ledger to say delivered first
    const assigned = await eventually('the start notice delivered', async () => {
      const n = await withLedger(async (l) => (await l.listNotices({ incidentId: ID })).filter((x) => x.kind === 'assigned' && x.obligationId === 'publicResponse'));
      return n.length === 1 && n[0].status === 'delivered' ? n : undefined;
    }, 60_000, 300);
    expect(assigned.map((n) => n.status)).toEqual(['delivered']);
    expect(count(allWorkerOutput(), `[notify] ${ID} → 徐芳 via log: 【某县舆情应急处置领导小组办公室】待办：首次公开回应`)).toBe(1);
  });

  it('the dev server restarted on the same database and port still has the incident, and it accepts an action', async () => {
    const beforeStop = await show(client!, ID);
    await client!.connection.close();
    client = undefined;
    await server!.stop();
    expect(server!.process.exitCode !== null || server!.process.signalCode !== null).toBe(true);

    server = await startDevServer({ uiPort: false, dbFile, port });
    expect(server.address).toBe(`127.0.0.1:${port}`);
    client = await connect(settings());

    const after = await show(client, ID);
    expect(after.stage).toBe('rapidResponse');
    expect(after.timeline).toEqual(beforeStop.timeline);
    expect(after.outcomes).toEqual(beforeStop.outcomes);

    // The same worker process reconnects by itself and handles the update.
    const responded = await act(client, ID, 'respond', { by: 'xu.fang', channel: 'weibo', text: '已关注，正在核实处置', inNameOf: 'spokesperson' });
    expect(responded.obligations.find((o) => o.kind === 'publicResponse')).toMatchObject({ status: 'met' });
    expect(responded.timeline.map((t) => t.action).slice(-1)).toEqual(['respond']);

    const outcomes = await withLedger((l) => l.listFindings({ incidentId: ID }));
    expect(outcomes.map((o) => o.id).sort()).toEqual(responded.outcomes.map((o) => o.id).sort());
    expect(outcomes.filter((o) => o.obligationId === 'publicResponse').map((o) => o.kind)).toEqual(['onTime']);

    // Visibility survived too.
    const listed = await eventually('listed after the restart', async () => {
      const rows = await list(client!, { unit: 'county-office', stage: 'rapidResponse' });
      return rows.some((r) => r.id === ID) ? rows : undefined;
    });
    expect(listed.find((r) => r.id === ID)).toMatchObject({ grade: 'especiallyMajor', overdueCount: 0 });
  });
});
