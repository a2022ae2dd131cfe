/**
 * Starting an incident: of many concurrent starts of one id exactly one caller is told it created the
 * incident; a start with other content (another unit, another discovery) is refused naming what differs;
 * two incidents of one unit with the same discovery time and discoverer each get all their notices.
 */
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startDevServer, type DevServer } from '../../scripts/temporal-binaries';
import { openLedger, type Ledger } from '../../src/activities/ledger';
import { connect, IncidentError, startIncident } from '../../src/api/incidents';
import { loadPlanFile } from '../../src/plan/plan.loader';
import { createIncidentWorker } from '../../src/runtime/worker';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { eventually, isoAgo, tempDir } from './processes';

let server: DevServer;
let client: Client;
let ledger: Ledger;
let worker: Worker;
let running: Promise<void>;
let native: NativeConnection;
const taskQueue = `e2e-start-${process.pid}`;
const county = loadPlanFile(path.join(REPO_ROOT, 'test', 'fixtures', 'plans', 'county-office.yaml'));
const school = loadPlanFile(path.join(REPO_ROOT, 'test', 'fixtures', 'plans', 'school.yaml'));

beforeAll(async () => {
  server = await startDevServer({ uiPort: false });
  ledger = openLedger(`sqlite:${path.join(tempDir('e2e-start-'), 'ledger.sqlite')}`);
  await ledger.migrate();
  native = await NativeConnection.connect({ address: server.address });
  worker = await createIncidentWorker({ connection: native, namespace: 'default', taskQueue, ledger });
  running = worker.run();
  client = await connect({ address: server.address, namespace: 'default', taskQueue });
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await client?.connection.close();
  await native?.close();
  await ledger?.close();
  await server?.stop();
});

describe('start', () => {
  it('of eight concurrent starts of one incident, exactly one is told it created it; all get the same run', async () => {
    const incident = { id: 'start-race', title: '并发创建', discoveredAt: isoAgo(10 * 60_000), discoveredBy: 'liu.bo', metrics: { posts: 20 } };
    const results = await Promise.all(Array.from({ length: 8 }, () => startIncident(client, taskQueue, incident, county)));
    expect(results.filter((r) => r.started)).toHaveLength(1);
    expect(new Set(results.map((r) => r.runId)).size).toBe(1);
    // the same start again later: not created again
    expect((await startIncident(client, taskQueue, incident, county)).started).toBe(false);
  });

  it('a start of a running id with other content is refused, naming what differs, and changes nothing', async () => {
    const incident = { id: 'start-other', title: '内容不同', discoveredAt: isoAgo(10 * 60_000), discoveredBy: 'liu.bo', metrics: {} };
    await startIncident(client, taskQueue, incident, county);
    const err = await startIncident(client, taskQueue, { ...incident, discoveredAt: isoAgo(50 * 60_000) }, county).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IncidentError);
    expect((err as IncidentError).kind).toBe('Conflict');
    expect((err as IncidentError).errors).toEqual([expect.stringContaining('discoveredAt: running incident was discovered at')]);
    const other = await startIncident(client, taskQueue, { ...incident, discoveredBy: 'zheng.hao' }, school).catch((e: unknown) => e);
    expect((other as IncidentError).errors.join('\n')).toContain('unit: running incident belongs to county-office');
    const runs = [];
    for await (const w of client.workflow.list({ query: `WorkflowId = 'incident-start-other'` })) runs.push(w);
    expect(runs).toHaveLength(1);
  });

  it('two incidents of one unit with the same discovery time and discoverer each record all their notices', async () => {
    const at = isoAgo(3 * 3600_000); // overdue at once: assignment, overdue notices to the chain
    const base = { title: '同一时刻发现', discoveredAt: at, discoveredBy: 'liu.bo', metrics: { posts: 600 } };
    await startIncident(client, taskQueue, { ...base, id: 'twin-a' }, county);
    await startIncident(client, taskQueue, { ...base, id: 'twin-b' }, county);
    const [a, b] = await eventually('both incidents recorded their notices', async () => {
      const na = await ledger.listNotices({ incidentId: 'twin-a' });
      const nb = await ledger.listNotices({ incidentId: 'twin-b' });
      return na.length > 0 && na.length === nb.length && na.some((n) => n.kind === 'overdue') ? [na, nb] : undefined;
    }, 30_000);
    // the same notices by meaning (kind, about, due), each under its own incident's id
    const meaning = (rows: typeof a, id: string) => rows.map((n) => n.id.replace(`${id}/`, '').replace(/,set=[^/]+$/, '')).sort();
    expect(meaning(a, 'twin-a')).toEqual(meaning(b, 'twin-b'));
    expect(new Set([...a, ...b].map((n) => n.id)).size).toBe(a.length + b.length);
    expect(a.every((n) => n.id.startsWith('twin-a/')) && b.every((n) => n.id.startsWith('twin-b/'))).toBe(true);
  });
});
