import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { refusals } from '../../../src/machines/incident.rules';
import { gradeFromMetrics } from '../../../src/plan/grading';
import { calendarSlice, HOLIDAY_DATA_COVERS } from '../../../src/plan/holidays';
import { loadPlanFile } from '../../../src/plan/plan.loader';
import { ruleOf } from '../../../src/machines/obligations';
import { DAY, HOUR, MIN, T0, act, actionEvent, deadlineDue, findingsOf, metrics, start } from '../../machine/fixtures';

/**
 * plans/jinpenshan-school.yaml against the rule book (../shared/domain/plan-rules.md) and the 001 school plan
 * (金盆山学校): the report table's row "001 school plan §三2, §四", the general tier's 2 h dispatch and 1 day
 * explanation (§四(一)), the major tier's chain to 镇党委 and the county group (§四(二)), the 新闻发布组 as the only
 * voice (§二); then the pure machine (v3 rules) driven through the plan's lines.
 */
const FILE = path.resolve(__dirname, '../../../plans/jinpenshan-school.yaml');
const { plan } = loadPlanFile(FILE);
const raw = fs.readFileSync(FILE, 'utf8');
const calendar = calendarSlice('2026-03-02', HOLIDAY_DATA_COVERS.to);
const v3 = { rulesVersion: 3, calendar, plan, discoveredBy: 'wu.xiaolan' } as const;
type Snap = ReturnType<typeof start>[0];
const linesOf = (s: Snap, key: string) => s.context.obligations.filter((o) => o.line?.key === key);
const line = (s: Snap, key: string, toPerson?: string) => {
  const all = linesOf(s, key).filter((o) => toPerson === undefined || o.line?.toPerson === toPerson);
  if (all.length === 0) throw new Error(`no line ${key}; has ${s.context.obligations.map((o) => o.id).join(', ')}`);
  return all[all.length - 1];
};
const kinds = (s: Snap) => s.context.obligations.map((o) => o.kind);
/** Tuesday 24:00 (Asia/Shanghai) after a Monday trigger: 1天内 by the civil-law rule, the trigger day not counted. */
const TUESDAY_END = Date.parse('2026-03-04T00:00:00+08:00') - 1;

