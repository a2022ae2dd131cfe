import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { calendarSlice, HOLIDAY_DATA_COVERS } from '../../../src/plan/holidays';
import { loadPlanFile } from '../../../src/plan/plan.loader';
import { ruleOf } from '../../../src/machines/obligations';
import { refusals } from '../../../src/machines/incident.rules';
import { toStatus } from '../../../src/machines/status';
import type { IncidentSnapshot } from '../../../src/machines/incident.machine';
import { HOUR, MIN, T0, act, actionEvent, deadlineDue, findingsOf, start } from '../../machine/fixtures';

/**
 * plans/justice-bureau.yaml: 001 篇1 (区司法局), checked against the rule book (../shared/domain/plan-rules.md) and
 * driven through the pure machine (v3 rules, fixed clock: Monday 2026-03-02 09:00).
 */
const FILE = path.resolve(__dirname, '../../../plans/justice-bureau.yaml');
const { plan } = loadPlanFile(FILE);
const raw = fs.readFileSync(FILE, 'utf8');
const calendar = calendarSlice('2026-03-02', HOLIDAY_DATA_COVERS.to);
const v3 = { rulesVersion: 3, calendar, plan } as const;

const MONITOR = 'peng.luo';
const LEADER = 'hui.he';           // 党组成员, 副组长: the 分管领导 (a default)
const SECRETARY = 'zhiyuan.gao';   // 党组书记, 组长
const DIRECTOR = 'wenjun.lin';     // 局长, 组长
const SPOKESPERSON = 'ying.song';
const HEAD = 'jun.tang';
const CLERK = 'xue.han';
const TO_LEADER = 'report/discoverer-leader-in-charge';
const TO_SECRETARY = `report/discoverer-principal-leader/to=${SECRETARY}`;
const TO_DIRECTOR = `report/discoverer-principal-leader/to=${DIRECTOR}`;

const holders = (role: string) => plan.people.filter((p) => (p.roles as string[]).includes(role)).map((p) => p.id);
const ob = (s: IncidentSnapshot, id: string) => {
  const o = s.context.obligations.find((x) => x.id === id);
  if (!o) throw new Error(`no obligation ${id}; has ${s.context.obligations.map((x) => x.id).join(', ')}`);
  return o;
};
const byKey = (s: IncidentSnapshot, key: string, toPerson?: string) => s.context.obligations.find((o) => o.line?.key === key && o.line.toPerson === toPerson)!;
const blaming = (fs: ReturnType<typeof findingsOf>) => fs.filter((f) => f.kind !== 'onTime');

describe('plans/justice-bureau.yaml as written (001 篇1)', () => {
  it('loads and passes planSchema: a major-only plan with no office and no grading thresholds (001 篇1 §一, §四(二))', () => {
    expect(plan).toMatchObject({ id: 'justice-bureau', scope: 'majorOnly', categories: 'required', timeZone: 'Asia/Shanghai' });
    expect(plan.grading).toBeUndefined();
    expect(holders('office')).toEqual([]);
    expect(holders('officeDirector')).toEqual([]);
  });

  it('two group heads, both 主要领导; the 副组长 (a 党组成员) is the 分管领导, a default (001 篇1 §三)', () => {
    expect(holders('principalLeader')).toEqual([SECRETARY, DIRECTOR]);
    expect(holders('leaderInCharge')).toEqual([LEADER]);
    expect(holders('leadingGroup')).toEqual([SECRETARY, DIRECTOR, LEADER]);
    expect(raw).toMatch(/党组成员，副组长（§三）；以其为“分管领导”是默认值（本产品假设）/);
  });

  it('the lines go straight to the 分管领导 and to each 组长 (perPerson); 规定时限 has no number: 2 h is a default and a target (001 篇1 §四(二))', () => {
    const common = { from: 'discoverer', within: '2h', binding: false, basis: 'default', source: '001 篇1 §四(二)', outside: false };
    expect(plan.reportLines).toEqual([
      { key: 'discoverer-leader-in-charge', label: '发现人报告分管领导', to: ['leaderInCharge'], perPerson: false, toLabel: '分管领导', ...common },
      { key: 'discoverer-principal-leader', label: '发现人报告主要领导', to: ['principalLeader'], perPerson: true, ...common },
    ]);
    for (const l of plan.reportLines!) {
      expect(l.adopted).toBeUndefined();
      expect(l.writtenAfterPhone).toBeUndefined();
    }
    expect(raw).toContain('默认值（本产品假设）2h');
  });

  it('the leaders assess (001 篇1: no office; rule book, Who decides)', () => {
    expect(plan.assessors).toEqual(['leaderInCharge', 'principalLeader']);
    expect(plan.permissions.assess).toEqual(['leaderInCharge', 'principalLeader']);
  });

  it('3 h public response for a major incident, binding, in the unit\'s or the spokesperson\'s name (001 篇1 §四(二))', () => {
    expect(plan.deadlines.publicResponse).toEqual({ within: '3h', grades: ['major', 'especiallyMajor'] });
    expect(plan.owners.publicResponse).toBe('spokesperson');
    expect(plan.targets).not.toContain('publicResponse');
    expect(plan.targets).toEqual(['followUp', 'summaryReport']);
    expect(plan.deadlines.summaryReport).toBeUndefined();
  });

  it('approval by 负责人 (001 篇1 §四(三)1): the approver role, held by the section heads', () => {
    expect(plan.approval).toEqual({ role: 'approver', source: '001 篇1 §四(三)1' });
    expect(holders('approver')).toEqual([HEAD, 'qing.feng']);
  });

  it('the cut-off seed: stages 4–5 and categories 3–4 are defaults and the file says so; accountability none in the surviving text', () => {
    expect(raw).toContain('§四(三) 分类处置第3点');
    expect(raw).toMatch(/§四\(三\)3 捏造类、§四\(三\)4 积极建议类的处置，§四\(四\) 动态跟踪、§四\(五\) 总结评估/);
    expect(raw).toContain('默认值（本产品假设');
    expect(plan.accountability!.basis).toMatch(/^none in the surviving text: 001 篇1 is cut off inside §四\(三\)3/);
  });

  it('people: lower-case ids, example.org addresses, no secrets (the issue, One plan file per plan)', () => {
    for (const p of plan.people) {
      expect(p.id).toMatch(/^[a-z]+\.[a-z]+$/);
      expect(p.contacts.email).toMatch(/@[a-z.]*example\.org$/);
      expect(Object.keys(p.contacts)).toEqual(['email']);
    }
    expect(raw).not.toMatch(/password|token|secret|水军|删帖/i);
  });
});

