import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gradeFromMetrics } from '../../../src/plan/grading';
import { calendarSlice, HOLIDAY_DATA_COVERS } from '../../../src/plan/holidays';
import { loadPlanFile } from '../../../src/plan/plan.loader';
import { ruleOf } from '../../../src/machines/obligations';
import { DAY, HOUR, MIN, T0, act, cancel, deadlineDue, findingsOf, metrics, start } from '../../machine/fixtures';

/**
 * plans/county.yaml against the rule book (../shared/domain/plan-rules.md) and 000 篇五 (__县): the report table's
 * row "000 篇五 §五(二)", the grading of §五(三), the handling steps of §五(三)3–4, the golden 24 hours of §四(一)1;
 * then the pure machine (v3 rules) driven through the plan's report lines.
 */
const FILE = path.resolve(__dirname, '../../../plans/county.yaml');
const { plan } = loadPlanFile(FILE);
const raw = fs.readFileSync(FILE, 'utf8');
const calendar = calendarSlice('2026-03-02', HOLIDAY_DATA_COVERS.to);
const v3 = { rulesVersion: 3, calendar, plan, discoveredBy: 'liu.bo' } as const;
type Snap = ReturnType<typeof start>[0];
const line = (s: Snap, key: string) => {
  const all = s.context.obligations.filter((o) => o.line?.key === key);
  if (all.length === 0) throw new Error(`no line ${key}; has ${s.context.obligations.map((o) => o.id).join(', ')}`);
  return all[all.length - 1];
};
const SUBJECT_LINES = ['subject-coordinator', 'subject-superior', 'subject-cyberspace'];

