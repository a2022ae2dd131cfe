import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bindingOf, refusals } from '../../../src/machines/incident.rules';
import { toStatus } from '../../../src/machines/status';
import { calendarSlice, HOLIDAY_DATA_COVERS } from '../../../src/plan/holidays';
import { loadPlanFile } from '../../../src/plan/plan.loader';
import { ruleOf } from '../../../src/machines/obligations';
import type { Role } from '../../../src/plan/codes';
import { DAY, HOUR, MIN, T0, act, actionEvent, deadlineDue, effectsOf, findingsOf, metrics, start } from '../../machine/fixtures';

/**
 * plans/xuchang-school.yaml — 000 篇二, 许昌实验中学 (rule book: the plans in the seeds; Reports; Scope; Time limits;
 * Accountability), and the pure machine (rules v3) driven through its report line. T0 is Monday 2026-03-02 09:00 +08:00.
 * A different school from the 001 school plan (金盆山学校), with a different chain: never merged.
 */
const FILE = path.resolve(__dirname, '../../../plans/xuchang-school.yaml');
const { plan } = loadPlanFile(FILE);
const raw = fs.readFileSync(FILE, 'utf8');
const calendar = calendarSlice('2026-03-02', HOLIDAY_DATA_COVERS.to);
/** an incident of this plan found by the monitor 孙浩 */
const run = { rulesVersion: 3, calendar, plan, discoveredBy: 'hao.sun' } as const;
/** 24:00 of T0's day in Asia/Shanghai (T0 is 09:00 there) */
const END_OF_T0_DAY = T0 + 15 * HOUR - 1;

const holders = (role: Role) => plan.people.filter((p) => p.roles.includes(role)).map((p) => p.id);
type Snap = ReturnType<typeof start>[0];
const ob = (s: Snap, id: string) => {
  const o = s.context.obligations.find((x) => x.id === id);
  if (!o) throw new Error(`no obligation ${id}; has ${s.context.obligations.map((x) => x.id).join(', ')}`);
  return o;
};

describe('000 篇二 plan file: 许昌实验中学 (plans/xuchang-school.yaml)', () => {
  it('loads; a plan for 突发重大舆情 only, with no grading thresholds of its own (000 篇二 §三(二); rule book, Scope)', () => {
    expect(plan).toMatchObject({ id: 'xuchang-school', unit: { id: 'xuchang-school', name: '许昌实验中学' }, scope: 'majorOnly', categories: 'required' });
    expect(plan.grading).toBeUndefined();
    expect(plan.assessors).toEqual(['office', 'officeDirector']);
  });

  it('one report line: discoverer → 学校宣传科, 规定时限 a default target; no relay (000 篇二 §三(二))', () => {
    expect((plan.reportLines ?? []).map((l) => [l.key, l.from, l.to, l.within, l.grades, l.binding, l.basis, l.source, l.outside, l.adopted])).toEqual([
      ['discoverer-office', 'discoverer', ['office', 'officeDirector'], '2h', ['major', 'especiallyMajor'], false, 'default', '000 篇二 §三(二)', false, undefined],
    ]);
    expect(plan.reportLines?.[0].toLabel).toBe('学校宣传科');
    expect(holders('office')).toEqual(['li.chen']);
  });

  it('not the 001 school plan: no 镇党委/县 chain, no general-tier dispatch or explanation, no single voice (rule book, The plans in the seeds)', () => {
    for (const l of plan.reportLines ?? []) expect(l.to).not.toContain('superior');
    expect(plan.deadlines.dispatch).toBeUndefined();
    expect(plan.deadlines.explanation).toBeUndefined();
    expect(plan.voices).toBeUndefined();
    expect(plan.unit.name).not.toContain('金盆山');
  });

  it('only the seed\'s own number binds: the 3 h public response for 重大/特别重大 (000 篇二 §三(二)); 及时 are targets', () => {
    expect(plan.deadlines.publicResponse).toEqual({ within: '3h', grades: ['major', 'especiallyMajor'] });
    expect(bindingOf(plan, 'publicResponse')).toBe('binding');
    expect(bindingOf(plan, 'followUp')).toBe('target');
    expect(bindingOf(plan, 'summaryReport')).toBe('target');
    expect(plan.deadlines.firstRelease).toBeUndefined();
    expect(plan.deadlines.firstReport).toBeUndefined();
  });

  it('no approval step: 学校及时提出答复意见 (000 篇二 §三(三)1; rule book, Approval)', () => {
    expect(plan.approval).toBeUndefined();
    expect(holders('approver')).toEqual([]);
    expect(plan.handlingSteps).toEqual([]);
  });

  it('summary 及时 to 市教育局 (000 篇二 §三(五)): a target, 3 days borrowed from 000 篇三 §四(五)', () => {
    expect(plan.deadlines.summaryTo).toEqual(['superior']);
    expect(holders('superior')).toEqual(['min.xu']);
    expect(plan.deadlines.summaryReport).toBe('3d');
    expect(plan.targets).toEqual(['followUp', 'summaryReport']);
  });

  it('accountability: 000 篇二 §三(五), dereliction causing serious loss reported to the police; 电教网络中心 gives technical support', () => {
    expect(plan.accountability?.basis).toMatch(/^000 篇二 §三\(五\)：对玩忽职守、造成严重损失的，报公安机关/);
    expect(holders('lawEnforcement')).toEqual(['bin.ma']);
    expect(holders('monitor')).toEqual(['hao.sun', 'lei.huang']);
    expect(raw).toMatch(/电教网络中心：负责提供技术支持（000 篇二 §二\(一\)）/);
  });

  it('the file says what is a default and that names are examples; addresses only (issue 13, One plan file per plan)', () => {
    expect(raw.match(/默认值（本产品假设）/g)?.length).toBeGreaterThanOrEqual(10);
    expect(raw).toMatch(/姓名均为示例/);
    expect(raw).not.toMatch(/password|token|secret|水军|删帖/i);
    for (const p of plan.people) {
      expect(p.id).toMatch(/^[a-z]+\.[a-z]+$/);
      expect(Object.keys(p.contacts)).toEqual(['email']);
      expect(p.contacts.email).toMatch(/@school\.example\.org$/);
    }
  });
});

