/**
 * End to end, as a user works: a real dev server (SQLite file), the compiled worker process and the
 * compiled CLI (`node dist/client.js`, built by vitest's global setup) run as separate processes.
 * Nothing of the product is imported except to read the ledger at the end (and displayWidth, to check
 * the columns people see).
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../../scripts/temporal-binaries';
import { openLedger } from '../../src/activities/ledger';
import { historyFromJSON } from '../../src/api/history-json';
import type { ListedIncident } from '../../src/api/incidents';
import { displayWidth } from '../../src/cli/text';
import type { IncidentStatus } from '../../src/machines/status';
import { eventually, incidentFile, isoAgo, json, runCli, runCliPiped, startWorkerProcess, tempDir, type CliResult, type WorkerProcess } from './processes';

const COUNTY = 'county-20261122-001'; // examples/county-especially-major.json
const OVERDUE = 'e2e-cli-overdue'; // the county example, discovered two hours ago
const SCHOOL = 'e2e-cli-school'; // the school example, discovered five minutes ago
const BACKDATED = 'e2e-cli-backdated'; // the county example, discovered three hours ago; its report is entered late

let dir: string;
let server: DevServer;
let worker: WorkerProcess | undefined;
let env: Record<string, string>;
let ledgerFile: string;
const files: Record<string, string> = {};

const cli = (...args: string[]) => runCli(args, env);
const ids = (rows: ListedIncident[]) => rows.map((r) => r.id);
const show = async (id: string) => json<IncidentStatus>(await cli('show', id, '--json'));
const explain = (r: CliResult) => `client ${r.args.join(' ')} → exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
/** Where a cell starts in a line, in terminal cells (CJK characters take two). */
const column = (line: string, cell: string) => displayWidth(line.slice(0, line.indexOf(cell)));

beforeAll(async () => {
  dir = tempDir('e2e-cli-');
  ledgerFile = path.join(dir, 'ledger.sqlite');
  server = await startDevServer({ uiPort: false, dbFile: path.join(dir, 'temporal.sqlite') });
  env = { TEMPORAL_ADDRESS: server.address, TEMPORAL_TASK_QUEUE: `e2e-cli-${process.pid}-${Date.now()}` };
  worker = await startWorkerProcess({ ...env, LEDGER_URL: `sqlite:${ledgerFile}` });
  files.overdue = incidentFile(dir, 'county-especially-major.json', { id: OVERDUE, discoveredAt: isoAgo(2 * 3600_000) });
  files.school = incidentFile(dir, 'school-inquiry.json', { id: SCHOOL, discoveredAt: isoAgo(5 * 60_000) });
  files.backdated = incidentFile(dir, 'county-especially-major.json', { id: BACKDATED, title: '县城供水中断引发网络热议', discoveredAt: isoAgo(3 * 3600_000) });
});

afterAll(async () => {
  await worker?.kill('SIGTERM');
  await server?.stop();
});

