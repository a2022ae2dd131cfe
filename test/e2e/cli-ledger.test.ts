/**
 * The CLI commands that read the ledger, as an operator runs them through pipes: `show` with where each
 * notice stands, `failures`, `redrive`, `reconcile` after a termination, `metrics` refused with its reason,
 * `act … withdraw`, and `list --overdue` / `--binding` finding an incident whose every deadline has passed.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../../scripts/temporal-binaries';
import { openLedger } from '../../src/activities/ledger';
import type { ListedIncident } from '../../src/api/incidents';
import type { IncidentStatus } from '../../src/machines/status';
import { LoopbackReceiver } from '../helpers/receiver';
import { eventually, incidentFile, isoAgo, json, runCli, runCliPiped, startWorkerProcess, tempDir, type CliResult, type WorkerProcess } from './processes';

let dir: string;
let server: DevServer;
let worker: WorkerProcess | undefined;
let receiver: LoopbackReceiver;
let env: Record<string, string>;

const cli = (...args: string[]) => runCliPiped(args, env);
const explain = (r: CliResult) => `client ${r.args.join(' ')} → exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

beforeAll(async () => {
  dir = tempDir('e2e-cli-ledger-');
  receiver = await new LoopbackReceiver().start();
  receiver.mode = 'fail';
  server = await startDevServer({ uiPort: false });
  env = { TEMPORAL_ADDRESS: server.address, TEMPORAL_TASK_QUEUE: `e2e-cli-ledger-${process.pid}`, LEDGER_URL: `sqlite:${path.join(dir, 'ledger.sqlite')}` };
  worker = await startWorkerProcess({
    ...env, DELIVERY_TEST_HTTP_URL: receiver.url, DELIVERY_GIVE_UP_AFTER_MS: '2000', DELIVERY_POLL_MS: '200', DELIVERY_TEST_HTTP_TIMEOUT_MS: '1000',
  });
});

afterAll(async () => {
  await worker?.kill('SIGTERM');
  await receiver?.stop();
  await server?.stop();
});

describe('operator commands over the ledger', () => {
  const ID = 'e2e-ops-1';

  it('show lists each notice with its delivery state; failures lists what was given up on; redrive sends it', async () => {
    const file = incidentFile(dir, 'county-especially-major.json', { id: ID, discoveredAt: isoAgo(2 * 3600_000) });
    const started = await cli('start', '--file', file);
    expect(started.code, explain(started)).toBe(0);
    // the receiver refuses everything: after 2 s the notices are given up on
    const failed = await eventually('failures listed', async () => {
      const r = await cli('failures', '--incident', `incident-${ID}`, '--json');
      const rows = r.code === 0 ? json<Array<{ id: string; kind: string; obligationId: string | null; lastError: string; deliveries: Array<{ status: string; lastError: string | null }> }>>(r) : [];
      return rows.length > 0 ? rows : undefined;
    }, 60_000, 500);
    expect(failed[0].lastError).toContain('HTTP 503');
    expect(failed[0].deliveries.some((d) => d.status === 'failed')).toBe(true);

    const shown = await cli('show', ID);
    expect(shown.code, explain(shown)).toBe(0);
    expect(shown.stdout).toContain('通知');
    expect(shown.stdout).toMatch(new RegExp(`${failed[0].kind}\\s+${failed[0].obligationId}\\s+failed`));
    const status = json<IncidentStatus & { notices: Array<{ id: string; status: string }> }>(await cli('show', ID, '--json'));
    expect(status.notices.some((n) => n.id === failed[0].id && n.status === 'failed')).toBe(true);
    await eventually('the incident shows it undelivered', async () => {
      const s = json<IncidentStatus>(await cli('show', ID, '--json'));
      return s.undelivered.some((u) => u.noticeId === failed[0].id) ? true : undefined;
    }, 30_000, 500);

    receiver.mode = 'ok';
    const again = await cli('redrive', failed[0].id);
    expect(again.code, explain(again)).toBe(0);
    expect(again.stdout).toContain(`queued again: ${failed[0].id}`);
    await eventually('the re-driven notice is delivered', async () => {
      const s = json<IncidentStatus & { notices: Array<{ id: string; status: string }> }>(await cli('show', ID, '--json'));
      return s.notices.find((n) => n.id === failed[0].id)?.status === 'delivered' && !s.undelivered.some((u) => u.noticeId === failed[0].id) ? true : undefined;
    }, 30_000, 500);
    const none = await cli('redrive', failed[0].id);
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('no failed notice');
  });

  it('list --overdue and --binding find an incident whose every deadline has passed; its earliest due is in the past', async () => {
    const ALL = 'e2e-ops-all-passed';
    // discovered 26 h ago: the first report (1 h), the response (3 h) and the first release (24 h) have all passed
    const file = incidentFile(dir, 'county-especially-major.json', { id: ALL, discoveredAt: isoAgo(26 * 3600_000) });
    expect((await cli('start', '--file', file)).code).toBe(0);
    const rows = await eventually('listed as overdue', async () => {
      const r = json<ListedIncident[]>(await cli('list', '--overdue', '--json'));
      const row = r.find((x) => x.id === ALL);
      return row && (row.bindingOverdueCount ?? 0) >= 2 && (row.targetOverdueCount ?? 0) >= 1 ? r : undefined;
    }, 30_000, 500);
    const row = rows.find((x) => x.id === ALL)!;
    expect(row.nextDeadlineAt).toBeUndefined(); // nothing left ahead: the old attribute alone would not find it by time
    expect(Date.parse(row.earliestDueAt!)).toBeLessThan(Date.now() - 24 * 3600_000);
    expect(json<ListedIncident[]>(await cli('list', '--binding', '--json')).map((x) => x.id)).toContain(ALL);
    // people read it most urgent first, in the plan's zone
    const human = await cli('list', '--overdue');
    expect(human.stdout).toContain('+08:00');
  });

  it('metrics in the future is refused with the reason and exit 1, and changes nothing', async () => {
    const before = json<IncidentStatus>(await cli('show', ID, '--json'));
    const future = new Date(Date.now() + 3 * 3600_000).toISOString();
    const r = await cli('metrics', ID, '--data', JSON.stringify({ at: future, by: 'liu.bo', metrics: { posts: 9999 } }));
    expect(r.code, explain(r)).toBe(1);
    expect(r.stderr).toContain('at: is in the future');
    const after = json<IncidentStatus>(await cli('show', ID, '--json'));
    expect(after.metrics).toEqual(before.metrics);
    const ok = await cli('metrics', ID, '--data', JSON.stringify({ by: 'liu.bo', metrics: { posts: 700 } }), '--json');
    expect(ok.code, explain(ok)).toBe(0);
    expect(json<IncidentStatus>(ok).metrics.posts).toBe(700);
  });

  it('reconcile writes a terminated incident\u2019s findings once; withdraw ends another with its findings', async () => {
    const T = 'e2e-ops-terminated';
    const file = incidentFile(dir, 'county-especially-major.json', { id: T, discoveredAt: isoAgo(2 * 3600_000) });
    expect((await cli('start', '--file', file)).code).toBe(0);
    await eventually('overdue', async () => (json<IncidentStatus>(await cli('show', T, '--json')).bindingOverdueCount > 0 ? true : undefined), 30_000, 500);
    const { Connection, Client } = await import('@temporalio/client');
    const connection = await Connection.connect({ address: server.address });
    await new Client({ connection }).workflow.getHandle(`incident-${T}`).terminate('operator stopped it');
    await connection.close();
    const first = await eventually('reconciled', async () => {
      const r = await cli('reconcile', '--json');
      const rows = r.code === 0 ? json<Array<{ incidentId: string; written: number; findings: number }>>(r) : [];
      return rows.some((x) => x.incidentId === T) ? rows : undefined;
    }, 30_000, 500);
    expect(first.find((x) => x.incidentId === T)!.written).toBeGreaterThan(0);
    const second = await cli('reconcile');
    expect(second.stdout).toContain('nothing to reconcile');
    const ledger = openLedger(env.LEDGER_URL);
    try {
      const findings = await ledger.listFindings({ incidentId: T });
      expect(findings.some((f) => f.ending === 'terminated' && f.kind === 'missed' && f.obligationKind === 'firstReport')).toBe(true);
    } finally {
      await ledger.close();
    }

    const w = await cli('act', `incident-${ID}`, 'withdraw', '--data', JSON.stringify({ by: 'zhao.min', reason: '演练结束' }), '--json');
    expect(w.code, explain(w)).toBe(0);
    expect(json<IncidentStatus>(w)).toMatchObject({ stage: 'withdrawn', open: false, ending: { kind: 'withdrawn', reason: '演练结束' } });
  });
});
