import { describe, expect, it } from 'vitest';
import { endOfLocalDay, localDate } from '../../src/plan/time-zone';
import type { Plan } from '../../src/plan/plan.schema';
import {
  DAY, HOUR, MIN, T0, act, assessed, classified, effectsOf, findingsOf, makePlan, metrics, obligation, obligationsOf, oid, start, tracking,
  type Result,
} from './fixtures';
import type { IncidentSnapshot } from '../../src/machines/incident.machine';

const due = (r: Result, id: string) => effectsOf(r[1], 'scheduleDeadline').find((e) => e.obligationId === id)?.dueAt;

describe('firstReport (000 篇三 §四(二); 000 篇五 §五(二))', () => {
  it.each([
    [{ casualties: 1 }, 'especiallyMajor', 1 * HOUR],
    [{ mainstreamMedia: true }, 'major', 2 * HOUR],
    [{ posts: 200 }, 'larger', 4 * HOUR],
    [{ posts: 5 }, 'general', 12 * HOUR],
  ] as const)('a %s incident (%s) must be reported within the plan value after discovery', (m, grade, within) => {
    const r = start({ metrics: m });
    expect(r[0].context.grade).toBe(grade);
    expect(due(r, 'firstReport')).toBe(T0 + within);
    expect(obligation(r[0], 'firstReport')).toMatchObject({
      ownerId: 'mon', ownerRole: 'monitor', anchorAt: T0, status: 'pending', source: '000 篇三 §四(二); 000 篇五 §五(二)',
    });
  });

  it('a grade the plan leaves out is reported "as appropriate": an obligation without a timer (000 篇五 §五(二))', () => {
    const p = makePlan((x) => { x.deadlines.firstReport = { especiallyMajor: '1h', major: '2h' }; });
    let r = start({ plan: p, metrics: { posts: 150 } });
    expect(r[0].context.grade).toBe('larger');
    expect(obligation(r[0], 'firstReport').dueAt).toBeNull();
    expect(due(r, 'firstReport')).toBeUndefined();
    expect(effectsOf(r[1], 'notify').some((n) => n.obligationId === 'firstReport')).toBe(false);
    // once it becomes major it has a timer, counted from discovery
    r = metrics(r[0], { mainstreamMedia: true }, T0 + 30 * MIN);
    expect(due(r, 'firstReport')).toBe(T0 + 2 * HOUR);
  });

  it('is met by an initial report to a role the plan lists in firstReportTo, not to anyone else (000 篇三 §四(二))', () => {
    let [s] = start();
    [s] = act(s, 'report', { by: 'mon', to: 'superior', mode: 'written' }, T0 + 5 * MIN);
    expect(obligation(s, 'firstReport').status).toBe('pending');
    let actions;
    [s, actions] = act(s, 'report', { by: 'mon', to: 'leadingGroup', mode: 'written' }, T0 + 6 * MIN);
    expect(obligation(s, 'firstReport')).toMatchObject({ status: 'met', metAt: T0 + 6 * MIN, metBy: 'mon' });
    expect(effectsOf(actions, 'cancelDeadline')).toEqual([{ obligationId: 'firstReport' }]);
  });

  it('counts from the recorded moment of discovery, not from when the incident was entered (000 篇三 §四(二))', () => {
    const startedAt = T0 + 3 * HOUR;
    const r = start({ metrics: { mainstreamMedia: true }, startedAt });
    expect(r[0].context.incident).toMatchObject({ discoveredAt: T0, startedAt });
    // already past due when entered: the timer is asked for a moment in the past and fires at once
    expect(due(r, 'firstReport')).toBe(T0 + 2 * HOUR);
    expect(due(r, 'firstReport')!).toBeLessThan(startedAt);
    expect(due(r, 'publicResponse')).toBe(T0 + 3 * HOUR);
    let [s, actions] = act(r[0], 'report', { by: 'mon', to: 'office', mode: 'written' }, startedAt + 5 * MIN);
    expect(obligation(s, 'firstReport')).toMatchObject({ status: 'late', delayMs: HOUR + 5 * MIN });
    expect(findingsOf(actions)[0]).toMatchObject({ kind: 'late', delayMs: HOUR + 5 * MIN, personId: 'mon' });
  });
});

