import { describe, expect, it } from 'vitest';
import { findingsAtEnding, refusals, type IncidentContext } from '../../src/machines/incident.rules';
import { acceptedActions, prepareAction } from '../../src/machines/commands';
import type { IncidentSnapshot } from '../../src/machines/incident.machine';
import { toStatus } from '../../src/machines/status';
import {
  DAY, HOUR, MIN, T0, act, actionEvent, assessed, cancel, deadlineDue, effectsOf, findingsOf, metrics, obligation, oid, start, tracking,
  type Actions, type Result,
} from './fixtures';

/**
 * Endings (责任追究: Endings): an obligation due before the ending keeps its finding, judged at the ending as
 * recorded (never a backdated time); a dismissal waives what is not yet due; a withdrawal, a cancellation or a
 * termination records a report line not yet due as "unmet at the ending" and waives the other duties not yet due.
 */

/** Every effect of a run of steps, in order. */
function collect(steps: Array<(s: IncidentSnapshot) => Result>, s0: IncidentSnapshot): { s: IncidentSnapshot; all: Actions } {
  let s = s0;
  const all: Actions = [];
  for (const step of steps) {
    const [next, actions] = step(s);
    s = next;
    all.push(...actions);
  }
  return { s, all };
}

describe('a dismissal (不构成舆情) (责任追究: Endings)', () => {
  it('after a first report was 20 h overdue keeps the 漏报 finding, with the ending (000 篇三 §六; 责任追究: Endings)', () => {
    let [s] = start(); // general: first report due in 12 h, public response in 3 h
    [s] = deadlineDue(s, 'publicResponse', T0 + 3 * HOUR);
    [s] = deadlineDue(s, 'firstReport', T0 + 12 * HOUR);
    let actions: Actions;
    [s, actions] = act(s, 'dismiss', { by: 'off', reason: '经核实不属本单位' }, T0 + 32 * HOUR);
    expect(s.value).toBe('dismissed');
    expect(findingsOf(actions)).toEqual([
      expect.objectContaining({
        id: 'inc-1/firstReport/timers', kind: 'missed', obligationKind: 'firstReport', personId: 'mon', ending: 'dismissed',
        at: T0 + 32 * HOUR, dueAt: T0 + 12 * HOUR, binding: 'binding', reviewState: 'open', details: expect.stringContaining('事件排除（不构成舆情）时已逾期'),
      }),
      expect.objectContaining({ id: 'inc-1/publicResponse/timers', kind: 'missedDuty', ending: 'dismissed', dueAt: T0 + 3 * HOUR }),
    ]);
    expect(obligation(s, 'firstReport')).toMatchObject({ status: 'missed', flaggedAt: T0 + 12 * HOUR });
    expect(effectsOf(actions, 'recordEnding')).toEqual([
      { incidentId: 'inc-1', unitId: 'test-unit', ending: 'dismissed', at: T0 + 32 * HOUR, reason: '经核实不属本单位', by: 'off' },
    ]);
    expect(effectsOf(actions, 'settleNotices')).toEqual([
      { incidentId: 'inc-1', obligationId: 'firstReport', reason: 'missed' },
      { incidentId: 'inc-1', obligationId: 'publicResponse', reason: 'missed' },
    ]);
  });

  it('waives what is not yet due, report lines included: a waiver time, no met time, no finding (000 篇一 §四(一); 责任追究: Endings)', () => {
    let [s] = start({ metrics: { mainstreamMedia: true } }); // major: first report 2 h, response 3 h, release 24 h
    let actions: Actions;
    [s, actions] = act(s, 'dismiss', { by: 'dir', reason: '经核实为正常讨论' }, T0 + HOUR);
    expect(s.context.obligations.map((o) => [o.id, o.status, o.waivedAt, o.metAt])).toEqual([
      ['firstReport', 'waived', T0 + HOUR, undefined],
      ['publicResponse', 'waived', T0 + HOUR, undefined],
      ['firstRelease', 'waived', T0 + HOUR, undefined],
    ]);
    expect(s.context.obligations.every((o) => o.waivedReason === 'incident dismissed before it was due')).toBe(true);
    expect(findingsOf(actions)).toEqual([]);
    expect(effectsOf(actions, 'cancelDeadline').map((c) => c.obligationId)).toEqual(['firstReport', 'publicResponse', 'firstRelease']);
    const v = toStatus(s.context);
    expect(v.obligations.map((o) => [o.status, o.metAt, o.waivedAt, o.waivedReason])).toEqual(
      Array(3).fill(['waived', null, '2026-03-02T10:00:00+08:00', 'incident dismissed before it was due']),
    );
    expect(v.ending).toEqual({ kind: 'dismissed', at: '2026-03-02T10:00:00+08:00', reason: '经核实为正常讨论', by: 'dir' });
  });

  it('backdated to before the due time but recorded after it, still keeps the finding: judged when recorded (责任追究: Endings)', () => {
    // flagged overdue first
    let [s] = start({ metrics: { mainstreamMedia: true } });
    [s] = deadlineDue(s, 'firstReport', T0 + 2 * HOUR);
    let actions: Actions;
    [s, actions] = act(s, 'dismiss', { by: 'off', reason: '不构成舆情', at: new Date(T0 + HOUR).toISOString() }, T0 + HOUR, T0 + 2 * HOUR + 30 * MIN);
    expect(s.context.facts.ending).toEqual({ kind: 'dismissed', at: T0 + 2 * HOUR + 30 * MIN, claimedAt: T0 + HOUR, reason: '不构成舆情', by: 'off' });
    expect(findingsOf(actions)).toEqual([expect.objectContaining({ obligationId: 'firstReport', kind: 'missed', at: T0 + 2 * HOUR + 30 * MIN, ending: 'dismissed' })]);
    expect(obligation(s, 'publicResponse').status).toBe('waived');
    expect(effectsOf(actions, 'recordEnding')).toMatchObject([{ ending: 'dismissed', at: T0 + 2 * HOUR + 30 * MIN }]);

    // the deadline passed but its timer has not been handled yet: the same
    let [t] = start({ metrics: { mainstreamMedia: true } });
    [t, actions] = act(t, 'dismiss', { by: 'off', reason: '不构成舆情', at: new Date(T0 + HOUR).toISOString() }, T0 + HOUR, T0 + 2 * HOUR + 30 * MIN);
    expect(findingsOf(actions).map((f) => [f.obligationId, f.kind])).toEqual([['firstReport', 'missed']]);
    expect(obligation(t, 'firstReport').flaggedAt).toBeUndefined();
  });
});

