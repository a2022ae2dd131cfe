import { describe, expect, it } from 'vitest';
import { outcomeLabel } from '../../src/plan/codes';
import { ACCOUNTABILITY_NONE, DEFAULT_TARGETS, bindingOf } from '../../src/machines/incident.rules';
import { toStatus } from '../../src/machines/status';
import {
  DAY, HOUR, MIN, T0, act, assessed, classified, deadlineDue, findingsOf, makePlan, metrics, obligation, oid, plan, start, tracking,
  type Actions,
} from './fixtures';

const PLAN = { id: 'test-unit-plan', version: '2026.1', hash: 'test-hash' };
const FIRST_REPORT_RULE = { basis: 'rule', source: '000 篇三 §四(二); 000 篇五 §五(二)' };

describe('what a finding carries (责任追究: what the product records; findings are reviewed, never final by timer)', () => {
  it('a late first report: the act as claimed and as recorded, due, delay, rule, binding, basis, grade, plan, open for review (000 篇三 §六)', () => {
    const [s0] = start({ metrics: { mainstreamMedia: true } }); // major by the metrics: due T0 + 2 h
    // reported by phone 7 min late, entered into the system at T0 + 3 h
    const [s, actions] = act(s0, 'report', { by: 'mon', to: 'office', mode: 'phone' }, T0 + 2 * HOUR + 7 * MIN, T0 + 3 * HOUR);
    expect(findingsOf(actions)).toEqual([{
      id: 'inc-1/firstReport/timers', incidentId: 'inc-1', unitId: 'test-unit', source: 'timers', kind: 'late',
      obligationId: 'firstReport', obligationKind: 'firstReport', personId: 'mon', personName: '舆情信息员甲', role: 'monitor',
      at: T0 + 2 * HOUR + 7 * MIN, claimedAt: T0 + 2 * HOUR + 7 * MIN, recordedAt: T0 + 3 * HOUR,
      dueAt: T0 + 2 * HOUR, delayMs: 7 * MIN, rule: FIRST_REPORT_RULE, binding: 'binding',
      accountabilityBasis: ACCOUNTABILITY_NONE, gradeBasis: 'computed', grade: 'major', ending: undefined,
      plan: PLAN, reviewState: 'open', details: expect.stringContaining('首报迟报：迟7m'), recordedBy: 'mon',
    }]);
    expect(s.context.outcomes).toEqual(findingsOf(actions));
    expect(ACCOUNTABILITY_NONE).toContain('本预案未规定责任追究条款');
  });

  it('every finding carries the plan\'s accountability clause where the plan names one (000 篇三 §六)', () => {
    const withClause = makePlan((p) => { p.accountability = { basis: '000 篇三 §六 行政领导负责制和责任追究制' }; });
    const [s0] = start({ plan: withClause, metrics: { casualties: 1 } });
    const [, late] = act(s0, 'report', { by: 'mon', to: 'office', mode: 'written' }, T0 + 2 * HOUR);
    const [, byReviewer] = act(s0, 'finding', { by: 'lic', kind: 'concealedReport', person: 'mon', details: '隐瞒' }, T0 + 30 * MIN);
    for (const f of [...findingsOf(late), ...findingsOf(byReviewer)]) {
      expect(f.accountabilityBasis).toBe('000 篇三 §六 行政领导负责制和责任追究制');
    }
    expect(findingsOf(late)).toHaveLength(1);
    expect(findingsOf(byReviewer)).toHaveLength(1);
  });

  it('the grade behind a limit is "assessed" once a person set it (assess with a grade, or regrade), "computed" from metrics (000 篇五 §五(三): who decides)', () => {
    // computed: the metrics made it major
    const [c0] = start({ metrics: { mainstreamMedia: true } });
    expect(findingsOf(act(c0, 'report', { by: 'mon', to: 'office', mode: 'written' }, T0 + 3 * HOUR)[1])[0]).toMatchObject({ gradeBasis: 'computed', grade: 'major' });

    // assessed: the office assessed it as major, which re-timed the first report
    let [a] = start();
    [a] = act(a, 'assess', { by: 'off', grade: 'major' }, T0 + 20 * MIN);
    expect(obligation(a, 'firstReport')).toMatchObject({ dueAt: T0 + 2 * HOUR, gradeBasis: 'assessed' });
    let actions: Actions;
    [a, actions] = act(a, 'report', { by: 'mon', to: 'office', mode: 'written' }, T0 + 2 * HOUR + 5 * MIN);
    expect(findingsOf(actions)[0]).toMatchObject({ kind: 'late', delayMs: 5 * MIN, gradeBasis: 'assessed', grade: 'major' });

    // assessed: a regrade by hand
    let [r] = start();
    [r] = act(r, 'regrade', { by: 'dir', grade: 'especiallyMajor', reason: '伤亡' }, T0 + 10 * MIN);
    [r, actions] = act(r, 'report', { by: 'mon', to: 'office', mode: 'written' }, T0 + HOUR + MIN);
    expect(findingsOf(actions)[0]).toMatchObject({ kind: 'late', gradeBasis: 'assessed', grade: 'especiallyMajor', dueAt: T0 + HOUR });

    // computed again once the metrics raise it after a person's grade
    let [m] = start();
    [m] = act(m, 'regrade', { by: 'dir', grade: 'larger', reason: '扩散' }, T0 + 10 * MIN);
    [m] = metrics(m, { casualties: 1 }, T0 + 20 * MIN);
    expect(obligation(m, 'firstReport')).toMatchObject({ dueAt: T0 + HOUR, gradeBasis: 'computed' });
  });

  it('an on-time record and a commendation are not reviewed; every other finding is open (责任追究: findings are reviewed)', () => {
    let s = assessed();
    expect(s.context.outcomes).toMatchObject([{ kind: 'onTime', obligationId: 'firstReport', reviewState: 'notReviewed', delayMs: undefined }]);
    let actions: Actions;
    [s, actions] = act(s, 'commend', { by: 'lg', person: 'mon', reason: '及时上报' }, T0 + HOUR);
    expect(findingsOf(actions)).toMatchObject([{ kind: 'commendation', reviewState: 'notReviewed' }]);
    [s, actions] = act(s, 'finding', { by: 'lic', kind: 'dereliction', person: 'off', details: '失职' }, T0 + HOUR);
    expect(findingsOf(actions)).toMatchObject([{ kind: 'dereliction', reviewState: 'open' }]);
    expect(toStatus(s.context).outcomes.map((o) => [o.kind, o.reviewState])).toEqual([
      ['onTime', 'notReviewed'], ['commendation', 'notReviewed'], ['dereliction', 'open'],
    ]);
  });
});

