/**
 * Delivery off the update path, end to end: the compiled worker (with its dispatcher) as a process, a dev
 * server, and a real HTTP receiver on loopback behind the test-only HTTP channel (DELIVERY_TEST_HTTP_URL).
 * The receiver never answers and every update still completes; it recovers and each delivery arrives; the
 * worker is SIGKILLed after the receiver accepted a delivery and before the delivery was recorded, and the
 * retry from the next worker carries the same idempotency key, so the receiver acts on it once.
 */
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../../scripts/temporal-binaries';
import { openLedger, type DeliveryRow, type Ledger, type NoticeRow } from '../../src/activities/ledger';
import { act, connect, show, startIncident } from '../../src/api/incidents';
import { failures, redrive } from '../../src/api/ledger-views';
import { loadPlanFile } from '../../src/plan/plan.loader';
import { REPO_ROOT } from '../../scripts/temporal-binaries';
import { LoopbackReceiver } from '../helpers/receiver';
import { eventually, isoAgo, startWorkerProcess, tempDir, type WorkerProcess } from './processes';

let server: DevServer;
let client: Client;
let receiver: LoopbackReceiver;
let ledgerFile: string;
let taskQueue: string;
const workers: WorkerProcess[] = [];
const county = loadPlanFile(path.join(REPO_ROOT, 'test', 'fixtures', 'plans', 'county-office.yaml'));

const workerEnv = () => ({
  TEMPORAL_ADDRESS: server.address, TEMPORAL_TASK_QUEUE: taskQueue, LEDGER_URL: `sqlite:${ledgerFile}`,
  DELIVERY_TEST_HTTP_URL: receiver.url, DELIVERY_TEST_HTTP_TIMEOUT_MS: '1500', DELIVERY_POLL_MS: '200', DELIVERY_LEASE_MS: '2000',
});

async function withLedger<T>(fn: (l: Ledger) => Promise<T>): Promise<T> {
  const ledger = openLedger(`sqlite:${ledgerFile}`);
  try {
    return await fn(ledger);
  } finally {
    await ledger.close();
  }
}
const httpDeliveries = (incidentId: string) => withLedger(async (l) => (await l.listDeliveries({ incidentId })).filter((d) => d.channel === 'http-test'));
const notices = (incidentId: string) => withLedger((l) => l.listNotices({ incidentId }));

beforeAll(async () => {
  const dir = tempDir('e2e-delivery-');
  ledgerFile = path.join(dir, 'ledger.sqlite');
  taskQueue = `e2e-delivery-${process.pid}-${Date.now()}`;
  receiver = await new LoopbackReceiver().start();
  server = await startDevServer({ uiPort: false });
  workers.push(await startWorkerProcess(workerEnv()));
  client = await connect({ address: server.address, namespace: 'default', taskQueue });
});

afterAll(async () => {
  await client?.connection.close().catch(() => {});
  for (const w of workers) await w.kill('SIGKILL');
  await receiver?.stop();
  await server?.stop();
});

