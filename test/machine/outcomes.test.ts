import { describe, expect, it } from 'vitest';
import { ACCOUNTABILITY_NONE, refusals } from '../../src/machines/incident.rules';
import type { IncidentSnapshot } from '../../src/machines/incident.machine';
import {
  DAY, HOUR, MIN, T0, act, actionEvent, assessed, deadlineDue, effectsOf, findingsOf, obligation, oid, start, tracking, type Actions,
} from './fixtures';

const PLAN = { id: 'test-unit-plan', version: '2026.1', hash: 'test-hash' };

describe('accountability outcomes (责任追究, 000 篇三 §六; 000 篇二 §三(五))', () => {
  it('an obligation met on time is recorded onTime for its owner (000 篇三 §六)', () => {
    const [s0] = start();
    const [s, actions] = act(s0, 'report', { by: 'mon', to: 'office', mode: 'written' }, T0 + 10 * MIN);
    const outcomes = findingsOf(actions);
    expect(outcomes).toEqual([{
      id: 'inc-1/firstReport/timers', incidentId: 'inc-1', unitId: 'test-unit', source: 'timers', kind: 'onTime',
      obligationId: 'firstReport', obligationKind: 'firstReport', personId: 'mon', personName: '舆情信息员甲', role: 'monitor',
      at: T0 + 10 * MIN, claimedAt: T0 + 10 * MIN, recordedAt: T0 + 10 * MIN, delayMs: undefined, dueAt: T0 + 12 * HOUR,
      rule: { basis: 'rule', source: '000 篇三 §四(二); 000 篇五 §五(二)' }, binding: 'binding', accountabilityBasis: ACCOUNTABILITY_NONE,
      gradeBasis: 'computed', grade: 'general', ending: undefined, plan: PLAN, reviewState: 'notReviewed',
      details: expect.stringContaining('首报按时完成'), recordedBy: 'mon',
    }]);
    expect(s.context.outcomes).toEqual(outcomes);
  });

  it('met late is 迟报 with the delay (000 篇三 §六)', () => {
    const [s0] = start({ metrics: { casualties: 1 } });
    const [, actions] = act(s0, 'report', { by: 'mon', to: 'office', mode: 'phone' }, T0 + HOUR + 7 * MIN);
    expect(findingsOf(actions)).toMatchObject([
      { id: 'inc-1/firstReport/timers', kind: 'late', delayMs: 7 * MIN, dueAt: T0 + HOUR, personId: 'mon', role: 'monitor', reviewState: 'open' },
    ]);
  });

  it('a first report unmet when classifying ends rapid response stays owed: a report line is never moot, no finding before it is final (责任追究: report lines are never moot; 000 篇三 §六)', () => {
    let [s] = start();
    [s] = act(s, 'assess', { by: 'off' }, T0 + 20 * MIN);
    [s] = act(s, 'dispatch', { by: 'off', department: 'dep' }, T0 + 30 * MIN);
    let actions: Actions;
    [s, actions] = act(s, 'classify', { by: 'off', category: 'hype' }, T0 + HOUR);
    expect(s.matches('categorizedHandling')).toBe(true);
    expect(obligation(s, 'firstReport').status).toBe('pending');
    expect(findingsOf(actions)).toEqual([]);
    // made later, after its due time: 迟报 for its owner, once final
    [s, actions] = act(s, 'report', { by: 'mon', to: 'office', mode: 'written' }, T0 + 2 * HOUR);
    expect(obligation(s, 'firstReport').status).toBe(s.context.obligations.find((o) => o.id === 'firstReport')!.dueAt! < T0 + 2 * HOUR ? 'late' : 'met');
    expect(findingsOf(actions).map((f) => f.obligationId)).toContain('firstReport');
    // the public response belongs to categorized handling too: still open
    expect(obligation(s, 'publicResponse').status).toBe('pending');
  });

  it('a dispatch not yet due when rapid response ends is waived as no longer needed, never missed early; one already due is 未转办 (missedDuty, not 漏报) (001 school plan §四(一); 000 篇三 §六)', () => {
    // due 2 h after the assessment (T0 + 20 min): classified at T0 + 1 h, before it was due
    let s = assessed();
    let actions: Actions;
    [s, actions] = act(s, 'classify', { by: 'off', category: 'constructive' }, T0 + HOUR);
    const dispatchId = oid('dispatch', T0 + 20 * MIN);
    expect(findingsOf(actions)).toEqual([]);
    expect(obligation(s, dispatchId)).toMatchObject({ status: 'waived', waivedReason: expect.stringContaining('before it was due') });
    expect(obligation(s, dispatchId).metAt).toBeUndefined();
    // classified after it was due: the lapse is final and named for what it is
    let late = assessed();
    [late, actions] = act(late, 'classify', { by: 'off', category: 'constructive' }, T0 + 3 * HOUR);
    expect(findingsOf(actions)).toMatchObject([
      { id: `inc-1/${dispatchId}/timers`, kind: 'missedDuty', obligationId: dispatchId, personId: 'off', role: 'office', details: expect.stringContaining('未转办') },
    ]);
  });

  it('a public response first made by the unified reply after 3 hours is 回应超时 (lateDuty, not 迟报) for the spokesperson (000 篇一 §四(二); 000 篇三 §六)', () => {
    let s = assessed();
    [s] = act(s, 'dispatch', { by: 'off', department: 'dep' }, T0 + 30 * MIN);
    [s] = act(s, 'classify', { by: 'off', category: 'constructive' }, T0 + HOUR);
    let actions: Actions;
    [s, actions] = act(s, 'adopt', { by: 'dep', text: '采纳建议并答复' }, T0 + 4 * HOUR);
    expect(obligation(s, 'publicResponse')).toMatchObject({ status: 'late', metBy: 'dep', delayMs: HOUR });
    expect(findingsOf(actions)).toContainEqual(
      expect.objectContaining({ kind: 'lateDuty', obligationId: 'publicResponse', personId: 'spk', role: 'spokesperson', delayMs: HOUR, details: expect.stringContaining('回应超时') }),
    );
  });

  it('stating the facts publicly is the public response, so tracking starts with nothing missed (000 篇一 §四(二), §四(三)2)', () => {
    let s = assessed();
    [s] = act(s, 'classify', { by: 'off', category: 'hype' }, T0 + HOUR);
    let actions: Actions;
    [s] = act(s, 'publishFacts', { by: 'spk', text: '事实', channel: 'weibo' }, T0 + 2 * HOUR);
    expect(obligation(s, 'publicResponse').status).toBe('met');
    [s, actions] = act(s, 'assignTracker', { by: 'off', tracker: 'off' }, T0 + 150 * MIN);
    expect(s.value).toBe('dynamicTracking');
    expect(findingsOf(actions).map((f) => f.obligationId)).not.toContain('publicResponse');
  });

  it('a follow-up already overdue when the incident subsides is a target missed (not 漏报), not waived (000 篇一/篇三 §四(二); 000 篇三 §六)', () => {
    let s = tracking();
    const followUp = oid('followUp', T0 + 20 * MIN);
    [s] = deadlineDue(s, followUp, obligation(s, followUp).dueAt!);
    let actions: Actions;
    [s, actions] = act(s, 'subside', { by: 'off', reason: '平息' }, T0 + 6 * HOUR);
    expect(obligation(s, followUp).status).toBe('missed');
    expect(findingsOf(actions)).toMatchObject([{ kind: 'targetMissed', obligationId: followUp, personId: 'off', binding: 'target' }]);
  });

  it('a summary report is met, or 迟报 after 3 days — closing needs it, so it is never left missed (000 篇三 §四(五))', () => {
    let s = tracking();
    [s] = act(s, 'subside', { by: 'off', reason: '平息' }, T0 + 6 * HOUR);
    const closeEarly = actionEvent('submitSummary', { by: 'mon', text: 'x' }, T0 + 7 * HOUR);
    expect(s.can(closeEarly)).toBe(false);
    let actions: Actions;
    [s, actions] = act(s, 'submitSummary', { by: 'off', text: '总结' }, T0 + 6 * HOUR + 3 * DAY + HOUR);
    expect(findingsOf(actions).map((f) => [f.kind, f.obligationId, f.delayMs])).toEqual([
      ['late', oid('summaryReport', T0 + 6 * HOUR), HOUR],
    ]);
  });

  it('dismissing (不构成舆情) waives what is not yet due; a written report already overdue keeps its 漏报 finding (000 篇一 §四(一); 责任追究: Endings)', () => {
    let [s] = start({ metrics: { mainstreamMedia: true } });
    [s] = act(s, 'report', { by: 'mon', to: 'office', mode: 'phone' }, T0 + 10 * MIN);
    const written = oid('writtenReport', T0 + 10 * MIN, 'mon');
    [s] = deadlineDue(s, written, T0 + 40 * MIN);
    let actions: Actions;
    [s, actions] = act(s, 'dismiss', { by: 'dir', reason: '经核实为正常讨论' }, T0 + HOUR);
    expect(s.value).toBe('dismissed');
    expect(s.status).toBe('done');
    expect(s.context.obligations.map((o) => [o.id, o.status])).toEqual([
      ['firstReport', 'met'], ['publicResponse', 'waived'], ['firstRelease', 'waived'], [written, 'missed'],
    ]);
    // timers still running are cancelled; the overdue written report's timer already fired
    expect(effectsOf(actions, 'cancelDeadline')).toEqual([{ obligationId: 'publicResponse' }, { obligationId: 'firstRelease' }]);
    expect(findingsOf(actions)).toMatchObject([
      { id: `inc-1/${written}/timers`, kind: 'missed', obligationId: written, personId: 'mon', ending: 'dismissed', at: T0 + HOUR, dueAt: T0 + 40 * MIN },
    ]);
    expect(s.context.outcomes.map((o) => o.kind)).toEqual(['onTime', 'missed']);
    expect(s.context.facts).toMatchObject({ dismissedAt: T0 + HOUR, dismissReason: '经核实为正常讨论' });
    expect(s.context.facts.ending).toEqual({ kind: 'dismissed', at: T0 + HOUR, claimedAt: T0 + HOUR, reason: '经核实为正常讨论', by: 'dir' });
    // a dismissed incident takes no more events
    const [after, more] = act(s, 'report', { by: 'mon', to: 'office', mode: 'written' }, T0 + 2 * HOUR);
    expect(more).toEqual([]);
    expect(after).toBe(s);
  });

  it.each([
    ['falseReport', '谎报伤亡人数'],
    ['concealedReport', '隐瞒媒体报道'],
  ] as const)('a reviewer\'s finding of %s is recorded against the named person and role (000 篇三 §六)', (kind, details) => {
    const s = assessed();
    const [s2, actions] = act(s, 'finding', { by: 'lic', kind, person: 'mon', details }, T0 + 2 * HOUR);
    const [o] = findingsOf(actions);
    expect(o).toEqual({
      id: `inc-1/person=mon/review:${kind}`, incidentId: 'inc-1', unitId: 'test-unit', source: `review:${kind}`, kind,
      obligationId: undefined, obligationKind: undefined, personId: 'mon', personName: '舆情信息员甲', role: 'monitor',
      at: T0 + 2 * HOUR, claimedAt: undefined, recordedAt: undefined, delayMs: undefined, dueAt: undefined,
      rule: undefined, binding: undefined, accountabilityBasis: ACCOUNTABILITY_NONE, gradeBasis: undefined, grade: 'general',
      ending: undefined, plan: PLAN, reviewState: 'open', details, recordedBy: 'lic',
    });
    expect(s2.context.timeline.at(-1)).toMatchObject({ action: 'finding', by: 'lic', role: 'leaderInCharge' });
    // about an obligation, the id names the obligation
    const [, onLine] = act(s, 'finding', { by: 'lic', kind, person: 'mon', obligation: 'firstReport', details }, T0 + 2 * HOUR);
    expect(findingsOf(onLine)).toMatchObject([{ id: `inc-1/firstReport/review:${kind}`, obligationId: 'firstReport', obligationKind: 'firstReport', source: `review:${kind}` }]);
  });

  it('dereliction with serious loss is recorded as reported to the police (000 篇二 §三(五))', () => {
    const s = assessed();
    const [, actions] = act(s, 'finding', { by: 'sup', kind: 'dereliction', person: 'off', details: '未及时处置', seriousLoss: true }, T0 + 2 * HOUR);
    const [o] = findingsOf(actions);
    expect(o).toMatchObject({ id: 'inc-1/person=off/review:dereliction', kind: 'dereliction', personId: 'off', role: 'office', recordedBy: 'sup' });
    expect(o.details).toBe('未及时处置 [严重损失，报公安机关]');
    const [, plain] = act(s, 'finding', { by: 'sup', kind: 'dereliction', person: 'off', details: '未及时处置' }, T0 + 2 * HOUR);
    expect(findingsOf(plain)[0].details).toBe('未及时处置');
  });

  it('a commendation is awarded by the leading group to a named person (000 篇三 §六)', () => {
    const s = tracking();
    const [, actions] = act(s, 'commend', { by: 'lg', person: 'spk', reason: '及时发布权威信息' }, T0 + 3 * HOUR);
    expect(findingsOf(actions)).toMatchObject([
      {
        id: 'inc-1/person=spk/review:commendation', source: 'review:commendation', kind: 'commendation', personId: 'spk',
        personName: '新闻发言人', role: 'spokesperson', details: '及时发布权威信息', recordedBy: 'lg', reviewState: 'notReviewed',
      },
    ]);
  });

  it('findings and commendations are refused from roles that may not record them, or against unknown people (000 篇三 §六)', () => {
    const s = assessed();
    const byOffice = actionEvent('finding', { by: 'off', kind: 'falseReport', person: 'mon', details: 'x' }, T0 + HOUR);
    expect(refusals(s.context, byOffice)).toEqual([
      'by: off holds office; action finding needs one of: leaderInCharge (分管领导), principalLeader (主要领导), leadingGroup (领导小组), superior (上级主管部门)',
    ]);
    expect(s.can(byOffice)).toBe(false);
    const ghost = actionEvent('commend', { by: 'lg', person: 'ghost', reason: 'x' }, T0 + HOUR);
    expect(refusals(s.context, ghost)).toEqual(['person: "ghost" is not a person in plan test-unit-plan']);
    expect(act(s, 'commend', { by: 'lg', person: 'ghost', reason: 'x' }, T0 + HOUR)[1]).toEqual([]);
  });

  it('a second reviewer finding of the same kind about the same person, or a second commendation, is refused: it would be the same record (000 篇三 §六)', () => {
    let s = assessed();
    [s] = act(s, 'finding', { by: 'lic', kind: 'falseReport', person: 'mon', details: 'a' }, T0 + 2 * HOUR);
    const again = actionEvent('finding', { by: 'lic', kind: 'falseReport', person: 'mon', details: 'b' }, T0 + 2 * HOUR);
    expect(refusals(s.context, again)).toEqual(['kind: a falseReport finding about mon is already recorded in this incident']);
    expect(s.can(again)).toBe(false);
    // another kind, or the same kind about an obligation, is a record of its own
    expect(refusals(s.context, actionEvent('finding', { by: 'lic', kind: 'concealedReport', person: 'mon', details: 'c' }, T0 + 2 * HOUR))).toEqual([]);
    expect(refusals(s.context, actionEvent('finding', { by: 'lic', kind: 'falseReport', person: 'mon', obligation: 'firstReport', details: 'd' }, T0 + 2 * HOUR))).toEqual([]);
    [s] = act(s, 'commend', { by: 'lg', person: 'spk', reason: '及时' }, T0 + 2 * HOUR);
    expect(refusals(s.context, actionEvent('commend', { by: 'lg', person: 'spk', reason: '又一次' }, T0 + 3 * HOUR)))
      .toEqual(['person: spk is already commended in this incident']);
  });

  it('outcome ids are deterministic and never duplicated over a whole incident (000 篇三 §六)', () => {
    const run = (): { s: IncidentSnapshot; recorded: string[] } => {
      const recorded: string[] = [];
      const keep = ([s, a]: [IncidentSnapshot, Actions]) => { recorded.push(...findingsOf(a).map((f) => f.id)); return s; };
      let s = keep(start({ metrics: { mainstreamMedia: true } }));
      s = keep(act(s, 'report', { by: 'mon', to: 'office', mode: 'phone' }, T0 + 3 * HOUR));
      s = keep(act(s, 'report', { by: 'mon', to: 'office', mode: 'written' }, T0 + 3 * HOUR + 10 * MIN));
      s = keep(act(s, 'assess', { by: 'off' }, T0 + 4 * HOUR));
      s = keep(act(s, 'finding', { by: 'lic', kind: 'falseReport', person: 'mon', details: 'a' }, T0 + 4 * HOUR));
      // the same finding again is refused (it would be the same record): nothing is written twice
      s = keep(act(s, 'finding', { by: 'lic', kind: 'falseReport', person: 'mon', details: 'b' }, T0 + 4 * HOUR));
      s = keep(act(s, 'classify', { by: 'off', category: 'fabrication' }, T0 + 5 * HOUR));
      s = keep(act(s, 'publishFacts', { by: 'spk', text: '澄清', channel: 'weibo' }, T0 + 6 * HOUR));
      s = keep(act(s, 'release', { by: 'spk', form: 'pressRelease', text: '通报' }, T0 + 7 * HOUR));
      s = keep(act(s, 'assignTracker', { by: 'off', tracker: 'off' }, T0 + 8 * HOUR));
      s = keep(act(s, 'report', { by: 'off', to: 'leaderInCharge', mode: 'written', kind: 'followUp' }, T0 + 9 * HOUR));
      s = keep(act(s, 'subside', { by: 'off', reason: '平息' }, T0 + 10 * HOUR));
      s = keep(act(s, 'refer', { by: 'off', to: 'police', reason: '造谣' }, T0 + 11 * HOUR));
      s = keep(act(s, 'commend', { by: 'lg', person: 'spk', reason: '及时' }, T0 + 11 * HOUR));
      s = keep(act(s, 'submitSummary', { by: 'off', text: '总结' }, T0 + 2 * DAY));
      expect(s.value).toBe('closed');
      return { s, recorded };
    };
    const a = run();
    const b = run();
    expect(a.recorded).toEqual(b.recorded);
    expect(new Set(a.recorded).size).toBe(a.recorded.length);
    expect(a.recorded).toEqual(a.s.context.outcomes.map((o) => o.id));
    // incident / obligation (or person) / source: never a counter or a timeline position
    expect(a.recorded).toEqual([
      'inc-1/firstReport/timers', `inc-1/${oid('writtenReport', T0 + 3 * HOUR, 'mon')}/timers`, 'inc-1/person=mon/review:falseReport',
      'inc-1/publicResponse/timers', 'inc-1/firstRelease/timers', `inc-1/${oid('followUp', T0 + 4 * HOUR)}/timers`,
      'inc-1/person=spk/review:commendation', `inc-1/${oid('summaryReport', T0 + 10 * HOUR)}/timers`,
    ]);
    expect(a.s.context.outcomes.map((o) => o.kind)).toEqual(['late', 'onTime', 'falseReport', 'lateDuty', 'onTime', 'targetMissed', 'commendation', 'onTime']);
  });
});