describe('writtenReport 30 min after a phone report (000 篇三 §四(二))', () => {
  it('a phone report meets the first report and opens a written report due 30 min later (000 篇三 §四(二))', () => {
    let [s, actions] = start();
    [s, actions] = act(s, 'report', { by: 'mon', to: 'office', mode: 'phone' }, T0 + 10 * MIN);
    expect(obligation(s, 'firstReport').status).toBe('met');
    const written = oid('writtenReport', T0 + 10 * MIN, 'mon');
    expect(written).toBe('writtenReport/mon@20260302T011000.000Z');
    expect(obligation(s, written)).toMatchObject({ ownerId: 'mon', anchorAt: T0 + 10 * MIN, dueAt: T0 + 40 * MIN, status: 'pending' });
    expect(effectsOf(actions, 'scheduleDeadline').map((e) => [e.obligationId, e.dueAt])).toEqual([[written, T0 + 40 * MIN]]);
    expect(s.context.facts.phoneReports).toBe(1);
  });

  it('is met by the same person\'s written report, not by someone else\'s (000 篇三 §四(二))', () => {
    let [s] = start();
    [s] = act(s, 'report', { by: 'mon', to: 'office', mode: 'phone' }, T0 + 10 * MIN);
    const written = oid('writtenReport', T0 + 10 * MIN, 'mon');
    [s] = act(s, 'report', { by: 'mon2', to: 'office', mode: 'written' }, T0 + 20 * MIN);
    expect(obligation(s, written).status).toBe('pending');
    let actions;
    [s, actions] = act(s, 'report', { by: 'mon', to: 'office', mode: 'written' }, T0 + 35 * MIN);
    expect(obligation(s, written)).toMatchObject({ status: 'met', metBy: 'mon', metAt: T0 + 35 * MIN });
    expect(effectsOf(actions, 'cancelDeadline')).toEqual([{ obligationId: written }]);
    expect(findingsOf(actions)).toMatchObject([{ kind: 'onTime', obligationId: written, personId: 'mon' }]);
  });

  it('a written report after the 30 min is 迟报 with its delay (000 篇三 §四(二))', () => {
    let [s] = start();
    [s] = act(s, 'report', { by: 'mon', to: 'office', mode: 'phone' }, T0 + 10 * MIN);
    let actions;
    [s, actions] = act(s, 'report', { by: 'mon', to: 'office', mode: 'written' }, T0 + 55 * MIN);
    const written = oid('writtenReport', T0 + 10 * MIN, 'mon');
    expect(obligation(s, written)).toMatchObject({ status: 'late', delayMs: 15 * MIN });
    const [o] = findingsOf(actions);
    // a binding report line: 迟报
    expect(o).toMatchObject({ id: `inc-1/${written}/timers`, kind: 'late', delayMs: 15 * MIN, dueAt: T0 + 40 * MIN, personId: 'mon', role: 'monitor' });
    expect(o.details).toContain('迟15m');
  });

  it('each phone report by a different person opens its own written report (000 篇三 §四(二))', () => {
    let [s] = start();
    [s] = act(s, 'report', { by: 'mon', to: 'office', mode: 'phone' }, T0 + 10 * MIN);
    [s] = act(s, 'report', { by: 'mon2', to: 'office', mode: 'phone', kind: 'initial' }, T0 + 15 * MIN);
    expect(obligationsOf(s, 'writtenReport').map((o) => [o.id, o.ownerId, o.dueAt])).toEqual([
      ['writtenReport/mon@20260302T011000.000Z', 'mon', T0 + 40 * MIN],
      ['writtenReport/mon2@20260302T011500.000Z', 'mon2', T0 + 45 * MIN],
    ]);
    [s] = act(s, 'report', { by: 'mon2', to: 'office', mode: 'written' }, T0 + 20 * MIN);
    expect(obligation(s, oid('writtenReport', T0 + 10 * MIN, 'mon')).status).toBe('pending');
    expect(obligation(s, oid('writtenReport', T0 + 15 * MIN, 'mon2')).status).toBe('met');
  });
});

