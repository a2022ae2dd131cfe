import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACCOUNTABILITY_NONE, bindingOf, refusals } from '../../../src/machines/incident.rules';
import { toStatus } from '../../../src/machines/status';
import { calendarSlice, HOLIDAY_DATA_COVERS } from '../../../src/plan/holidays';
import { loadPlanFile } from '../../../src/plan/plan.loader';
import { ruleOf } from '../../../src/machines/obligations';
import type { Role } from '../../../src/plan/codes';
import { DAY, HOUR, MIN, T0, act, actionEvent, deadlineDue, findingsOf, metrics, start } from '../../machine/fixtures';

/**
 * plans/huangshan-archives.yaml — 000 篇一, 黄山市档案局 (rule book: the plans in the seeds; Reports; Scope; Time limits),
 * and the pure machine (rules v3) driven through its report lines. T0 is Monday 2026-03-02 09:00 +08:00.
 */
const FILE = path.resolve(__dirname, '../../../plans/huangshan-archives.yaml');
const { plan } = loadPlanFile(FILE);
const raw = fs.readFileSync(FILE, 'utf8');
const calendar = calendarSlice('2026-03-02', HOLIDAY_DATA_COVERS.to);
/** an incident of this plan found by the monitor 胡军 */
const run = { rulesVersion: 3, calendar, plan, discoveredBy: 'jun.hu' } as const;
/** 24:00 of T0's day in Asia/Shanghai (T0 is 09:00 there) */
const END_OF_T0_DAY = T0 + 15 * HOUR - 1;

const holders = (role: Role) => plan.people.filter((p) => p.roles.includes(role)).map((p) => p.id);
type Snap = ReturnType<typeof start>[0];
const ob = (s: Snap, id: string) => {
  const o = s.context.obligations.find((x) => x.id === id);
  if (!o) throw new Error(`no obligation ${id}; has ${s.context.obligations.map((x) => x.id).join(', ')}`);
  return o;
};
const byKey = (s: Snap, key: string) => s.context.obligations.filter((o) => o.line?.key === key);
const at = (t: number) => new Date(t).toISOString().replace(/[-:]/g, '');
const RELAY_LIC = (t: number) => `report/office-leader-in-charge@${at(t)}`;
const RELAY_PRI = (t: number) => `report/office-principal-leader@${at(t)}`;