describe('plans/jinpenshan-school.yaml: the plan as the 001 school plan writes it', () => {
  it('two tiers, every grade in scope; graded handling, categories optional (§四); the office assesses (§四(一)); no approval step', () => {
    expect(plan).toMatchObject({ id: 'jinpenshan-school', unit: { name: '金盆山学校' }, scope: 'all', categories: 'optional' });
    expect(plan.assessors).toEqual(['office', 'officeDirector']);
    expect(plan.approval).toBeUndefined();
    expect(plan.handlingSteps).toEqual([]);
  });

  it('no grading block: the thresholds ("以下标准", §三2) are absent from the seed and 000 篇五\'s figures do not transfer (rule book, Scope)', () => {
    expect(plan.grading).toBeUndefined();
    expect(gradeFromMetrics(plan, { posts: 5000, reads: 1e6, mainstreamMedia: true }).grade).toBe('general');
    expect(raw).toMatch(/“以下标准”在种子中缺失/);
  });

  it('report lines are the rule book row "001 school plan §三2, §四": monitor → office 第一时间; 重大/特别重大 monitor → 镇党委 立刻, 镇党委 → 县 (relay, outside); 党支部 → 镇 and 县 — all defaults, targets', () => {
    const rows = plan.reportLines!.map((l) => [l.key, l.from, l.to, l.toLabel ?? null, l.grades ?? 'all', l.within, l.binding, l.basis, l.outside, l.perPerson]);
    expect(rows).toEqual([
      ['monitor-office', 'discoverer', ['office', 'officeDirector'], null, 'all', '30m', false, 'default', false, false],
      ['monitor-town', 'discoverer', ['superior'], '镇党委', ['major', 'especiallyMajor'], '30m', false, 'default', false, false],
      ['town-county', 'relay:monitor-town', ['superior'], '县舆情应对领导小组', ['major', 'especiallyMajor'], '30m', false, 'default', true, false],
      ['party-branch-up', 'role:principalLeader', ['superior'], null, ['major', 'especiallyMajor'], '2h', false, 'default', false, true],
    ]);
    expect(plan.reportLines!.map((l) => l.source)).toEqual([
      expect.stringContaining('001 学校预案 §三2'), expect.stringContaining('001 学校预案 §四(二)'),
      expect.stringContaining('001 学校预案 §四(二)'), expect.stringContaining('001 学校预案 §四(一)'),
    ]);
    // the 镇党委 and the county group are told apart by person (both liaisons hold superior), and the school has two tiers
    expect(plan.reportLines!.map((l) => l.toPeople ?? null)).toEqual([null, ['cao.bin'], ['pan.hui'], null]);
    expect(plan.grades).toEqual(['general', 'major', 'especiallyMajor']);
    // 视情况 to the superior authority (§四(二)) is not an obligation: no line for it
    expect(plan.reportLines!.some((l) => /上级主管部门/.test(l.label))).toBe(false);
    // 镇党委's liaison is listed first: a report "to superior" reaches it (the relay's owner)
    expect(plan.people.filter((p) => p.roles.includes('superior')).map((p) => p.id)).toEqual(['cao.bin', 'pan.hui']);
    expect(plan.reportLines!.some((l) => l.adopted)).toBe(false);
  });

  it('only the seed\'s own numbers bind: the 2 h dispatch and the 1 day explanation for 一般 (§四(一)); no 3 h response, no golden 24 h, no follow-up or summary limit', () => {
    const d = plan.deadlines;
    expect(d.dispatch).toEqual({ within: '2h', grades: ['general'] });
    expect(d.explanation).toEqual({ within: '1d', grades: ['general'] });
    for (const k of ['dispatch', 'explanation'] as const) expect(plan.targets).not.toContain(k);
    expect(plan.owners).toMatchObject({ dispatch: 'office', explanation: 'department' });
    expect(d.publicResponse).toBeUndefined();
    expect(d.firstRelease).toBeUndefined();
    expect(d.followUpEvery).toBeUndefined();
    expect(d.summaryReport).toBeUndefined();
    expect(plan.dayCounting).toEqual({ convention: 'civilLaw' });
  });

  it('voices (§二, §四): 重大/特别重大 the 新闻发布组 only, from the start; 一般 the office, the department and the spokesperson', () => {
    expect(plan.voices).toEqual({ general: ['office', 'department', 'spokesperson'], major: ['spokesperson'], especiallyMajor: ['spokesperson'] });
  });

  it('says what was assumed where the seed is cut off (新闻发布组...), names no accountability clause, and holds no secrets', () => {
    expect(raw).toMatch(/种子原文在“新闻发布组\.\.\.”处截断/);
    expect(plan.accountability?.basis).toMatch(/现存文本未规定责任追究条款/);
    for (const p of plan.people) {
      expect(p.id).toMatch(/^[a-z]+\.[a-z]+$/);
      expect(Object.keys(p.contacts)).toEqual(['email']);
      expect(p.contacts.email).toMatch(/@([a-z]+\.)?example\.org$/);
    }
    expect(raw).not.toMatch(/password|secret|token/i);
  });
});