describe('publicResponse within 3 h (000 篇一/篇二 §四(二); 001 篇1 §四(二))', () => {
  it.each([{}, { posts: 200 }, { mainstreamMedia: true }, { casualties: 1 }])('is due 3 h after discovery for every grade (%j) (000 篇一/篇二 §四(二); 001 篇1 §四(二))', (m) => {
    const r = start({ metrics: m });
    expect(due(r, 'publicResponse')).toBe(T0 + 3 * HOUR);
    expect(obligation(r[0], 'publicResponse')).toMatchObject({ ownerRole: 'spokesperson', ownerId: 'spk' });
  });

  it('is met by the spokesperson\'s response, on time or late (000 篇一/篇二 §四(二); 001 篇1 §四(二))', () => {
    let s = assessed();
    let actions;
    [s, actions] = act(s, 'respond', { by: 'spk', channel: 'weibo', text: '已关注', inNameOf: 'spokesperson' }, T0 + 2 * HOUR);
    expect(obligation(s, 'publicResponse')).toMatchObject({ status: 'met', metAt: T0 + 2 * HOUR });
    expect(effectsOf(actions, 'cancelDeadline')).toContainEqual({ obligationId: 'publicResponse' });

    let t = assessed();
    [t] = act(t, 'respond', { by: 'spk', channel: 'website', text: '已关注', inNameOf: 'unit' }, T0 + 3 * HOUR + 20 * MIN);
    expect(obligation(t, 'publicResponse')).toMatchObject({ status: 'late', delayMs: 20 * MIN });
  });

  it('a news release also counts as the first public response (000 篇五 §四(一)1; 000 篇一 §四(二))', () => {
    let s = assessed({ metrics: { mainstreamMedia: true } });
    [s] = act(s, 'release', { by: 'spk', form: 'statement', text: '情况通报' }, T0 + HOUR);
    expect(obligation(s, 'publicResponse').status).toBe('met');
    expect(obligation(s, 'firstRelease').status).toBe('met');
  });
});

describe('firstRelease within the golden 24 hours, major and above (000 篇五 §四(一)1)', () => {
  it('is due 24 h after discovery for major and especially major, and absent below (000 篇五 §四(一)1)', () => {
    expect(due(start({ metrics: { mainstreamMedia: true } }), 'firstRelease')).toBe(T0 + 24 * HOUR);
    expect(due(start({ metrics: { casualties: 3 } }), 'firstRelease')).toBe(T0 + 24 * HOUR);
    expect(obligationsOf(start({ metrics: { posts: 200 } })[0], 'firstRelease')).toEqual([]);
    expect(obligationsOf(start()[0], 'firstRelease')).toEqual([]);
  });

  it('is met by a release; after the 24 h it is late (000 篇五 §四(一)1)', () => {
    let s = assessed({ metrics: { mainstreamMedia: true } });
    [s] = act(s, 'release', { by: 'spk', form: 'pressConference', text: '新闻发布会' }, T0 + 25 * HOUR);
    expect(obligation(s, 'firstRelease')).toMatchObject({ status: 'late', delayMs: HOUR, metBy: 'spk' });
  });
});