describe('a withdrawal (撤销) (责任追究: Endings)', () => {
  it('records a report line not yet due as unmet at the ending and waives the other duties not yet due (责任追究: Endings)', () => {
    let [s] = start({ metrics: { mainstreamMedia: true } });
    [s] = act(s, 'report', { by: 'mon', to: 'office', mode: 'phone' }, T0 + 10 * MIN);
    const written = oid('writtenReport', T0 + 10 * MIN, 'mon');
    let actions: Actions;
    [s, actions] = act(s, 'withdraw', { by: 'off', reason: '重复登记' }, T0 + 20 * MIN);
    expect(s.value).toBe('withdrawn');
    expect(s.status).toBe('done');
    expect(s.context.obligations.map((o) => [o.id, o.status])).toEqual([
      ['firstReport', 'met'], ['publicResponse', 'waived'], ['firstRelease', 'waived'], [written, 'unmet'],
    ]);
    expect(findingsOf(actions)).toEqual([expect.objectContaining({
      id: `inc-1/${written}/timers`, source: 'timers', kind: 'unmetAtEnding', obligationKind: 'writtenReport', personId: 'mon',
      ending: 'withdrawn', at: T0 + 20 * MIN, dueAt: T0 + 40 * MIN, reviewState: 'open',
      details: expect.stringContaining('书面报告结束时未完成（应于 2026-03-02 09:40 +08:00）'),
    })]);
    expect(obligation(s, 'publicResponse')).toMatchObject({ waivedAt: T0 + 20 * MIN, waivedReason: 'incident withdrawn before it was due' });
    expect(obligation(s, 'publicResponse').metAt).toBeUndefined();
    expect(s.context.facts.ending).toEqual({ kind: 'withdrawn', at: T0 + 20 * MIN, claimedAt: T0 + 20 * MIN, reason: '重复登记', by: 'off' });
    expect(effectsOf(actions, 'recordEnding')).toEqual([
      { incidentId: 'inc-1', unitId: 'test-unit', ending: 'withdrawn', at: T0 + 20 * MIN, reason: '重复登记', by: 'off' },
    ]);
    expect(effectsOf(actions, 'cancelDeadline').map((c) => c.obligationId)).toEqual(['publicResponse', 'firstRelease', written]);
    expect(toStatus(s.context)).toMatchObject({ stage: 'withdrawn', stageLabel: '已撤销', open: false, nextDeadlineAt: null, earliestDueAt: null });
  });

  it('keeps what was due before it: an overdue report line 漏报, an overdue response 未回应, an overdue target missed (责任追究: Endings)', () => {
    const s0 = assessed({ metrics: { mainstreamMedia: true } });
    let [s] = act(s0, 'report', { by: 'mon', to: 'office', mode: 'phone' }, T0 + 30 * MIN);
    let actions: Actions;
    [s, actions] = act(s, 'withdraw', { by: 'lic', reason: '登记在错误的预案下' }, T0 + 25 * HOUR);
    expect(findingsOf(actions).map((f) => [f.obligationKind, f.kind, f.ending, f.dueAt])).toEqual([
      ['publicResponse', 'missedDuty', 'withdrawn', T0 + 3 * HOUR],
      ['firstRelease', 'targetMissed', 'withdrawn', T0 + DAY],
      ['followUp', 'targetMissed', 'withdrawn', T0 + 20 * MIN + 4 * HOUR],
      ['writtenReport', 'missed', 'withdrawn', T0 + HOUR],
    ]);
    expect(findingsOf(actions).every((f) => f.at === T0 + 25 * HOUR)).toBe(true);
  });

  it('is refused from a role the plan does not allow (责任追究: Endings; 组织体系)', () => {
    const [s] = start();
    const e = actionEvent('withdraw', { by: 'mon', reason: 'x' }, T0 + MIN);
    expect(refusals(s.context, e)).toEqual(['by: mon holds monitor; action withdraw needs one of: office (领导小组办公室), officeDirector (办公室主任), leaderInCharge (分管领导), principalLeader (主要领导)']);
    const [same, none] = act(s, 'withdraw', { by: 'mon', reason: 'x' }, T0 + MIN);
    expect(same).toBe(s);
    expect(none).toEqual([]);
  });
});