describe('plans/county.yaml: the plan as 000 篇五 writes it', () => {
  it('covers every grade (§一 本预案适用于各类敏感网络舆情); handling by grade, categories optional (§五(三)); no approval step', () => {
    expect(plan).toMatchObject({ id: 'county', scope: 'all', categories: 'optional', timeZone: 'Asia/Shanghai' });
    expect(plan.approval).toBeUndefined();
    // the 涉事主体 assesses (§五(二)); the office, which 研判 and proposes handling (§三), may do it for it
    expect(plan.assessors).toEqual(['department', 'office', 'officeDirector']);
  });

  it('report lines are the rule book row "000 篇五 §五(二)": the 涉事主体 → 党政办, 上级业务部门, 同级网信部门 (1 h / 2 h, binding; 较大/一般 no limit); the monitor → office a default target (§四(二)3)', () => {
    const rows = plan.reportLines!.map((l) => [l.key, l.from, l.to, l.toLabel ?? null, l.grades ?? 'all', l.within, l.binding, l.basis, l.source, l.outside, l.perPerson]);
    expect(rows).toEqual([
      ['monitor-office', 'discoverer', ['office', 'officeDirector'], null, 'all', '30m', false, 'default', expect.stringContaining('000 篇五 §四(二)3'), false, false],
      ['subject-coordinator', 'subject', ['coordinator'], '县委党政办', ['general', 'larger', 'major', 'especiallyMajor'], { especiallyMajor: '1h', major: '2h' }, true, 'rule', '000 篇五 §五(二)', false, false],
      ['subject-superior', 'subject', ['superior'], '上级业务部门', ['general', 'larger', 'major', 'especiallyMajor'], { especiallyMajor: '1h', major: '2h' }, true, 'rule', '000 篇五 §五(二)', false, false],
      ['subject-cyberspace', 'subject', ['cyberspaceOffice'], '同级网信部门', ['general', 'larger', 'major', 'especiallyMajor'], { especiallyMajor: '1h', major: '2h' }, true, 'rule', '000 篇五 §五(二)', false, false],
      // §四(三)1 and §四(三)4: their own lines, each from its moment (when), defaults and targets
      ['subject-coordinator-facts', 'subject', ['coordinator'], '县委党政办', 'all', '2h', false, 'default', expect.stringContaining('000 篇五 §四(三)1'), false, false],
      ['subject-office-untrue', 'subject', ['office', 'officeDirector'], null, 'all', '30m', false, 'default', expect.stringContaining('000 篇五 §四(三)4'), false, false],
    ]);
    expect(plan.reportLines!.map((l) => l.when ?? null)).toEqual([null, null, null, null, { step: 'facts-verified' }, { category: 'fabrication' }]);
    // every recipient is reachable: a person of the plan stands for each outside body
    for (const l of plan.reportLines!) expect(plan.people.some((p) => p.roles.some((r) => l.to.includes(r)))).toBe(true);
    // the monitor line's recipient and value are said to be defaults in the file
    expect(raw).toMatch(/接收方：默认值（本产品假设）/);
    expect(raw).toMatch(/时限：默认值（本产品假设）30分钟/);
  });

  it('only the seed\'s own numbers bind: no 3 h response (000 篇一/篇二, 001 篇1), no 2 h dispatch or 1 day explanation (001 school plan); the golden 24 h a target (§四(一)1 力争)', () => {
    const d = plan.deadlines;
    expect(d.publicResponse).toBeUndefined();
    expect(d.dispatch).toBeUndefined();
    expect(d.explanation).toBeUndefined();
    expect(d.followUpEvery).toBeUndefined();
    expect(d.summaryReport).toBeUndefined();
    expect(d.firstReport).toBeUndefined();
    expect(d.firstRelease).toEqual({ within: '24h', grades: ['major', 'especiallyMajor'] });
    expect(plan.targets).toContain('firstRelease');
    expect(plan.owners.firstRelease).toBe('spokesperson');
    // the only binding lines are the seed's 务必1小时/2小时
    const binding = plan.reportLines!.filter((l) => l.binding);
    expect(binding.map((l) => l.within)).toEqual(SUBJECT_LINES.map(() => ({ especiallyMajor: '1h', major: '2h' })));
    expect(plan.reportLines!.some((l) => l.adopted)).toBe(false);
  });

  it('grades by every measure (§五(三)): 一般 all within 50, 较大 100–500 with 500 included; 51–99 and above 500 are plan settings (较大); mixed bands the highest', () => {
    expect(plan.grading).toEqual({ general: { max: 50 }, larger: { min: 100, max: 500 }, between: 'larger', above: 'larger', mixed: 'highest' });
    const g = (m: Parameters<typeof gradeFromMetrics>[1]) => gradeFromMetrics(plan, m).grade;
    expect(g({ posts: 50, reads: 50, comments: 50 })).toBe('general');
    expect(g({ posts: 10, reads: 100_000 })).toBe('larger'); // every measure counts (均在)
    expect(g({ posts: 500, reads: 500 })).toBe('larger');
    expect(g({ posts: 51 })).toBe('larger'); // between: the file explains why
    expect(g({ posts: 5000 })).toBe('larger'); // above: 重大 is a judgement, not a count
    expect(g({ mainstreamMedia: true })).toBe('larger'); // 重大 only with 可能造成重大影响 (§五(三)3), a judgement
    expect(g({ casualties: 1 })).toBe('especiallyMajor'); // §五(三)4 人员伤亡
    for (const key of ['between: larger', 'above: larger', 'mixed: highest']) {
      const at = raw.split('\n').find((l) => l.trimStart().startsWith(key))!;
      expect(at, key).toMatch(/源文未规定/);
    }
  });

  it('handling steps (§五(三)3–4): 重大 — 派出所 asks the leading group, then the leading group draws up the 处置方案; 特别重大 — 党政办 coordinates', () => {
    expect(plan.handlingSteps.map((s) => [s.key, s.grades, s.roles, s.after ?? null, s.gates, s.source])).toEqual([
      // 核查事实 (§四(三)1): recorded on the way, it starts the line to 县委党政办 and gates nothing
      ['facts-verified', ['general', 'larger', 'major', 'especiallyMajor'], ['department'], null, false, '000 篇五 §四(三)1'],
      ['police-request', ['major'], ['policeStation'], null, true, '000 篇五 §五(三)3'],
      ['handling-plan', ['major'], ['leadingGroup'], 'police-request', true, '000 篇五 §五(三)3'],
      ['coordination', ['especiallyMajor'], ['coordinator'], null, true, '000 篇五 §五(三)4'],
    ]);
    for (const s of plan.handlingSteps) expect(plan.people.some((p) => p.roles.some((r) => s.roles.includes(r))), s.key).toBe(true);
  });

  it('people (§三): 王加志 is the office director; ids given.family; example.org addresses only; no accountability clause (rule book, Accountability)', () => {
    expect(plan.people.find((p) => p.id === 'wang.jiazhi')).toMatchObject({ name: '王加志', roles: ['officeDirector'] });
    for (const p of plan.people) {
      expect(p.id).toMatch(/^[a-z]+\.[a-z]+$/);
      // placeholders only: example.org mail, the 138-0000 test range for phones (the routes' SMS and voice calls)
      expect(p.contacts.email).toMatch(/@([a-z]+\.)?example\.org$/);
      if (p.contacts.phone) expect(p.contacts.phone).toMatch(/^1380000\d{4}$/);
    }
    // the delivery routes (v4) name channels only; the addresses are the people's contacts, the secrets are not here
    expect(plan.delivery?.routes.map((r) => r.channel)).toEqual(['office-mail', 'duty-wecom', 'duty-sms', 'duty-sms', 'duty-voice']);
    expect(plan.delivery?.routes.find((r) => r.channel === 'duty-voice')).toMatchObject({ bindingOnly: true, hours: { from: '22:00', to: '07:00' } });
    expect(plan.escalationPolicy?.required).toEqual({ especiallyMajor: ['principalLeader'] });
    expect(plan.accountability?.basis).toMatch(/000 篇五未规定责任追究条款/);
    expect(plan.reviewers).toEqual(['officeDirector', 'principalLeader']);
    expect(raw).not.toMatch(/password|secret|token/i);
  });
});