describe('dispatch 2 h after assessment and explanation 1 day after dispatch, general only (001 school plan §四(一))', () => {
  it('assessing a general incident opens a dispatch due 2 h after the assessment, owned by the office (001 school plan §四(一))', () => {
    const s = assessed({ assessAt: T0 + 20 * MIN });
    // anchored at the assessment, not at discovery: its id names that moment
    expect(obligation(s, 'dispatch@20260302T012000.000Z')).toMatchObject({ anchorAt: T0 + 20 * MIN, dueAt: T0 + 2 * HOUR + 20 * MIN, ownerRole: 'office', ownerId: 'off' });
  });

  it('a larger or major incident has neither (001 school plan §四(一))', () => {
    for (const m of [{ posts: 200 }, { mainstreamMedia: true }]) {
      let s = assessed({ metrics: m });
      [s] = act(s, 'dispatch', { by: 'off', department: 'dep' }, T0 + 30 * MIN);
      expect(obligationsOf(s, 'dispatch')).toEqual([]);
      expect(obligationsOf(s, 'explanation')).toEqual([]);
    }
  });

  it('dispatching meets it and opens the explanation, due 1 day later, owned by the department it went to (001 school plan §四(一))', () => {
    let s = assessed();
    let actions;
    [s, actions] = act(s, 'dispatch', { by: 'off', department: 'dep2' }, T0 + HOUR);
    const dispatch = oid('dispatch', T0 + 20 * MIN);
    const explanation = oid('explanation', T0 + HOUR);
    expect(obligation(s, dispatch)).toMatchObject({ status: 'met', metAt: T0 + HOUR });
    expect(obligation(s, explanation)).toMatchObject({ anchorAt: T0 + HOUR, dueAt: T0 + HOUR + DAY, ownerId: 'dep2', ownerRole: 'department' });
    expect(effectsOf(actions, 'cancelDeadline')).toEqual([{ obligationId: dispatch }]);
    expect(effectsOf(actions, 'scheduleDeadline').map((e) => [e.obligationId, e.dueAt])).toEqual([[explanation, T0 + HOUR + DAY]]);
    const assigned = effectsOf(actions, 'notify').find((n) => n.obligationId === explanation)!;
    expect(assigned.recipients.map((r) => r.personId)).toEqual(['dep2']);
  });

  it('dispatching late is 转办超时 (lateDuty, not 迟报: a duty, not a report line) for the office (001 school plan §四(一); 责任追究: words of a finding)', () => {
    let s = assessed({ assessAt: T0 + 20 * MIN });
    [s] = act(s, 'dispatch', { by: 'off', department: 'dep' }, T0 + 3 * HOUR);
    const dispatch = oid('dispatch', T0 + 20 * MIN);
    expect(obligation(s, dispatch)).toMatchObject({ status: 'late', delayMs: 40 * MIN });
    expect(s.context.outcomes.find((o) => o.obligationId === dispatch)).toMatchObject({ kind: 'lateDuty', personId: 'off', role: 'office', details: expect.stringContaining('转办超时') });
  });

  it('dispatching to someone who is not a department is refused (001 school plan §四(一); 000 篇一 §四(三)1)', () => {
    const s = assessed();
    const [s2, actions] = act(s, 'dispatch', { by: 'off', department: 'spk' }, T0 + HOUR);
    expect(s2).toBe(s);
    expect(actions).toEqual([]);
  });
});

/** From discovery at `discoveredAt` to an inquiry classified ten minutes later. */
function inquiryDiscoveredAt(discoveredAt: number, p?: Plan): IncidentSnapshot {
  let [s] = start({ discoveredAt, plan: p });
  [s] = act(s, 'report', { by: 'mon', to: 'office', mode: 'written' }, discoveredAt + 2 * MIN);
  [s] = act(s, 'assess', { by: 'off' }, discoveredAt + 4 * MIN);
  [s] = act(s, 'dispatch', { by: 'off', department: 'dep' }, discoveredAt + 6 * MIN);
  [s] = act(s, 'classify', { by: 'off', category: 'inquiry' }, discoveredAt + 10 * MIN);
  return s;
}