describe('the words of a finding (责任追究: 迟报/漏报 for binding report lines only; duties by their own name; targets missed)', () => {
  it('the plan decides binding or target per limit; by default the golden 24 h and the follow-up cadence are targets (000 篇五 §四(一)1; 000 篇一/篇三 §四(二))', () => {
    expect(DEFAULT_TARGETS).toEqual(['firstRelease', 'followUp']);
    expect(bindingOf(plan, 'firstRelease')).toBe('target');
    expect(bindingOf(plan, 'followUp')).toBe('target');
    for (const k of ['firstReport', 'writtenReport', 'summaryReport', 'publicResponse', 'dispatch', 'explanation', 'inquiryOpinion', 'inquiryResult'] as const) {
      expect(bindingOf(plan, k), k).toBe('binding');
    }
    const own = makePlan((p) => { p.targets = ['firstReport']; });
    expect(bindingOf(own, 'firstReport')).toBe('target');
    expect(bindingOf(own, 'firstRelease')).toBe('binding');
  });

  it('a late first report is 迟报 and a written report never made by the end of rapid response is 漏报: binding report lines (000 篇三 §四(二), §六)', () => {
    const [s0] = start({ metrics: { mainstreamMedia: true } });
    let [s, actions] = act(s0, 'report', { by: 'mon', to: 'office', mode: 'phone' }, T0 + 3 * HOUR);
    expect(findingsOf(actions)).toMatchObject([{ kind: 'late', obligationKind: 'firstReport', binding: 'binding' }]);
    [s] = act(s, 'assess', { by: 'off' }, T0 + 3 * HOUR + 10 * MIN);
    [s] = act(s, 'respond', { by: 'spk', channel: 'weibo', text: '回应', inNameOf: 'unit' }, T0 + 3 * HOUR + 20 * MIN);
    // rapid response ends with the written report unmade: it stays owed (a report line is never moot) …
    [s, actions] = act(s, 'classify', { by: 'off', category: 'hype' }, T0 + 4 * HOUR);
    const written = oid('writtenReport', T0 + 3 * HOUR, 'mon');
    expect(findingsOf(actions)).toEqual([]);
    // … and is 漏报 once the incident ends with it unmet
    [s, actions] = act(s, 'withdraw', { by: 'off', reason: '合并处理' }, T0 + 5 * HOUR);
    expect(findingsOf(actions)).toMatchObject([{ id: `inc-1/${written}/timers`, kind: 'missed', obligationKind: 'writtenReport', binding: 'binding', ending: 'withdrawn' }]);
    expect(outcomeLabel('late', 'firstReport', 'zh')).toBe('首报迟报');
    expect(outcomeLabel('late', 'firstReport', 'en')).toBe('first report: late report');
    expect(outcomeLabel('missed', 'writtenReport', 'zh')).toBe('书面报告漏报');
    expect(outcomeLabel('missed', 'writtenReport', 'en')).toBe('written report: missed report');
  });

  it('a late public response is 回应超时 (lateDuty), never 迟报 (000 篇一 §四(二); 000 篇三 §六)', () => {
    let s = assessed();
    let actions: Actions;
    [s, actions] = act(s, 'respond', { by: 'spk', channel: 'weibo', text: '已关注', inNameOf: 'unit' }, T0 + 3 * HOUR + 20 * MIN);
    expect(findingsOf(actions)).toEqual([expect.objectContaining({
      id: 'inc-1/publicResponse/timers', kind: 'lateDuty', obligationKind: 'publicResponse', personId: 'spk', delayMs: 20 * MIN,
      binding: 'binding', rule: { basis: 'rule', source: '000 篇一/篇二 §四(二); 001 篇1 §四(二)' }, details: expect.stringContaining('回应超时'),
    })]);
    expect(outcomeLabel('lateDuty', 'publicResponse', 'zh')).toBe('回应超时');
    expect(outcomeLabel('lateDuty', 'publicResponse', 'en')).toBe('response late');
    expect(toStatus(s.context).outcomes.find((o) => o.obligationId === 'publicResponse')!.label).toBe('回应超时');
  });

  it('a public response owed after a rise and still unmet when the incident subsides is 未回应 (missedDuty) (000 篇一 §四(二); 000 篇一 §四(四); 000 篇三 §六)', () => {
    // a plan that owes the 3 h response for major incidents only
    const p = makePlan((x) => { x.deadlines.publicResponse = { within: '3h', grades: ['major', 'especiallyMajor'] }; });
    let [s] = start({ plan: p });
    [s] = act(s, 'report', { by: 'mon', to: 'office', mode: 'written' }, T0 + 10 * MIN);
    [s] = act(s, 'assess', { by: 'off' }, T0 + 20 * MIN);
    [s] = act(s, 'dispatch', { by: 'off', department: 'dep' }, T0 + 30 * MIN);
    [s] = act(s, 'classify', { by: 'off', category: 'hype' }, T0 + 40 * MIN);
    [s] = act(s, 'publishFacts', { by: 'spk', text: '事实', channel: 'website' }, T0 + 50 * MIN);
    [s] = act(s, 'assignTracker', { by: 'off', tracker: 'off' }, T0 + HOUR);
    expect(s.context.obligations.some((o) => o.kind === 'publicResponse')).toBe(false);
    // it rises to major while tracking: handling reopens and the response is owed, from discovery
    [s] = metrics(s, { mainstreamMedia: true }, T0 + 2 * HOUR);
    expect(s.matches('categorizedHandling')).toBe(true);
    expect(obligation(s, 'publicResponse')).toMatchObject({ status: 'pending', dueAt: T0 + 3 * HOUR });
    let actions: Actions;
    [s, actions] = act(s, 'assignTracker', { by: 'off', tracker: 'off' }, T0 + 4 * HOUR);
    expect(s.value).toBe('dynamicTracking');
    // created while tracking, it closes with tracking: still owed (and overdue) until the incident subsides
    expect(findingsOf(actions)).toEqual([]);
    expect(obligation(s, 'publicResponse')).toMatchObject({ status: 'pending', closesWith: 'dynamicTracking' });
    [s, actions] = act(s, 'subside', { by: 'off', reason: '平息' }, T0 + 5 * HOUR);
    expect(findingsOf(actions).filter((f) => f.obligationKind === 'publicResponse')).toEqual([expect.objectContaining({
      id: 'inc-1/publicResponse/timers', kind: 'missedDuty', obligationKind: 'publicResponse', personId: 'spk', binding: 'binding',
      delayMs: undefined, details: expect.stringContaining('未回应'),
    })]);
    expect(outcomeLabel('missedDuty', 'publicResponse', 'zh')).toBe('未回应');
    expect(outcomeLabel('missedDuty', 'publicResponse', 'en')).toBe('no response');
  });

  it('a dispatch never made is 未转办, a late one 转办超时: the duty under its own name (001 school plan §四(一); 000 篇三 §六)', () => {
    const [, never] = act(assessed(), 'classify', { by: 'off', category: 'hype' }, T0 + 3 * HOUR);
    expect(findingsOf(never)).toMatchObject([{ kind: 'missedDuty', obligationKind: 'dispatch', personId: 'off' }]);
    const [, late] = act(assessed(), 'dispatch', { by: 'off', department: 'dep' }, T0 + 3 * HOUR);
    expect(findingsOf(late)).toMatchObject([{ kind: 'lateDuty', obligationKind: 'dispatch', delayMs: 40 * MIN }]);
    expect([outcomeLabel('missedDuty', 'dispatch', 'zh'), outcomeLabel('lateDuty', 'dispatch', 'zh')]).toEqual(['未转办', '转办超时']);
    expect([outcomeLabel('missedDuty', 'dispatch', 'en'), outcomeLabel('lateDuty', 'dispatch', 'en')]).toEqual(['not dispatched', 'dispatch late']);
    // the inquiry replies and the explanation have their own words too
    expect(outcomeLabel('lateDuty', 'inquiryOpinion', 'zh')).toBe('答复处理意见超时');
    expect(outcomeLabel('missedDuty', 'inquiryResult', 'zh')).toBe('未答复处理结果');
    expect(outcomeLabel('missedDuty', 'explanation', 'en')).toBe('no explanation');
  });

  it('a first news release after the golden 24 hours is a target missed (力争), never 迟报 (000 篇五 §四(一)1; 000 篇三 §六)', () => {
    let s = assessed({ metrics: { mainstreamMedia: true } });
    let actions: Actions;
    [s, actions] = act(s, 'release', { by: 'spk', form: 'pressConference', text: '新闻发布会' }, T0 + 25 * HOUR);
    expect(findingsOf(actions)).toEqual(expect.arrayContaining([expect.objectContaining({
      id: 'inc-1/firstRelease/timers', kind: 'targetMissed', obligationKind: 'firstRelease', binding: 'target', delayMs: HOUR,
      rule: { basis: 'rule', source: '000 篇五 §四(一)1' }, details: expect.stringContaining('首次新闻发布未达目标'),
    })]));
    expect(outcomeLabel('targetMissed', 'firstRelease', 'zh')).toBe('首次新闻发布未达目标');
    expect(outcomeLabel('targetMissed', 'firstRelease', 'en')).toBe('first news release: target missed');
    // a plan that adopts the 24 h as binding makes it a duty under its own name
    const binding = makePlan((p) => { p.targets = ['followUp']; });
    let b = assessed({ plan: binding, metrics: { mainstreamMedia: true } });
    [b, actions] = act(b, 'release', { by: 'spk', form: 'pressConference', text: '新闻发布会' }, T0 + 25 * HOUR);
    expect(findingsOf(actions).find((f) => f.obligationKind === 'firstRelease')).toMatchObject({ kind: 'lateDuty', binding: 'binding' });
  });

  it('a follow-up after its cadence is a target missed, late or never made (000 篇一/篇三 §四(二); 000 篇三 §六)', () => {
    let s = tracking();
    const first = oid('followUp', T0 + 20 * MIN);
    let actions: Actions;
    [s, actions] = act(s, 'report', { by: 'off', to: 'leaderInCharge', mode: 'written', kind: 'followUp' }, T0 + 5 * HOUR);
    expect(findingsOf(actions)).toMatchObject([{ id: `inc-1/${first}/timers`, kind: 'targetMissed', binding: 'target', delayMs: 40 * MIN, rule: { basis: 'default' } }]);
    const next = oid('followUp', T0 + 5 * HOUR);
    [s] = deadlineDue(s, next, T0 + 9 * HOUR);
    [s, actions] = act(s, 'subside', { by: 'off', reason: '平息' }, T0 + 10 * HOUR);
    expect(findingsOf(actions)).toMatchObject([{ id: `inc-1/${next}/timers`, kind: 'targetMissed', binding: 'target', delayMs: undefined }]);
    expect(toStatus(s.context).outcomes.map((o) => o.label)).toEqual([
      '首报按时', '转办职能科室按时', '首次公开回应按时', '正面解释或解决按时', '续报未达目标', '续报未达目标',
    ]);
  });

  it('a summary report after its 3 days is 迟报 where the plan binds it, a target missed where it does not (000 篇三 §四(五); 000 篇一 §四(五))', () => {
    for (const [p, kind] of [[plan, 'late'], [makePlan((x) => { x.targets = ['firstRelease', 'followUp', 'summaryReport']; }), 'targetMissed']] as const) {
      let s = tracking({ plan: p });
      [s] = act(s, 'subside', { by: 'off', reason: '平息' }, T0 + 5 * HOUR);
      const [, actions] = act(s, 'submitSummary', { by: 'off', text: '总结' }, T0 + 5 * HOUR + 3 * DAY + HOUR);
      expect(findingsOf(actions)).toMatchObject([{ kind, obligationKind: 'summaryReport', delayMs: HOUR }]);
    }
  });

  it('labels come in the plan\'s language in the status (000 篇三 §六)', () => {
    const en = makePlan((p) => { p.language = 'en'; });
    let s = classified('hype', { plan: en });
    [s] = act(s, 'report', { by: 'mon', to: 'office', mode: 'phone' }, T0 + HOUR);
    [s] = act(s, 'report', { by: 'mon', to: 'office', mode: 'written' }, T0 + 2 * HOUR);
    expect(toStatus(s.context).outcomes.map((o) => [o.kind, o.label])).toEqual([
      ['onTime', 'first report: on time'], ['onTime', 'dispatch to department: on time'], ['onTime', 'first public response: on time'],
      ['onTime', 'explanation or solution: on time'], ['late', 'written report: late report'],
    ]);
  });
});