describe('000 篇一 plan file: 黄山市档案局 (plans/huangshan-archives.yaml)', () => {
  it('loads; a plan for 突发重大网络舆情 only, with no grading thresholds of its own (000 篇一 §一, §四(二); rule book, Scope)', () => {
    expect(plan).toMatchObject({ id: 'huangshan-archives', unit: { name: '黄山市档案局' }, scope: 'majorOnly', categories: 'required', timeZone: 'Asia/Shanghai' });
    expect(plan.grading).toBeUndefined();
    expect(plan.assessors).toEqual(['office', 'officeDirector']);
  });

  it('report lines as the rule book\'s table: discoverer → 科教编研科, then 科教编研科 → 分管领导 and → 主要领导, one line each (000 篇一 §四(二))', () => {
    const lines = (plan.reportLines ?? []).map((l) => [l.key, l.from, l.to, l.perPerson, l.within, l.grades, l.binding, l.basis, l.source, l.outside]);
    const major = ['major', 'especiallyMajor'];
    expect(lines).toEqual([
      ['discoverer-office', 'discoverer', ['office', 'officeDirector'], false, '2h', major, false, 'default', '000 篇一 §四(二)', false],
      ['office-leader-in-charge', 'relay:discoverer-office', ['leaderInCharge'], false, '1h', major, false, 'default', '000 篇一 §四(二)', false],
      ['office-principal-leader', 'relay:discoverer-office', ['principalLeader'], false, '1h', major, false, 'default', '000 篇一 §四(二)', false],
    ]);
    // 规定时限 has no number in the seed: the figures are defaults, targets, adopted by nobody
    for (const l of plan.reportLines ?? []) expect(l.adopted).toBeUndefined();
    expect(plan.reportLines?.[0].toLabel).toBe('市局科教编研科');
    expect(plan.deadlines.firstReport).toBeUndefined();
    expect(plan.deadlines.writtenReportAfterPhone).toBeUndefined();
  });

  it('only the seed\'s own number binds: the 3 h public response for 重大/特别重大 (000 篇一 §四(二)); nothing borrowed binds', () => {
    expect(plan.deadlines.publicResponse).toEqual({ within: '3h', grades: ['major', 'especiallyMajor'] });
    expect(bindingOf(plan, 'publicResponse')).toBe('binding');
    expect(plan.owners.publicResponse).toBe('spokesperson');
    // 及时 (follow-ups, the summary) are targets; other units' limits are not carried at all
    expect(bindingOf(plan, 'followUp')).toBe('target');
    expect(bindingOf(plan, 'summaryReport')).toBe('target');
    for (const k of ['firstRelease', 'dispatch', 'explanation'] as const) expect(plan.deadlines[k]).toBeUndefined();
  });

  it('people: 分管领导 is the 副组长, 主要领导 the 组长; 各县(区)局负责人 approve the reply (000 篇一 §三(一), §四(三)1)', () => {
    expect(holders('leaderInCharge')).toEqual(['hua.cheng']);
    expect(holders('principalLeader')).toEqual(['dongsheng.wu']);
    expect(holders('leadingGroup')).toEqual(['dongsheng.wu']);
    expect(holders('office')).toEqual(['xiaoyu.fang']);
    expect(holders('approver')).toEqual(['ming.li']);
    expect(plan.approval).toEqual({ role: 'approver', source: '000 篇一 §四(三)1' });
    expect(raw).toMatch(/分管安全工作的领导/);
    // no handling-plan steps (000 篇五 only) and no single voice (the 001 school plan only)
    expect(plan.handlingSteps).toEqual([]);
    expect(plan.voices).toBeUndefined();
    // ids given.family; addresses only, at example.org; no secrets
    for (const p of plan.people) {
      expect(p.id).toMatch(/^[a-z]+\.[a-z]+$/);
      expect(Object.keys(p.contacts)).toEqual(['email']);
      expect(p.contacts.email).toMatch(/@archives\.example\.org$/);
    }
  });

  it('summary 及时 to 科教编研科 (000 篇一 §四(五)): 3 days borrowed from 000 篇三 §四(五), a target', () => {
    expect(plan.deadlines.summaryTo).toEqual(['office']);
    expect(plan.deadlines.summaryReport).toBe('3d');
    expect(plan.targets).toEqual(['followUp', 'summaryReport']);
  });

  it('accountability: 000 篇一 has no clause, and the file says so (rule book, Accountability)', () => {
    expect(plan.accountability?.basis).toContain(ACCOUNTABILITY_NONE);
    expect(plan.accountability?.basis).toContain('000 篇一');
  });

  it('the file says what is a default and that names are examples (issue 13, One plan file per plan)', () => {
    expect(raw.match(/默认值（本产品假设）/g)?.length).toBeGreaterThanOrEqual(10);
    expect(raw).toMatch(/姓名均为示例/);
    expect(raw).not.toMatch(/password|token|secret|水军|删帖/i);
  });
});