describe('inquiryOpinion by the end of the calendar day of discovery, in the unit\'s time zone (000 篇一 §四(三)1)', () => {
  it('a discovery at 09:00 local is due 23:59:59.999 local the same day, owned by the department it was dispatched to (000 篇一 §四(三)1)', () => {
    const s = inquiryDiscoveredAt(T0);
    expect(obligation(s, 'inquiryOpinion')).toMatchObject({
      anchorAt: T0, dueAt: Date.parse('2026-03-02T23:59:59.999+08:00'), ownerId: 'dep', status: 'pending',
    });
  });

  it('a discovery at 23:30 local is due 29 min 59.999 s later, the same local day (000 篇一 §四(三)1)', () => {
    const at = Date.parse('2026-03-02T23:30:00+08:00');
    const s = inquiryDiscoveredAt(at);
    expect(obligation(s, 'inquiryOpinion').dueAt).toBe(Date.parse('2026-03-02T23:59:59.999+08:00'));
    expect(obligation(s, 'inquiryOpinion').dueAt! - at).toBe(30 * MIN - 1);
  });

  it('a discovery at 2026-03-02T17:00Z is already 03-03 01:00 in Shanghai: due at the end of 03-03 local (000 篇一 §四(三)1)', () => {
    const at = Date.parse('2026-03-02T17:00:00Z');
    expect(localDate('Asia/Shanghai', at)).toBe('2026-03-03');
    const s = inquiryDiscoveredAt(at);
    expect(obligation(s, 'inquiryOpinion').dueAt).toBe(Date.parse('2026-03-03T23:59:59.999+08:00'));
    expect(obligation(s, 'inquiryOpinion').dueAt).toBe(Date.parse('2026-03-03T15:59:59.999Z'));
  });

  it('a plan in UTC gives a different day for the same instant (000 篇一 §四(三)1)', () => {
    const at = Date.parse('2026-03-02T17:00:00Z');
    const s = inquiryDiscoveredAt(at, makePlan((p) => { p.timeZone = 'UTC'; }));
    expect(obligation(s, 'inquiryOpinion').dueAt).toBe(Date.parse('2026-03-02T23:59:59.999Z'));
  });

  it('endOfLocalDay is the last millisecond of the local day in any zone, including one with DST (000 篇一 §四(三)1)', () => {
    expect(endOfLocalDay('Asia/Shanghai', Date.parse('2026-03-02T00:00:00+08:00'))).toBe(Date.parse('2026-03-02T23:59:59.999+08:00'));
    expect(endOfLocalDay('Asia/Shanghai', Date.parse('2026-03-02T23:59:59.999+08:00'))).toBe(Date.parse('2026-03-02T23:59:59.999+08:00'));
    // New York springs forward on 2026-03-08: the day ends at 23:59:59.999 EDT (-04:00)
    expect(endOfLocalDay('America/New_York', Date.parse('2026-03-08T01:00:00-05:00'))).toBe(Date.parse('2026-03-08T23:59:59.999-04:00'));
    // and falls back on 2026-11-01: the day ends at 23:59:59.999 EST (-05:00)
    expect(endOfLocalDay('America/New_York', Date.parse('2026-11-01T00:30:00-04:00'))).toBe(Date.parse('2026-11-01T23:59:59.999-05:00'));
  });

  it('the reply with the handling opinion meets it; a reply the next day is late (000 篇一 §四(三)1)', () => {
    let s = inquiryDiscoveredAt(T0);
    [s] = act(s, 'replyOpinion', { by: 'dep', text: '已转相关部门核查' }, T0 + 5 * HOUR);
    expect(obligation(s, 'inquiryOpinion')).toMatchObject({ status: 'met', metBy: 'dep' });

    let t = inquiryDiscoveredAt(T0);
    [t] = act(t, 'replyOpinion', { by: 'dep', text: '已转相关部门核查' }, Date.parse('2026-03-03T08:00:00+08:00'));
    expect(obligation(t, 'inquiryOpinion')).toMatchObject({ status: 'late', delayMs: 8 * HOUR + 1 });
  });
});