describe('001 篇1 in the machine: three lines, one per recipient (rule book, Reports; Scope)', () => {
  it('below 重大 nothing runs: no line, no 3 h response, no finding (rule book, Scope; 001 篇1 §一)', () => {
    let [s, actions] = start({ ...v3, discoveredBy: MONITOR });
    const found = [...findingsOf(actions)];
    expect(s.context.obligations).toEqual([]);
    [s, actions] = act(s, 'assess', { by: LEADER, grade: 'larger' }, T0 + HOUR);
    found.push(...findingsOf(actions));
    [s, actions] = act(s, 'report', { by: MONITOR, to: LEADER, mode: 'phone' }, T0 + 4 * HOUR);
    found.push(...findingsOf(actions));
    expect(s.context.obligations).toEqual([]);
    expect(toStatus(s.context).scope).toMatchObject({ plan: 'majorOnly', inScope: false });
    expect(found).toEqual([]);
  });

  it('recorded as 重大 at entry: the discoverer owes the 分管领导 and each 组长, 2 h targets; the response is due 3 h after discovery, binding (001 篇1 §三, §四(二))', () => {
    const [s] = start({ ...v3, discoveredBy: MONITOR, grade: 'major' });
    for (const [id, toPerson] of [[TO_LEADER, undefined], [TO_SECRETARY, SECRETARY], [TO_DIRECTOR, DIRECTOR]] as const) {
      expect(ob(s, id)).toMatchObject({ kind: 'firstReport', ownerId: MONITOR, anchorAt: T0, dueAt: T0 + 2 * HOUR, status: 'pending', line: { binding: false, basis: 'default' } });
      expect(ob(s, id).line!.toPerson).toBe(toPerson);
    }
    expect(ob(s, 'publicResponse')).toMatchObject({ ownerId: SPOKESPERSON, dueAt: T0 + 3 * HOUR });
    const status = toStatus(s.context);
    expect(status.obligations.filter((o) => o.line).map((o) => o.binding)).toEqual(['target', 'target', 'target']);
    expect(status.obligations.find((o) => o.kind === 'publicResponse')!.binding).toBe('binding');
  });

  it('a report to one 组长 meets only his line; a late line is a target missed against the discoverer, never 迟报 (001 篇1 §四(二); rule book, Binding or target)', () => {
    let [s, actions] = start({ ...v3, discoveredBy: MONITOR, grade: 'major' });
    [s, actions] = act(s, 'report', { by: MONITOR, to: LEADER, mode: 'phone' }, T0 + 30 * MIN);
    [s, actions] = act(s, 'report', { by: MONITOR, to: SECRETARY, mode: 'phone' }, T0 + 40 * MIN);
    expect([ob(s, TO_LEADER).status, ob(s, TO_SECRETARY).status, ob(s, TO_DIRECTOR).status]).toEqual(['met', 'met', 'pending']);
    // no written report is owed after a phone report in this plan (that is 000 篇三's rule)
    expect(s.context.obligations.filter((o) => o.kind === 'writtenReport')).toEqual([]);
    [s, actions] = deadlineDue(s, TO_DIRECTOR, T0 + 2 * HOUR);
    expect(findingsOf(actions)).toEqual([]);
    expect(toStatus(s.context)).toMatchObject({ targetOverdueCount: 1, bindingOverdueCount: 0 });
    [s, actions] = act(s, 'report', { by: MONITOR, to: DIRECTOR, mode: 'written' }, T0 + 150 * MIN);
    expect(findingsOf(actions)).toEqual([
      expect.objectContaining({ kind: 'targetMissed', obligationId: TO_DIRECTOR, personId: MONITOR, binding: 'target', delayMs: 30 * MIN, marks: expect.objectContaining({ line: expect.objectContaining({ toPerson: DIRECTOR }) }) }),
    ]);
  });

  it('a public response after 3 h is 回应超时 against the spokesperson, binding, with the plan\'s basis "none" (001 篇1 §四(二); rule book, Accountability)', () => {
    let [s] = start({ ...v3, discoveredBy: MONITOR, grade: 'major' });
    [s] = act(s, 'assess', { by: LEADER }, T0 + 20 * MIN);
    const [, actions] = act(s, 'respond', { by: SPOKESPERSON, channel: 'weibo', text: '我局已关注，正在核查。', inNameOf: 'spokesperson' }, T0 + 200 * MIN);
    const [late] = findingsOf(actions);
    expect(late).toMatchObject({ kind: 'lateDuty', obligationKind: 'publicResponse', personId: SPOKESPERSON, binding: 'binding', delayMs: 20 * MIN });
    expect(late.accountabilityBasis).toMatch(/^none in the surviving text/);
  });

  it('assessed as 重大 by the 分管领导: his own line is met by the assessment; the lines to both 组长 and the 3 h response run from it (rule book, Scope)', () => {
    let [s] = start({ ...v3, discoveredBy: MONITOR });
    let actions;
    [s, actions] = act(s, 'assess', { by: LEADER, grade: 'major' }, T0 + HOUR);
    expect(byKey(s, 'discoverer-leader-in-charge')).toMatchObject({ status: 'met', anchorAt: T0 + HOUR, line: { metByAssessment: true } });
    for (const p of [SECRETARY, DIRECTOR]) {
      expect(byKey(s, 'discoverer-principal-leader', p)).toMatchObject({ status: 'pending', ownerId: MONITOR, anchorAt: T0 + HOUR, dueAt: T0 + 3 * HOUR });
    }
    expect(s.context.obligations.find((o) => o.kind === 'publicResponse')).toMatchObject({ anchorAt: T0 + HOUR, dueAt: T0 + 4 * HOUR });
    expect(blaming(findingsOf(actions))).toEqual([]);
  });

  it('assessed as 重大 by one 组长: only his line is met by the assessment (rule book, Scope; 001 篇1 §三)', () => {
    const [s] = act(start({ ...v3, discoveredBy: MONITOR })[0], 'assess', { by: DIRECTOR, grade: 'major' }, T0 + HOUR);
    expect(byKey(s, 'discoverer-principal-leader', DIRECTOR)).toMatchObject({ status: 'met', line: { metByAssessment: true } });
    expect(byKey(s, 'discoverer-principal-leader', SECRETARY)).toMatchObject({ status: 'pending', dueAt: T0 + 3 * HOUR });
    expect(byKey(s, 'discoverer-leader-in-charge')).toMatchObject({ status: 'pending', dueAt: T0 + 3 * HOUR });
  });

  it('an inquiry reply is drafted by the section, approved by a 负责人 who did not draft it, then published (001 篇1 §四(三)1; rule book, Approval)', () => {
    let [s] = start({ ...v3, discoveredBy: MONITOR, grade: 'major' });
    [s] = act(s, 'assess', { by: LEADER }, T0 + 20 * MIN);
    [s] = act(s, 'dispatch', { by: LEADER, department: CLERK }, T0 + 30 * MIN);
    [s] = act(s, 'classify', { by: LEADER, category: 'inquiry' }, T0 + 40 * MIN);
    expect(ob(s, 'inquiryOpinion')).toMatchObject({ ownerId: CLERK, dueAt: Date.parse('2026-03-02T23:59:59.999+08:00') });
    const publish = actionEvent('replyOpinion', { by: CLERK, text: '经核查，答复如下。' }, T0 + 2 * HOUR);
    expect(refusals(s.context, publish).join('\n')).toContain('only after approver');
    [s] = act(s, 'draftReply', { by: CLERK, text: '答复意见草稿' }, T0 + HOUR);
    expect(refusals(s.context, actionEvent('approve', { by: CLERK }, T0 + 70 * MIN)).join('\n')).toContain('needs one of: approver');
    [s] = act(s, 'approve', { by: HEAD }, T0 + 80 * MIN);
    const [next, actions] = act(s, 'replyOpinion', { by: CLERK, text: '经核查，答复如下。' }, T0 + 2 * HOUR);
    expect(ob(next, 'inquiryOpinion').status).toBe('met');
    // the unified reply is the unit's public response too
    expect(next.context.obligations.find((o) => o.kind === 'publicResponse')!.status).toBe('met');
    expect(blaming(findingsOf(actions))).toEqual([]);
  });

  it('the summary (§四(五) cut off): owed with no limit, never late (rule book, Endings; a default)', () => {
    let [s] = start({ ...v3, discoveredBy: MONITOR, grade: 'major' });
    for (const to of [LEADER, SECRETARY, DIRECTOR]) [s] = act(s, 'report', { by: MONITOR, to, mode: 'written' }, T0 + 30 * MIN);
    [s] = act(s, 'assess', { by: LEADER }, T0 + 40 * MIN);
    [s] = act(s, 'classify', { by: LEADER, category: 'hype' }, T0 + 50 * MIN);
    [s] = act(s, 'publishFacts', { by: SPOKESPERSON, text: '依法告知事实真相。', channel: 'website' }, T0 + HOUR);
    [s] = act(s, 'assignTracker', { by: LEADER, tracker: HEAD }, T0 + 2 * HOUR);
    [s] = act(s, 'subside', { by: LEADER, reason: '舆情趋于平稳' }, T0 + 30 * HOUR);
    const summary = s.context.obligations.find((o) => o.kind === 'summaryReport')!;
    expect(summary).toMatchObject({ status: 'pending', dueAt: null, ownerRole: 'department' });
    const [closed, actions] = act(s, 'submitSummary', { by: HEAD, text: '书面总结' }, T0 + 30 * 24 * HOUR);
    expect(closed.context.stage).toBe('closed');
    expect(blaming(findingsOf(actions))).toEqual([]);
  });
});