describe('CLI against a real dev server and worker process', () => {
  let runId: string;
  let timelineAfterReport: number;

  it('start prints "started"; starting the same incident again says "already running" with the same run', async () => {
    const first = await cli('start', '--file', 'test/fixtures/examples/county-especially-major.json');
    expect(first.code, explain(first)).toBe(0);
    const m = /^started: incident-county-20261122-001 \(run ([0-9a-f-]{36})\)$/m.exec(first.stdout);
    expect(m, explain(first)).not.toBeNull();
    runId = m![1];

    const [again, overdue, school, backdated] = await Promise.all([
      cli('start', '--file', 'test/fixtures/examples/county-especially-major.json'),
      cli('start', '--file', files.overdue, '--json'),
      cli('start', '--file', files.school),
      cli('start', '--file', files.backdated),
    ]);
    expect(backdated.code, explain(backdated)).toBe(0);
    expect(again.code, explain(again)).toBe(0);
    expect(again.stdout.trim()).toBe(`already running: incident-${COUNTY} (run ${runId})`);
    expect(overdue.code, explain(overdue)).toBe(0);
    expect(json(overdue)).toMatchObject({ workflowId: `incident-${OVERDUE}`, started: true });
    expect(school.code, explain(school)).toBe(0);
    expect(school.stdout).toMatch(new RegExp(`^started: incident-${SCHOOL} `, 'm'));
  });

  it('act report exits 0; show --json has the stage, the grade and the new written-report obligation', async () => {
    // the workflow id that start printed works as well as the incident id
    const r = await cli('act', `incident-${COUNTY}`, 'report', '--data', '{"by":"liu.bo","to":"office","mode":"phone"}');
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
    const [bad, badJson, role, notJson, unknownAction, misspelt] = await Promise.all([
      cli('act', COUNTY, 'report', '--data', '{"by":"liu.bo","to":"no body","mode":"fax","extra":1}'),
      cli('act', COUNTY, 'report', '--data', '{"by":"","mode":"phone"}', '--json'),
      cli('act', COUNTY, 'assess', '--data', '{"by":"liu.bo"}'),
      cli('act', COUNTY, 'report', '--data', '{oops'),
      cli('act', COUNTY, 'explode', '--data', '{}'),
      cli('act', COUNTY, 'asess', '--data', '{"by":"zhao.min"}'),
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
    expect(unknownAction.stderr).toContain('actions: report, assess, dispatch, respond');
    expect(misspelt.code, explain(misspelt)).toBe(1);
    expect(misspelt.stderr).toContain('"asess" is not a known action. Did you mean "assess"?');

    const s = await show(COUNTY);
    expect(s.timeline).toHaveLength(timelineAfterReport);
    expect(s.stage).toBe('researchAndWarning');
  });

  it('an unknown incident exits 3 with "not found" (by incident id or workflow id); usage errors exit 2', async () => {
    const results = await Promise.all([
      cli('show', 'no-such-incident'),
      cli('show', 'incident-no-such-incident'),
      cli('act', 'no-such-incident', 'report', '--data', '{"by":"liu.bo","to":"office","mode":"phone"}'),
      cli('history', 'incident-no-such-incident'),
      cli('metrics', 'no-such-incident', '--data', '{"metrics":{"posts":1}}'),
    ]);
    for (const r of results) {
      expect(r.code, explain(r)).toBe(3);
      expect(r.stderr).toContain('no-such-incident not found');
      expect(r.stderr).not.toContain('incident-no-such-incident not found');
    }
    const [none, missing, extra, flag] = await Promise.all([cli(), cli('act', COUNTY), cli('show', COUNTY, 'extra'), cli('show', COUNTY, '--verbose')]);
    expect(none.code, explain(none)).toBe(2);
    expect(none.stderr).toContain('usage:');
    expect(missing.code, explain(missing)).toBe(2);
    expect(missing.stderr).toContain('missing <action>');
    expect(extra.code, explain(extra)).toBe(2);
    expect(extra.stderr).toBe('error: unexpected argument "extra" (show takes <id>)\nusage: client show <id> [--json]\n');
    expect(extra.stdout).toBe('');
    expect(flag.code, explain(flag)).toBe(2);
    expect(flag.stderr).toMatch(/^error: unknown option --verbose for show/);
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
      when(['--grade', 'especiallyMajor'], (x) => x.includes(COUNTY) && x.includes(OVERDUE) && x.includes(BACKDATED)),
      when(['--grade', 'general'], (x) => x.includes(SCHOOL)),
      when(['--unit', 'xuchang-shiyan-middle-school'], (x) => x.includes(SCHOOL)),
      when(['--unit', 'county-office'], (x) => x.includes(COUNTY) && x.includes(OVERDUE) && x.includes(BACKDATED)),
    ]);
    expect(stage).toEqual([COUNTY]);
    expect(major.sort()).toEqual([COUNTY, OVERDUE, BACKDATED].sort());
    expect(general).toEqual([SCHOOL]);
    expect(school).toEqual([SCHOOL]);
    expect(county.sort()).toEqual([COUNTY, OVERDUE, BACKDATED].sort());

    const [human, badGrade] = await Promise.all([cli('list', '--stage', 'rapidResponse'), cli('list', '--grade', 'huge')]);
    expect(human.code, explain(human)).toBe(0);
    // the title, Chinese stage and grade labels, the unit's name, the next deadline in the plan's zone
    expect(human.stdout).toMatch(new RegExp(`^${COUNTY}\\s+某镇一企业发生安全生产事故致人…\\s+快速反应\\s+特别重大\\s+某县舆情应急处置领导小组办公室\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d \\+08:00（剩余 `, 'm'));
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
    // recorded as an update: the answer is the incident with the reading applied
    expect(good.stdout).toContain(COUNTY);
    const s = await show(COUNTY);
    expect(s.metrics.posts).toBe(900);
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
    // report, assess and the metrics reading as updates (refused ones leave no trace), findings and notices as local
    // activities (v6: a marker in the task that made them)
    expect(types.filter((t) => t === 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED')).toHaveLength(3);
    expect(parsed.events.some((e) => e.eventType === 'EVENT_TYPE_MARKER_RECORDED' && (e.markerRecordedEventAttributes as { markerName?: string }).markerName === 'core_local_activity')).toBe(true);
    expect(types).toContain('EVENT_TYPE_TIMER_STARTED');
    // the file reads back as a History (what replay takes)
    expect(historyFromJSON(parsed).events).toHaveLength(parsed.events.length);
  });

  it('the worker process wrote each finding to the ledger once, and its dispatcher delivered the notices', async () => {
    const s = await show(COUNTY);
    const ledger = openLedger(`sqlite:${ledgerFile}`);
    try {
      const rows = await eventually('findings in the ledger', async () => {
        const rows = await ledger.listFindings({ incidentId: COUNTY });
        return rows.length === s.outcomes.length ? rows : undefined;
      }, 5_000);
      expect(rows.map((o) => o.id).sort()).toEqual(s.outcomes.map((o) => o.id).sort());
      expect(rows.find((o) => o.obligationKind === 'firstReport')).toMatchObject({ personId: 'liu.bo', unitId: 'county-office' });
    } finally {
      await ledger.close();
    }
    await eventually('the overdue notice delivered', async () => (worker!.output().includes(`[notify] ${OVERDUE} → 刘波 via log:`) ? true : undefined));
  });

  it('show for people: plan-zone times with their offset, time left or overdue, the timeline by claimed time', async () => {
    // a phone report made 2.5 hours ago, entered only now: backdated (the plan's notice is 1h)
    const claimed = isoAgo(150 * 60_000);
    const r = await cli('act', BACKDATED, 'report', '--data', JSON.stringify({ by: 'liu.bo', to: 'office', mode: 'phone', at: claimed }));
    expect(r.code, explain(r)).toBe(0);

    const human = await cli('show', `incident-${BACKDATED}`);
    expect(human.code, explain(human)).toBe(0);
    const lines = human.stdout.split('\n');
    expect(lines[0]).toBe(`${BACKDATED}  县城供水中断引发网络热议`);
    expect(human.stdout).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/); // no raw ISO times for people
    const local = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d \\+08:00';
    // (discovered 3 hours before the incident was started: minutes more by the time it is shown on a busy machine)
    expect(lines.find((l) => l.trim().startsWith('发现'))).toMatch(new RegExp(`${local}（3 小时( \\d+ 分)?前）`));
    expect(lines.find((l) => l.trim().startsWith('下一时限'))).toMatch(new RegExp(`${local}（剩余 (\\d+ 天 )?(\\d+ 小时 ?)?(\\d+ 分)?）`));
    // the written report was due 30 minutes after the phone report: two hours ago
    const written = lines.find((l) => l.includes('writtenReport'))!;
    expect(written).toMatch(new RegExp(`${local}（逾期 (1 小时 59 分|2 小时( \\d+ 分)?)）`));
    expect(column(written, '待办')).toBe(column(lines.find((l) => /^\s+义务\s+状态/.test(l))!, '状态'));

    // the timeline is in the order things happened: the late-entered report before what was recorded meanwhile
    const start = lines.findIndex((l) => l.trim() === '时间线') + 2;
    const timeline = lines.slice(start, lines.indexOf('', start));
    const times = timeline.map((l) => l.trim().slice(0, 23));
    expect([...times].sort()).toEqual(times);
    const reportLine = timeline.find((l) => /\sreport\s/.test(l))!;
    expect(reportLine).toMatch(new RegExp(`补录：${local} 录入，晚 2 小时 30 分`));
    const firstOverdue = timeline.findIndex((l) => /\soverdue\s/.test(l));
    expect(firstOverdue).toBeGreaterThan(timeline.indexOf(reportLine));

    // --json is the view as the workflow gives it, for machines
    const s = await show(`incident-${BACKDATED}`);
    const report = s.timeline.find((t) => t.action === 'report')!;
    expect(report.backdated).toBe(true);
    expect(Date.parse(report.at)).toBe(Date.parse(claimed));
  });

  it('list for people: a header, titles, the most urgent first, CJK-aligned columns, paging, a footer', async () => {
    const all = await eventually('every incident listed', async () => {
      const r = await cli('list', '--json');
      const rows = json<ListedIncident[]>(r);
      return [COUNTY, OVERDUE, SCHOOL, BACKDATED].every((id) => ids(rows).includes(id)) ? rows : undefined;
    });
    expect(all.find((r) => r.id === SCHOOL)).toMatchObject({ title: expect.any(String), unitName: expect.any(String), timeZone: 'Asia/Shanghai', language: 'zh' });
    // urgency: every incident with an overdue obligation before every other one, then the next deadline soonest
    const urgency = all.map((r) => (r.overdueCount > 0 ? 0 : r.nextDeadlineAt ? 1 : 2));
    expect([...urgency].sort()).toEqual(urgency);
    const coming = all.filter((r) => r.overdueCount === 0 && r.nextDeadlineAt).map((r) => r.nextDeadlineAt!);
    expect([...coming].sort()).toEqual(coming);

    const human = await cli('list');
    expect(human.code, explain(human)).toBe(0);
    const lines = human.stdout.trimEnd().split('\n');
    expect(lines[0].split(/\s{2,}/)).toEqual(['编号', '标题', '阶段', '等级', '单位', '下一时限', '逾期']);
    expect(lines.slice(1, -1).map((l) => l.split(/\s+/)[0])).toEqual(ids(all));
    expect(lines.at(-1)).toBe(`共 ${all.length} 起`);
    const school = lines.find((l) => l.startsWith(SCHOOL))!;
    const backdated = lines.find((l) => l.startsWith(BACKDATED))!;
    expect(backdated).toContain('县城供水中断引发网络热议');
    for (const [line, stage] of [[school, '研判预警'], [backdated, '研判预警']] as const) {
      expect(column(line, stage)).toBe(column(lines[0], '阶段'));
      expect(column(line, '2026')).toBe(column(lines[0], '下一时限'));
    }

    const [page2, page2Json] = await Promise.all([cli('list', '--limit', '2', '--page', '2'), cli('list', '--limit', '2', '--page', '2', '--json')]);
    expect(page2.code, explain(page2)).toBe(0);
    const pageLines = page2.stdout.trimEnd().split('\n');
    expect(pageLines).toHaveLength(1 + 2 + 1);
    expect(pageLines.at(-1)).toBe(`共 ${all.length} 起，显示第 3–4 起（第 2/${Math.ceil(all.length / 2)} 页）${all.length > 4 ? '，下一页：--page 3' : ''}`);
    expect(ids(json<ListedIncident[]>(page2Json))).toEqual(ids(all).slice(2, 4));
  });

  it('history of a long incident (well over 64 KiB of JSON) comes whole through a pipe', async () => {
    const signals = await Promise.all(Array.from({ length: 8 }, (_, i) =>
      cli('metrics', `incident-${COUNTY}`, '--data', JSON.stringify({ by: 'liu.bo', metrics: { posts: 1000 + i * 10, comments: 400 + i } }))));
    for (const r of signals) expect(r.code, explain(r)).toBe(0);
    const file = path.join(dir, 'long-history.json');
    await eventually('a long history', async () => {
      const r = await cli('history', COUNTY, '--out', file);
      expect(r.code, explain(r)).toBe(0);
      return statSync(file).size > 128 * 1024 ? true : undefined;
    }, 20_000, 500);

    for (const args of [['history', COUNTY], ['history', `incident-${COUNTY}`]]) {
      const r = await runCliPiped(args, env);
      expect(r.code, explain(r)).toBe(0);
      expect(r.stdout.length).toBeGreaterThan(128 * 1024);
      const parsed = JSON.parse(r.stdout) as { events: Array<{ eventType: string }> };
      expect(parsed.events[0].eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');
      expect(parsed.events.at(-1)!.eventType).toMatch(/^EVENT_TYPE_/);
    }
    const big = await runCliPiped(['show', COUNTY, '--json'], env);
    expect(big.code, explain(big)).toBe(0);
    expect(json<IncidentStatus>(big).id).toBe(COUNTY);

    const unwritable = await cli('history', COUNTY, '--out', path.join(dir, 'no-such-dir', 'h.json'));
    expect(unwritable.code, explain(unwritable)).toBe(1);
    expect(unwritable.stderr).toBe(`error (FileError): cannot write ${path.join(dir, 'no-such-dir', 'h.json')}: no such file or directory\n`);
  });
});