describe('inquiryResult by the end of the calendar day handling finishes (000 篇一 §四(三)1)', () => {
  it('has no timer until handling finishes, then is due at the end of that local day (000 篇一 §四(三)1)', () => {
    let s = inquiryDiscoveredAt(T0);
    let actions;
    [s, actions] = act(s, 'replyOpinion', { by: 'dep', text: '正在处理' }, T0 + HOUR);
    // created by the reply with the opinion: its id names that moment, and keeps it when its due time is set
    const result = oid('inquiryResult', T0 + HOUR);
    expect(obligation(s, result)).toMatchObject({ dueAt: null, status: 'pending', ownerId: 'dep' });
    expect(effectsOf(actions, 'scheduleDeadline').some((e) => e.obligationId === result)).toBe(false);

    const finished = Date.parse('2026-03-04T16:30:00+08:00');
    [s, actions] = act(s, 'finishHandling', { by: 'dep' }, finished);
    expect(obligation(s, result)).toMatchObject({ anchorAt: finished, dueAt: Date.parse('2026-03-04T23:59:59.999+08:00') });
    expect(effectsOf(actions, 'scheduleDeadline').map((e) => [e.obligationId, e.dueAt]))
      .toEqual([[result, Date.parse('2026-03-04T23:59:59.999+08:00')]]);

    [s, actions] = act(s, 'replyResult', { by: 'dep', text: '经核查，已整改' }, finished + HOUR);
    expect(obligation(s, result)).toMatchObject({ status: 'met', metAt: finished + HOUR });
    expect(effectsOf(actions, 'cancelDeadline')).toEqual([{ obligationId: result }]);
  });

  it('a result replied the day after handling finished is late (000 篇一 §四(三)1)', () => {
    let s = inquiryDiscoveredAt(T0);
    [s] = act(s, 'replyOpinion', { by: 'dep', text: '正在处理' }, T0 + HOUR);
    [s] = act(s, 'finishHandling', { by: 'dep' }, Date.parse('2026-03-04T16:30:00+08:00'));
    [s] = act(s, 'replyResult', { by: 'dep', text: '结果' }, Date.parse('2026-03-05T09:00:00+08:00'));
    expect(obligation(s, oid('inquiryResult', T0 + HOUR))).toMatchObject({ status: 'late', delayMs: 9 * HOUR + 1 });
  });

  it('a result replied without a separate finish counts the handling as finished then (on time) (000 篇一 §四(三)1)', () => {
    let s = inquiryDiscoveredAt(T0);
    [s] = act(s, 'replyOpinion', { by: 'dep', text: '正在处理' }, T0 + HOUR);
    [s] = act(s, 'replyResult', { by: 'dep', text: '结果' }, T0 + 3 * DAY);
    expect(s.context.facts.handlingFinishedAt).toBe(T0 + 3 * DAY);
    expect(obligation(s, oid('inquiryResult', T0 + HOUR))).toMatchObject({ status: 'met', dueAt: Date.parse('2026-03-05T23:59:59.999+08:00') });
  });

  it('met in the step that gives it its due time, nobody is asked to do it (000 篇一 §四(三)1)', () => {
    let s = inquiryDiscoveredAt(T0);
    [s] = act(s, 'replyOpinion', { by: 'dep', text: '正在处理' }, T0 + HOUR);
    const [, actions] = act(s, 'replyResult', { by: 'dep', text: '结果' }, T0 + 2 * HOUR);
    expect(effectsOf(actions, 'notify')).toEqual([]);
    expect(effectsOf(actions, 'scheduleDeadline')).toEqual([]);
    expect(findingsOf(actions).map((f) => [f.obligationId, f.kind])).toEqual([[oid('inquiryResult', T0 + HOUR), 'onTime']]);
  });

  it('an immediate reply answers with the result at once: no separate result is owed (000 篇一 §四(三)1)', () => {
    let s = inquiryDiscoveredAt(T0);
    [s] = act(s, 'replyOpinion', { by: 'dep', text: '已当场答复', immediate: true }, T0 + HOUR);
    expect(obligationsOf(s, 'inquiryResult')).toEqual([]);
    expect(s.context.facts).toMatchObject({ opinionRepliedAt: T0 + HOUR, resultRepliedAt: T0 + HOUR, handlingFinishedAt: T0 + HOUR });
  });
});