describe('plans/county.yaml on the machine (v3): who owes whom (000 篇五 §五(二))', () => {
  it('一般 (§五(三)1): the 涉事主体 owes all three bodies with no limit (酌情适时上报) — never late, open until made; the monitor\'s target line is a target missed, never 迟报', () => {
    let [s] = start({ ...v3, metrics: { posts: 10, reads: 40 } });
    expect(s.context.grade).toBe('general');
    for (const key of SUBJECT_LINES) expect(line(s, key)).toMatchObject({ status: 'pending', dueAt: null, ownerId: '', line: { ownerNotNamed: true, binding: true } });
    expect(line(s, 'monitor-office')).toMatchObject({ ownerId: 'liu.bo', dueAt: T0 + 30 * MIN, line: { binding: false } });
    let actions;
    [s, actions] = act(s, 'report', { by: 'liu.bo', to: 'office', mode: 'phone' }, T0 + HOUR);
    expect(findingsOf(actions)).toMatchObject([{ kind: 'targetMissed', personId: 'liu.bo', obligationId: 'report/monitor-office', binding: 'target', delayMs: 30 * MIN }]);
    [s] = act(s, 'assess', { by: 'zhao.min', grade: 'general' }, T0 + 2 * HOUR);
    [s] = act(s, 'nameSubject', { by: 'zhao.min', department: 'sun.li' }, T0 + 2 * HOUR);
    // days later, the report made when judged fit is on time
    [s, actions] = act(s, 'report', { by: 'sun.li', to: 'coordinator', mode: 'written' }, T0 + 3 * DAY);
    expect(findingsOf(actions)).toMatchObject([{ kind: 'onTime', personId: 'sun.li', obligationId: 'report/subject-coordinator' }]);
    expect(line(s, 'subject-superior')).toMatchObject({ status: 'pending', dueAt: null, ownerId: 'sun.li' });
  });

  it('特别重大 (§五(三)4, computed from casualties): each line 1 h from discovery; a report to one body meets only its line; a late line is 迟报 against the 涉事主体, marked "grade not assessed"', () => {
    let [s] = start({ ...v3, metrics: { casualties: 2 }, subject: 'chen.lei' });
    expect(s.context.grade).toBe('especiallyMajor');
    for (const key of SUBJECT_LINES) expect(line(s, key)).toMatchObject({ ownerId: 'chen.lei', dueAt: T0 + HOUR, gradeBasis: 'computed' });
    let actions;
    [s, actions] = act(s, 'report', { by: 'chen.lei', to: 'coordinator', mode: 'phone' }, T0 + 30 * MIN);
    expect(findingsOf(actions)).toMatchObject([{ kind: 'onTime', obligationId: 'report/subject-coordinator' }]);
    expect(line(s, 'subject-superior').status).toBe('pending');
    expect(line(s, 'subject-cyberspace').status).toBe('pending');
    // the due time passes: a flag and notices, no finding before it is final
    [s, actions] = deadlineDue(s, 'report/subject-superior', T0 + HOUR);
    expect(findingsOf(actions)).toEqual([]);
    expect(line(s, 'subject-superior').overdue).toBe(true);
    [s, actions] = act(s, 'report', { by: 'chen.lei', to: 'gao.feng', mode: 'written' }, T0 + 90 * MIN);
    const [late] = findingsOf(actions);
    expect(late).toMatchObject({
      kind: 'late', personId: 'chen.lei', obligationId: 'report/subject-superior', delayMs: 30 * MIN, binding: 'binding',
      rule: { basis: 'rule', source: expect.any(String) }, accountabilityBasis: plan.accountability!.basis,
      marks: { gradeNotAssessed: true, line: { key: 'subject-superior', toName: '上级业务部门' } },
    });
    // the monitor never answers for the 涉事主体's lines
    expect(findingsOf(actions).some((f) => f.personId === 'liu.bo')).toBe(false);
  });

  it('重大 assessed by the 涉事主体 (§五(二)): 2 h from the assessment (a rise, never discovery + 2 h); a late line is 迟报 with the grade assessed', () => {
    let [s] = start({ ...v3, metrics: { posts: 10 }, subject: 'chen.lei' });
    [s] = act(s, 'assess', { by: 'chen.lei', grade: 'major', note: '重点领域敏感信息迅速发酵，可能造成重大影响' }, T0 + 5 * HOUR);
    for (const key of SUBJECT_LINES) expect(line(s, key)).toMatchObject({ dueAt: T0 + 7 * HOUR, gradeBasis: 'assessed' });
    const [, actions] = act(s, 'report', { by: 'chen.lei', to: 'cyberspaceOffice', mode: 'written' }, T0 + 8 * HOUR);
    const [late] = findingsOf(actions);
    expect(late).toMatchObject({ kind: 'late', personId: 'chen.lei', obligationId: 'report/subject-cyberspace', delayMs: HOUR, gradeBasis: 'assessed' });
    expect(late.marks?.gradeNotAssessed).toBeUndefined();
  });

  it('a rise 重大 → 特别重大 (upgradeReport, default from §五(二)): a line already met owes an upgrade report rise + 1 h; an open line keeps the earlier due', () => {
    let [s] = start({ ...v3, metrics: { posts: 10 }, subject: 'chen.lei' });
    [s] = act(s, 'assess', { by: 'chen.lei', grade: 'major' }, T0);
    [s] = act(s, 'report', { by: 'chen.lei', to: 'coordinator', mode: 'written' }, T0 + HOUR);
    [s] = act(s, 'regrade', { by: 'wang.jiazhi', grade: 'especiallyMajor', reason: '出现人员伤亡' }, T0 + 90 * MIN);
    const coord = s.context.obligations.filter((o) => o.line?.key === 'subject-coordinator');
    expect(coord.map((o) => [o.kind, o.status, o.dueAt])).toEqual([['firstReport', 'met', T0 + 2 * HOUR], ['upgradeReport', 'pending', T0 + 150 * MIN]]);
    // open: the earlier of its due (T0 + 2 h) and the rise + 1 h (T0 + 2 h 30)
    expect(line(s, 'subject-superior')).toMatchObject({ kind: 'firstReport', dueAt: T0 + 2 * HOUR });
  });

  it('the 涉事主体 not yet named (rule book, Reports): its lines have no personal owner; a lapse then is marked "owner not named"; never named, an ending names nobody', () => {
    let [s] = start({ ...v3, metrics: { casualties: 1 } });
    [s] = deadlineDue(s, 'report/subject-coordinator', T0 + HOUR);
    [s] = act(s, 'nameSubject', { by: 'zhao.min', department: 'sun.li' }, T0 + 2 * HOUR);
    let actions;
    [s, actions] = act(s, 'report', { by: 'sun.li', to: 'he.jun', mode: 'written' }, T0 + 3 * HOUR);
    expect(findingsOf(actions)).toMatchObject([{ kind: 'late', personId: 'sun.li', marks: { ownerNotNamed: true } }]);

    let [t] = start({ ...v3, metrics: { casualties: 1 } });
    [t, actions] = cancel(t, T0 + 2 * HOUR, '测试');
    const missed = findingsOf(actions).filter((f) => f.obligationId?.startsWith('report/subject-'));
    expect(missed).toHaveLength(3);
    for (const f of missed) expect(f).toMatchObject({ kind: 'missed', personId: undefined, marks: { ownerNotNamed: true } });
  });

  it('handling steps gate handling, never the first reports or the first release (§五(三)3): 派出所 asks, then the leading group; each by its own role', () => {
    let [s] = start({ ...v3, metrics: { posts: 10 }, subject: 'chen.lei' });
    [s] = act(s, 'assess', { by: 'chen.lei', grade: 'major' }, T0 + 10 * MIN);
    // reports and the release go ahead before any step
    [s] = act(s, 'report', { by: 'chen.lei', to: 'coordinator', mode: 'phone' }, T0 + 20 * MIN);
    [s] = act(s, 'release', { by: 'xu.fang', form: 'statement', text: '已关注，正在核查' }, T0 + 30 * MIN);
    expect(line(s, 'subject-coordinator').status).toBe('met');
    expect(s.context.obligations.find((o) => o.kind === 'firstRelease')?.status).toBe('met');
    [s] = act(s, 'startHandling', { by: 'zhao.min' }, T0 + 40 * MIN);
    expect(s.matches('categorizedHandling')).toBe(true);
    const tracked = (x: Snap) => act(x, 'assignTracker', { by: 'zhao.min', tracker: 'zhao.min' }, T0 + 3 * HOUR)[0].value;
    // refused: the 处置方案 is not drawn up (handling stays at its steps)
    expect(tracked(s)).toEqual({ categorizedHandling: { graded: 'steps' } });
    // the leading group cannot draw it up before the 派出所 asked; the 派出所 step is the 派出所's
    expect(act(s, 'handlingStep', { by: 'zhang.weidong', step: 'handling-plan' }, T0 + HOUR)[0].context.facts.steps).toBeUndefined();
    expect(act(s, 'handlingStep', { by: 'zhao.min', step: 'police-request' }, T0 + HOUR)[0].context.facts.steps).toBeUndefined();
    [s] = act(s, 'handlingStep', { by: 'ma.li', step: 'police-request' }, T0 + HOUR);
    expect(tracked(s)).toEqual({ categorizedHandling: { graded: 'steps' } });
    [s] = act(s, 'handlingStep', { by: 'zhang.weidong', step: 'handling-plan' }, T0 + 2 * HOUR);
    expect(Object.keys(s.context.facts.steps ?? {})).toEqual(['police-request', 'handling-plan']);
    expect(tracked(s)).toBe('dynamicTracking');
  });

  it('§四(三)1: the facts verified (handlingStep facts-verified, gating nothing), the 涉事主体 owes 县委党政办 again — a line from that moment, a target', () => {
    let [s] = start({ ...v3, metrics: { posts: 10 }, subject: 'chen.lei' });
    expect(s.context.obligations.some((o) => o.line?.key === 'subject-coordinator-facts')).toBe(false);
    [s] = act(s, 'assess', { by: 'chen.lei', grade: 'general' }, T0 + 10 * MIN);
    [s] = act(s, 'startHandling', { by: 'zhao.min' }, T0 + 20 * MIN);
    // a step that gates nothing: handling is not waiting for it
    expect(s.value).toEqual({ categorizedHandling: { graded: 'done' } });
    // only the 涉事主体's role records it
    expect(act(s, 'handlingStep', { by: 'zhao.min', step: 'facts-verified' }, T0 + HOUR)[0].context.facts.steps).toBeUndefined();
    let actions;
    [s, actions] = act(s, 'handlingStep', { by: 'chen.lei', step: 'facts-verified' }, T0 + HOUR, T0 + HOUR + 5 * MIN);
    expect(line(s, 'subject-coordinator-facts')).toMatchObject({
      status: 'pending', ownerId: 'chen.lei', anchorAt: T0 + HOUR, dueAt: T0 + 3 * HOUR, line: { createdBy: 'trigger', binding: false, to: ['coordinator'] },
    });
    // its own line: the report under §五(二) made earlier does not meet it, a report after the facts does
    expect(line(s, 'subject-coordinator').status).toBe('pending');
    [s] = deadlineDue(s, line(s, 'subject-coordinator-facts').id, T0 + 3 * HOUR);
    [s, actions] = act(s, 'report', { by: 'chen.lei', to: 'coordinator', mode: 'written' }, T0 + 4 * HOUR);
    expect(findingsOf(actions).map((f) => [f.obligationId, f.kind, f.binding])).toEqual([
      ['report/subject-coordinator', 'onTime', 'binding'],
      [line(s, 'subject-coordinator-facts').id, 'targetMissed', 'target'],
    ]);
    expect(act(s, 'handlingStep', { by: 'chen.lei', step: 'facts-verified' }, T0 + 5 * HOUR)[0].context.obligations.filter((o) => o.line?.key === 'subject-coordinator-facts')).toHaveLength(1);
  });

  it('§四(三)4: classified as 捏造、歪曲 (an untrue post), the 涉事主体 owes the office 即刻 (a 30 min target from the classification); never at the start', () => {
    let [s] = start({ ...v3, metrics: { posts: 10 }, subject: 'sun.li' });
    [s] = act(s, 'assess', { by: 'sun.li', grade: 'larger' }, T0 + 10 * MIN);
    expect(s.context.obligations.some((o) => o.line?.key === 'subject-office-untrue')).toBe(false);
    [s] = act(s, 'classify', { by: 'zhao.min', category: 'hype' }, T0 + 20 * MIN);
    expect(s.context.obligations.some((o) => o.line?.key === 'subject-office-untrue')).toBe(false);
    [s] = act(s, 'classify', { by: 'zhao.min', category: 'fabrication' }, T0 + 30 * MIN);
    expect(line(s, 'subject-office-untrue')).toMatchObject({
      status: 'pending', ownerId: 'sun.li', anchorAt: T0 + 30 * MIN, dueAt: T0 + HOUR, line: { createdBy: 'trigger', binding: false },
    });
    let actions;
    [s, actions] = act(s, 'report', { by: 'sun.li', to: 'office', mode: 'phone' }, T0 + 40 * MIN);
    expect(findingsOf(actions)).toMatchObject([{ kind: 'onTime', obligationId: line(s, 'subject-office-untrue').id, personId: 'sun.li' }]);
  });

  it('特别重大 is handled under 党政办\'s coordination (§五(三)4): the coordinator records the step; 重大\'s 派出所 step is not asked for', () => {
    let [s] = start({ ...v3, metrics: { casualties: 1 }, subject: 'chen.lei' });
    [s] = act(s, 'assess', { by: 'chen.lei', grade: 'especiallyMajor' }, T0 + 10 * MIN);
    [s] = act(s, 'startHandling', { by: 'zhao.min' }, T0 + 20 * MIN);
    expect(act(s, 'handlingStep', { by: 'ma.li', step: 'police-request' }, T0 + 30 * MIN)[0].context.facts.steps).toBeUndefined();
    [s] = act(s, 'handlingStep', { by: 'he.jun', step: 'coordination' }, T0 + 30 * MIN);
    expect(s.context.facts.steps).toEqual({ coordination: { at: T0 + 30 * MIN, by: 'he.jun' } });
  });

  it('the golden 24 hours (§四(一)1 力争): a release after 24 h is a target missed, never 回应超时; no other duty runs (no 3 h response, dispatch or explanation)', () => {
    let [s] = start({ ...v3, metrics: { posts: 10 }, subject: 'chen.lei', grade: 'major' });
    [s] = act(s, 'assess', { by: 'zhao.min', grade: 'major' }, T0 + 10 * MIN);
    expect(s.context.obligations.map((o) => o.kind).sort()).toEqual(['firstRelease', 'firstReport', 'firstReport', 'firstReport', 'firstReport']);
    expect(s.context.obligations.find((o) => o.kind === 'firstRelease')).toMatchObject({ dueAt: T0 + DAY, ownerId: 'xu.fang' });
    const [, actions] = act(s, 'release', { by: 'xu.fang', form: 'pressConference', text: '新闻发布会通报' }, T0 + 25 * HOUR);
    expect(findingsOf(actions)).toMatchObject([{ kind: 'targetMissed', obligationKind: 'firstRelease', personId: 'xu.fang', binding: 'target', delayMs: HOUR }]);
    // 一般 and 较大 have no release target
    const [g] = start({ ...v3, metrics: { posts: 200 } });
    expect(g.context.grade).toBe('larger');
    expect(g.context.obligations.some((o) => o.kind === 'firstRelease')).toBe(false);
  });

  it('a computed rise from new readings (rule book, Who decides): the limit runs from the rise, flagged; the lines never re-date to discovery', () => {
    let [s] = start({ ...v3, metrics: { posts: 10 }, subject: 'chen.lei' });
    [s] = metrics(s, { casualties: 1 }, T0 + 4 * HOUR);
    expect(s.context).toMatchObject({ grade: 'especiallyMajor', gradeSource: 'metrics' });
    for (const key of SUBJECT_LINES) expect(line(s, key)).toMatchObject({ dueAt: T0 + 5 * HOUR, gradeBasis: 'computed' });
    // the monitor's own target line is unchanged (no shorter duty at a higher grade)
    expect(line(s, 'monitor-office').dueAt).toBe(T0 + 30 * MIN);
  });
});