describe('000 篇二 on the machine (rules v3): scope and the report line (rule book, Scope; Reports)', () => {
  it('below 重大 nothing runs; readings propose nothing (no thresholds)', () => {
    let [s] = start({ ...run, metrics: { mainstreamMedia: true, reads: 100_000 } });
    [s] = metrics(s, { casualties: 1 }, T0 + HOUR);
    [s] = act(s, 'assess', { by: 'li.chen' }, T0 + 2 * HOUR);
    expect(s.context.obligations).toEqual([]);
    expect(toStatus(s.context).scope).toMatchObject({ plan: 'majorOnly', inScope: false });
  });

  it('recorded as 重大 at entry by 电教网络中心: its monitor owes 宣传科 2 h from discovery, a target — late is a target missed, never 迟报', () => {
    let [s] = start({ ...run, discoveredBy: 'lei.huang', grade: 'major' });
    expect(ob(s, 'report/discoverer-office')).toMatchObject({ ownerId: 'lei.huang', anchorAt: T0, dueAt: T0 + 2 * HOUR });
    expect(ob(s, 'publicResponse')).toMatchObject({ ownerId: 'fang.zhou', dueAt: T0 + 3 * HOUR });
    let actions;
    [s, actions] = deadlineDue(s, 'report/discoverer-office', T0 + 2 * HOUR);
    expect(findingsOf(actions)).toEqual([]);
    [s, actions] = act(s, 'report', { by: 'lei.huang', to: 'office', mode: 'phone' }, T0 + 3 * HOUR);
    expect(findingsOf(actions)).toMatchObject([{
      kind: 'targetMissed', personId: 'lei.huang', obligationId: 'report/discoverer-office', binding: 'target', delayMs: HOUR,
      accountabilityBasis: plan.accountability!.basis,
    }]);
    // no relay in this plan: the report to 宣传科 starts no other line
    expect(s.context.obligations.filter((o) => o.line).map((o) => o.id)).toEqual(['report/discoverer-office']);
  });

  it('assessed as 重大 later by 宣传科: the line to it is met by the assessment; the 3 h response runs from it', () => {
    let [s] = start({ ...run });
    const A = T0 + DAY + 2 * HOUR;
    [s] = act(s, 'assess', { by: 'qiang.zhang', grade: 'major', note: '主流媒体报道，可能造成重大影响' }, A);
    expect(s.context.obligations.find((o) => o.line?.key === 'discoverer-office')).toMatchObject({ status: 'met', anchorAt: A, line: { metByAssessment: true } });
    expect(s.context.obligations.find((o) => o.kind === 'publicResponse')).toMatchObject({ anchorAt: A, dueAt: A + 3 * HOUR, status: 'pending' });
  });

  it('the 3 h public response binds: late, it is 回应超时 against the spokesperson (000 篇二 §三(二))', () => {
    let [s] = start({ ...run, grade: 'major' });
    [s] = act(s, 'report', { by: 'hao.sun', to: 'office', mode: 'written' }, T0 + 20 * MIN);
    [s] = act(s, 'assess', { by: 'li.chen' }, T0 + 30 * MIN);
    [s] = deadlineDue(s, 'publicResponse', T0 + 3 * HOUR);
    const [, actions] = act(s, 'respond', { by: 'fang.zhou', channel: 'wechat', text: '学校已关注，正在核实。', inNameOf: 'unit' }, T0 + 3 * HOUR + 30 * MIN);
    expect(findingsOf(actions)).toMatchObject([{ kind: 'lateDuty', obligationId: 'publicResponse', personId: 'fang.zhou', binding: 'binding', delayMs: 30 * MIN }]);
  });
});