describe('followUp reports at the plan cadence while handling goes on (000 篇一/篇三 §四(二))', () => {
  it('the assessment opens the first follow-up, due one cadence (4 h) later, owned by the office (000 篇一/篇三 §四(二))', () => {
    const s = assessed({ assessAt: T0 + 20 * MIN });
    expect(obligation(s, 'followUp@20260302T012000.000Z')).toMatchObject({ anchorAt: T0 + 20 * MIN, dueAt: T0 + 4 * HOUR + 20 * MIN, ownerRole: 'office' });
  });

  it('each follow-up report meets the current one and schedules the next from its own time (000 篇一/篇三 §四(二))', () => {
    let s = assessed({ assessAt: T0 + 20 * MIN });
    let actions;
    [s, actions] = act(s, 'report', { by: 'off', to: 'leaderInCharge', mode: 'written', kind: 'followUp' }, T0 + 2 * HOUR);
    // each follow-up is named by the moment it runs from, never by a counter
    const [first, second, third] = [oid('followUp', T0 + 20 * MIN), oid('followUp', T0 + 2 * HOUR), oid('followUp', T0 + 7 * HOUR)];
    expect(obligation(s, first)).toMatchObject({ status: 'met', metAt: T0 + 2 * HOUR });
    expect(obligation(s, second)).toMatchObject({ status: 'pending', anchorAt: T0 + 2 * HOUR, dueAt: T0 + 6 * HOUR });
    expect(effectsOf(actions, 'cancelDeadline')).toEqual([{ obligationId: first }]);
    expect(effectsOf(actions, 'scheduleDeadline').map((e) => [e.obligationId, e.dueAt])).toEqual([[second, T0 + 6 * HOUR]]);
    [s] = act(s, 'report', { by: 'off', to: 'leaderInCharge', mode: 'written', kind: 'followUp' }, T0 + 7 * HOUR);
    expect(obligation(s, second)).toMatchObject({ status: 'late', delayMs: HOUR });
    expect(obligation(s, third)).toMatchObject({ status: 'pending', dueAt: T0 + 11 * HOUR });
    expect(s.context.facts.followUps).toBe(2);
    // a follow-up is not the first report
    expect(obligation(s, 'firstReport').metAt).toBe(T0 + 10 * MIN);
  });

  it('a plan with another cadence times the follow-ups by it (000 篇一/篇三 §四(二))', () => {
    const s = assessed({ plan: makePlan((p) => { p.deadlines.followUpEvery = '1h30m'; }), assessAt: T0 + 20 * MIN });
    expect(obligation(s, oid('followUp', T0 + 20 * MIN)).dueAt).toBe(T0 + 110 * MIN);
  });

  it('the tracker named in dynamic tracking owns the follow-ups (000 篇一/篇三 §四(二); 000 篇一 §四(四))', () => {
    let s = classified('hype');
    [s] = act(s, 'publishFacts', { by: 'spk', text: '事实', channel: 'website' }, T0 + HOUR);
    [s] = act(s, 'assignTracker', { by: 'off', tracker: 'dir' }, T0 + 70 * MIN);
    expect(obligation(s, oid('followUp', T0 + 20 * MIN))).toMatchObject({ ownerId: 'dir' });
    [s] = act(s, 'report', { by: 'dir', to: 'leaderInCharge', mode: 'written', kind: 'followUp' }, T0 + 2 * HOUR);
    expect(obligation(s, oid('followUp', T0 + 2 * HOUR))).toMatchObject({ ownerId: 'dir', ownerName: '办公室主任' });
  });

  it('end when the incident subsides: the pending follow-up is waived, not missed (000 篇一/篇三 §四(二))', () => {
    let s = tracking();
    let actions;
    [s, actions] = act(s, 'subside', { by: 'off', reason: '舆情平息' }, T0 + 2 * HOUR);
    expect(s.value).toBe('summaryEvaluation');
    const followUp = oid('followUp', T0 + 20 * MIN);
    expect(obligation(s, followUp)).toMatchObject({ status: 'waived', waivedAt: T0 + 2 * HOUR, waivedReason: 'follow-up reports end when the incident subsides' });
    expect(obligation(s, followUp).metAt).toBeUndefined();
    expect(effectsOf(actions, 'cancelDeadline')).toContainEqual({ obligationId: followUp });
    expect(findingsOf(actions).map((f) => f.kind)).not.toContain('missed');
    expect(findingsOf(actions).map((f) => f.kind)).not.toContain('targetMissed');
  });
});

describe('summaryReport 3 days after the incident subsides (000 篇三 §四(五))', () => {
  it('subsiding opens the summary report due 3 days later; submitting it closes the incident (000 篇三 §四(五))', () => {
    let s = tracking();
    const subsided = T0 + 5 * HOUR;
    let actions;
    [s, actions] = act(s, 'subside', { by: 'lic', reason: '舆情平息' }, subsided);
    const summary = oid('summaryReport', subsided);
    expect(obligation(s, summary)).toMatchObject({ anchorAt: subsided, dueAt: subsided + 3 * DAY, ownerRole: 'office', status: 'pending' });
    expect(effectsOf(actions, 'scheduleDeadline').map((e) => [e.obligationId, e.dueAt])).toEqual([[summary, subsided + 3 * DAY]]);
    [s, actions] = act(s, 'submitSummary', { by: 'off', text: '总结报告' }, subsided + 2 * DAY);
    expect(s.value).toBe('closed');
    expect(s.status).toBe('done');
    expect(obligation(s, summary)).toMatchObject({ status: 'met' });
    expect(effectsOf(actions, 'cancelDeadline')).toEqual([{ obligationId: summary }]);
  });

  it('a summary after the 3 days is late (000 篇三 §四(五))', () => {
    let s = tracking();
    [s] = act(s, 'subside', { by: 'lic', reason: '舆情平息' }, T0 + 5 * HOUR);
    let actions;
    [s, actions] = act(s, 'submitSummary', { by: 'dep', text: '总结报告' }, T0 + 5 * HOUR + 4 * DAY);
    expect(s.value).toBe('closed');
    expect(findingsOf(actions)).toMatchObject([
      { id: `inc-1/${oid('summaryReport', T0 + 5 * HOUR)}/timers`, kind: 'late', delayMs: DAY, personId: 'off', role: 'office', recordedBy: 'dep' },
    ]);
  });
});