describe('plans/jinpenshan-school.yaml on the machine (v3)', () => {
  it('every incident, before grading (§三2): the discoverer owes the office 第一时间 — a target, a late report is a target missed, never 迟报', () => {
    let [s] = start({ ...v3, discoveredBy: 'he.tao' });
    expect(kinds(s)).toEqual(['firstReport']);
    expect(line(s, 'monitor-office')).toMatchObject({ ownerId: 'he.tao', dueAt: T0 + 30 * MIN, line: { binding: false } });
    const [, actions] = act(s, 'report', { by: 'he.tao', to: 'office', mode: 'phone' }, T0 + 50 * MIN);
    expect(findingsOf(actions)).toMatchObject([{ kind: 'targetMissed', personId: 'he.tao', binding: 'target', delayMs: 20 * MIN }]);
  });

  it('一般 (§四(一)): the office\'s assessment starts the 2 h dispatch; a late dispatch is 转办超时 against the office (a duty, not a report line)', () => {
    let [s] = start({ ...v3 });
    [s] = act(s, 'report', { by: 'wu.xiaolan', to: 'office', mode: 'written' }, T0 + 10 * MIN);
    [s] = act(s, 'assess', { by: 'lin.fang', grade: 'general' }, T0 + 20 * MIN);
    const dispatch = s.context.obligations.find((o) => o.kind === 'dispatch')!;
    expect(dispatch).toMatchObject({ ownerId: 'lin.fang', anchorAt: T0 + 20 * MIN, dueAt: T0 + 140 * MIN });
    let actions;
    [s, actions] = deadlineDue(s, dispatch.id, T0 + 140 * MIN);
    expect(findingsOf(actions)).toEqual([]);
    [s, actions] = act(s, 'dispatch', { by: 'lin.fang', department: 'tang.jun' }, T0 + 170 * MIN);
    expect(findingsOf(actions)).toMatchObject([{ kind: 'lateDuty', obligationKind: 'dispatch', personId: 'lin.fang', binding: 'binding', delayMs: 30 * MIN }]);
    // no line to 镇党委 or 县 for a general incident
    expect(s.context.obligations.some((o) => o.line?.key && o.line.key !== 'monitor-office')).toBe(false);
  });

  it('一般 (§四(一)): the explanation within 1 day of the dispatch (civil-law counting, default), owed by the department dispatched to; the department explains publicly', () => {
    let [s] = start({ ...v3 });
    [s] = act(s, 'assess', { by: 'lin.fang', grade: 'general' }, T0 + 20 * MIN);
    [s] = act(s, 'dispatch', { by: 'lin.fang', department: 'feng.yan' }, T0 + HOUR);
    const expl = s.context.obligations.find((o) => o.kind === 'explanation')!;
    expect(expl).toMatchObject({ ownerId: 'feng.yan', anchorAt: T0 + HOUR, dueAt: TUESDAY_END });
    const respond = actionEvent('respond', { by: 'feng.yan', channel: 'forum', text: '关于收费依据的说明', inNameOf: 'unit' }, T0 + 2 * DAY);
    expect(refusals(s.context, respond)).toEqual([]);
    const [, actions] = act(s, 'respond', { by: 'feng.yan', channel: 'forum', text: '关于收费依据的说明', inNameOf: 'unit' }, T0 + 2 * DAY);
    expect(findingsOf(actions)).toMatchObject([{ kind: 'lateDuty', obligationKind: 'explanation', personId: 'feng.yan', binding: 'binding', delayMs: T0 + 2 * DAY - TUESDAY_END }]);
  });

  it('重大 (§四(二)): the monitor → 镇党委 at once (a target); 镇党委 → 县 is a relay owed by the 镇党委\'s liaison from the report, outside — recorded, never a finding', () => {
    let [s] = start({ ...v3, grade: 'major' });
    expect(line(s, 'monitor-town')).toMatchObject({ ownerId: 'wu.xiaolan', dueAt: T0 + 30 * MIN });
    expect(linesOf(s, 'town-county')).toEqual([]);
    expect(kinds(s)).not.toContain('dispatch');
    let actions;
    [s, actions] = act(s, 'report', { by: 'wu.xiaolan', to: 'cao.bin', mode: 'phone' }, T0 + 10 * MIN);
    expect(findingsOf(actions)).toMatchObject([{ kind: 'onTime', obligationId: line(s, 'monitor-town').id }]);
    const relay = line(s, 'town-county');
    expect(relay).toMatchObject({ ownerId: 'cao.bin', anchorAt: T0 + 10 * MIN, dueAt: T0 + 40 * MIN, line: { outside: true, createdBy: 'relay' } });
    [s, actions] = deadlineDue(s, relay.id, T0 + 40 * MIN);
    expect(findingsOf(actions)).toEqual([]);
    [s, actions] = act(s, 'report', { by: 'cao.bin', to: 'pan.hui', mode: 'phone' }, T0 + 70 * MIN);
    expect(findingsOf(actions)).toEqual([]);
    expect(line(s, 'town-county')).toMatchObject({ status: 'late', delayMs: 30 * MIN });
    expect(s.context.timeline.some((e) => e.action === 'outsideLine' && e.details.includes('县舆情应对领导小组'))).toBe(true);
  });

  it('a general incident that spreads goes to the major process (§四(一)): at the regrade the 党支部 owes the 镇 and 县 groups one line each; the monitor owes 镇党委 from the rise', () => {
    let [s] = start({ ...v3 });
    [s] = act(s, 'report', { by: 'wu.xiaolan', to: 'office', mode: 'written' }, T0 + 10 * MIN);
    [s] = act(s, 'assess', { by: 'lin.fang', grade: 'general' }, T0 + 20 * MIN);
    [s] = act(s, 'dispatch', { by: 'lin.fang', department: 'tang.jun' }, T0 + HOUR);
    [s] = act(s, 'regrade', { by: 'huang.wei', grade: 'major', reason: '舆情不能消除，还有扩大迹象' }, T0 + 5 * HOUR);
    const party = linesOf(s, 'party-branch-up');
    expect(party.map((o) => [o.ownerId, o.line?.toPerson, o.anchorAt, o.dueAt])).toEqual([
      ['luo.min', 'cao.bin', T0 + 5 * HOUR, T0 + 7 * HOUR],
      ['luo.min', 'pan.hui', T0 + 5 * HOUR, T0 + 7 * HOUR],
    ]);
    expect(line(s, 'monitor-town')).toMatchObject({ ownerId: 'wu.xiaolan', anchorAt: T0 + 5 * HOUR, dueAt: T0 + 330 * MIN });
    // the explanation of the general tier is no longer owed at 重大
    expect(s.context.obligations.find((o) => o.kind === 'explanation')?.status).toBe('waived');
    let actions;
    // a report to the 镇 group meets its line only
    [s, actions] = act(s, 'report', { by: 'luo.min', to: 'cao.bin', mode: 'written' }, T0 + 6 * HOUR);
    expect(findingsOf(actions)).toMatchObject([{ kind: 'onTime', personId: 'luo.min', obligationId: line(s, 'party-branch-up', 'cao.bin').id }]);
    expect(line(s, 'party-branch-up', 'pan.hui').status).toBe('pending');
    // 及时, a default figure: late is a target missed, never 迟报
    [s, actions] = act(s, 'report', { by: 'luo.min', to: 'pan.hui', mode: 'written' }, T0 + 8 * HOUR);
    expect(findingsOf(actions)).toMatchObject([{ kind: 'targetMissed', personId: 'luo.min', binding: 'target', delayMs: HOUR }]);
  });

  it('the 党支部 lines are owed only when a general incident spreads (when.risenFrom general): a major incident from the start owes them not, a 重大 → 特别重大 rise neither; a fall back to 一般 waives them', () => {
    expect(plan.reportLines!.find((l) => l.key === 'party-branch-up')?.when).toEqual({ risenFrom: ['general'] });
    let [major] = start({ ...v3, grade: 'major' });
    [major] = act(major, 'assess', { by: 'lin.fang', grade: 'major' }, T0 + 10 * MIN);
    expect(linesOf(major, 'monitor-town')).toHaveLength(1);
    [major] = act(major, 'regrade', { by: 'huang.wei', grade: 'especiallyMajor', reason: '主流媒体介入' }, T0 + HOUR);
    expect(linesOf(major, 'party-branch-up')).toEqual([]);
    let [s] = start({ ...v3 });
    [s] = act(s, 'assess', { by: 'lin.fang', grade: 'general' }, T0 + 20 * MIN);
    [s] = act(s, 'regrade', { by: 'huang.wei', grade: 'major', reason: '舆情不能消除' }, T0 + HOUR);
    expect(linesOf(s, 'party-branch-up').map((o) => [o.status, o.line?.createdBy])).toEqual([['pending', 'rise'], ['pending', 'rise']]);
    [s] = act(s, 'regrade', { by: 'huang.wei', grade: 'general', reason: '经核查已消除' }, T0 + 90 * MIN);
    expect(linesOf(s, 'party-branch-up').map((o) => o.status)).toEqual(['waived', 'waived']);
  });

  it('重大 (§二): nobody publishes on their own from the start — only the spokesperson of the 新闻发布组; at 一般 the office and the department explain', () => {
    const say = (by: string) => actionEvent('respond', { by, channel: 'weibo', text: '情况说明', inNameOf: 'unit' }, T0 + 20 * MIN);
    let [major] = start({ ...v3, grade: 'major' });
    [major] = act(major, 'assess', { by: 'lin.fang', grade: 'major' }, T0 + 10 * MIN);
    for (const by of ['lin.fang', 'tang.jun', 'huang.wei']) expect(refusals(major.context, say(by)).join('\n')).toMatch(/only spokesperson/);
    expect(refusals(major.context, say('xie.ning'))).toEqual([]);
    let [general] = start({ ...v3 });
    [general] = act(general, 'assess', { by: 'lin.fang', grade: 'general' }, T0 + 10 * MIN);
    for (const by of ['lin.fang', 'tang.jun', 'xie.ning']) expect(refusals(general.context, say(by))).toEqual([]);
  });

  it('figures propose nothing here (no thresholds, §三2): readings never raise the grade or start the major lines', () => {
    const larger = start({ ...v3 })[0];
    // two tiers: 较大 is not one of them
    expect(refusals(larger.context, actionEvent('assess', { by: 'lin.fang', grade: 'larger' }, T0 + 10 * MIN)).join()).toMatch(/knows general, major, especiallyMajor; not larger/);
    let [s] = start({ ...v3 });
    [s] = metrics(s, { posts: 800, reads: 200_000, mainstreamMedia: true, rapidSpread: true, keySubject: true }, T0 + HOUR);
    expect(s.context.grade).toBe('general');
    expect(linesOf(s, 'monitor-town')).toEqual([]);
    expect(linesOf(s, 'party-branch-up')).toEqual([]);
  });
});

