import { describe, expect, it } from 'vitest';
import { calendarSlice, HOLIDAY_DATA_COVERS } from '../../src/plan/holidays';
import type { PlanInput } from '../../src/plan/plan.schema';
import { toStatus } from '../../src/machines/status';
import { prepareAction } from '../../src/machines/commands';
import { HOUR, MIN, T0, act, deadlineDue, findingsOf, makePlan, metrics, start } from './fixtures';
import { archives, borrowed as borrowedFigures, county } from './v3-plans';

/**
 * v3 report lines (rule book, Reports: who owes what to whom; Time limits: upgradeReport; Scope), on small plans
 * built from the test unit: the shipped per-seed plans have tests of their own (test/plan/seed-plans.test.ts).
 */
const calendar = calendarSlice('2026-03-02', HOLIDAY_DATA_COVERS.to);
const v3 = { rulesVersion: 3, calendar } as const;

const line = (s: ReturnType<typeof start>[0], id: string) => {
  const o = s.context.obligations.find((x) => x.id === id);
  if (!o) throw new Error(`no line ${id}; has ${s.context.obligations.map((x) => x.id).join(', ')}`);
  return o;
};

describe('report lines: one reporter to one recipient (rule book, Reports; 000 篇五 §五(二))', () => {
  it('a general county incident owes the 涉事主体 three lines with no limit (酌情适时上报) and the monitor a target line', () => {
    const [s] = start({ ...v3, plan: county, metrics: { posts: 10 } });
    expect(s.context.grade).toBe('general');
    for (const key of ['subject-coordinator', 'subject-superior', 'subject-cyberspace']) {
      const o = line(s, `report/${key}`);
      expect(o).toMatchObject({ status: 'pending', dueAt: null, ownerId: '', line: { ownerNotNamed: true } });
    }
    expect(line(s, 'report/monitor-office')).toMatchObject({ ownerId: 'mon', dueAt: T0 + 2 * HOUR, line: { binding: false } });
  });

  it('a rise to 重大 gives each open line rise + 2 h, never discovery + 2 h; a report to one recipient meets only its line', () => {
    let [s] = start({ ...v3, plan: county, metrics: { posts: 10 }, subject: 'dep' });
    [s] = act(s, 'assess', { by: 'dep', grade: 'major', note: '主流媒体转载' }, T0 + 5 * HOUR);
    expect(line(s, 'report/subject-coordinator')).toMatchObject({ ownerId: 'dep', dueAt: T0 + 7 * HOUR, gradeBasis: 'assessed' });
    [s] = act(s, 'report', { by: 'dep', to: 'coordinator', mode: 'phone' }, T0 + 6 * HOUR);
    expect(line(s, 'report/subject-coordinator').status).toBe('met');
    expect(line(s, 'report/subject-superior').status).toBe('pending');
    let actions;
    [s, actions] = deadlineDue(s, 'report/subject-superior', T0 + 7 * HOUR);
    expect(findingsOf(actions)).toEqual([]); // a flag and notices, no finding before it is final
    [s, actions] = act(s, 'report', { by: 'dep', to: 'superior', mode: 'written' }, T0 + 8 * HOUR);
    const [late] = findingsOf(actions);
    expect(late).toMatchObject({ kind: 'late', personId: 'dep', obligationId: 'report/subject-superior', delayMs: HOUR, binding: 'binding' });
    expect(late.marks?.line).toMatchObject({ key: 'subject-superior', toName: '上级业务部门' });
  });

  it('a met line gets an upgrade line when a higher grade shortens its limit; one open line per recipient', () => {
    let [s] = start({ ...v3, plan: county, subject: 'dep', metrics: { mainstreamMedia: true } });
    expect(s.context.grade).toBe('major');
    [s] = act(s, 'report', { by: 'dep', to: 'coordinator', mode: 'written' }, T0 + HOUR);
    [s] = act(s, 'regrade', { by: 'dir', grade: 'especiallyMajor', reason: '出现伤亡' }, T0 + 3 * HOUR);
    const up = s.context.obligations.filter((o) => o.line?.key === 'subject-coordinator');
    expect(up.map((o) => [o.kind, o.status, o.dueAt])).toEqual([['firstReport', 'met', T0 + 2 * HOUR], ['upgradeReport', 'pending', T0 + 4 * HOUR]]);
    // the still-open lines get the earlier of their due and rise + 1 h
    expect(line(s, 'report/subject-superior').dueAt).toBe(T0 + 2 * HOUR);
  });

  it('a computed rise runs the limit, flagged: its finding says the grade was not assessed', () => {
    let [s] = start({ ...v3, plan: county, subject: 'dep', metrics: { posts: 10 } });
    [s] = metrics(s, { mainstreamMedia: true }, T0 + HOUR);
    expect(s.context.gradeSource).toBe('metrics');
    let actions;
    [s, actions] = act(s, 'report', { by: 'dep', to: 'cyberspaceOffice', mode: 'written' }, T0 + 4 * HOUR);
    expect(findingsOf(actions)[0]).toMatchObject({ kind: 'late', gradeBasis: 'computed', marks: { gradeNotAssessed: true } });
  });

  it('a lapse while the 涉事主体 was not named is marked for the reviewer and names nobody', () => {
    let [s] = start({ ...v3, plan: county, metrics: { mainstreamMedia: true } });
    [s] = deadlineDue(s, 'report/subject-coordinator', T0 + 2 * HOUR);
    [s] = act(s, 'nameSubject', { by: 'off', department: 'dep2' }, T0 + 3 * HOUR);
    expect(line(s, 'report/subject-coordinator')).toMatchObject({ ownerId: 'dep2', line: { ownerNamedAt: T0 + 3 * HOUR } });
    const [, actions] = act(s, 'report', { by: 'dep2', to: 'coordinator', mode: 'written' }, T0 + 4 * HOUR);
    expect(findingsOf(actions)[0]).toMatchObject({ kind: 'late', personId: 'dep2', marks: { ownerNotNamed: true } });
  });
});

