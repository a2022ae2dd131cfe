import { describe, expect, it } from 'vitest';
import { handlingMissing, refusals } from '../../src/machines/incident.rules';
import type { IncidentSnapshot } from '../../src/machines/incident.machine';
import { renderNotice } from '../../src/delivery/render';
import { HOUR, MIN, T0, act, actionEvent, assessed, classified, effectsOf, obligation, obligationsOf, oid, send, tracking } from './fixtures';

/** The action is refused: a reason is given, the machine cannot take it, and taking it changes nothing. */
function expectRefused(s: IncidentSnapshot, event: ReturnType<typeof actionEvent>, reason: RegExp) {
  expect(refusals(s.context, event).join('\n')).toMatch(reason);
  expect(s.can(event)).toBe(false);
  const [after, actions] = send(s, event);
  expect(after).toBe(s);
  expect(actions).toEqual([]);
}

describe('categorized handling by category (000 篇一 §四(三))', () => {
  it('inquiry: tracking needs the reply with the handling opinion and then the result (000 篇一 §四(三)1)', () => {
    let s = classified('inquiry');
    const track = (at: number) => actionEvent('assignTracker', { by: 'off', tracker: 'off' }, at);
    expectRefused(s, track(T0 + HOUR), /inquiry: reply with the handling opinion \(replyOpinion\)/);
    expectRefused(s, actionEvent('replyResult', { by: 'dep', text: '结果' }, T0 + HOUR), /reply with the handling opinion first/);
    [s] = act(s, 'replyOpinion', { by: 'dep', text: '意见' }, T0 + HOUR);
    expectRefused(s, track(T0 + 2 * HOUR), /inquiry: reply with the result \(replyResult\)/);
    [s] = act(s, 'finishHandling', { by: 'dep' }, T0 + 3 * HOUR);
    [s] = act(s, 'replyResult', { by: 'dep', text: '结果' }, T0 + 4 * HOUR);
    expect(handlingMissing(s.context)).toBeUndefined();
    expect(s.can(track(T0 + 5 * HOUR))).toBe(true);
    [s] = act(s, 'assignTracker', { by: 'off', tracker: 'off' }, T0 + 5 * HOUR);
    expect(s.value).toBe('dynamicTracking');
    expect(obligationsOf(s, 'inquiryOpinion').map((o) => o.status)).toEqual(['met']);
    expect(obligationsOf(s, 'inquiryResult').map((o) => o.status)).toEqual(['met']);
  });

  it('inquiry: the reply is drafted by the department or office, not by the monitor (000 篇一 §四(三)1)', () => {
    const s = classified('inquiry');
    expectRefused(s, actionEvent('replyOpinion', { by: 'mon', text: '意见' }, T0 + HOUR), /replyOpinion needs one of: department .*office .*spokesperson/);
  });

  it('hype: referral is refused before the facts were published, allowed after (000 篇一 §四(三)2)', () => {
    let s = classified('hype');
    const refer = (at: number) => actionEvent('refer', { by: 'off', to: 'discipline', reason: '持续炒作造成重大影响' }, at);
    expectRefused(s, refer(T0 + HOUR), /publishFacts first/);
    [s] = act(s, 'publishFacts', { by: 'spk', text: '事实与处理情况', channel: 'website' }, T0 + HOUR);
    expect(s.can(refer(T0 + 2 * HOUR))).toBe(true);
    let actions;
    [s, actions] = act(s, 'refer', { by: 'off', to: 'discipline', reason: '持续炒作造成重大影响' }, T0 + 2 * HOUR);
    expect(s.context.facts).toMatchObject({ referredAt: T0 + 2 * HOUR, referredTo: 'discipline' });
    const [n] = effectsOf(actions, 'notify');
    expect(n).toMatchObject({
      kind: 'referral', noticeId: 'inc-1/referral/discipline/at=20260302T030000.000Z', about: 'discipline', trigger: 'at=20260302T030000.000Z',
      facts: { to: 'discipline', reason: '持续炒作造成重大影响' }, roles: ['lawEnforcement', 'office'],
    });
    expect(renderNotice(n, T0 + 2 * HOUR)).toMatchObject({ subject: expect.stringContaining('移交执纪执法部门'), text: expect.stringContaining('持续炒作造成重大影响') });
    expect(n.recipients.map((r) => r.role)).toEqual(['lawEnforcement', 'office']);
  });

  it('hype: tracking needs the facts published (000 篇一 §四(三)2)', () => {
    let s = classified('hype');
    expectRefused(s, actionEvent('assignTracker', { by: 'off', tracker: 'off' }, T0 + HOUR), /hype: publish the facts/);
    [s] = act(s, 'publishFacts', { by: 'spk', text: '事实', channel: 'weibo' }, T0 + HOUR);
    [s] = act(s, 'assignTracker', { by: 'off', tracker: 'off' }, T0 + 2 * HOUR);
    expect(s.value).toBe('dynamicTracking');
  });

  it('fabrication: the facts are clarified publicly, and the summary (closing) is refused until it is referred (000 篇一 §四(三)3; 000 篇五 §四(三)5)', () => {
    let s = classified('fabrication');
    // a fabrication may be referred at once, without publishing first
    expect(s.can(actionEvent('refer', { by: 'off', to: 'police', reason: '造谣' }, T0 + HOUR))).toBe(true);
    [s] = act(s, 'publishFacts', { by: 'spk', text: '澄清', channel: 'weibo' }, T0 + HOUR);
    [s] = act(s, 'assignTracker', { by: 'off', tracker: 'off' }, T0 + 2 * HOUR);
    [s] = act(s, 'subside', { by: 'off', reason: '平息' }, T0 + 3 * HOUR);
    expect(s.value).toBe('summaryEvaluation');
    const summary = (at: number) => actionEvent('submitSummary', { by: 'off', text: '总结' }, at);
    expectRefused(s, summary(T0 + 4 * HOUR), /cannot be closed before it is referred/);
    let actions;
    [s, actions] = act(s, 'refer', { by: 'lic', to: 'police', reason: '涉嫌诽谤' }, T0 + 4 * HOUR);
    expect(s.value).toBe('summaryEvaluation');
    const [n] = effectsOf(actions, 'notify');
    expect(n).toMatchObject({ kind: 'referral', about: 'police', facts: { to: 'police', reason: '涉嫌诽谤' } });
    expect(renderNotice(n, T0 + 4 * HOUR).subject).toContain('移交公安机关');
    [s] = act(s, 'submitSummary', { by: 'off', text: '总结' }, T0 + 5 * HOUR);
    expect(s.value).toBe('closed');
  });

  it('constructive: tracking needs the suggestion adopted (000 篇一 §四(三)4)', () => {
    let s = classified('constructive');
    expectRefused(s, actionEvent('assignTracker', { by: 'off', tracker: 'off' }, T0 + HOUR), /constructive: adopt the suggestion/);
    let actions;
    [s, actions] = act(s, 'adopt', { by: 'lic', text: '采纳并答复' }, T0 + HOUR);
    expect(s.context.facts.adoptedAt).toBe(T0 + HOUR);
    expect(effectsOf(actions, 'recordOutcome')).toEqual([]); // the explanation was met by the response already
    [s] = act(s, 'assignTracker', { by: 'off', tracker: 'off' }, T0 + 2 * HOUR);
    expect(s.value).toBe('dynamicTracking');
  });

  it('each category\'s actions are refused for the others (000 篇一 §四(三))', () => {
    expectRefused(classified('hype'), actionEvent('adopt', { by: 'dep', text: 'x' }, T0 + HOUR), /adopt applies to constructive incidents; this one is hype/);
    expectRefused(classified('constructive'), actionEvent('publishFacts', { by: 'spk', text: 'x', channel: 'weibo' }, T0 + HOUR), /publishFacts applies to hype and fabrication/);
    expectRefused(classified('fabrication'), actionEvent('replyOpinion', { by: 'dep', text: 'x' }, T0 + HOUR), /replyOpinion applies to inquiry incidents; this one is fabrication/);
    expectRefused(classified('inquiry'), actionEvent('refer', { by: 'off', to: 'police', reason: 'x' }, T0 + HOUR), /refer applies to hype and fabrication/);
  });

  it('reclassifying an inquiry waives its open reply obligations; classifying again as the same is refused (000 篇一 §四(三))', () => {
    let s = classified('inquiry');
    expect(obligation(s, 'inquiryOpinion').status).toBe('pending');
    expectRefused(s, actionEvent('classify', { by: 'off', category: 'inquiry' }, T0 + HOUR), /already inquiry/);
    let actions;
    [s, actions] = act(s, 'classify', { by: 'off', category: 'hype' }, T0 + HOUR);
    expect(s.matches('categorizedHandling')).toBe(true);
    expect(s.context.category).toBe('hype');
    expect(obligation(s, 'inquiryOpinion').status).toBe('waived');
    expect(effectsOf(actions, 'cancelDeadline')).toEqual([{ obligationId: 'inquiryOpinion' }]);
    expect(effectsOf(actions, 'recordOutcome')).toEqual([]);
  });

  it('classified back as an inquiry, the reply with the handling opinion is owed again (000 篇一 §四(三)1)', () => {
    let s = classified('inquiry');
    [s] = act(s, 'classify', { by: 'off', category: 'hype' }, T0 + HOUR);
    let actions;
    [s, actions] = act(s, 'classify', { by: 'off', category: 'inquiry' }, T0 + 2 * HOUR);
    expect(obligationsOf(s, 'inquiryOpinion').map((o) => [o.id, o.status, o.dueAt])).toEqual([
      ['inquiryOpinion', 'waived', Date.parse('2026-03-02T23:59:59.999+08:00')],
      // anchored at discovery again: the step that created it (recorded at T0 + 2 h) tells the two apart
      ['inquiryOpinion/recorded@20260302T030000.000Z', 'pending', Date.parse('2026-03-02T23:59:59.999+08:00')],
    ]);
    expect(effectsOf(actions, 'scheduleDeadline').map((e) => e.obligationId)).toEqual(['inquiryOpinion/recorded@20260302T030000.000Z']);
    // and it can still be handled to the end
    [s] = act(s, 'replyOpinion', { by: 'dep', text: '意见' }, T0 + 3 * HOUR);
    [s] = act(s, 'replyResult', { by: 'dep', text: '结果' }, T0 + 4 * HOUR);
    [s] = act(s, 'assignTracker', { by: 'off', tracker: 'off' }, T0 + 5 * HOUR);
    expect(s.value).toBe('dynamicTracking');
    expect(s.context.outcomes.filter((o) => o.kind === 'missed')).toEqual([]);
  });

  it('an immediate reply after handling finished answers the result too: the result is met, not missed (000 篇一 §四(三)1)', () => {
    let s = classified('inquiry');
    [s] = act(s, 'finishHandling', { by: 'dep' }, T0 + HOUR);
    const result = oid('inquiryResult', T0 + HOUR);
    expect(obligation(s, result).status).toBe('pending');
    [s] = act(s, 'replyOpinion', { by: 'dep', text: '当场答复处理结果', immediate: true }, T0 + 2 * HOUR);
    expect(obligation(s, result)).toMatchObject({ status: 'met', metAt: T0 + 2 * HOUR });
    let actions;
    [s, actions] = act(s, 'assignTracker', { by: 'off', tracker: 'off' }, T0 + 3 * HOUR);
    expect(s.value).toBe('dynamicTracking');
    expect(effectsOf(actions, 'recordOutcome')).toEqual([]);
  });

  it('a referral after tracking starts is still possible (fabrication can be referred while tracking) (000 篇一 §四(三)3)', () => {
    const s = tracking();
    expect(s.can(actionEvent('refer', { by: 'off', to: 'police', reason: '继续造谣' }, T0 + 3 * HOUR))).toBe(true);
    expect(s.context.facts.referredAt).toBeUndefined();
    const [s2] = act(s, 'refer', { by: 'off', to: 'police', reason: '继续造谣' }, T0 + 3 * HOUR);
    expect(s2.value).toBe('dynamicTracking');
    expect(s2.context.facts.referredAt).toBe(T0 + 3 * HOUR);
  });
});

