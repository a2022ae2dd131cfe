/**
 * Review of findings (复核) and the named person's explanation (申辩) as people run them through pipes, against a
 * dev server and a worker process: a first report made late leaves a 迟报 finding; `findings --open` lists it
 * for its reviewer; the incident ends (withdrawn: its workflow is closed) and the review still goes straight to
 * the ledger; the office director confirms it; the monitor it names may not review it but may explain it.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../../scripts/temporal-binaries';
import type { FindingView, ReviewResult } from '../../src/api/reviews';
import type { IncidentStatus } from '../../src/machines/status';
import { eventually, incidentFile, isoAgo, json, runCliPiped, startWorkerProcess, tempDir, type CliResult, type WorkerProcess } from './processes';

let dir: string;
let server: DevServer;
let worker: WorkerProcess | undefined;
let env: Record<string, string>;

const cli = (...args: string[]) => runCliPiped(args, env);
const explain = (r: CliResult) => `client ${r.args.join(' ')} → exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

beforeAll(async () => {
  dir = tempDir('e2e-cli-reviews-');
  server = await startDevServer({ uiPort: false });
  env = { TEMPORAL_ADDRESS: server.address, TEMPORAL_TASK_QUEUE: `e2e-cli-reviews-${process.pid}`, LEDGER_URL: `sqlite:${path.join(dir, 'ledger.sqlite')}` };
  worker = await startWorkerProcess(env);
});

afterAll(async () => {
  await worker?.kill('SIGTERM');
  await server?.stop();
});

describe('reviewing findings through the CLI', () => {
  const ID = 'e2e-review-1';
  const FINDING = `${ID}/firstReport/timers`;

  it('a late first report is listed open for the office director, confirmed by him after the incident ended, explained by the monitor it names', async () => {
    // discovered 2 h ago: the especially major first report (1 h) has passed
    const file = incidentFile(dir, 'county-especially-major.json', { id: ID, discoveredAt: isoAgo(2 * 3600_000) });
    const started = await cli('start', '--file', file);
    expect(started.code, explain(started)).toBe(0);
    await eventually('the first report overdue', async () => {
      const s = json<IncidentStatus>(await cli('show', ID, '--json'));
      return s.obligations.some((o) => o.kind === 'firstReport' && o.overdue) ? true : undefined;
    }, 30_000, 500);
    const reported = await cli('act', ID, 'report', '--data', JSON.stringify({ by: 'liu.bo', to: 'office', mode: 'phone' }));
    expect(reported.code, explain(reported)).toBe(0);

    // listed open, for its reviewer (the office director), in the plan's words and zone
    const open = await eventually('the finding listed open', async () => {
      const rows = json<FindingView[]>(await cli('findings', '--open', '--json'));
      return rows.find((f) => f.id === FINDING);
    }, 30_000, 500);
    expect(open).toMatchObject({
      kind: 'late', label: '首报迟报', state: 'open', obligationKind: 'firstReport', binding: 'binding',
      person: { id: 'liu.bo', name: '刘波' }, reviewers: [{ id: 'wang.jiazhi', role: 'officeDirector' }],
    });
    expect(open.delayMs).toBeGreaterThan(50 * 60_000);
    expect(open.dueAt).toMatch(/\+08:00$/);
    const forDirector = await cli('findings', '--open', '--reviewer', 'wang.jiazhi');
    expect(forDirector.code, explain(forDirector)).toBe(0);
    expect(forDirector.stdout).toContain(FINDING);
    expect(forDirector.stdout).toMatch(/首报迟报 · 待复核 \(open\)/);
    expect(forDirector.stdout).toMatch(/时限\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2} \+08:00/);

    // the incident ends; its workflow is closed, and the review goes straight to the ledger
    const withdrawn = await cli('act', ID, 'withdraw', '--data', JSON.stringify({ by: 'zhao.min', reason: '演练结束' }), '--json');
    expect(withdrawn.code, explain(withdrawn)).toBe(0);
    expect(json<IncidentStatus>(withdrawn).open).toBe(false);
    const { Connection, Client } = await import('@temporalio/client');
    const connection = await Connection.connect({ address: server.address });
    try {
      const handle = new Client({ connection }).workflow.getHandle(`incident-${ID}`);
      await eventually('the workflow closed', async () => ((await handle.describe()).status.name === 'COMPLETED' ? true : undefined), 30_000, 250);
    } finally {
      await connection.close();
    }

    const confirmed = await cli('review', FINDING, '--by', 'wang.jiazhi', '--decision', 'confirm', '--reason', '经核实，首报迟报属实', '--json');
    expect(confirmed.code, explain(confirmed)).toBe(0);
    const r = json<ReviewResult>(confirmed);
    expect(r.review).toMatchObject({ kind: 'confirm', by: 'wang.jiazhi', byRole: 'officeDirector', reason: '经核实，首报迟报属实' });
    expect(r.review.id).toMatch(new RegExp(`^${FINDING}/review@\\d{8}T\\d{6}\\.\\d{3}Z$`));
    expect(r.finding.state).toBe('confirmed');

    // the person it names may not review it: exit 1, with the reason
    const self = await cli('review', FINDING, '--by', 'liu.bo', '--decision', 'annul', '--reason', '我已电话报告');
    expect(self.code, explain(self)).toBe(1);
    expect(self.stderr).toContain('by: 刘波 (liu.bo) is the person this finding names; nobody reviews a finding about themselves');
    // nor may someone who is not the reviewer; and without a reason nothing is decided
    const other = await cli('review', FINDING, '--by', 'zhao.min', '--decision', 'annul', '--reason', '不属实', '--json');
    expect(other.code, explain(other)).toBe(1);
    expect(JSON.parse(other.stderr)).toMatchObject({ error: 'NotAllowed', errors: [expect.stringMatching(/^by: 赵敏 \(zhao\.min\) .* may not review .*王加志 \(wang\.jiazhi\)/)] });
    const noReason = await cli('review', FINDING, '--by', 'wang.jiazhi', '--decision', 'annul', '--reason', '');
    expect(noReason.code, explain(noReason)).toBe(1);
    expect(noReason.stderr).toContain('reason: a reason is required');

    // the person named explains (申辩)
    const explained = await cli('explain', FINDING, '--by', 'liu.bo', '--text', '当时在外采集信息，手机无信号，恢复后立即电话报告');
    expect(explained.code, explain(explained)).toBe(0);
    expect(explained.stdout).toContain(`${FINDING}/explanation@`);

    // the incident's findings show it confirmed, with the decision and the explanation
    const rows = json<FindingView[]>(await cli('findings', '--incident', `incident-${ID}`, '--json'));
    const f = rows.find((x) => x.id === FINDING)!;
    expect(f).toMatchObject({ state: 'confirmed', kind: 'late', explanations: 1, decision: { kind: 'confirm', by: 'wang.jiazhi' } });
    expect(f.reviews.map((x) => [x.kind, x.by])).toEqual([['confirm', 'wang.jiazhi'], ['explanation', 'liu.bo']]);
    const human = await cli('findings', '--incident', ID);
    expect(human.code, explain(human)).toBe(0);
    expect(human.stdout).toMatch(/首报迟报 · 已确认 \(confirmed\)/);
    expect(human.stdout).toContain('申辩');
    expect(human.stdout).toContain('经核实，首报迟报属实');
    // no longer open for its reviewer
    expect(json<FindingView[]>(await cli('findings', '--open', '--reviewer', 'wang.jiazhi', '--json')).map((x) => x.id)).not.toContain(FINDING);
  });
});