describe('000 篇二 on the machine (rules v3): inquiry, summary, accountability', () => {
  it('inquiry (000 篇二 §三(三)1): the school replies with no approval step; opinion by 24:00 of the day of discovery', () => {
    let [s] = start({ ...run, grade: 'major' });
    [s] = act(s, 'assess', { by: 'li.chen' }, T0 + 30 * MIN);
    [s] = act(s, 'classify', { by: 'li.chen', category: 'inquiry' }, T0 + HOUR);
    expect(ob(s, 'inquiryOpinion')).toMatchObject({ ownerId: 'li.chen', dueAt: END_OF_T0_DAY });
    expect(refusals(s.context, actionEvent('draftReply', { by: 'li.chen', text: '答复' }, T0 + 2 * HOUR)).join()).toContain('has no approval step');
    const [s2, actions] = act(s, 'replyOpinion', { by: 'li.chen', text: '学校已安排核查，今日内答复处理意见' }, T0 + 2 * HOUR);
    expect(findingsOf(actions).find((f) => f.obligationId === 'inquiryOpinion')).toMatchObject({ kind: 'onTime', personId: 'li.chen' });
    expect(findingsOf(actions).find((f) => f.obligationId === 'inquiryOpinion')?.pendingStep).toBeUndefined();
    const [s3] = act(s2, 'finishHandling', { by: 'li.chen' }, T0 + DAY);
    expect(s3.context.obligations.find((o) => o.kind === 'inquiryResult')).toMatchObject({ dueAt: END_OF_T0_DAY + DAY });
  });

  it('summary to 市教育局 (000 篇二 §三(五)): 3 days by the civil-law rule, a target — late is a target missed against 宣传科', () => {
    let [s] = start({ ...run, grade: 'major' });
    [s] = act(s, 'report', { by: 'hao.sun', to: 'office', mode: 'written' }, T0 + 20 * MIN);
    [s] = act(s, 'assess', { by: 'li.chen' }, T0 + 30 * MIN);
    [s] = act(s, 'respond', { by: 'fang.zhou', channel: 'wechat', text: '学校已关注，正在核实。', inNameOf: 'spokesperson' }, T0 + HOUR);
    [s] = act(s, 'classify', { by: 'li.chen', category: 'fabrication' }, T0 + 2 * HOUR);
    [s] = act(s, 'publishFacts', { by: 'fang.zhou', text: '经核实，网传内容不实。', channel: 'website' }, T0 + 3 * HOUR);
    [s] = act(s, 'refer', { by: 'li.chen', to: 'police', reason: '捏造事实、恶意攻击' }, T0 + 4 * HOUR);
    [s] = act(s, 'assignTracker', { by: 'li.chen', tracker: 'li.chen' }, T0 + 5 * HOUR);
    // subsided Wednesday 2026-03-04: Thursday, Friday, Saturday counted; Saturday is a rest day, so the last day is Monday 03-09
    [s] = act(s, 'subside', { by: 'li.chen', reason: '舆情已消除' }, T0 + 2 * DAY);
    expect(s.context.obligations.find((o) => o.kind === 'summaryReport')).toMatchObject({ ownerId: 'li.chen', dueAt: Date.parse('2026-03-10T00:00:00+08:00') - 1 });
    const [closed, actions] = act(s, 'submitSummary', { by: 'li.chen', text: '总结报告已上报市教育局' }, Date.parse('2026-03-10T10:00:00+08:00'));
    expect(closed.context.stage).toBe('closed');
    expect(findingsOf(actions)).toMatchObject([{ kind: 'targetMissed', obligationKind: 'summaryReport', personId: 'li.chen', binding: 'target' }]);
    expect(closed.context.outcomes.filter((o) => o.kind === 'late' || o.kind === 'missed')).toEqual([]);
  });

  it('dereliction causing serious loss is reported to the police (000 篇二 §三(五)): the reviewer\'s finding tells 公安机关 and the principal', () => {
    const [s] = start({ ...run, grade: 'major' });
    const [, actions] = act(s, 'finding', {
      by: 'jun.wang', kind: 'dereliction', person: 'yan.wu', details: '未按要求处置，造成严重损失', seriousLoss: true,
    }, T0 + 5 * HOUR);
    expect(findingsOf(actions)).toMatchObject([{ kind: 'dereliction', personId: 'yan.wu', source: 'review:dereliction', accountabilityBasis: plan.accountability!.basis }]);
    const referral = effectsOf(actions, 'notify').find((n) => n.kind === 'findingReferral');
    expect(referral?.recipients.map((r) => `${r.personId}:${r.role}`).sort()).toEqual(['bin.ma:lawEnforcement', 'jun.wang:principalLeader']);
  });
});