describe('000 篇一 on the machine (rules v3): scope (rule book, Scope)', () => {
  it('below 重大 nothing runs: no line, no response limit; readings propose nothing (no thresholds)', () => {
    let [s] = start({ ...run, metrics: { mainstreamMedia: true, posts: 900 } });
    expect(s.context.obligations).toEqual([]);
    expect(toStatus(s.context).scope).toMatchObject({ plan: 'majorOnly', inScope: false, majorAt: null });
    [s] = metrics(s, { casualties: 2 }, T0 + HOUR);
    [s] = act(s, 'assess', { by: 'xiaoyu.fang' }, T0 + 2 * HOUR);
    expect(s.context.stage).toBe('rapidResponse');
    expect(s.context.obligations).toEqual([]);
  });

  it('assessed as 重大 later: limits run from the assessment; the line to 科教编研科 is met by it; the relays are the assessor\'s', () => {
    let [s] = start({ ...run });
    const A = T0 + 5 * HOUR;
    [s] = act(s, 'assess', { by: 'jianguo.wang', grade: 'major', note: '主流媒体转载，可能造成重大影响' }, A);
    expect(s.context.majorAt).toBe(A);
    const [toOffice] = byKey(s, 'discoverer-office');
    expect(toOffice).toMatchObject({ status: 'met', ownerId: 'jun.hu', anchorAt: A, line: { metByAssessment: true } });
    expect(ob(s, RELAY_LIC(A))).toMatchObject({ status: 'pending', ownerId: 'jianguo.wang', anchorAt: A, dueAt: A + HOUR, line: { createdBy: 'relay' } });
    expect(ob(s, RELAY_PRI(A))).toMatchObject({ status: 'pending', ownerId: 'jianguo.wang', dueAt: A + HOUR });
    expect(s.context.obligations.find((o) => o.kind === 'publicResponse')).toMatchObject({ anchorAt: A, dueAt: A + 3 * HOUR, ownerId: 'qing.ye' });
  });

  it('a fall below 重大 stops the plan: what is not yet due is waived, a lapse already flagged stays, no relay starts', () => {
    let [s] = start({ ...run, grade: 'major' });
    [s] = deadlineDue(s, 'report/discoverer-office', T0 + 2 * HOUR);
    [s] = act(s, 'regrade', { by: 'jianguo.wang', grade: 'larger', reason: '核实后影响有限' }, T0 + 2 * HOUR + 10 * MIN);
    expect(toStatus(s.context).scope.inScope).toBe(false);
    // the response, due at 3 h, is waived; the lapse already flagged stays for the reviewer
    expect(ob(s, 'publicResponse').status).toBe('waived');
    expect(ob(s, 'report/discoverer-office')).toMatchObject({ status: 'pending', overdue: true });
    // below 重大 a report to 科教编研科 starts no relay
    [s] = act(s, 'report', { by: 'jun.hu', to: 'office', mode: 'written' }, T0 + 2 * HOUR + 20 * MIN);
    expect(byKey(s, 'office-leader-in-charge')).toEqual([]);
    expect(byKey(s, 'office-principal-leader')).toEqual([]);
  });

  it('a dismissal as out of scope: the lapse it leaves is annulled by default (rule book, Endings)', () => {
    let [s] = start({ ...run, grade: 'major' });
    [s] = deadlineDue(s, 'report/discoverer-office', T0 + 2 * HOUR);
    [s] = act(s, 'regrade', { by: 'jianguo.wang', grade: 'larger', reason: '核实后影响有限' }, T0 + 2 * HOUR + 10 * MIN);
    const [, actions] = act(s, 'dismiss', { by: 'xiaoyu.fang', reason: '非重大网络舆情', ground: 'outOfScope' }, T0 + 3 * HOUR);
    expect(findingsOf(actions)).toMatchObject([{
      obligationId: 'report/discoverer-office', kind: 'targetMissed', personId: 'jun.hu',
      marks: { annulledByDefault: expect.stringContaining('不属于本预案适用范围') },
    }]);
  });
});

