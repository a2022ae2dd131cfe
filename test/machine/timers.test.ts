import { describe, expect, it } from 'vitest';
import { idTime } from '../../src/machines/incident.rules';
import { toStatus } from '../../src/machines/status';
import { renderNotice } from '../../src/delivery/render';
import {
  EFFECT_TYPES, HOUR, MIN, T0, act, assessed, deadlineDue, effectsOf, makePlan, obligation, reminderDue, start,
} from './fixtures';

describe('deadlines are data; the workflow turns them into timers (house style; 000 篇三 §四(二))', () => {
  it('starting an incident schedules each timed obligation with dueAt and the plan\'s reminders, and tells each owner (000 篇三 §四(二))', () => {
    const [s, actions] = start({ metrics: { mainstreamMedia: true } });
    expect(actions.every((a) => (EFFECT_TYPES as readonly string[]).includes(a.type))).toBe(true);
    expect(effectsOf(actions, 'scheduleDeadline')).toMatchObject([
      { obligationId: 'firstReport', dueAt: T0 + 2 * HOUR, remindAt: [T0 + 90 * MIN], summary: 'firstReport (首报) due 2026-03-02 11:00 +08:00 → 舆情信息员甲' },
      { obligationId: 'publicResponse', dueAt: T0 + 3 * HOUR, remindAt: [T0 + 150 * MIN], summary: expect.stringContaining('publicResponse') },
      { obligationId: 'firstRelease', dueAt: T0 + 24 * HOUR, remindAt: [T0 + 23.5 * HOUR], summary: expect.stringContaining('firstRelease') },
    ]);
    const assigned = effectsOf(actions, 'notify');
    expect(assigned.map((n) => [n.kind, n.obligationId, n.recipients.map((r) => `${r.personId}:${r.role}`)])).toEqual([
      ['assigned', 'firstReport', ['mon:monitor']],
      ['assigned', 'publicResponse', ['spk:spokesperson']],
      ['assigned', 'firstRelease', ['spk:spokesperson']],
    ]);
    // a notice is structured data with an id built from its meaning: incident / kind / about / trigger
    expect(assigned[0]).toMatchObject({
      noticeId: 'inc-1/assigned/firstReport/due=20260302T030000.000Z,set=20260302T010000.000Z',
      incidentId: 'inc-1', unitId: 'test-unit', kind: 'assigned', about: 'firstReport', trigger: 'due=20260302T030000.000Z,set=20260302T010000.000Z',
      obligationKind: 'firstReport', dueAt: T0 + 2 * HOUR, roles: ['monitor'], createdAt: T0,
      owner: { personId: 'mon', name: '舆情信息员甲', role: 'monitor' },
      incident: { title: '网传某校食堂食品安全问题', unitName: '测试单位', timeZone: 'Asia/Shanghai', language: 'zh', planId: 'test-unit-plan' },
    });
    expect(assigned[0]).not.toHaveProperty('subject');
    // rendered only when sent, in the plan's zone with its offset
    expect(renderNotice(assigned[0], T0).subject).toContain('2026-03-02 11:00 +08:00');
    expect(assigned[0].recipients[0].contacts).toEqual({ phone: '13800000001' });
    expect(s.context.obligations.every((o) => o.status === 'pending' && !o.overdue)).toBe(true);
  });

  it('several reminders are listed earliest first; none is put before the moment the obligation began (000 篇三 §四(二))', () => {
    const p = makePlan((x) => { x.reminders = ['10m', '1h', '30m']; });
    let [s, actions] = start({ plan: p, metrics: { casualties: 1 } });
    const fr = effectsOf(actions, 'scheduleDeadline').find((e) => e.obligationId === 'firstReport')!;
    // 1 h before a 1 h deadline is the discovery itself: left out
    expect(fr.remindAt).toEqual([T0 + 30 * MIN, T0 + 50 * MIN]);
    [s, actions] = act(s, 'report', { by: 'mon', to: 'office', mode: 'phone' }, T0 + 10 * MIN);
    // v1 id of a written report: who phoned, and when
    expect(effectsOf(actions, 'scheduleDeadline').find((e) => e.obligationId === `writtenReport/mon@${idTime(T0 + 10 * MIN)}`)!.remindAt).toEqual([T0 + 30 * MIN]);
  });

  it('meeting an obligation cancels its timer; nothing else is cancelled (000 篇三 §四(二))', () => {
    const [s0] = start();
    const [s, actions] = act(s0, 'report', { by: 'mon', to: 'office', mode: 'written' }, T0 + 10 * MIN);
    expect(effectsOf(actions, 'cancelDeadline')).toEqual([{ obligationId: 'firstReport' }]);
    expect(effectsOf(actions, 'scheduleDeadline')).toMatchObject([]);
    expect(obligation(s, 'publicResponse').status).toBe('pending');
  });

  it('DEADLINE_DUE marks it overdue and tells the owner and the owner\'s escalation chain (000 篇三 §六)', () => {
    const [s0] = start();
    const [s, actions] = deadlineDue(s0, 'firstReport', T0 + 12 * HOUR);
    expect(obligation(s, 'firstReport')).toMatchObject({ status: 'pending', overdue: true });
    const [n] = effectsOf(actions, 'notify');
    expect(n).toMatchObject({
      kind: 'overdue', obligationId: 'firstReport', noticeId: `inc-1/overdue/firstReport/due=${idTime(T0 + 12 * HOUR)}`,
      about: 'firstReport', trigger: 'due=20260302T130000.000Z', dueAt: T0 + 12 * HOUR, roles: ['monitor', 'office', 'officeDirector'],
    });
    // owner first (monitor), then the plan's escalation for monitor: office, officeDirector
    expect(n.recipients.map((r) => [r.personId, r.role])).toEqual([['mon', 'monitor'], ['off', 'office'], ['dir', 'officeDirector']]);
    expect(n.owner).toEqual({ personId: 'mon', name: '舆情信息员甲', role: 'monitor' });
    expect(renderNotice(n, T0 + 12 * HOUR).text).toContain('舆情信息员甲');
    // the timer already fired: nothing to cancel or reschedule; an overdue obligation is not yet an outcome
    expect(effectsOf(actions, 'cancelDeadline')).toEqual([]);
    expect(effectsOf(actions, 'scheduleDeadline')).toMatchObject([]);
    expect(effectsOf(actions, 'recordOutcome')).toEqual([]);
    expect(s.context.timeline.at(-1)).toMatchObject({ action: 'overdue', at: T0 + 12 * HOUR });
    expect(toStatus(s.context).overdueCount).toBe(1);
  });

  it('an overdue public response reaches the spokesperson\'s chain up to the principal leader (000 篇一 §四(二))', () => {
    const [s0] = start();
    const [, actions] = deadlineDue(s0, 'publicResponse', T0 + 3 * HOUR);
    expect(effectsOf(actions, 'notify')[0].recipients.map((r) => r.role))
      .toEqual(['spokesperson', 'officeDirector', 'leaderInCharge', 'principalLeader']);
  });

  it('a DEADLINE_DUE that is early, repeated, or for a met obligation does nothing (000 篇三 §六)', () => {
    const [s0] = start();
    const [early, a1] = deadlineDue(s0, 'firstReport', T0 + 11 * HOUR);
    expect(a1).toEqual([]);
    expect(early.context).toEqual(s0.context);
    const [due] = deadlineDue(s0, 'firstReport', T0 + 12 * HOUR);
    const [again, a2] = deadlineDue(due, 'firstReport', T0 + 12 * HOUR + 1);
    expect(a2).toEqual([]);
    expect(again.context).toEqual(due.context);
    const [met] = act(s0, 'report', { by: 'mon', to: 'office', mode: 'written' }, T0 + MIN);
    const [, a3] = deadlineDue(met, 'firstReport', T0 + 12 * HOUR);
    expect(a3).toEqual([]);
  });

  it('an overdue obligation met afterwards is 迟报 with its delay, and no timer is cancelled (000 篇三 §六)', () => {
    const [s0] = start({ metrics: { mainstreamMedia: true } });
    const [due] = deadlineDue(s0, 'firstReport', T0 + 2 * HOUR);
    const [s, actions] = act(due, 'report', { by: 'mon', to: 'office', mode: 'written' }, T0 + 2 * HOUR + 45 * MIN);
    expect(obligation(s, 'firstReport')).toMatchObject({ status: 'late', delayMs: 45 * MIN });
    expect(effectsOf(actions, 'cancelDeadline')).toEqual([]);
    expect(toStatus(s.context).overdueCount).toBe(0);
  });

  it('a regrade that moves an overdue obligation\'s deadline later clears overdue and schedules it again (000 篇五 §五(二))', () => {
    let [s] = start({ metrics: { mainstreamMedia: true } });
    [s] = deadlineDue(s, 'firstReport', T0 + 2 * HOUR);
    let actions;
    [s, actions] = act(s, 'regrade', { by: 'lic', grade: 'larger', reason: '误传' }, T0 + 2 * HOUR + MIN);
    expect(obligation(s, 'firstReport')).toMatchObject({ overdue: false, dueAt: T0 + 4 * HOUR });
    expect(effectsOf(actions, 'scheduleDeadline').map((e) => e.obligationId)).toContain('firstReport');
  });

  it('REMINDER_DUE tells the owner only, once per reminder index (000 篇三 §四(二))', () => {
    const [s0] = start();
    const [s1, a1] = reminderDue(s0, 'firstReport', 0, T0 + 11.5 * HOUR);
    const [n] = effectsOf(a1, 'notify');
    // the id names the reminder point (30 min before the due time), never a counter
    expect(n).toMatchObject({
      kind: 'reminder', obligationId: 'firstReport', noticeId: `inc-1/reminder/firstReport/before=30m,due=${idTime(T0 + 12 * HOUR)}`,
      trigger: 'before=30m,due=20260302T130000.000Z', dueAt: T0 + 12 * HOUR, roles: ['monitor'],
    });
    expect(n.recipients.map((r) => [r.personId, r.role])).toEqual([['mon', 'monitor']]);
    expect(renderNotice(n, T0 + 11.5 * HOUR).subject).toContain('剩余 30 分');
    expect(obligation(s1, 'firstReport').remindersSent).toBe(1);
    // the same reminder again (a replayed or duplicate timer) does nothing
    const [s2, a2] = reminderDue(s1, 'firstReport', 0, T0 + 11.5 * HOUR);
    expect(a2).toEqual([]);
    expect(s2.context).toEqual(s1.context);
  });

  it('REMINDER_DUE for a met obligation, or an unknown one, does nothing (000 篇三 §四(二))', () => {
    const [s0] = start();
    const [met] = act(s0, 'report', { by: 'mon', to: 'office', mode: 'written' }, T0 + MIN);
    expect(reminderDue(met, 'firstReport', 0, T0 + 11.5 * HOUR)[1]).toEqual([]);
    expect(reminderDue(met, 'nope', 0, T0 + 11.5 * HOUR)[1]).toEqual([]);
  });

  it('a reminder after the obligation is already overdue is not sent (it would say time is left) (000 篇三 §四(二))', () => {
    const [s0] = start({ metrics: { mainstreamMedia: true }, startedAt: T0 + 3 * HOUR });
    // entered late: the workflow fires the past deadline, then the past reminder
    const [due] = deadlineDue(s0, 'firstReport', T0 + 3 * HOUR);
    const [, actions] = reminderDue(due, 'firstReport', 0, T0 + 3 * HOUR);
    expect(effectsOf(actions, 'notify')).toEqual([]);
  });

  it('an incident entered late: a reminder whose moment passed but whose deadline has not tells the true time left (000 篇三 §四(二))', () => {
    const [s0, actions] = start({ metrics: { mainstreamMedia: true }, startedAt: T0 + 100 * MIN });
    const byId = Object.fromEntries(effectsOf(actions, 'scheduleDeadline').map((e) => [e.obligationId, e]));
    expect(byId.firstReport).toMatchObject({ dueAt: T0 + 2 * HOUR, remindAt: [T0 + 90 * MIN] });
    const [, fired] = reminderDue(s0, 'firstReport', 0, T0 + 100 * MIN);
    const [n] = effectsOf(fired, 'notify');
    // the trigger names the point it fired at; the time left is rendered when the notice is sent
    expect(n).toMatchObject({ kind: 'reminder', dueAt: T0 + 2 * HOUR, trigger: `before=20m,due=${idTime(T0 + 2 * HOUR)}` });
    expect(renderNotice(n, T0 + 100 * MIN).text).toContain('剩余 20 分');
    // fired after the due time (before the deadline timer was handled), it is not sent
    const [s1, late] = reminderDue(s0, 'firstReport', 0, T0 + 2 * HOUR);
    expect(late).toEqual([]);
    expect(s1.context).toEqual(s0.context);
  });

  it('a rescheduled deadline restarts its reminders (000 篇五 §五(二))', () => {
    let [s] = start();
    [s] = reminderDue(s, 'firstReport', 0, T0 + 11.5 * HOUR - 1);
    expect(obligation(s, 'firstReport').remindersSent).toBe(1);
    let actions;
    [s, actions] = act(s, 'regrade', { by: 'dir', grade: 'larger', reason: '扩散' }, T0 + 30 * MIN);
    expect(obligation(s, 'firstReport').remindersSent).toBe(0);
    expect(effectsOf(actions, 'scheduleDeadline').find((e) => e.obligationId === 'firstReport')!.remindAt).toEqual([T0 + 3.5 * HOUR]);
  });

  it('timers keep running across stages: an assessed incident still has its public response timer (000 篇一/篇二 §四(二))', () => {
    const s = assessed();
    expect(s.value).toBe('rapidResponse');
    expect(obligation(s, 'publicResponse')).toMatchObject({ status: 'pending', dueAt: T0 + 3 * HOUR });
  });
});