describe('major-only plans (rule book, Scope; 000 篇一 §四(二))', () => {
  it('below 重大 nothing runs; the assessment as 重大 starts every limit from its claimed time, and the line to the assessor is met by it', () => {
    let [s] = start({ ...v3, plan: archives, metrics: { mainstreamMedia: true } });
    expect(s.context.obligations).toEqual([]);
    expect(toStatus(s.context).scope).toMatchObject({ plan: 'majorOnly', inScope: false });
    [s] = act(s, 'assess', { by: 'off', grade: 'major' }, T0 + 2 * HOUR);
    expect(s.context.majorAt).toBe(T0 + 2 * HOUR);
    const toOffice = s.context.obligations.find((o) => o.line?.key === 'discoverer-office')!;
    expect(toOffice).toMatchObject({ status: 'met', anchorAt: T0 + 2 * HOUR, line: { metByAssessment: true } });
    // the office relays to the leaders from its own assessment; the public response runs 3 h from it
    const relay = s.context.obligations.find((o) => o.line?.key === 'office-leaders')!;
    expect(relay).toMatchObject({ status: 'pending', ownerId: 'off', anchorAt: T0 + 2 * HOUR, dueAt: T0 + 3 * HOUR });
    expect(s.context.obligations.find((o) => o.kind === 'publicResponse')).toMatchObject({ dueAt: T0 + 5 * HOUR });
  });

  it('recorded as 重大 at entry: limits run from discovery; the relay starts at the report to the office, owed by the office', () => {
    let [s] = start({ ...v3, plan: archives, grade: 'major' });
    expect(line(s, 'report/discoverer-office')).toMatchObject({ ownerId: 'mon', dueAt: T0 + HOUR });
    [s] = act(s, 'report', { by: 'mon', to: 'office', mode: 'phone' }, T0 + 30 * MIN);
    const relay = s.context.obligations.find((o) => o.line?.key === 'office-leaders')!;
    expect(relay).toMatchObject({ ownerId: 'off', anchorAt: T0 + 30 * MIN, dueAt: T0 + 90 * MIN });
    // the discoverer never answers for the relay
    const [, actions] = deadlineDue(s, relay.id, T0 + 90 * MIN);
    expect(findingsOf(actions)).toEqual([]);
  });

  it('figures propose, never start: a computed 重大 in a major-only plan tells the assessors and starts nothing', () => {
    // a major-only plan may carry 000 篇五's figures, borrowed, as proposals
    let [s] = start({ ...v3, plan: borrowedFigures });
    const [next, actions] = metrics(s, { mainstreamMedia: true }, T0 + HOUR);
    s = next;
    expect(s.context.obligations).toEqual([]);
    expect(s.context.timeline.some((e) => e.action === 'proposal')).toBe(true);
    expect(actions.some((a) => (a as { type: string }).type === 'notify')).toBe(true);
  });

  it('a dismissal as not within the scope annuls by default what it leaves; other grounds keep it', () => {
    let [s] = start({ ...v3, plan: archives, grade: 'major' });
    [s] = deadlineDue(s, 'report/discoverer-office', T0 + HOUR);
    [s] = act(s, 'regrade', { by: 'dir', grade: 'larger', reason: '影响有限' }, T0 + 2 * HOUR);
    const refused = act(s, 'dismiss', { by: 'off', reason: '不属于' }, T0 + 3 * HOUR);
    expect(refused[0].context.stage).toBe(s.context.stage);
    const [, actions] = act(s, 'dismiss', { by: 'off', reason: '非重大网络舆情', ground: 'outOfScope' }, T0 + 3 * HOUR);
    const [f] = findingsOf(actions);
    expect(f).toMatchObject({ obligationId: 'report/discoverer-office', marks: { annulledByDefault: expect.stringContaining('不属于本预案适用范围') } });
  });
});