describe('000 篇一 on the machine (rules v3): report lines (000 篇一 §四(二); rule book, Reports)', () => {
  it('recorded as 重大 at entry: the discoverer owes 科教编研科 2 h from discovery, a target: late is a target missed, never 迟报', () => {
    let [s] = start({ ...run, grade: 'major' });
    expect(ob(s, 'report/discoverer-office')).toMatchObject({ ownerId: 'jun.hu', anchorAt: T0, dueAt: T0 + 2 * HOUR, line: { binding: false, to: ['office', 'officeDirector'] } });
    expect(ob(s, 'publicResponse')).toMatchObject({ dueAt: T0 + 3 * HOUR, ownerId: 'qing.ye' });
    // no relay before the report reaches 科教编研科
    expect(byKey(s, 'office-leader-in-charge')).toEqual([]);
    let actions;
    [s, actions] = deadlineDue(s, 'report/discoverer-office', T0 + 2 * HOUR);
    expect(findingsOf(actions)).toEqual([]);
    expect(toStatus(s.context)).toMatchObject({ targetOverdueCount: 1, bindingOverdueCount: 0 });
    // to the section's head in person: it reaches 科教编研科
    [s, actions] = act(s, 'report', { by: 'jun.hu', to: 'jianguo.wang', mode: 'inPerson' }, T0 + 2 * HOUR + 30 * MIN);
    const [f] = findingsOf(actions);
    expect(f).toMatchObject({
      kind: 'targetMissed', personId: 'jun.hu', obligationId: 'report/discoverer-office', binding: 'target', delayMs: 30 * MIN,
      rule: { basis: 'default', source: expect.stringContaining('000 篇一') }, accountabilityBasis: plan.accountability!.basis, marks: { line: { key: 'discoverer-office' } },
    });
    expect(findingsOf(actions).some((x) => x.kind === 'late' || x.kind === 'missed')).toBe(false);
  });

  it('the relay: 科教编研科 owes 分管领导 and 主要领导 a line each from the report it received; a lapse is its own, never the discoverer\'s', () => {
    let [s] = start({ ...run, grade: 'major' });
    const R = T0 + 30 * MIN;
    let actions;
    [s, actions] = act(s, 'report', { by: 'jun.hu', to: 'office', mode: 'phone' }, R);
    expect(findingsOf(actions)).toMatchObject([{ kind: 'onTime', personId: 'jun.hu' }]);
    for (const id of [RELAY_LIC(R), RELAY_PRI(R)]) {
      expect(ob(s, id)).toMatchObject({ status: 'pending', ownerId: 'xiaoyu.fang', anchorAt: R, dueAt: R + HOUR, line: { relayOf: 'report/discoverer-office' } });
    }
    // one report, one recipient: the 分管领导's line only
    [s, actions] = act(s, 'report', { by: 'xiaoyu.fang', to: 'leaderInCharge', mode: 'phone' }, R + 20 * MIN);
    expect(ob(s, RELAY_LIC(R)).status).toBe('met');
    expect(ob(s, RELAY_PRI(R)).status).toBe('pending');
    [s, actions] = deadlineDue(s, RELAY_PRI(R), R + HOUR);
    expect(findingsOf(actions)).toEqual([]);
    [s, actions] = act(s, 'report', { by: 'xiaoyu.fang', to: 'dongsheng.wu', mode: 'written' }, R + 90 * MIN);
    const found = findingsOf(actions);
    expect(found).toMatchObject([{ kind: 'targetMissed', personId: 'xiaoyu.fang', obligationId: RELAY_PRI(R), delayMs: 30 * MIN }]);
    // nothing about the discoverer beyond his own line, met in time
    expect(s.context.outcomes.filter((o) => o.personId === 'jun.hu').map((o) => o.kind)).toEqual(['onTime']);
  });

  it('a rise to 特别重大 adds no line: the seed sets one limit for both grades (rule book, upgradeReport)', () => {
    let [s] = start({ ...run, grade: 'major' });
    [s] = act(s, 'report', { by: 'jun.hu', to: 'office', mode: 'written' }, T0 + 30 * MIN);
    const before = s.context.obligations.map((o) => [o.id, o.dueAt]);
    [s] = act(s, 'regrade', { by: 'dongsheng.wu', grade: 'especiallyMajor', reason: '事态扩大' }, T0 + 40 * MIN);
    expect(s.context.obligations.map((o) => [o.id, o.dueAt])).toEqual(before);
  });
});