describe('001 篇1 cites its own sections (plan.sources): findings carry the plan\'s citation, not the table\'s', () => {
  it('every non-line duty cites 001 篇1 (§四(二), §四(三)1); the cut-off summary and the follow-up cadence are defaults; a late opinion reply records 001 篇1 §四(三)1', () => {
    expect(raw).toContain('# 各项职责在本预案中的出处；未列出的沿用规则表');
    expect(plan.sources).toEqual({
      publicResponse: { basis: 'rule', source: '001 篇1 §四(二)' },
      inquiryOpinion: { basis: 'rule', source: '001 篇1 §四(三)1' },
      inquiryResult: { basis: 'rule', source: '001 篇1 §四(三)1' },
      followUp: { basis: 'default', source: expect.stringMatching(/^001 篇1 §四\(二\)（“及时续报”/) },
      summaryReport: { basis: 'default', source: expect.stringMatching(/^001 篇1（总结评估不在现存文本中，源文截断/) },
    });
    for (const s of Object.values(plan.sources!)) expect(s.source.startsWith('001 篇1')).toBe(true);
    for (const k of ['firstRelease', 'dispatch', 'explanation', 'writtenReport'] as const) expect(plan.sources![k]).toBeUndefined();

    let [s] = start({ ...v3, discoveredBy: MONITOR, grade: 'major' });
    [s] = act(s, 'assess', { by: LEADER }, T0 + 20 * MIN);
    [s] = act(s, 'dispatch', { by: LEADER, department: CLERK }, T0 + 30 * MIN);
    [s] = act(s, 'classify', { by: LEADER, category: 'inquiry' }, T0 + 40 * MIN);
    const opinion = ob(s, 'inquiryOpinion');
    expect(opinion.source).toBe('001 篇1 §四(三)1');
    [s] = deadlineDue(s, opinion.id, opinion.dueAt!);
    [s] = act(s, 'draftReply', { by: CLERK, text: '答复意见草稿' }, T0 + 20 * HOUR);
    [s] = act(s, 'approve', { by: HEAD }, T0 + 21 * HOUR);
    const [, actions] = act(s, 'replyOpinion', { by: CLERK, text: '经核查，答复如下。' }, T0 + 22 * HOUR);
    const late = findingsOf(actions).find((f) => f.obligationId === opinion.id);
    expect(late).toMatchObject({ kind: 'lateDuty', personId: CLERK, binding: 'binding', rule: { basis: 'rule', source: '001 篇1 §四(三)1' } });
    expect(late?.rule).not.toEqual(ruleOf('inquiryOpinion'));
  });
});