describe('000 篇五 cites its own sections (plan.sources): findings carry the plan\'s citation, not the table\'s', () => {
  it('every non-line duty cites 000 篇五 (§四(一)1, §五(三)1); the borrowed inquiry day and the summary are defaults; a late release records the plan\'s §四(一)1 with its note', () => {
    expect(raw).toContain('# 各项职责在本预案中的出处；未列出的沿用规则表');
    expect(plan.sources).toEqual({
      firstRelease: { basis: 'rule', source: expect.stringMatching(/^000 篇五 §四\(一\)1（“力争”：目标/) },
      inquiryOpinion: { basis: 'default', source: expect.stringMatching(/^000 篇五 §五\(三\)1（.*借用，目标）$/) },
      inquiryResult: { basis: 'default', source: expect.stringMatching(/^000 篇五 §五\(三\)1（.*借用，目标）$/) },
      summaryReport: { basis: 'default', source: expect.stringMatching(/^000 篇五（无总结评估条款/) },
    });
    for (const s of Object.values(plan.sources!)) expect(s.source.startsWith('000 篇五')).toBe(true);
    // no 3 h response, dispatch, explanation, follow-up cadence or written report in 000 篇五
    for (const k of ['publicResponse', 'dispatch', 'explanation', 'followUp', 'writtenReport'] as const) expect(plan.sources![k]).toBeUndefined();

    let [s] = start({ ...v3, metrics: { posts: 10 }, subject: 'chen.lei', grade: 'major' });
    [s] = act(s, 'assess', { by: 'zhao.min', grade: 'major' }, T0 + 10 * MIN);
    const release = s.context.obligations.find((o) => o.kind === 'firstRelease')!;
    expect(release.source).toBe(plan.sources!.firstRelease!.source);
    [s] = deadlineDue(s, release.id, release.dueAt!);
    const [, actions] = act(s, 'release', { by: 'xu.fang', form: 'pressConference', text: '新闻发布会通报' }, T0 + 26 * HOUR);
    const [late] = findingsOf(actions);
    expect(late).toMatchObject({ kind: 'targetMissed', obligationKind: 'firstRelease', personId: 'xu.fang', binding: 'target', rule: plan.sources!.firstRelease });
    expect(late.rule).not.toEqual(ruleOf('firstRelease'));
  });
});