describe('000 篇一 on the machine (rules v3): response, inquiry, summary', () => {
  it('the 3 h public response binds: late, it is 回应超时 against the spokesperson (000 篇一 §四(二))', () => {
    let [s] = start({ ...run, grade: 'major' });
    [s] = act(s, 'assess', { by: 'xiaoyu.fang' }, T0 + 20 * MIN);
    let actions;
    [s, actions] = deadlineDue(s, 'publicResponse', T0 + 3 * HOUR);
    expect(findingsOf(actions)).toEqual([]);
    expect(toStatus(s.context).bindingOverdueCount).toBe(1);
    [s, actions] = act(s, 'respond', { by: 'qing.ye', channel: 'website', text: '市档案局已关注，正在核实。', inNameOf: 'spokesperson' }, T0 + 4 * HOUR);
    expect(findingsOf(actions)).toMatchObject([{ kind: 'lateDuty', obligationId: 'publicResponse', personId: 'qing.ye', binding: 'binding', delayMs: HOUR }]);
  });

  it('inquiry (000 篇一 §四(三)1): the opinion by 24:00 of the day of discovery, out only after 各县(区)局负责人 approved it', () => {
    let [s] = start({ ...run, grade: 'major' });
    [s] = act(s, 'assess', { by: 'xiaoyu.fang' }, T0 + 20 * MIN);
    [s] = act(s, 'classify', { by: 'xiaoyu.fang', category: 'inquiry' }, T0 + HOUR);
    expect(ob(s, 'inquiryOpinion')).toMatchObject({ dueAt: END_OF_T0_DAY, ownerId: 'tao.jiang', status: 'pending' });
    const reply = actionEvent('replyOpinion', { by: 'tao.jiang', text: '正在办理' }, T0 + 2 * HOUR);
    expect(refusals(s.context, reply).join()).toContain('approver (审定负责人) approved it (000 篇一 §四(三)1)');
    [s] = act(s, 'draftReply', { by: 'tao.jiang', text: '关于查档问题的答复意见' }, T0 + 2 * HOUR);
    // only the approver role approves; the office does not
    expect(refusals(s.context, actionEvent('approve', { by: 'xiaoyu.fang' }, T0 + 3 * HOUR)).join()).toContain('needs one of: approver');
    // approved the next day: the reply is late, and the finding shows the step still pending at the due time
    [s] = act(s, 'approve', { by: 'ming.li' }, T0 + DAY);
    const [s2, actions] = act(s, 'replyOpinion', { by: 'tao.jiang', text: '处理意见：已安排专人办理' }, T0 + DAY + HOUR);
    expect(findingsOf(actions).find((f) => f.obligationId === 'inquiryOpinion')).toMatchObject({
      kind: 'lateDuty', personId: 'tao.jiang', pendingStep: 'approval (审定)', binding: 'binding',
    });
    // the result: by 24:00 of the day handling is finished (办结之日内)
    const [s3] = act(s2, 'finishHandling', { by: 'tao.jiang' }, T0 + 2 * DAY);
    expect(s3.context.obligations.find((o) => o.kind === 'inquiryResult')).toMatchObject({ dueAt: END_OF_T0_DAY + 2 * DAY, status: 'pending' });
  });

  it('summary (000 篇一 §四(五)): 及时, 3 days a target — late is a target missed; closing waits for every report line', () => {
    let [s] = start({ ...run, grade: 'major' });
    const R = T0 + 30 * MIN;
    [s] = act(s, 'report', { by: 'jun.hu', to: 'office', mode: 'phone' }, R);
    [s] = act(s, 'assess', { by: 'xiaoyu.fang' }, T0 + 40 * MIN);
    [s] = act(s, 'report', { by: 'xiaoyu.fang', to: 'leaderInCharge', mode: 'phone' }, T0 + 50 * MIN);
    [s] = act(s, 'respond', { by: 'qing.ye', channel: 'website', text: '市档案局已关注，正在核实。', inNameOf: 'unit' }, T0 + HOUR);
    [s] = act(s, 'classify', { by: 'xiaoyu.fang', category: 'hype' }, T0 + 70 * MIN);
    [s] = act(s, 'publishFacts', { by: 'qing.ye', text: '经核实，相关档案保存完好。', channel: 'website' }, T0 + 2 * HOUR);
    [s] = act(s, 'assignTracker', { by: 'xiaoyu.fang', tracker: 'xiaoyu.fang' }, T0 + 3 * HOUR);
    [s] = act(s, 'subside', { by: 'xiaoyu.fang', reason: '舆情趋于平稳' }, T0 + 8 * HOUR);
    // 3d by the civil-law rule: Monday not counted, the period ends 24:00 Thursday 2026-03-05
    const summary = s.context.obligations.find((o) => o.kind === 'summaryReport')!;
    expect(summary).toMatchObject({ ownerId: 'tao.jiang', dueAt: Date.parse('2026-03-06T00:00:00+08:00') - 1 });
    // the 主要领导's line is still owed: the incident cannot close
    const close = actionEvent('submitSummary', { by: 'tao.jiang', text: '总结报告' }, T0 + 4 * DAY);
    expect(refusals(s.context, close).join()).toContain(RELAY_PRI(R));
    [s] = act(s, 'report', { by: 'xiaoyu.fang', to: 'principalLeader', mode: 'written' }, T0 + 4 * DAY);
    const [closed, actions] = act(s, 'submitSummary', { by: 'tao.jiang', text: '总结报告' }, T0 + 4 * DAY);
    expect(closed.context.stage).toBe('closed');
    expect(findingsOf(actions)).toMatchObject([{ kind: 'targetMissed', obligationKind: 'summaryReport', personId: 'tao.jiang', binding: 'target' }]);
    // across the incident: no 迟报/漏报 at all — every report line of this plan is a target
    expect(closed.context.outcomes.filter((o) => o.kind === 'late' || o.kind === 'missed')).toEqual([]);
  });
});