describe('an operator\'s cancellation (CANCEL) (责任追究: Endings)', () => {
  it('ends as cancelled: due before keeps its finding, a report line not yet due is unmet at the ending, the rest is waived (责任追究: Endings)', () => {
    let [s] = start({ metrics: { mainstreamMedia: true } });
    [s] = act(s, 'report', { by: 'mon', to: 'office', mode: 'phone' }, T0 + 150 * MIN); // late; written report due T0 + 3 h
    let actions: Actions;
    [s, actions] = cancel(s, T0 + 170 * MIN, '误建工作流', 'ops@temporal-ui');
    expect(s.value).toBe('cancelled');
    expect(s.status).toBe('done');
    const written = oid('writtenReport', T0 + 150 * MIN, 'mon');
    expect(s.context.obligations.map((o) => [o.id, o.status])).toEqual([
      ['firstReport', 'late'], ['publicResponse', 'waived'], ['firstRelease', 'waived'], [written, 'unmet'],
    ]);
    expect(findingsOf(actions)).toEqual([expect.objectContaining({ id: `inc-1/${written}/timers`, kind: 'unmetAtEnding', ending: 'cancelled', at: T0 + 170 * MIN })]);
    expect(s.context.facts.ending).toEqual({ kind: 'cancelled', at: T0 + 170 * MIN, reason: '误建工作流', by: 'ops@temporal-ui' });
    expect(s.context.timeline.find((t) => t.action === 'cancel')).toMatchObject({
      at: T0 + 170 * MIN, by: 'ops@temporal-ui', details: 'cancelled by an operator (ops@temporal-ui): 误建工作流',
    });
    expect(effectsOf(actions, 'recordEnding')).toEqual([
      { incidentId: 'inc-1', unitId: 'test-unit', ending: 'cancelled', at: T0 + 170 * MIN, reason: '误建工作流', by: 'ops@temporal-ui' },
    ]);
    expect(toStatus(s.context)).toMatchObject({ stageLabel: '已取消（操作员）', open: false, ending: { kind: 'cancelled', reason: '误建工作流', by: 'ops@temporal-ui' } });
    // a later cancellation or timer changes nothing
    expect(cancel(s, T0 + 4 * HOUR)[1]).toEqual([]);
    expect(deadlineDue(s, 'publicResponse', T0 + 3 * HOUR)[1]).toEqual([]);
  });

  it('an overdue first report keeps its 漏报 with the ending cancelled (责任追究: Endings)', () => {
    let [s] = start({ metrics: { mainstreamMedia: true } });
    [s] = deadlineDue(s, 'firstReport', T0 + 2 * HOUR);
    const [, actions] = cancel(s, T0 + 5 * HOUR);
    expect(findingsOf(actions).map((f) => [f.id, f.kind, f.ending])).toEqual([
      ['inc-1/firstReport/timers', 'missed', 'cancelled'],
      ['inc-1/publicResponse/timers', 'missedDuty', 'cancelled'],
    ]);
    expect(effectsOf(actions, 'recordEnding')).toEqual([{ incidentId: 'inc-1', unitId: 'test-unit', ending: 'cancelled', at: T0 + 5 * HOUR, reason: undefined, by: undefined }]);
  });

  it('a summary line not yet due is unmet at the ending, not waived (责任追究: Endings, summary lines)', () => {
    let s = tracking();
    [s] = act(s, 'subside', { by: 'off', reason: '平息' }, T0 + 5 * HOUR);
    const [c, actions] = cancel(s, T0 + DAY);
    expect(obligation(c, oid('summaryReport', T0 + 5 * HOUR)).status).toBe('unmet');
    expect(findingsOf(actions)).toMatchObject([{ kind: 'unmetAtEnding', obligationKind: 'summaryReport', ending: 'cancelled', dueAt: T0 + 5 * HOUR + 3 * DAY }]);
    // a dismissal is not possible after research; a withdrawal treats the summary line the same way
    const [w, byPerson] = act(s, 'withdraw', { by: 'off', reason: '错误预案' }, T0 + DAY);
    expect(obligation(w, oid('summaryReport', T0 + 5 * HOUR)).status).toBe('unmet');
    expect(findingsOf(byPerson)).toMatchObject([{ kind: 'unmetAtEnding', ending: 'withdrawn' }]);
  });
});

