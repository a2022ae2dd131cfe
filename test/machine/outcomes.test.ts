import { describe, expect, it } from 'vitest';
import { refusals } from '../../src/machines/incident.rules';
import type { IncidentSnapshot } from '../../src/machines/incident.machine';
import {
  DAY, HOUR, MIN, T0, act, actionEvent, assessed, deadlineDue, effectsOf, obligation, start, tracking, type Actions,
} from './fixtures';

describe('accountability outcomes (责任追究, 000 篇三 §六; 000 篇二 §三(五))', () => {
  it('an obligation met on time is recorded onTime for its owner (000 篇三 §六)', () => {
    const [s0] = start();
    const [s, actions] = act(s0, 'report', { by: 'mon', to: 'office', mode: 'written' }, T0 + 10 * MIN);
    const outcomes = effectsOf(actions, 'recordOutcome').map((e) => e.outcome);
    expect(outcomes).toEqual([{
      id: 'inc-1/firstReport/onTime', incidentId: 'inc-1', unitId: 'test-unit', kind: 'onTime',
      obligationId: 'firstReport', obligationKind: 'firstReport', personId: 'mon', personName: '舆情信息员甲', role: 'monitor',
      at: T0 + 10 * MIN, delayMs: undefined, dueAt: T0 + 12 * HOUR, details: expect.stringContaining('首报按时完成'), recordedBy: 'mon',
    }]);
    expect(s.context.outcomes).toEqual(outcomes);
  });

  it('met late is 迟报 with the delay (000 篇三 §六)', () => {
    const [s0] = start({ metrics: { casualties: 1 } });
    const [, actions] = act(s0, 'report', { by: 'mon', to: 'office', mode: 'phone' }, T0 + HOUR + 7 * MIN);
    expect(effectsOf(actions, 'recordOutcome').map((e) => e.outcome)).toMatchObject([
      { id: 'inc-1/firstReport/late', kind: 'late', delayMs: 7 * MIN, dueAt: T0 + HOUR, personId: 'mon', role: 'monitor' },
    ]);
  });

  it('a first report unmet when classifying ends rapid response is 漏报 for its owner (000 篇三 §六)', () => {
    let [s] = start();
    [s] = act(s, 'assess', { by: 'off' }, T0 + 20 * MIN);
    [s] = act(s, 'dispatch', { by: 'off', department: 'dep' }, T0 + 30 * MIN);
    let actions: Actions;
    [s, actions] = act(s, 'classify', { by: 'off', category: 'hype' }, T0 + HOUR);
    expect(s.value).toBe('categorizedHandling');
    expect(obligation(s, 'firstReport').status).toBe('missed');
    expect(effectsOf(actions, 'cancelDeadline')).toContainEqual({ obligationId: 'firstReport' });
    expect(effectsOf(actions, 'recordOutcome').map((e) => e.outcome)).toMatchObject([
      { id: 'inc-1/firstReport/missed', kind: 'missed', obligationKind: 'firstReport', personId: 'mon', role: 'monitor', at: T0 + HOUR },
    ]);
    // the public response belongs to categorized handling too: still open
    expect(obligation(s, 'publicResponse').status).toBe('pending');
  });

  it('a general incident never dispatched when rapid response ends is 漏报 for the office (001 school plan §四(一))', () => {
    let s = assessed();
    let actions: Actions;
    [s, actions] = act(s, 'classify', { by: 'off', category: 'constructive' }, T0 + HOUR);
    expect(effectsOf(actions, 'recordOutcome').map((e) => e.outcome)).toMatchObject([
      { kind: 'missed', obligationId: 'dispatch', personId: 'off', role: 'office' },
    ]);
  });

  it('a public response first made by the unified reply after 3 hours is 迟报 for the spokesperson (000 篇一 §四(二))', () => {
    let s = assessed();
    [s] = act(s, 'dispatch', { by: 'off', department: 'dep' }, T0 + 30 * MIN);
    [s] = act(s, 'classify', { by: 'off', category: 'constructive' }, T0 + HOUR);
    let actions: Actions;
    [s, actions] = act(s, 'adopt', { by: 'dep', text: '采纳建议并答复' }, T0 + 4 * HOUR);
    expect(obligation(s, 'publicResponse')).toMatchObject({ status: 'late', metBy: 'dep', delayMs: HOUR });
    expect(effectsOf(actions, 'recordOutcome').map((e) => e.outcome)).toContainEqual(
      expect.objectContaining({ kind: 'late', obligationId: 'publicResponse', personId: 'spk', role: 'spokesperson', delayMs: HOUR }),
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
    expect(effectsOf(actions, 'recordOutcome').map((e) => e.outcome.obligationId)).not.toContain('publicResponse');
  });

  it('a follow-up already overdue when the incident subsides is 漏报, not waived (000 篇一/篇三 §四(二))', () => {
    let s = tracking();
    [s] = deadlineDue(s, 'followUp', obligation(s, 'followUp').dueAt!);
    let actions: Actions;
    [s, actions] = act(s, 'subside', { by: 'off', reason: '平息' }, T0 + 6 * HOUR);
    expect(obligation(s, 'followUp').status).toBe('missed');
    expect(effectsOf(actions, 'recordOutcome').map((e) => e.outcome)).toMatchObject([{ kind: 'missed', obligationId: 'followUp', personId: 'off' }]);
  });

  it('a summary report is met, or 迟报 after 3 days — closing needs it, so it is never left missed (000 篇三 §四(五))', () => {
    let s = tracking();
    [s] = act(s, 'subside', { by: 'off', reason: '平息' }, T0 + 6 * HOUR);
    const closeEarly = actionEvent('submitSummary', { by: 'mon', text: 'x' }, T0 + 7 * HOUR);
    expect(s.can(closeEarly)).toBe(false);
    let actions: Actions;
    [s, actions] = act(s, 'submitSummary', { by: 'off', text: '总结' }, T0 + 6 * HOUR + 3 * DAY + HOUR);
    expect(effectsOf(actions, 'recordOutcome').map((e) => [e.outcome.kind, e.outcome.obligationId, e.outcome.delayMs])).toEqual([
      ['late', 'summaryReport', HOUR],
    ]);
  });

  it('dismissing (不构成舆情) waives everything pending and records nothing missed (000 篇一 §四(一))', () => {
    let [s] = start({ metrics: { mainstreamMedia: true } });
    [s] = act(s, 'report', { by: 'mon', to: 'office', mode: 'phone' }, T0 + 10 * MIN);
    [s] = deadlineDue(s, 'writtenReport', T0 + 40 * MIN);
    let actions: Actions;
    [s, actions] = act(s, 'dismiss', { by: 'dir', reason: '经核实为正常讨论' }, T0 + HOUR);
    expect(s.value).toBe('dismissed');
    expect(s.status).toBe('done');
    expect(s.context.obligations.map((o) => [o.id, o.status])).toEqual([
      ['firstReport', 'met'], ['publicResponse', 'waived'], ['firstRelease', 'waived'], ['writtenReport', 'waived'],
    ]);
    // timers still running are cancelled; the overdue written report's timer already fired
    expect(effectsOf(actions, 'cancelDeadline')).toEqual([{ obligationId: 'publicResponse' }, { obligationId: 'firstRelease' }]);
    expect(effectsOf(actions, 'recordOutcome')).toEqual([]);
    expect(s.context.outcomes.map((o) => o.kind)).toEqual(['onTime']);
    expect(s.context.facts).toMatchObject({ dismissedAt: T0 + HOUR, dismissReason: '经核实为正常讨论' });
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
    const [o] = effectsOf(actions, 'recordOutcome').map((e) => e.outcome);
    expect(o).toEqual({
      id: `inc-1/action-${s2.context.seq}/${kind}`, incidentId: 'inc-1', unitId: 'test-unit', kind,
      obligationId: undefined, obligationKind: undefined, personId: 'mon', personName: '舆情信息员甲', role: 'monitor',
      at: T0 + 2 * HOUR, delayMs: undefined, dueAt: undefined, details, recordedBy: 'lic',
    });
    expect(s2.context.timeline.at(-1)).toMatchObject({ action: 'finding', by: 'lic', role: 'leaderInCharge' });
  });

  it('dereliction with serious loss is recorded as reported to the police (000 篇二 §三(五))', () => {
    const s = assessed();
    const [, actions] = act(s, 'finding', { by: 'sup', kind: 'dereliction', person: 'off', details: '未及时处置', seriousLoss: true }, T0 + 2 * HOUR);
    const [o] = effectsOf(actions, 'recordOutcome').map((e) => e.outcome);
    expect(o).toMatchObject({ kind: 'dereliction', personId: 'off', role: 'office', recordedBy: 'sup' });
    expect(o.details).toBe('未及时处置 [严重损失，报公安机关]');
    const [, plain] = act(s, 'finding', { by: 'sup', kind: 'dereliction', person: 'off', details: '未及时处置' }, T0 + 2 * HOUR);
    expect(effectsOf(plain, 'recordOutcome')[0].outcome.details).toBe('未及时处置');
  });

  it('a commendation is awarded by the leading group to a named person (000 篇三 §六)', () => {
    const s = tracking();
    const [, actions] = act(s, 'commend', { by: 'lg', person: 'spk', reason: '及时发布权威信息' }, T0 + 3 * HOUR);
    expect(effectsOf(actions, 'recordOutcome').map((e) => e.outcome)).toMatchObject([
      { kind: 'commendation', personId: 'spk', personName: '新闻发言人', role: 'spokesperson', details: '及时发布权威信息', recordedBy: 'lg' },
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

  it('outcome ids are deterministic and never duplicated over a whole incident (000 篇三 §六)', () => {
    const run = (): { s: IncidentSnapshot; recorded: string[] } => {
      const recorded: string[] = [];
      const keep = ([s, a]: [IncidentSnapshot, Actions]) => { recorded.push(...effectsOf(a, 'recordOutcome').map((e) => e.outcome.id)); return s; };
      let s = keep(start({ metrics: { mainstreamMedia: true } }));
      s = keep(act(s, 'report', { by: 'mon', to: 'office', mode: 'phone' }, T0 + 3 * HOUR));
      s = keep(act(s, 'report', { by: 'mon', to: 'office', mode: 'written' }, T0 + 3 * HOUR + 10 * MIN));
      s = keep(act(s, 'assess', { by: 'off' }, T0 + 4 * HOUR));
      s = keep(act(s, 'finding', { by: 'lic', kind: 'falseReport', person: 'mon', details: 'a' }, T0 + 4 * HOUR));
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
    expect(a.recorded).toEqual([
      'inc-1/firstReport/late', 'inc-1/writtenReport/onTime', 'inc-1/action-6/falseReport', 'inc-1/action-7/falseReport',
      'inc-1/publicResponse/late', 'inc-1/firstRelease/onTime', 'inc-1/followUp/late', 'inc-1/action-19/commendation',
      'inc-1/summaryReport/onTime',
    ]);
    // an action's outcome is keyed by the timeline entry that recorded it
    const bySeq = new Map(a.s.context.timeline.map((t) => [t.seq, t.action]));
    expect([6, 7, 19].map((n) => bySeq.get(n))).toEqual(['finding', 'finding', 'commend']);
  });
});