describe('000 篇一 cites its own sections (plan.sources): findings carry the plan\'s citation, not the table\'s', () => {
  it('every non-line duty cites 000 篇一 (§四(二), §四(三)1, §四(五)); the borrowed 3-day summary is a default; a late summary records 000 篇一 §四(五), not 000 篇三', () => {
    expect(raw).toContain('# 各项职责在本预案中的出处；未列出的沿用规则表');
    expect(plan.sources).toEqual({
      publicResponse: { basis: 'rule', source: '000 篇一 §四(二)' },
      inquiryOpinion: { basis: 'rule', source: '000 篇一 §四(三)1' },
      inquiryResult: { basis: 'rule', source: '000 篇一 §四(三)1' },
      followUp: { basis: 'default', source: expect.stringMatching(/^000 篇一 §四\(二\)（“及时续报”/) },
      summaryReport: { basis: 'default', source: expect.stringMatching(/^000 篇一 §四\(五\)（“及时”，无时限：3日借自 000 篇三 §四\(五\)/) },
    });
    for (const s of Object.values(plan.sources!)) expect(s.source.startsWith('000 篇一 §四(')).toBe(true);
    for (const k of ['firstRelease', 'dispatch', 'explanation', 'writtenReport'] as const) expect(plan.sources![k]).toBeUndefined();

    let [s] = start({ ...run, grade: 'major' });
    [s] = act(s, 'report', { by: 'jun.hu', to: 'office', mode: 'written' }, T0 + 30 * MIN);
    [s] = act(s, 'assess', { by: 'xiaoyu.fang' }, T0 + 40 * MIN);
    [s] = act(s, 'report', { by: 'xiaoyu.fang', to: 'leaderInCharge', mode: 'phone' }, T0 + 50 * MIN);
    [s] = act(s, 'report', { by: 'xiaoyu.fang', to: 'principalLeader', mode: 'phone' }, T0 + 50 * MIN);
    [s] = act(s, 'respond', { by: 'qing.ye', channel: 'website', text: '市档案局已关注，正在核实。', inNameOf: 'unit' }, T0 + HOUR);
    [s] = act(s, 'classify', { by: 'xiaoyu.fang', category: 'hype' }, T0 + 70 * MIN);
    [s] = act(s, 'publishFacts', { by: 'qing.ye', text: '经核实，相关档案保存完好。', channel: 'website' }, T0 + 2 * HOUR);
    [s] = act(s, 'assignTracker', { by: 'xiaoyu.fang', tracker: 'xiaoyu.fang' }, T0 + 3 * HOUR);
    [s] = act(s, 'subside', { by: 'xiaoyu.fang', reason: '舆情趋于平稳' }, T0 + 8 * HOUR);
    const summary = s.context.obligations.find((o) => o.kind === 'summaryReport')!;
    expect(summary.source).toBe(plan.sources!.summaryReport!.source);
    [s] = deadlineDue(s, summary.id, summary.dueAt!);
    const [, actions] = act(s, 'submitSummary', { by: 'tao.jiang', text: '总结报告' }, T0 + 4 * DAY);
    const [late] = findingsOf(actions);
    expect(late).toMatchObject({ kind: 'targetMissed', obligationKind: 'summaryReport', personId: 'tao.jiang', binding: 'target', rule: plan.sources!.summaryReport });
    // the table's citation (rule: 000 篇三 §四(五)) is another unit's binding limit, not this plan's
    expect(ruleOf('summaryReport')).toEqual({ basis: 'rule', source: '000 篇三 §四(五)' });
    expect(late.rule).not.toEqual(ruleOf('summaryReport'));
  });
});