describe('000 篇二 cites its own sections (plan.sources): findings carry the plan\'s citation, not the table\'s', () => {
  it('every non-line duty cites 000 篇二 (§三(二), §三(三)1, §三(五)); the borrowed and unnumbered ones are defaults; a late opinion reply records 000 篇二 §三(三)1', () => {
    expect(raw).toContain('# 各项职责在本预案中的出处；未列出的沿用规则表');
    expect(plan.sources).toEqual({
      publicResponse: { basis: 'rule', source: '000 篇二 §三(二)' },
      inquiryOpinion: { basis: 'rule', source: '000 篇二 §三(三)1' },
      inquiryResult: { basis: 'rule', source: '000 篇二 §三(三)1' },
      followUp: { basis: 'default', source: expect.stringMatching(/^000 篇二 §三\(二\)（“及时续报”/) },
      summaryReport: { basis: 'default', source: expect.stringMatching(/^000 篇二 §三\(五\)（“及时”，无时限：3日借自 000 篇三 §四\(五\)/) },
    });
    for (const s of Object.values(plan.sources!)) expect(s.source.startsWith('000 篇二 §三(')).toBe(true);
    // no duty of another plan: no release, dispatch, explanation or written report here
    for (const k of ['firstRelease', 'dispatch', 'explanation', 'writtenReport'] as const) expect(plan.sources![k]).toBeUndefined();

    let [s] = start({ ...run, grade: 'major' });
    [s] = act(s, 'assess', { by: 'li.chen' }, T0 + 30 * MIN);
    [s] = act(s, 'classify', { by: 'li.chen', category: 'inquiry' }, T0 + HOUR);
    expect(ob(s, 'inquiryOpinion').source).toBe('000 篇二 §三(三)1');
    [s] = deadlineDue(s, 'inquiryOpinion', END_OF_T0_DAY);
    const [, actions] = act(s, 'replyOpinion', { by: 'li.chen', text: '学校已核查，处理意见如下' }, T0 + DAY);
    const late = findingsOf(actions).find((f) => f.obligationId === 'inquiryOpinion');
    expect(late).toMatchObject({ kind: 'lateDuty', personId: 'li.chen', binding: 'binding', rule: { basis: 'rule', source: '000 篇二 §三(三)1' } });
    expect(late?.rule).not.toEqual(ruleOf('inquiryOpinion'));
  });
});
