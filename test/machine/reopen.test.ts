import { describe, expect, it } from 'vitest';
import { act, deadlineDue, effectsOf, findingsOf, HOUR, metrics, MIN, obligation, obligationsOf, oid, start, T0, tracking, type Actions } from './fixtures';

describe('regrading and reopening (000 篇五 §五(三); 001 school plan §四(一); 000 篇一 §四(四))', () => {
  it('a grade lowered by hand stays lowered while the metrics do not grow (000 篇五 §五(三))', () => {
    let [s] = start({ metrics: { mainstreamMedia: true } });
    expect(s.context.grade).toBe('major');
    [s] = act(s, 'regrade', { by: 'lic', grade: 'larger', reason: '媒体报道已更正' }, T0 + 30 * MIN);
    expect(s.context.grade).toBe('larger');
    // a new reading that by itself still says "major" because of the old media flag does not undo the decision
    [s] = metrics(s, { posts: 120 }, T0 + HOUR);
    expect(s.context.grade).toBe('larger');
    // the incident really grows: casualties make it especially major
    [s] = metrics(s, { casualties: 1 }, T0 + 2 * HOUR);
    expect(s.context.grade).toBe('especiallyMajor');
    expect(s.context.gradeSource).toBe('metrics');
  });

  it('a flare-up before the summary reopens handling: the summary waits, follow-up reports resume (000 篇一 §四(四))', () => {
    let s = tracking();
    [s] = act(s, 'subside', { by: 'off', reason: '趋于平稳' }, T0 + 3 * HOUR);
    expect(s.value).toBe('summaryEvaluation');
    const summary = oid('summaryReport', T0 + 3 * HOUR);
    expect(obligation(s, summary).status).toBe('pending');
    let actions: Actions;
    [s, actions] = metrics(s, { mainstreamMedia: true }, T0 + 5 * HOUR);
    expect(s.matches('categorizedHandling')).toBe(true);
    expect(s.context.grade).toBe('major');
    expect(obligation(s, summary)).toMatchObject({ status: 'waived', waivedReason: 'handling reopened', waivedAt: T0 + 5 * HOUR });
    const followUps = obligationsOf(s, 'followUp');
    const resumed = followUps[followUps.length - 1];
    expect(resumed).toMatchObject({ id: oid('followUp', T0 + 5 * HOUR), status: 'pending', anchorAt: T0 + 5 * HOUR, dueAt: T0 + 9 * HOUR });
    expect(effectsOf(actions, 'scheduleDeadline').map((p) => p.obligationId)).toContain(resumed.id);
    expect(effectsOf(actions, 'cancelDeadline').map((p) => p.obligationId)).toContain(summary);
    // the next time it subsides a fresh summary report is due 3 days later
    [s] = act(s, 'assignTracker', { by: 'off', tracker: 'off' }, T0 + 6 * HOUR);
    [s] = act(s, 'subside', { by: 'off', reason: '再次平稳' }, T0 + 30 * HOUR);
    const summaries = obligationsOf(s, 'summaryReport');
    expect(summaries.map((o) => o.status)).toEqual(['waived', 'pending']);
    expect(summaries[1].dueAt).toBe(T0 + 30 * HOUR + 3 * 24 * HOUR);
  });

  it('reopen by hand from summary evaluation goes back to handling (000 篇一 §四(四))', () => {
    let s = tracking();
    [s] = act(s, 'subside', { by: 'off', reason: '趋于平稳' }, T0 + 3 * HOUR);
    [s] = act(s, 'reopen', { by: 'off', reason: '新的帖子' }, T0 + 4 * HOUR);
    expect(s.matches('categorizedHandling')).toBe(true);
  });

  it('a phone report made while tracking owes its written report until tracking ends, not at once (000 篇三 §四(二))', () => {
    let s = tracking();
    [s] = act(s, 'report', { by: 'off', to: 'leaderInCharge', mode: 'phone', kind: 'followUp' }, T0 + 2 * HOUR);
    const written = obligationsOf(s, 'writtenReport').find((o) => o.status === 'pending')!;
    expect(written).toMatchObject({ closesWith: 'dynamicTracking', dueAt: T0 + 2 * HOUR + 30 * MIN });
    [s] = act(s, 'reopen', { by: 'off', reason: '新情况' }, T0 + 2 * HOUR + 5 * MIN);
    expect(obligation(s, written.id).status).toBe('pending');
    [s] = act(s, 'report', { by: 'off', to: 'leaderInCharge', mode: 'written' }, T0 + 2 * HOUR + 20 * MIN);
    expect(obligation(s, written.id).status).toBe('met');
  });

  it('dereliction causing serious loss is sent to law enforcement (000 篇二 §三(五))', () => {
    const s = tracking();
    const [, actions] = act(s, 'finding', { by: 'lic', kind: 'dereliction', person: 'mon', details: '未按时上报造成严重损失', seriousLoss: true }, T0 + 3 * HOUR);
    const outcomes = findingsOf(actions);
    expect(outcomes).toMatchObject([{ kind: 'dereliction', personId: 'mon', role: 'monitor' }]);
    const police = effectsOf(actions, 'notify').find((n) => n.kind === 'findingReferral')!;
    expect(police).toMatchObject({
      noticeId: 'inc-1/findingReferral/person=mon/dereliction/at=20260302T040000.000Z', roles: ['lawEnforcement', 'principalLeader'],
      facts: { finding: 'dereliction', person: '舆情信息员甲', details: '未按时上报造成严重损失' },
    });
    expect(police.recipients.map((r) => r.role)).toContain('lawEnforcement');
  });

  it('an overdue follow-up is still answered after a reopen (000 篇一/篇三 §四(二))', () => {
    let s = tracking();
    const fu = obligation(s, oid('followUp', T0 + 20 * MIN));
    [s] = deadlineDue(s, fu.id, fu.dueAt!);
    [s] = act(s, 'reopen', { by: 'off', reason: '新情况' }, fu.dueAt! + MIN);
    // the overdue one stays owed (no second cadence on top of it)
    expect(obligationsOf(s, 'followUp').filter((o) => o.status === 'pending')).toHaveLength(1);
  });
});

describe('the tracker (动态跟踪, 000 篇一 §四(四))', () => {
  it('answers for the follow-up reports in their own role', () => {
    let s = tracking();
    expect(obligation(s, obligationsOf(s, 'followUp').find((o) => o.status === 'pending')!.id)).toMatchObject({ ownerId: 'off', ownerRole: 'office' });
    s = tracking();
    [s] = act(s, 'reopen', { by: 'off', reason: '新情况' }, T0 + 2 * HOUR);
    [s] = act(s, 'assignTracker', { by: 'off', tracker: 'dep' }, T0 + 3 * HOUR);
    const fu = obligationsOf(s, 'followUp').find((o) => o.status === 'pending')!;
    expect(fu).toMatchObject({ ownerId: 'dep', ownerName: '涉事科室', ownerRole: 'department' });
  });
});