describe('findingsAtEnding: a terminated incident, whose workflow code cannot run (责任追究: Endings)', () => {
  /** Major; mon2 phoned at 10 min (written report due 40 min), mon phoned at 140 min (written report due 170 min). */
  function twoPhoneReports(): IncidentSnapshot {
    let [s] = start({ metrics: { mainstreamMedia: true } });
    [s] = act(s, 'report', { by: 'mon2', to: 'office', mode: 'phone' }, T0 + 10 * MIN);
    [s] = act(s, 'report', { by: 'mon', to: 'office', mode: 'phone' }, T0 + 140 * MIN);
    return s;
  }

  it('gives the findings as of the ending\'s time, not later, and leaves the context untouched (责任追究: Endings)', () => {
    const s = twoPhoneReports();
    const before: IncidentContext = structuredClone(s.context);
    const at = T0 + 150 * MIN;
    const found = findingsAtEnding(s.context, 'terminated', at);
    expect(found.map((f) => [f.id, f.kind, f.ending, f.at])).toEqual([
      [`inc-1/${oid('writtenReport', T0 + 10 * MIN, 'mon2')}/timers`, 'missed', 'terminated', at],
      [`inc-1/${oid('writtenReport', T0 + 140 * MIN, 'mon')}/timers`, 'unmetAtEnding', 'terminated', at],
    ]);
    // the public response (due 3 h) was not yet due at 150 min: waived, no finding; a later time would find it
    expect(found.some((f) => f.obligationKind === 'publicResponse')).toBe(false);
    expect(findingsAtEnding(s.context, 'terminated', T0 + 4 * HOUR).map((f) => [f.obligationKind, f.kind])).toEqual([
      ['publicResponse', 'missedDuty'], ['writtenReport', 'missed'], ['writtenReport', 'missed'],
    ]);
    // findings already recorded are not repeated
    expect(found.map((f) => f.id)).not.toContain('inc-1/firstReport/timers');
    expect(s.context).toEqual(before);
  });

  it('writes the same ids a cancellation at that moment would write (责任追究: Endings)', () => {
    const s = twoPhoneReports();
    const at = T0 + 150 * MIN;
    const computed = findingsAtEnding(s.context, 'terminated', at);
    const [, actions] = cancel(s, at);
    const written = findingsOf(actions);
    expect(computed.map((f) => f.id)).toEqual(written.map((f) => f.id));
    expect(computed.map((f) => f.kind)).toEqual(written.map((f) => f.kind));
    expect(written.map((f) => f.ending)).toEqual(['cancelled', 'cancelled']);
    // the same id with another ending is the same record: the ledger keeps the first written
    expect(computed.map(({ ending, details, ...rest }) => rest)).toEqual(written.map(({ ending, details, ...rest }) => rest));
  });

  it('runs the v1 ending rules for an incident recorded before v1 too (责任追究: Endings)', () => {
    let [s] = start({ rulesVersion: 0, metrics: { mainstreamMedia: true } });
    [s] = deadlineDue(s, 'firstReport', T0 + 2 * HOUR);
    expect(findingsAtEnding(s.context, 'terminated', T0 + 150 * MIN).map((f) => [f.id, f.kind, f.ending])).toEqual([
      ['inc-1/firstReport/timers', 'missed', 'terminated'],
    ]);
  });
});