describe('the 001 school plan cites its own sections (plan.sources): findings carry the plan\'s citation, not the table\'s', () => {
  it('every non-line duty cites the 001 school plan (§四(一)); the borrowed inquiry day and the cut-off summary are defaults; a late explanation records the plan\'s §四(一) with its note', () => {
    expect(raw).toContain('# 各项职责在本预案中的出处；未列出的沿用规则表');
    expect(plan.sources).toEqual({
      dispatch: { basis: 'rule', source: expect.stringMatching(/^001 学校预案 §四\(一\)（“2小时内转达”/) },
      explanation: { basis: 'rule', source: expect.stringMatching(/^001 学校预案 §四\(一\)（“1天内给出正面的解释或解决”/) },
      inquiryOpinion: { basis: 'default', source: expect.stringMatching(/^001 学校预案 §四\(一\)（无四分法；.*借用，目标）$/) },
      inquiryResult: { basis: 'default', source: expect.stringMatching(/^001 学校预案 §四\(一\)（无四分法；.*借用，目标）$/) },
      summaryReport: { basis: 'default', source: expect.stringMatching(/^001 学校预案（现存文本无总结规定/) },
    });
    for (const s of Object.values(plan.sources!)) expect(s.source.startsWith('001 学校预案')).toBe(true);
    // no 3 h response, golden 24 h, follow-up cadence or written report in the surviving text
    for (const k of ['publicResponse', 'firstRelease', 'followUp', 'writtenReport'] as const) expect(plan.sources![k]).toBeUndefined();

    let [s] = start({ ...v3 });
    [s] = act(s, 'report', { by: 'wu.xiaolan', to: 'office', mode: 'written' }, T0 + 10 * MIN);
    [s] = act(s, 'assess', { by: 'lin.fang', grade: 'general' }, T0 + 20 * MIN);
    [s] = act(s, 'dispatch', { by: 'lin.fang', department: 'feng.yan' }, T0 + HOUR);
    const expl = s.context.obligations.find((o) => o.kind === 'explanation')!;
    expect(expl.source).toBe(plan.sources!.explanation!.source);
    [s] = deadlineDue(s, expl.id, TUESDAY_END);
    const [, actions] = act(s, 'respond', { by: 'feng.yan', channel: 'forum', text: '关于收费依据的说明', inNameOf: 'unit' }, T0 + 2 * DAY);
    const [late] = findingsOf(actions);
    expect(late).toMatchObject({ kind: 'lateDuty', obligationKind: 'explanation', personId: 'feng.yan', binding: 'binding', rule: plan.sources!.explanation });
    expect(late.rule).not.toEqual(ruleOf('explanation'));
  });
});