describe('v3 refusals and owners found in the plan reviews (rule book, Reports; Who decides; 001 篇1; 001 school plan)', () => {
  const heads = makePlan((p: PlanInput) => {
    p.id = 'test-heads';
    p.scope = 'majorOnly';
    p.grading = undefined;
    p.people.push({ id: 'pri2', name: '局长', roles: ['principalLeader'] });
    p.reportLines = [
      { key: 'to-heads', label: '报告组长', from: 'discoverer', to: ['principalLeader'], perPerson: true, within: '2h', binding: false, basis: 'default', source: '001 篇1 §四(二)' },
    ];
  });

  it('a report to a role whose people each have a line names the person; a report to one head meets only that line', () => {
    let [s] = start({ ...v3, plan: heads, grade: 'major' });
    const refused = prepare(s, 'report', { by: 'mon', to: 'principalLeader', mode: 'phone' });
    expect(refused).toMatchObject({ ok: false, errors: [expect.stringContaining('name the person (pri, pri2)')] });
    [s] = act(s, 'report', { by: 'mon', to: 'pri2', mode: 'phone' }, T0 + 10 * MIN);
    expect(line(s, 'report/to-heads/to=pri2').status).toBe('met');
    expect(line(s, 'report/to-heads/to=pri').status).toBe('pending');
  });

  it('a role line is answered for by the holder who made it; a lapse of one with several holders names nobody', () => {
    const monitors = makePlan((p: PlanInput) => {
      p.reportLines = [{ key: 'monitors', label: '信息员上报', from: 'role:monitor', to: ['office'], within: '1h', binding: true, basis: 'rule', source: 'test' }];
    });
    let [s] = start({ ...v3, plan: monitors, discoveredBy: 'mon2' });
    let actions;
    [, actions] = act(s, 'report', { by: 'mon2', to: 'office', mode: 'written' }, T0 + 2 * HOUR);
    expect(findingsOf(actions)[0]).toMatchObject({ kind: 'late', personId: 'mon2' });
    [s] = deadlineDue(s, 'report/monitors', T0 + HOUR);
    [, actions] = act(s, 'withdraw', { by: 'off', reason: '重复' }, T0 + 3 * HOUR);
    const [missed] = findingsOf(actions).filter((f) => f.obligationId === 'report/monitors');
    expect(missed).toMatchObject({ kind: 'missed', marks: { ownerNotNamed: true } });
    expect(missed.personId).toBeUndefined();
  });

  it('a plan that knows two tiers refuses a third; another department does not assess the 涉事主体\'s incident', () => {
    const tiers = makePlan((p: PlanInput) => { p.grades = ['general', 'major', 'especiallyMajor']; });
    const [s] = start({ ...v3, plan: tiers });
    expect(prepare(s, 'assess', { by: 'off', grade: 'larger' })).toMatchObject({ ok: false, errors: [expect.stringContaining('not larger')] });
    const [c] = start({ ...v3, plan: county, subject: 'dep' });
    expect(prepare(c, 'assess', { by: 'dep2', grade: 'major' })).toMatchObject({ ok: false, errors: [expect.stringContaining('not the 涉事主体')] });
    expect(prepare(c, 'assess', { by: 'dep', grade: 'major' })).toMatchObject({ ok: true });
  });

  it('the first public response is taken before the assessment (v3): its 3 h run from discovery', () => {
    let [s] = start({ ...v3, plan: archives, grade: 'major' });
    [s] = act(s, 'respond', { by: 'spk', channel: 'weibo', text: '已关注，正在核实', inNameOf: 'unit' }, T0 + HOUR);
    expect(s.value).toBe('researchAndWarning');
    expect(s.context.obligations.find((o) => o.kind === 'publicResponse')?.status).toBe('met');
    const [v1] = start({ plan: archives });
    expect(prepare(v1, 'respond', { by: 'spk', channel: 'weibo', text: 'x', inNameOf: 'unit' }).ok).toBe(false);
  });
});