describe('an inquiry reply meets the general explanation (001 school plan §四(一); 000 篇一 §四(三)1)', () => {
  it('the handling opinion counts as the positive explanation owed a day after dispatch (001 school plan §四(一); 000 篇一 §四(三)1)', () => {
    let s = assessed();
    [s] = act(s, 'dispatch', { by: 'off', department: 'dep' }, T0 + 30 * MIN);
    [s] = act(s, 'classify', { by: 'off', category: 'inquiry' }, T0 + 40 * MIN);
    const explanation = oid('explanation', T0 + 30 * MIN);
    expect(obligation(s, explanation).status).toBe('pending');
    let actions;
    [s, actions] = act(s, 'replyOpinion', { by: 'dep', text: '意见' }, T0 + 2 * HOUR);
    expect(obligation(s, explanation)).toMatchObject({ status: 'met', metAt: T0 + 2 * HOUR, metBy: 'dep' });
    expect(obligation(s, 'inquiryOpinion')).toMatchObject({ status: 'met', metAt: T0 + 2 * HOUR });
    // the unit's unified reply (统一回复) is also its first official public response
    expect(obligation(s, 'publicResponse')).toMatchObject({ status: 'met', metAt: T0 + 2 * HOUR, metBy: 'dep' });
    expect(effectsOf(actions, 'cancelDeadline')).toEqual([
      { obligationId: 'publicResponse' }, { obligationId: explanation }, { obligationId: 'inquiryOpinion' },
    ]);
  });
});