describe('what an ending emits (责任追究: Endings)', () => {
  it('recordEnding exactly once over a whole incident, closed or withdrawn (责任追究: Endings)', () => {
    const closing = collect([
      (s) => act(s, 'subside', { by: 'off', reason: '平息' }, T0 + 5 * HOUR),
      (s) => act(s, 'submitSummary', { by: 'off', text: '总结' }, T0 + DAY, T0 + DAY + MIN),
      (s) => act(s, 'withdraw', { by: 'off', reason: 'x' }, T0 + 2 * DAY),
      (s) => act(s, 'finding', { by: 'lic', kind: 'dereliction', person: 'off', details: 'x' }, T0 + 2 * DAY),
    ], tracking());
    expect(closing.s.value).toBe('closed');
    // the close is recorded when it was recorded, with the claimed time beside it
    expect(effectsOf(closing.all, 'recordEnding')).toEqual([
      { incidentId: 'inc-1', unitId: 'test-unit', ending: 'closed', at: T0 + DAY + MIN, reason: undefined, by: 'off' },
    ]);
    expect(closing.s.context.facts.ending).toEqual({ kind: 'closed', at: T0 + DAY + MIN, claimedAt: T0 + DAY, by: 'off' });

    const [s0, startActions] = start();
    const withdrawing = collect([
      (s) => act(s, 'report', { by: 'mon', to: 'office', mode: 'written' }, T0 + MIN),
      (s) => act(s, 'withdraw', { by: 'off', reason: '重复' }, T0 + 2 * MIN),
      (s) => act(s, 'withdraw', { by: 'off', reason: '再次' }, T0 + 3 * MIN),
      (s) => deadlineDue(s, 'publicResponse', T0 + 3 * HOUR),
    ], s0);
    expect(effectsOf(startActions, 'recordEnding')).toEqual([]);
    expect(effectsOf(withdrawing.all, 'recordEnding').map((e) => e.ending)).toEqual(['withdrawn']);
  });

  it('settleNotices for each obligation that leaves pending — met, late, waived, missed, unmet — and for none that stays (责任追究: Endings; 000 篇三 §四(二))', () => {
    let [s] = start({ metrics: { mainstreamMedia: true } });
    let actions: Actions;
    [s, actions] = act(s, 'report', { by: 'mon', to: 'office', mode: 'phone' }, T0 + 10 * MIN);
    expect(effectsOf(actions, 'settleNotices')).toEqual([{ incidentId: 'inc-1', obligationId: 'firstReport', reason: 'met' }]);
    [s, actions] = act(s, 'assess', { by: 'off' }, T0 + 20 * MIN);
    expect(effectsOf(actions, 'settleNotices')).toEqual([]);
    [s, actions] = act(s, 'respond', { by: 'spk', channel: 'weibo', text: '回应', inNameOf: 'unit' }, T0 + 4 * HOUR);
    expect(effectsOf(actions, 'settleNotices')).toEqual([{ incidentId: 'inc-1', obligationId: 'publicResponse', reason: 'late' }]);
    [s, actions] = act(s, 'regrade', { by: 'dir', grade: 'larger', reason: '误传' }, T0 + 5 * HOUR);
    expect(effectsOf(actions, 'settleNotices')).toEqual([{ incidentId: 'inc-1', obligationId: 'firstRelease', reason: 'waived' }]);
    // a stage move leaves the overdue written report owed: nothing settles
    [s, actions] = act(s, 'classify', { by: 'off', category: 'hype' }, T0 + 6 * HOUR);
    const written = oid('writtenReport', T0 + 10 * MIN, 'mon');
    expect(effectsOf(actions, 'settleNotices')).toEqual([]);
    [s] = act(s, 'report', { by: 'mon', to: 'office', mode: 'phone' }, T0 + 6 * HOUR + 10 * MIN);
    [s, actions] = act(s, 'withdraw', { by: 'off', reason: '重复' }, T0 + 6 * HOUR + 20 * MIN);
    expect(effectsOf(actions, 'settleNotices')).toEqual([
      { incidentId: 'inc-1', obligationId: written, reason: 'missed' },
      { incidentId: 'inc-1', obligationId: oid('followUp', T0 + 20 * MIN), reason: 'missed' },
      { incidentId: 'inc-1', obligationId: oid('writtenReport', T0 + 6 * HOUR + 10 * MIN, 'mon'), reason: 'unmet' },
    ]);
    expect(s.context.obligations.filter((o) => o.status === 'pending')).toEqual([]);
  });
});