describe('commendations (000 篇三 §六 表彰和奖励; rule book, Accountability: a person or a collective)', () => {
  it('a collective is commended by name, once; a commendation names a person or a collective, not both', () => {
    let [s] = start({ ...v3, plan: county });
    let actions;
    [s, actions] = act(s, 'commend', { by: 'lg', collective: '宣传科', reason: '及时发布权威信息' }, T0 + HOUR);
    expect(findingsOf(actions)[0]).toMatchObject({ kind: 'commendation', personName: '宣传科', id: 'inc-1/collective=宣传科/review:commendation' });
    expect(findingsOf(actions)[0].personId).toBeUndefined();
    expect(prepare(s, 'commend', { by: 'lg', collective: '宣传科', reason: '再次' })).toMatchObject({ ok: false, errors: [expect.stringContaining('already commended')] });
    expect(prepare(s, 'commend', { by: 'lg', person: 'spk', collective: '宣传科', reason: 'x' })).toMatchObject({ ok: false, errors: [expect.stringContaining('one of them')] });
  });
});

function prepare(s: ReturnType<typeof start>[0], name: string, payload: unknown) {
  return prepareAction(s, name, payload, T0 + 5 * MIN);
}

describe('summary lines, one per department that handled it (rule book, summaryReport: a default; 000 篇三 §四(五))', () => {
  it('each department owes its own line; the incident closes with the last; a person owing none is refused', () => {
    let s = twoSummaryLines();
    const lines = s.context.obligations.filter((o) => o.kind === 'summaryReport');
    expect(lines.map((o) => o.ownerId).sort()).toEqual(['dep', 'dep2']);
    expect(prepare(s, 'submitSummary', { by: 'off', text: '总结' })).toMatchObject({ ok: false, errors: [expect.stringContaining('owes no summary line')] });
    [s] = act(s, 'submitSummary', { by: 'dep', text: '本科室总结' }, T0 + 3 * HOUR);
    expect(s.value).toBe('summaryEvaluation');
    [s] = act(s, 'submitSummary', { by: 'dep2', text: '本科室总结' }, T0 + 4 * HOUR);
    expect(s.value).toBe('closed');
  });

  /** Subsided with summary lines owed by dep (the 涉事主体) and dep2 (dispatched to). */
  function twoSummaryLines() {
    const threeDays = makePlan((p: PlanInput) => { p.owners = { ...p.owners, summaryReport: 'department' }; });
    let [s] = start({ ...v3, plan: threeDays, subject: 'dep', metrics: { posts: 10 } });
    [s] = act(s, 'assess', { by: 'off' }, T0 + 10 * MIN);
    [s] = act(s, 'dispatch', { by: 'off', department: 'dep2' }, T0 + 20 * MIN);
    [s] = act(s, 'classify', { by: 'off', category: 'constructive' }, T0 + 30 * MIN);
    [s] = act(s, 'adopt', { by: 'dep2', text: '采纳建议' }, T0 + 40 * MIN);
    [s] = act(s, 'report', { by: 'mon', to: 'office', mode: 'written' }, T0 + 45 * MIN);
    [s] = act(s, 'assignTracker', { by: 'off', tracker: 'off' }, T0 + 50 * MIN);
    [s] = act(s, 'subside', { by: 'off', reason: '平息' }, T0 + 2 * HOUR);
    return s;
  }

  it('the office waives the line of a department named in error (waiveSummary, with the reason); the others stay owed; the last one closes', () => {
    let s = twoSummaryLines();
    // neither a department for itself, nor one owing nothing, nor the office's summary line it never had
    expect(prepare(s, 'waiveSummary', { by: 'dep2', department: 'dep2', reason: '误列' })).toMatchObject({ ok: false });
    expect(prepare(s, 'waiveSummary', { by: 'off', department: 'mon', reason: '误列' })).toMatchObject({ ok: false, errors: [expect.stringContaining('department: mon owes no open summary line; they are owed by')] });
    let actions;
    [s, actions] = act(s, 'waiveSummary', { by: 'off', department: 'dep2', reason: '转办对象有误，实际未参与处置' }, T0 + 3 * HOUR);
    expect(s.value).toBe('summaryEvaluation');
    const dep2 = s.context.obligations.find((o) => o.kind === 'summaryReport' && o.ownerId === 'dep2')!;
    expect(dep2).toMatchObject({ status: 'waived' });
    expect(dep2.waivedReason).toMatch(/named in error: 转办对象有误/);
    expect(findingsOf(actions)).toEqual([]);
    expect(s.context.timeline.find((e) => e.action === 'waiveSummary')).toMatchObject({ by: 'off', details: expect.stringContaining('waived (named in error)') });
    // the only line left is dep's own: it is submitted, never waived, so the incident always has a summary
    expect(prepare(s, 'waiveSummary', { by: 'off', department: 'dep', reason: '误列' })).toMatchObject({ ok: false, errors: [expect.stringContaining("dep's is the only summary line")] });
    [s] = act(s, 'submitSummary', { by: 'dep', text: '本科室总结' }, T0 + 4 * HOUR);
    expect(s.value).toBe('closed');
  });

  it('waiving the last open line closes the incident once another was submitted — and is refused, like a close, while a report line is unmet', () => {
    let s = twoSummaryLines();
    [s] = act(s, 'submitSummary', { by: 'dep', text: '本科室总结' }, T0 + 3 * HOUR);
    const [closed] = act(s, 'waiveSummary', { by: 'dir', department: 'dep2', reason: '误列为总结单位' }, T0 + 4 * HOUR);
    expect(closed.value).toBe('closed');
    expect(closed.context.facts.ending).toMatchObject({ kind: 'closed', by: 'dir' });
    // with the monitor's first report still owed, the waiver that would close is refused, naming the line
    let [u] = start({ ...v3, plan: makePlan((p: PlanInput) => { p.owners = { ...p.owners, summaryReport: 'department' }; }), subject: 'dep', metrics: { posts: 10 } });
    [u] = act(u, 'assess', { by: 'off' }, T0 + 10 * MIN);
    [u] = act(u, 'dispatch', { by: 'off', department: 'dep2' }, T0 + 20 * MIN);
    [u] = act(u, 'classify', { by: 'off', category: 'constructive' }, T0 + 30 * MIN);
    [u] = act(u, 'adopt', { by: 'dep2', text: '采纳建议' }, T0 + 40 * MIN);
    [u] = act(u, 'assignTracker', { by: 'off', tracker: 'off' }, T0 + 50 * MIN);
    [u] = act(u, 'subside', { by: 'off', reason: '平息' }, T0 + 2 * HOUR);
    expect(u.context.obligations.some((o) => o.status === 'pending' && o.line !== undefined)).toBe(true);
    [u] = act(u, 'submitSummary', { by: 'dep', text: '本科室总结' }, T0 + 3 * HOUR);
    expect(prepare(u, 'waiveSummary', { by: 'off', department: 'dep2', reason: '误列' })).toMatchObject({ ok: false, errors: [expect.stringContaining('waiveSummary: the incident cannot close while report lines are unmet')] });
  });

  it('the office names another department that owes a summary (nameSummaryDepartment): its own line from the naming; the incident closes with the last', () => {
    const threeDays = makePlan((p: PlanInput) => { p.owners = { ...p.owners, summaryReport: 'department' }; });
    let [s] = start({ ...v3, plan: threeDays, subject: 'dep', metrics: { posts: 10 } });
    [s] = act(s, 'assess', { by: 'off' }, T0 + 10 * MIN);
    [s] = act(s, 'report', { by: 'mon', to: 'office', mode: 'written' }, T0 + 15 * MIN);
    [s] = act(s, 'classify', { by: 'off', category: 'constructive' }, T0 + 30 * MIN);
    [s] = act(s, 'adopt', { by: 'dep', text: '采纳建议' }, T0 + 40 * MIN);
    [s] = act(s, 'assignTracker', { by: 'off', tracker: 'off' }, T0 + 50 * MIN);
    [s] = act(s, 'subside', { by: 'off', reason: '平息' }, T0 + 2 * HOUR);
    expect(s.context.obligations.filter((o) => o.kind === 'summaryReport').map((o) => o.ownerId)).toEqual(['dep']);
    expect(prepare(s, 'nameSummaryDepartment', { by: 'off', department: 'mon' })).toMatchObject({ ok: false, errors: [expect.stringContaining('does not hold role department')] });
    expect(prepare(s, 'nameSummaryDepartment', { by: 'off', department: 'dep' })).toMatchObject({ ok: false, errors: [expect.stringContaining('dep already owes a summary line')] });
    [s] = act(s, 'nameSummaryDepartment', { by: 'off', department: 'dep2' }, T0 + 5 * HOUR);
    const dep2 = s.context.obligations.find((o) => o.kind === 'summaryReport' && o.ownerId === 'dep2')!;
    expect(dep2).toMatchObject({ status: 'pending', anchorAt: T0 + 5 * HOUR });
    [s] = act(s, 'submitSummary', { by: 'dep', text: '本科室总结' }, T0 + 6 * HOUR);
    expect(s.value).toBe('summaryEvaluation');
    [s] = act(s, 'submitSummary', { by: 'dep2', text: '本科室总结' }, T0 + 7 * HOUR);
    expect(s.value).toBe('closed');
  });

  it('an incident under older rules (v2) has no waiveSummary', () => {
    const s = start({ rulesVersion: 2 })[0];
    expect(prepare(s, 'waiveSummary', { by: 'off', department: 'dep', reason: '误列' })).toMatchObject({ ok: false, errors: [expect.stringContaining('needs v3')] });
  });
});

