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
 * plans/ethnic-religious.yaml: 000 篇三 (市民族宗教系统), checked against the rule book
 * (../shared/domain/plan-rules.md) and driven through the pure machine (v3 rules, fixed clock: Monday 2026-03-02 09:00).
 */
const FILE = path.resolve(__dirname, '../../../plans/ethnic-religious.yaml');
const { plan } = loadPlanFile(FILE);
const raw = fs.readFileSync(FILE, 'utf8');
const calendar = calendarSlice('2026-03-02', HOLIDAY_DATA_COVERS.to);
const v3 = { rulesVersion: 3, calendar, plan } as const;

/** The section's monitor who found it (000 篇三 §五), the office, its director, two section heads and a section clerk. */
const MONITOR = 'tao.yang';
const OFFICE = 'jing.zhou';
const DIRECTOR = 'jianhua.li';
const HEAD = 'yan.huang';
const OTHER_HEAD = 'lei.chen';
const LINE = 'report/section-office';

const holders = (role: string) => plan.people.filter((p) => (p.roles as string[]).includes(role)).map((p) => p.id);
const ob = (s: IncidentSnapshot, id: string) => {
  const o = s.context.obligations.find((x) => x.id === id);
  if (!o) throw new Error(`no obligation ${id}; has ${s.context.obligations.map((x) => x.id).join(', ')}`);
  return o;
};
const ofKind = (s: IncidentSnapshot, kind: string) => s.context.obligations.filter((o) => o.kind === kind);
/** Findings that blame someone (anything but the on-time record). */
const blaming = (fs: ReturnType<typeof findingsOf>) => fs.filter((f) => f.kind !== 'onTime');