describe('an incident that has ended takes nothing more (责任追究: Endings — an incident ends once)', () => {
  /** Each way an incident ends, from the same incident. */
  const ended = (): Array<[string, IncidentSnapshot]> => {
    const [s] = start({ metrics: { mainstreamMedia: true } });
    let closed = tracking();
    [closed] = act(closed, 'subside', { by: 'off', reason: '平息' }, T0 + 5 * HOUR);
    [closed] = act(closed, 'submitSummary', { by: 'off', text: '总结' }, T0 + DAY);
    return [
      ['closed', closed],
      ['dismissed', act(s, 'dismiss', { by: 'off', reason: '不构成舆情' }, T0 + MIN)[0]],
      ['withdrawn', act(s, 'withdraw', { by: 'off', reason: '重复' }, T0 + MIN)[0]],
      ['cancelled', cancel(s, T0 + MIN, '误建')[0]],
    ];
  };

  it('a person\'s action after the ending — withdraw, regrade, finding, commendation, metrics — is refused and changes nothing (责任追究: Endings)', () => {
    for (const [stage, s] of ended()) {
      expect(s.value, stage).toBe(stage);
      expect(s.status).toBe('done');
      expect(acceptedActions(s)).toEqual([]);
      const at = T0 + 2 * DAY;
      for (const [name, payload] of [
        ['withdraw', { by: 'off', reason: '再次' }],
        ['regrade', { by: 'dir', grade: 'especiallyMajor', reason: '伤亡' }],
        ['finding', { by: 'lic', kind: 'dereliction', person: 'off', details: '失职' }],
        ['commend', { by: 'lg', person: 'spk', reason: '及时' }],
      ] as const) {
        const e = actionEvent(name, payload as never, at);
        expect(s.can(e), `${name} after ${stage}`).toBe(false);
        expect(prepareAction(s, name, payload, at)).toMatchObject({ ok: false, kind: 'NotAllowed' });
        const [after, actions] = act(s, name, payload as never, at);
        expect(after, `${name} after ${stage}`).toBe(s);
        expect(actions).toEqual([]);
      }
      const [afterReading, readingActions] = metrics(s, { casualties: 3 }, at);
      expect(afterReading).toBe(s);
      expect(readingActions).toEqual([]);
    }
  });

  it('an operator\'s cancellation after the ending leaves the ending as recorded (责任追究: Endings)', () => {
    for (const [stage, s] of ended()) {
      if (stage === 'cancelled') continue;
      const [after, actions] = cancel(s, T0 + 2 * DAY, '事后取消');
      expect(actions).toEqual([]);
      expect(after.value, `cancel after ${stage}`).toBe(stage);
      expect(after.context.facts.ending?.kind, `cancel after ${stage}`).toBe(stage);
    }
  });
});
