/**
 * End to end, as a user works: a real dev server (SQLite file), the real worker process, and the CLI
 * run as separate processes. Nothing of the product is imported except to read the ledger at the end.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../../scripts/temporal-binaries';
import { openLedger } from '../../src/activities/ledger';
import { historyFromJSON } from '../../src/api/history-json';
import type { ListedIncident } from '../../src/api/incidents';
import type { IncidentStatus } from '../../src/machines/status';
import { eventually, incidentFile, isoAgo, json, runCli, startWorkerProcess, tempDir, type CliResult, type WorkerProcess } from './processes';

const COUNTY = 'county-20261122-001'; // examples/county-especially-major.json
const OVERDUE = 'e2e-cli-overdue'; // the county example, discovered two hours ago
const SCHOOL = 'e2e-cli-school'; // the school example, discovered five minutes ago

let dir: string;
let server: DevServer;
let worker: WorkerProcess | undefined;
let env: Record<string, string>;
let ledgerFile: string;
const files: Record<string, string> = {};

const cli = (...args: string[]) => runCli(args, env);
const ids = (rows: ListedIncident[]) => rows.map((r) => r.id);
const show = async (id: string) => json<IncidentStatus>(await cli('show', id, '--json'));
const explain = (r: CliResult) => `client.ts ${r.args.join(' ')} → exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

beforeAll(async () => {
  dir = tempDir('e2e-cli-');
  ledgerFile = path.join(dir, 'ledger.sqlite');
  server = await startDevServer({ uiPort: false, dbFile: path.join(dir, 'temporal.sqlite') });
  env = { TEMPORAL_ADDRESS: server.address, TEMPORAL_TASK_QUEUE: `e2e-cli-${process.pid}-${Date.now()}` };
  worker = await startWorkerProcess({ ...env, LEDGER_URL: `sqlite:${ledgerFile}` });
  files.overdue = incidentFile(dir, 'county-especially-major.json', { id: OVERDUE, discoveredAt: isoAgo(2 * 3600_000) });
  files.school = incidentFile(dir, 'school-inquiry.json', { id: SCHOOL, discoveredAt: isoAgo(5 * 60_000) });
});

afterAll(async () => {
  await worker?.kill('SIGTERM');
  await server?.stop();
});

describe('CLI against a real dev server and worker process', () => {
  let runId: string;
  let timelineAfterReport: number;

  it('start prints "started"; starting the same incident again says "already running" with the same run', async () => {
    const first = await cli('start', '--file', 'examples/county-especially-major.json');
    expect(first.code, explain(first)).toBe(0);
    const m = /^started: incident-county-20261122-001 \(run ([0-9a-f-]{36})\)$/m.exec(first.stdout);
    expect(m, explain(first)).not.toBeNull();
    runId = m![1];

    const [again, overdue, school] = await Promise.all([
      cli('start', '--file', 'examples/county-especially-major.json'),
      cli('start', '--file', files.overdue, '--json'),
      cli('start', '--file', files.school),
    ]);
    expect(again.code, explain(again)).toBe(0);
    expect(again.stdout.trim()).toBe(`already running: incident-${COUNTY} (run ${runId})`);
    expect(overdue.code, explain(overdue)).toBe(0);
    expect(json(overdue)).toMatchObject({ workflowId: `incident-${OVERDUE}`, started: true });
    expect(school.code, explain(school)).toBe(0);
    expect(school.stdout).toMatch(new RegExp(`^started: incident-${SCHOOL} `, 'm'));
  });

  it('act report exits 0; show --json has the stage, the grade and the new written-report obligation', async () => {
    const r = await cli('act', COUNTY, 'report', '--data', '{"by":"liu.bo","to":"office","mode":"phone"}');
    expect(r.code, explain(r)).toBe(0);
    expect(r.stdout).toContain('writtenReport');

    const s = await show(COUNTY);
    expect(s.stage).toBe('researchAndWarning');
    expect(s.grade).toBe('especiallyMajor');
    expect(s.open).toBe(true);
    const report = s.timeline.find((t) => t.action === 'report');
    expect(report).toMatchObject({ by: 'liu.bo', details: expect.stringContaining('initial phone report to office') });
    const written = s.obligations.find((o) => o.kind === 'writtenReport');
    expect(written).toMatchObject({ status: 'pending', owner: { personId: 'liu.bo', role: 'monitor' } });
    // 30 minutes after the phone report (county plan writtenReportAfterPhone)
    expect(Date.parse(written!.dueAt!) - Date.parse(report!.at)).toBe(30 * 60_000);
    const first = s.obligations.find((o) => o.kind === 'firstReport')!;
    expect(['met', 'late']).toContain(first.status);
    expect(first.metAt).toBe(report!.at);
    expect(s.outcomes.filter((o) => o.id.startsWith(`${COUNTY}/firstReport/`))).toHaveLength(1);
    timelineAfterReport = s.timeline.length;
  });

  it('refuses a bad payload or the wrong role with a non-zero exit naming each field and the roles; nothing changes', async () => {
    const [bad, badJson, role, notJson, unknownAction] = await Promise.all([
      cli('act', COUNTY, 'report', '--data', '{"by":"liu.bo","to":"nobody","mode":"fax","extra":1}'),
      cli('act', COUNTY, 'report', '--data', '{"by":"","mode":"phone"}', '--json'),
      cli('act', COUNTY, 'assess', '--data', '{"by":"liu.bo"}'),
      cli('act', COUNTY, 'report', '--data', '{oops'),
      cli('act', COUNTY, 'explode', '--data', '{}'),
    ]);
    expect(bad.code, explain(bad)).toBe(1);
    expect(bad.stderr).toMatch(/^to: /m);
    expect(bad.stderr).toMatch(/^mode: /m);
    expect(bad.stderr).toContain('"extra"');

    expect(badJson.code, explain(badJson)).toBe(1);
    const err = JSON.parse(badJson.stderr) as { error: string; errors: string[] };
    expect(err.error).toBe('InvalidPayload');
    expect(err.errors.some((e) => e.startsWith('by: '))).toBe(true);
    expect(err.errors.some((e) => e.startsWith('to: '))).toBe(true);

    expect(role.code, explain(role)).toBe(1);
    expect(role.stderr).toContain('NotAllowed');
    expect(role.stderr).toContain('liu.bo holds monitor');
    for (const r of ['office', 'officeDirector', 'leaderInCharge', 'principalLeader', 'leadingGroup']) expect(role.stderr).toContain(`${r} (`);

    expect(notJson.code, explain(notJson)).toBe(1);
    expect(notJson.stderr).toContain('--data: not valid JSON');
    expect(unknownAction.code, explain(unknownAction)).toBe(1);
    expect(unknownAction.stderr).toContain('"explode" is not a known action');

    const s = await show(COUNTY);
    expect(s.timeline).toHaveLength(timelineAfterReport);
    expect(s.stage).toBe('researchAndWarning');
  });

  it('an unknown incident exits 3 with "not found"; usage errors exit 2', async () => {
    const results = await Promise.all([
      cli('show', 'no-such-incident'),
      cli('act', 'no-such-incident', 'report', '--data', '{"by":"liu.bo","to":"office","mode":"phone"}'),
      cli('history', 'no-such-incident'),
      cli('metrics', 'no-such-incident', '--data', '{"metrics":{"posts":1}}'),
    ]);
    for (const r of results) {
      expect(r.code, explain(r)).toBe(3);
      expect(r.stderr).toContain('no-such-incident not found');
    }
    const [none, missing] = await Promise.all([cli(), cli('act', COUNTY)]);
    expect(none.code, explain(none)).toBe(2);
    expect(none.stdout).toContain('usage:');
    expect(missing.code, explain(missing)).toBe(2);
    expect(missing.stderr).toContain('missing <id> <action>');
  });

  it('list --overdue shows an incident once one of its deadlines has passed', async () => {
    // discovered two hours ago: its one-hour first report was overdue the moment it started
    const rows = await eventually('overdue incident listed', async () => {
      const r = await cli('list', '--overdue', '--json');
      expect(r.code, explain(r)).toBe(0);
      const rows = json<ListedIncident[]>(r);
      return ids(rows).includes(OVERDUE) ? rows : undefined;
    });
    expect(rows.find((r) => r.id === OVERDUE)).toMatchObject({ status: 'RUNNING', grade: 'especiallyMajor', unit: 'county-office', overdueCount: 1 });
    expect(ids(rows)).not.toContain(SCHOOL);

    const s = await show(OVERDUE);
    expect(s.overdueCount).toBe(1);
    expect(s.obligations.find((o) => o.kind === 'firstReport')).toMatchObject({ status: 'pending', overdue: true });
    expect(s.timeline.filter((t) => t.action === 'overdue')).toHaveLength(1);
  });

  it('list filters by --stage, --grade and --unit', async () => {
    const assess = await cli('act', COUNTY, 'assess', '--data', '{"by":"zhao.min"}');
    expect(assess.code, explain(assess)).toBe(0);
    const listed = async (...filter: string[]) => {
      const r = await cli('list', ...filter, '--json');
      expect(r.code, explain(r)).toBe(0);
      return ids(json<ListedIncident[]>(r));
    };
    const when = (filter: string[], ok: (ids: string[]) => boolean) =>
      eventually(`list ${filter.join(' ')}`, async () => {
        const got = await listed(...filter);
        return ok(got) ? got : undefined;
      });

    const [stage, major, general, school, county] = await Promise.all([
      when(['--stage', 'rapidResponse'], (x) => x.includes(COUNTY)),
      when(['--grade', 'especiallyMajor'], (x) => x.includes(COUNTY) && x.includes(OVERDUE)),
      when(['--grade', 'general'], (x) => x.includes(SCHOOL)),
      when(['--unit', 'xuchang-shiyan-middle-school'], (x) => x.includes(SCHOOL)),
      when(['--unit', 'county-office'], (x) => x.includes(COUNTY) && x.includes(OVERDUE)),
    ]);
    expect(stage).toEqual([COUNTY]);
    expect(major.sort()).toEqual([COUNTY, OVERDUE].sort());
    expect(general).toEqual([SCHOOL]);
    expect(school).toEqual([SCHOOL]);
    expect(county.sort()).toEqual([COUNTY, OVERDUE].sort());

    const [human, badGrade] = await Promise.all([cli('list', '--stage', 'rapidResponse'), cli('list', '--grade', 'huge')]);
    expect(human.code, explain(human)).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^${COUNTY}\\s+rapidResponse\\s+especiallyMajor\\s+county-office\\s`, 'm'));
    expect(badGrade.code, explain(badGrade)).toBe(1);
    expect(badGrade.stderr).toContain('grade: must be one of general, larger, major, especiallyMajor');
  });

  it('metrics: invalid data is refused naming the field; valid data reaches the incident', async () => {
    const [negative, wrongType, good] = await Promise.all([
      cli('metrics', COUNTY, '--data', '{"metrics":{"posts":-1,"foo":2}}'),
      cli('metrics', COUNTY, '--data', '{"metrics":{"comments":"many"},"at":"yesterday"}'),
      cli('metrics', COUNTY, '--data', '{"by":"liu.bo","metrics":{"posts":900,"comments":300}}'),
    ]);
    expect(negative.code, explain(negative)).toBe(1);
    expect(negative.stderr).toMatch(/^metrics\.posts: /m);
    expect(negative.stderr).toContain('"foo"');
    expect(wrongType.code, explain(wrongType)).toBe(1);
    expect(wrongType.stderr).toMatch(/^metrics\.comments: /m);
    expect(wrongType.stderr).toMatch(/^at: /m);
    expect(good.code, explain(good)).toBe(0);
    expect(good.stdout.trim()).toBe('metrics sent');

    const s = await eventually('metrics applied', async () => {
      const s = await show(COUNTY);
      return s.metrics.posts === 900 ? s : undefined;
    });
    expect(s.metrics).toMatchObject({ posts: 900, comments: 300, casualties: 2 });
    expect(s.timeline.filter((t) => t.action === 'metrics')).toHaveLength(1);
  });

  it('history --out writes the event history as JSON', async () => {
    const out = path.join(dir, 'history.json');
    const r = await cli('history', COUNTY, '--out', out);
    expect(r.code, explain(r)).toBe(0);
    expect(r.stderr).toContain(`history written to ${out}`);
    const parsed = JSON.parse(readFileSync(out, 'utf8')) as { events: Array<{ eventType: string; [k: string]: unknown }> };
    const types = parsed.events.map((e) => e.eventType);
    expect(types[0]).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');
    expect(parsed.events[0].workflowExecutionStartedEventAttributes).toMatchObject({ workflowType: { name: 'incidentWorkflow' } });
    // report and assess as updates, the metrics reading as a signal, notices and outcomes as activities
    expect(types.filter((t) => t === 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED')).toHaveLength(2);
    expect(types).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED');
    expect(types).toContain('EVENT_TYPE_ACTIVITY_TASK_COMPLETED');
    expect(types).toContain('EVENT_TYPE_TIMER_STARTED');
    // the file reads back as a History (what replay takes)
    expect(historyFromJSON(parsed).events).toHaveLength(parsed.events.length);
  });

  it('the worker process wrote each outcome to the ledger once', async () => {
    const s = await show(COUNTY);
    const ledger = openLedger(`sqlite:${ledgerFile}`);
    try {
      const rows = await eventually('outcomes in the ledger', async () => {
        const rows = await ledger.listOutcomes({ incidentId: COUNTY });
        return rows.length === s.outcomes.length ? rows : undefined;
      }, 5_000);
      expect(rows.map((o) => o.id).sort()).toEqual(s.outcomes.map((o) => o.id).sort());
      expect(rows.find((o) => o.obligationKind === 'firstReport')).toMatchObject({ personId: 'liu.bo', unitId: 'county-office' });
    } finally {
      await ledger.close();
    }
    expect(worker!.output()).toContain(`[notify] ${OVERDUE} → 刘波(monitor) via log:`);
  });
});