describe('plans/ethnic-religious.yaml as written (000 篇三)', () => {
  it('loads and passes planSchema: a major-only plan with no grading thresholds, four categories (000 篇三 §一, §四(二), §四(三))', () => {
    expect(plan).toMatchObject({ id: 'ethnic-religious', scope: 'majorOnly', categories: 'required', timeZone: 'Asia/Shanghai' });
    expect(plan.grading).toBeUndefined();
    // the office assesses (rule book, Who decides)
    expect(plan.assessors).toEqual(['office', 'officeDirector']);
    expect(plan.permissions.assess).toEqual(['office', 'officeDirector']);
  });

  it('one report line: the section that found it → 领导小组办公室, 2 h, binding, the seed\'s own number; written 30 min after a phone report (000 篇三 §四(二))', () => {
    expect(plan.reportLines).toEqual([{
      key: 'section-office', label: '科室报告领导小组办公室', from: 'discoverer', to: ['office', 'officeDirector'], perPerson: false,
      toLabel: '领导小组办公室', within: '2h', binding: true, basis: 'rule', source: '000 篇三 §四(二)', outside: false, writtenAfterPhone: '30m',
      notify: { label: '科室同时通报有关部门', within: '2h', binding: true, basis: 'rule', source: '000 篇三 §四(二)' },
    }]);
    expect(plan.reportLines![0].adopted).toBeUndefined();
    // the sections report through their designated monitors (§五); the office is one body, reachable through its director
    expect(holders('monitor')).toEqual(['min.wang', 'tao.yang', 'qiang.wu']);
    expect(holders('office')).toEqual([OFFICE]);
    expect(holders('officeDirector')).toEqual([DIRECTOR]);
    // the 通报 of the related departments: the reporting section owes it, departments named per incident
    expect(raw).toContain('同時向有關部門通報');
    expect(raw).toContain('nameDepartments');
  });

  it('no first public response and no golden 24 h: 000 篇三 has neither (rule book, Time limits)', () => {
    expect(plan.deadlines.publicResponse).toBeUndefined();
    expect(plan.deadlines.firstRelease).toBeUndefined();
    expect(plan.deadlines.dispatch).toBeUndefined();
    expect(plan.deadlines.explanation).toBeUndefined();
  });

  it('the reply is approved by 各科室和直属单位负责人 (000 篇三 §四(三)1); the section heads hold the approver role', () => {
    expect(plan.approval).toEqual({ role: 'approver', source: '000 篇三 §四(三)1' });
    expect(holders('approver')).toEqual(['lei.chen', 'yan.huang', 'li.xu']);
    for (const id of holders('approver')) expect(plan.people.find((p) => p.id === id)!.roles).toContain('department');
  });

  it('the summary 三日内 to the office by the sections is binding; the follow-ups (及时) are a target (000 篇三 §四(五), §四(二))', () => {
    expect(plan.deadlines).toMatchObject({ summaryReport: '3d', summaryTo: ['office'], followUpEvery: '4h' });
    expect(plan.owners).toMatchObject({ summaryReport: 'department', followUp: 'department' });
    expect(plan.targets).toEqual(['followUp']);
    expect(plan.dayCounting).toEqual({ convention: 'civilLaw' });
    // the follow-up cadence is a default value and the file says so
    expect(raw).toMatch(/followUpEvery: 4h +# 默认值（本产品假设）/);
  });

  it('names its accountability basis: 000 篇三 §六 (迟报、漏报、谎报、瞒报 → 行政处分)', () => {
    const basis = plan.accountability!.basis;
    expect(basis).toMatch(/^000 篇三 §六/);
    for (const w of ['遲報', '漏報', '謊報', '瞞報', '行政處分']) expect(basis).toContain(w);
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

describe('000 篇三 in the machine: the section → office line (rule book, Reports; Scope)', () => {
  it('below 重大 nothing runs: no line, no timer, no finding, whatever is reported or assessed (rule book, Scope; 000 篇三 §一)', () => {
    let [s, actions] = start({ ...v3, discoveredBy: MONITOR });
    expect(s.context.obligations).toEqual([]);
    expect(toStatus(s.context).scope).toMatchObject({ plan: 'majorOnly', inScope: false });
    const found = [...findingsOf(actions)];
    [s, actions] = act(s, 'assess', { by: OFFICE, grade: 'larger' }, T0 + 30 * MIN);
    found.push(...findingsOf(actions));
    [s, actions] = act(s, 'report', { by: MONITOR, to: 'office', mode: 'phone' }, T0 + 3 * HOUR);
    found.push(...findingsOf(actions));
    expect(s.context.obligations).toEqual([]);
    expect(found).toEqual([]);
  });

  it('recorded as 重大 at entry: the discoverer owes the office 2 h from discovery; no finding at the due time, a report at 2 h 30 min is 迟报 against the discoverer (000 篇三 §四(二), §六)', () => {
    let [s, actions] = start({ ...v3, discoveredBy: MONITOR, grade: 'major' });
    expect(ob(s, LINE)).toMatchObject({
      kind: 'firstReport', ownerId: MONITOR, ownerRole: 'monitor', anchorAt: T0, dueAt: T0 + 2 * HOUR, status: 'pending',
      line: { binding: true, basis: 'rule', source: '000 篇三 §四(二)', toName: '领导小组办公室', writtenAfterPhone: '30m' },
    });
    [s, actions] = deadlineDue(s, LINE, T0 + 2 * HOUR);
    expect(findingsOf(actions)).toEqual([]);
    expect(ob(s, LINE).overdue).toBe(true);
    [s, actions] = act(s, 'report', { by: MONITOR, to: 'office', mode: 'written' }, T0 + 150 * MIN);
    const [late] = findingsOf(actions);
    expect(late).toMatchObject({
      kind: 'late', obligationId: LINE, personId: MONITOR, role: 'monitor', delayMs: 30 * MIN, binding: 'binding',
      dueAt: T0 + 2 * HOUR, claimedAt: T0 + 150 * MIN, marks: { line: { key: 'section-office', toName: '领导小组办公室' } },
    });
    expect(late.accountabilityBasis).toMatch(/^000 篇三 §六/);
    expect(findingsOf(actions)).toHaveLength(1);
  });

  it('a report to the office director meets the line; a report to a leader does not (rule book, Meeting a line)', () => {
    let [s] = start({ ...v3, discoveredBy: MONITOR, grade: 'major' });
    [s] = act(s, 'report', { by: MONITOR, to: 'leaderInCharge', mode: 'written' }, T0 + 10 * MIN);
    expect(ob(s, LINE).status).toBe('pending');
    const [next, actions] = act(s, 'report', { by: MONITOR, to: DIRECTOR, mode: 'inPerson' }, T0 + 20 * MIN);
    expect(ob(next, LINE)).toMatchObject({ status: 'met', metAt: T0 + 20 * MIN, metBy: MONITOR });
    expect(blaming(findingsOf(actions))).toEqual([]);
    // any recorded form meets it; only a phone report owes a written one
    expect(ofKind(next, 'writtenReport')).toEqual([]);
  });

  it('紧急情况下: an urgent phone report meets the line and owes the written report 30 min after it; written at 70 min is 迟报 by 20 min on the written line (000 篇三 §四(二))', () => {
    let [s, actions] = start({ ...v3, discoveredBy: MONITOR, grade: 'major' });
    [s, actions] = act(s, 'report', { by: MONITOR, to: 'office', mode: 'phone', urgent: true }, T0 + 20 * MIN);
    expect(ob(s, LINE).status).toBe('met');
    expect(blaming(findingsOf(actions))).toEqual([]);
    const [written] = ofKind(s, 'writtenReport');
    expect(written).toMatchObject({ ownerId: MONITOR, anchorAt: T0 + 20 * MIN, dueAt: T0 + 50 * MIN, status: 'pending', line: { binding: true } });
    [s, actions] = deadlineDue(s, written.id, T0 + 50 * MIN);
    expect(findingsOf(actions)).toEqual([]);
    [s, actions] = act(s, 'report', { by: MONITOR, to: 'office', mode: 'written' }, T0 + 70 * MIN);
    expect(findingsOf(actions)).toEqual([
      expect.objectContaining({ kind: 'late', obligationId: written.id, obligationKind: 'writtenReport', personId: MONITOR, delayMs: 20 * MIN, binding: 'binding' }),
    ]);
  });

  it('a phone report not recorded as 紧急 owes the written report at the later of phone + 30 min and the 2 h limit (rule book, writtenReport)', () => {
    const [early] = act(start({ ...v3, discoveredBy: MONITOR, grade: 'major' })[0], 'report', { by: MONITOR, to: 'office', mode: 'phone' }, T0 + 20 * MIN);
    expect(ofKind(early, 'writtenReport')[0].dueAt).toBe(T0 + 2 * HOUR);
    const [late] = act(start({ ...v3, discoveredBy: MONITOR, grade: 'major' })[0], 'report', { by: MONITOR, to: 'office', mode: 'phone' }, T0 + 105 * MIN);
    expect(ofKind(late, 'writtenReport')[0].dueAt).toBe(T0 + 135 * MIN);
    // a written report made in time meets it, no finding
    const [done, actions] = act(early, 'report', { by: MONITOR, to: 'office', mode: 'written' }, T0 + 90 * MIN);
    expect(ofKind(done, 'writtenReport')[0].status).toBe('met');
    expect(blaming(findingsOf(actions))).toEqual([]);
  });

  it('assessed as 重大 later by the office: the line to the office is met by the assessment itself, nothing is late (rule book, Scope)', () => {
    let [s] = start({ ...v3, discoveredBy: MONITOR });
    const [next, actions] = act(s, 'assess', { by: OFFICE, grade: 'major' }, T0 + 5 * HOUR);
    s = next;
    expect(s.context.majorAt).toBe(T0 + 5 * HOUR);
    const line = s.context.obligations.find((o) => o.line?.key === 'section-office')!;
    expect(line).toMatchObject({ status: 'met', anchorAt: T0 + 5 * HOUR, ownerId: MONITOR, line: { metByAssessment: true } });
    expect(blaming(findingsOf(actions))).toEqual([]);
  });

  it('recorded as 重大 later by the discoverer: the line runs 2 h from that recording, never from discovery (rule book, Scope)', () => {
    let [s, actions] = start({ ...v3, discoveredBy: MONITOR });
    [s, actions] = act(s, 'assess', { by: MONITOR, grade: 'major' }, T0 + 3 * HOUR);
    const line = s.context.obligations.find((o) => o.line?.key === 'section-office')!;
    expect(line).toMatchObject({ status: 'pending', ownerId: MONITOR, anchorAt: T0 + 3 * HOUR, dueAt: T0 + 5 * HOUR });
    [s, actions] = act(s, 'report', { by: MONITOR, to: 'office', mode: 'written' }, T0 + 4 * HOUR);
    expect(findingsOf(actions)).toEqual([expect.objectContaining({ kind: 'onTime', obligationId: line.id, personId: MONITOR })]);
  });
});

describe('000 篇三 in the machine: approval, follow-ups and the summary', () => {
  /** Recorded as 重大 at entry, reported in time, assessed, dispatched to the 宗教工作科 and classified. */
  function handling(category: 'inquiry' | 'hype'): IncidentSnapshot {
    let [s] = start({ ...v3, discoveredBy: MONITOR, grade: 'major' });
    [s] = act(s, 'report', { by: MONITOR, to: 'office', mode: 'written' }, T0 + 20 * MIN);
    // 同时通报有关部门: the departments named, the section notifies the one it concerns
    [s] = act(s, 'nameDepartments', { by: OFFICE, departments: [HEAD] }, T0 + 25 * MIN);
    [s] = act(s, 'report', { by: MONITOR, to: HEAD, mode: 'message' }, T0 + 26 * MIN);
    [s] = act(s, 'assess', { by: OFFICE }, T0 + 30 * MIN);
    [s] = act(s, 'dispatch', { by: OFFICE, department: HEAD }, T0 + 40 * MIN);
    [s] = act(s, 'classify', { by: OFFICE, category }, T0 + 50 * MIN);
    return s;
  }

  it('an inquiry reply goes out only after a section head who did not draft it approved it (000 篇三 §四(三)1; rule book, Approval)', () => {
    let s = handling('inquiry');
    const opinion = ob(s, 'inquiryOpinion');
    expect(opinion).toMatchObject({ ownerId: HEAD, dueAt: Date.parse('2026-03-02T23:59:59.999+08:00') });
    const publish = actionEvent('replyOpinion', { by: HEAD, text: '经核查，情况如下。' }, T0 + HOUR);
    expect(refusals(s.context, publish).join('\n')).toContain('only after approver');
    [s] = act(s, 'draftReply', { by: HEAD, text: '答复意见草稿' }, T0 + HOUR);
    expect(refusals(s.context, actionEvent('approve', { by: HEAD }, T0 + 70 * MIN))).toContain(`by: ${HEAD} drafted the reply; another approver approves it`);
    // a section clerk holds no approver role
    expect(refusals(s.context, actionEvent('approve', { by: 'fang.liu' }, T0 + 70 * MIN)).join('\n')).toContain('needs one of: approver');
    [s] = act(s, 'approve', { by: OTHER_HEAD }, T0 + 80 * MIN);
    expect(refusals(s.context, publish)).toEqual([]);
    const [next, actions] = act(s, 'replyOpinion', { by: HEAD, text: '经核查，情况如下。' }, T0 + 90 * MIN);
    expect(ob(next, 'inquiryOpinion').status).toBe('met');
    expect(blaming(findingsOf(actions))).toEqual([]);
  });

  it('follow-ups (续报) are a target: a late one is a target missed, never 迟报 (000 篇三 §四(二) 及时)', () => {
    let s = handling('hype');
    const [fu] = ofKind(s, 'followUp');
    expect(fu).toMatchObject({ anchorAt: T0 + 30 * MIN, dueAt: T0 + 270 * MIN, ownerRole: 'department' });
    let actions;
    [s, actions] = deadlineDue(s, fu.id, fu.dueAt!);
    expect(findingsOf(actions)).toEqual([]);
    [s, actions] = act(s, 'report', { by: HEAD, to: 'office', mode: 'written', kind: 'followUp' }, T0 + 5 * HOUR);
    const [missed] = findingsOf(actions);
    expect(missed).toMatchObject({ kind: 'targetMissed', obligationId: fu.id, binding: 'target', delayMs: 30 * MIN });
  });

  it('the summary is due 三日内 by the civil-law count: declared steady on Wednesday, its last day Saturday moves to Monday; a later summary is 迟报 (000 篇三 §四(五); rule book, Counting)', () => {
    let s = handling('hype');
    [s] = act(s, 'publishFacts', { by: HEAD, text: '依法告知事实真相。', channel: 'website' }, T0 + 2 * HOUR);
    [s] = act(s, 'assignTracker', { by: HEAD, tracker: HEAD }, T0 + 3 * HOUR);
    const wednesday = Date.parse('2026-03-04T10:00:00+08:00');
    [s] = act(s, 'subside', { by: OFFICE, reason: '舆情趋于平稳' }, wednesday);
    const [summary] = ofKind(s, 'summaryReport');
    expect(summary).toMatchObject({ anchorAt: wednesday, dueAt: Date.parse('2026-03-09T23:59:59.999+08:00'), status: 'pending', ownerRole: 'department' });
    expect(toStatus(s.context).obligations.find((o) => o.id === summary.id)!.binding).toBe('binding');
    const [, actions] = act(s, 'submitSummary', { by: HEAD, text: '书面总结报告' }, Date.parse('2026-03-10T09:00:00+08:00'));
    const [late] = findingsOf(actions);
    expect(late).toMatchObject({ kind: 'late', obligationId: summary.id, obligationKind: 'summaryReport', binding: 'binding', personId: summary.ownerId });
    expect(late.accountabilityBasis).toMatch(/^000 篇三 §六/);
  });
});

describe('000 篇三 cites its own sections (plan.sources): findings carry the plan\'s citation, not the table\'s', () => {
  it('every non-line duty cites 000 篇三 (§四(二), §四(三)1, §四(五)); the follow-up cadence is a default; a late opinion reply records 000 篇三 §四(三)1, not 000 篇一', () => {
    expect(raw).toContain('# 各项职责在本预案中的出处；未列出的沿用规则表');
    expect(plan.sources).toEqual({
      writtenReport: { basis: 'rule', source: expect.stringMatching(/^000 篇三 §四\(二\)（紧急情况下电话报告后30分钟内/) },
      inquiryOpinion: { basis: 'rule', source: '000 篇三 §四(三)1' },
      inquiryResult: { basis: 'rule', source: '000 篇三 §四(三)1' },
      followUp: { basis: 'default', source: expect.stringMatching(/^000 篇三 §四\(二\)（“及时续报”/) },
      summaryReport: { basis: 'rule', source: '000 篇三 §四(五)' },
    });
    for (const s of Object.values(plan.sources!)) expect(s.source.startsWith('000 篇三 §四(')).toBe(true);
    // no first response, release, dispatch or explanation limit in 000 篇三
    for (const k of ['publicResponse', 'firstRelease', 'dispatch', 'explanation'] as const) expect(plan.sources![k]).toBeUndefined();

    let [s] = start({ ...v3, discoveredBy: MONITOR, grade: 'major' });
    [s] = act(s, 'report', { by: MONITOR, to: 'office', mode: 'written' }, T0 + 20 * MIN);
    [s] = act(s, 'assess', { by: OFFICE }, T0 + 30 * MIN);
    [s] = act(s, 'dispatch', { by: OFFICE, department: HEAD }, T0 + 40 * MIN);
    [s] = act(s, 'classify', { by: OFFICE, category: 'inquiry' }, T0 + 50 * MIN);
    const opinion = ob(s, 'inquiryOpinion');
    expect(opinion.source).toBe('000 篇三 §四(三)1');
    [s] = deadlineDue(s, opinion.id, opinion.dueAt!);
    [s] = act(s, 'draftReply', { by: HEAD, text: '答复意见草稿' }, T0 + 20 * HOUR);
    [s] = act(s, 'approve', { by: OTHER_HEAD }, T0 + 21 * HOUR);
    const [, actions] = act(s, 'replyOpinion', { by: HEAD, text: '经核查，情况如下。' }, T0 + 22 * HOUR);
    const late = findingsOf(actions).find((f) => f.obligationId === opinion.id);
    expect(late).toMatchObject({ kind: 'lateDuty', personId: HEAD, binding: 'binding', rule: { basis: 'rule', source: '000 篇三 §四(三)1' } });
    expect(late?.rule).not.toEqual(ruleOf('inquiryOpinion'));
  });
});