describe('通报 of the related departments (000 篇三 §四(二); rule book, Reports)', () => {
  const section = makePlan((p: PlanInput) => {
    p.id = 'test-section';
    p.scope = 'majorOnly';
    p.grading = undefined;
    p.reportLines = [{
      key: 'section-office', label: '科室报告办公室', from: 'discoverer', to: ['office', 'officeDirector'], within: '2h', binding: true, basis: 'rule',
      source: '000 篇三 §四(二)', writtenAfterPhone: '30m',
      notify: { label: '同时通报有关部门', within: '2h', binding: true, basis: 'rule', source: '000 篇三 §四(二)' },
    }];
  });

  it('owed with the report; once named, one line per department, due with the report or 2 h after naming if later; a late one is 迟报 against the section', () => {
    let [s] = start({ ...v3, plan: section, grade: 'major' });
    expect(line(s, 'report/section-office/notify')).toMatchObject({ dueAt: T0 + 2 * HOUR, ownerId: 'mon', line: { recipientsPending: true } });
    expect(toStatus(s.context).obligations.find((o) => o.id === 'report/section-office/notify')?.line?.recipientsPending).toBe(true);
    [s] = act(s, 'report', { by: 'mon', to: 'office', mode: 'written' }, T0 + 30 * MIN);
    [s] = act(s, 'nameDepartments', { by: 'off', departments: ['dep', 'dep2'] }, T0 + HOUR + 30 * MIN);
    expect(line(s, 'report/section-office/notify').status).toBe('waived');
    expect(line(s, 'report/section-office/notify/to=dep')).toMatchObject({ dueAt: T0 + 3 * HOUR + 30 * MIN, ownerId: 'mon' });
    [s] = act(s, 'report', { by: 'mon', to: 'dep', mode: 'message' }, T0 + 2 * HOUR);
    expect(line(s, 'report/section-office/notify/to=dep').status).toBe('met');
    const [, actions] = act(s, 'report', { by: 'mon', to: 'dep2', mode: 'message' }, T0 + 4 * HOUR);
    expect(findingsOf(actions)[0]).toMatchObject({ kind: 'late', personId: 'mon', obligationId: 'report/section-office/notify/to=dep2', delayMs: 30 * MIN });
  });

  it('none named: flagged at its due time, never dropped, closing refused; at an ending it is marked for the reviewer, not booked', () => {
    let [s] = start({ ...v3, plan: section, grade: 'major' });
    [s] = act(s, 'report', { by: 'mon', to: 'office', mode: 'written' }, T0 + 30 * MIN);
    [s] = deadlineDue(s, 'report/section-office/notify', T0 + 2 * HOUR);
    expect(line(s, 'report/section-office/notify')).toMatchObject({ status: 'pending', overdue: true });
    const [, actions] = act(s, 'withdraw', { by: 'off', reason: '合并' }, T0 + 3 * HOUR);
    const [f] = findingsOf(actions).filter((x) => x.obligationId === 'report/section-office/notify');
    expect(f).toMatchObject({ kind: 'unmetAtEnding', marks: { recipientsNotNamed: true } });
    expect(f.personId).toBeUndefined();
  });
});