describe('delivery has its own path', () => {
  it('with a receiver that never answers, every update completes; when it recovers each delivery arrives once', async () => {
    receiver.mode = 'hang';
    const id = 'e2e-delivery-hang';
    // Discovered 3 h ago as major: its first report and public response are overdue at once and notify the chain.
    await startIncident(client, taskQueue, {
      id, title: '配送测试：接收端无响应', discoveredAt: isoAgo(3 * 3600_000), discoveredBy: 'liu.bo', metrics: { posts: 600 },
    }, county);
    await eventually('a delivery is in flight to the silent receiver', async () => (receiver.requests.length > 0 ? true : undefined), 60_000);
    const hungKey = receiver.requests[0].key;
    // Updates while the receiver holds every request open: each returns with the machine's new state.
    let s = await act(client, id, 'report', { by: 'liu.bo', to: 'office', mode: 'phone', note: '电话报告办公室' });
    expect(s.obligations.find((o) => o.kind === 'firstReport')?.status).toBe('late');
    s = await act(client, id, 'report', { by: 'liu.bo', to: 'office', mode: 'written' });
    s = await act(client, id, 'assess', { by: 'zhao.min', note: '重大舆情' });
    expect(s.stage).toBe('rapidResponse');
    s = await act(client, id, 'respond', { by: 'xu.fang', channel: 'weibo', inNameOf: 'spokesperson', text: '已成立工作组核查。' });
    expect(s.obligations.find((o) => o.kind === 'publicResponse')?.status).toBe('late');
    // Nothing reached the receiver yet; the findings are in the ledger already (the ledger is on the update path).
    expect(receiver.accepted.size).toBe(0);
    const findings = await withLedger((l) => l.listFindings({ incidentId: id }));
    expect(findings.map((f) => `${f.obligationKind}:${f.kind}`).sort()).toEqual(['firstReport:late', 'publicResponse:lateDuty', 'writtenReport:onTime']);
    // The updates' workflow tasks ran no activity but the ledger's (v6: as a local activity, inside the update's own task).
    const history = await client.workflow.getHandle(`incident-${id}`).fetchHistory();
    const activities = new Set((history.events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []));
    expect([...activities]).toEqual([]);
    const local = (history.events ?? []).filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity');
    expect(local.length).toBeGreaterThan(0);

    receiver.mode = 'ok';
    const done = await eventually('every notice delivered or superseded', async () => {
      const rows = await notices(id);
      return rows.every((n) => n.status === 'delivered' || n.status === 'superseded') ? rows : undefined;
    }, 90_000, 500);
    const delivered = done.filter((n) => n.status === 'delivered');
    expect(delivered.length).toBeGreaterThan(0);
    const all = await httpDeliveries(id);
    // a notice made moot meanwhile (its obligation met) was not sent: its deliveries are superseded, not lost
    const superseded = new Set(done.filter((n) => n.status === 'superseded').map((n) => n.id));
    expect(all.filter((d) => superseded.has(d.noticeId)).every((d) => d.status === 'superseded' || d.status === 'delivered')).toBe(true);
    const deliveries = all.filter((d) => !superseded.has(d.noticeId));
    expect(deliveries.every((d) => d.status === 'delivered')).toBe(true);
    // every destination of every delivered notice, each accepted under its own key, and only once
    const expected = new Set(delivered.flatMap((n) => [...new Set(n.notice.recipients.map((r) => `${n.id}/person=${r.personId}/http-test`))]));
    expect(new Set(deliveries.map((d) => d.id))).toEqual(expected);
    for (const key of expected) expect(receiver.accepted.has(key), `${key} not in ${[...receiver.accepted.keys()].join(", ")}; requests ${receiver.requests.map((r) => r.key).join(", ")}`).toBe(true);
    // what the receiver acted on is exactly what the ledger says was delivered: nothing lost, nothing extra
    const ofIncident = new Set([...receiver.accepted.keys()].filter((k) => k.startsWith(`${id}/`)));
    expect(ofIncident).toEqual(new Set(all.filter((d) => d.status === 'delivered').map((d) => d.id)));
    // the delivery that hung was tried again (or made moot), and what was delivered carries no error
    const hung = all.find((d) => d.id === hungKey)!;
    expect(hung.status === 'superseded' || hung.attempts >= 2, JSON.stringify(hung)).toBe(true);
    expect(deliveries.filter((d: DeliveryRow) => d.lastError !== undefined)).toEqual([]);
  });

  it('a worker killed after the receiver accepted and before the delivery was recorded: the next worker retries with the same key, acted on once', async () => {
    const id = 'e2e-delivery-kill';
    let killed = false;
    receiver.afterAccept = async (r) => {
      if (killed || !r.key.startsWith(`${id}/`)) return;
      killed = true;
      await workers.at(-1)!.kill('SIGKILL'); // the response never reaches it
    };
    await startIncident(client, taskQueue, {
      id, title: '配送测试：接收后进程被杀', discoveredAt: isoAgo(3 * 3600_000), discoveredBy: 'liu.bo', metrics: { posts: 600 },
    }, county);
    await eventually('the receiver accepted a delivery and the worker was killed', async () => (killed ? true : undefined), 60_000);
    const firstKey = [...receiver.accepted.keys()].find((k) => k.startsWith(`${id}/`))!;
    // The ledger never heard back about it.
    const row = (await httpDeliveries(id)).find((d) => d.id === firstKey);
    expect(row?.status).not.toBe('delivered');

    receiver.afterAccept = undefined;
    workers.push(await startWorkerProcess(workerEnv()));
    const rows: NoticeRow[] = await eventually('every notice of the incident delivered by the new worker', async () => {
      const all = await notices(id);
      return all.length > 0 && all.every((n) => n.status === 'delivered' || n.status === 'superseded') ? all : undefined;
    }, 90_000, 500);
    expect(rows.length).toBeGreaterThan(0);
    // The same key came again (a retry, not a new delivery), and the receiver acted on it once.
    expect(receiver.requests.filter((r) => r.key === firstKey).length).toBeGreaterThanOrEqual(2);
    const keys = receiver.requests.filter((r) => r.key.startsWith(`${id}/`)).map((r) => r.key);
    expect(new Set(keys).size).toBe([...receiver.accepted.keys()].filter((k) => k.startsWith(`${id}/`)).length);
    const moot = new Set(rows.filter((n) => n.status === 'superseded').map((n) => n.id));
    expect((await httpDeliveries(id)).filter((d) => !moot.has(d.noticeId)).every((d) => d.status === 'delivered')).toBe(true);
  });

  it('a notice that finally fails is visible on the incident and in the failures listing, and a re-drive delivers it', async () => {
    // A worker of its own that gives up after 3 s, on its own task queue and ledger.
    const dir = tempDir('e2e-delivery-fail-');
    const ledgerUrl = `sqlite:${path.join(dir, 'ledger.sqlite')}`;
    const queue = `${taskQueue}-fail`;
    const w = await startWorkerProcess({ ...workerEnv(), TEMPORAL_TASK_QUEUE: queue, LEDGER_URL: ledgerUrl, DELIVERY_GIVE_UP_AFTER_MS: '3000' });
    workers.push(w);
    const c = await connect({ address: server.address, namespace: 'default', taskQueue: queue });
    const ledger = openLedger(ledgerUrl);
    try {
      receiver.mode = 'fail';
      const id = 'e2e-delivery-failed';
      await startIncident(c, queue, { id, title: '配送测试：最终失败', discoveredAt: isoAgo(10 * 60_000), discoveredBy: 'liu.bo', metrics: { posts: 600 } }, county);
      const failed = await eventually('a notice given up on is shown on the incident', async () => {
        const s = await show(c, id);
        return s.undelivered.length > 0 ? s : undefined;
      }, 60_000, 300);
      const u = failed.undelivered[0];
      expect(u.reason).toContain('HTTP 503');
      expect(failed.timeline.some((t) => t.action === 'undelivered' && t.details.includes(u.noticeId))).toBe(true);
      const listed = await failures(ledger, id);
      expect(listed.map((f) => f.notice.id)).toContain(u.noticeId);
      expect(listed.find((f) => f.notice.id === u.noticeId)!.deliveries.some((d) => d.status === 'failed' && d.lastError?.includes('503'))).toBe(true);

      receiver.mode = 'ok';
      const again = await redrive(ledger, { noticeId: u.noticeId });
      expect(again.map((n) => n.id)).toEqual([u.noticeId]);
      await eventually('the re-driven notice is delivered and no longer shown as undelivered', async () => {
        const s = await show(c, id);
        return !s.undelivered.some((x) => x.noticeId === u.noticeId) ? s : undefined;
      }, 60_000, 300);
      expect((await ledger.getNotice(u.noticeId))?.status).toBe('delivered');
      expect([...receiver.accepted.keys()].some((k) => k.startsWith(`${u.noticeId}/`))).toBe(true);
    } finally {
      await ledger.close();
      await c.connection.close();
    }
  });
});
