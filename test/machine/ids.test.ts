import { describe, expect, it } from 'vitest';
import { idTime } from '../../src/machines/incident.rules';
import type { IncidentSnapshot } from '../../src/machines/incident.machine';
import type { NoticeParams } from '../../src/machines/effects';
import {
  HOUR, MIN, T0, act, deadlineDue, effectsOf, findingsOf, makePlan, oid, reminderDue, start, type Actions, type Result,
} from './fixtures';

/**
 * Ids of what an incident writes (notices, findings) are built from meaning — incident / what / why —
 * never from counters, so a retry or a replay writes the same row and two incidents never share one
 * (责任追究: "findings … with the rule or default and the plan version that produced it"; the ledger is append-only).
 */

interface Written { notices: string[]; findings: string[]; snapshot: IncidentSnapshot }

/** The same discovery and the same actions, for any incident id: a major incident withdrawn after findings. */
function runIncident(id: string): Written {
  const notices: string[] = [];
  const findings: string[] = [];
  const keep = ([s, a]: Result): IncidentSnapshot => {
    notices.push(...effectsOf(a, 'notify').map((n) => n.noticeId));
    findings.push(...findingsOf(a).map((f) => f.id));
    return s;
  };
  let s = keep(start({ id, metrics: { mainstreamMedia: true } }));
  s = keep(reminderDue(s, 'firstReport', 0, T0 + 90 * MIN, T0 + 90 * MIN));
  s = keep(deadlineDue(s, 'firstReport', T0 + 2 * HOUR));
  s = keep(act(s, 'report', { by: 'mon', to: 'office', mode: 'phone' }, T0 + 2 * HOUR + 10 * MIN));
  s = keep(act(s, 'report', { by: 'mon', to: 'office', mode: 'written' }, T0 + 2 * HOUR + 20 * MIN));
  s = keep(act(s, 'assess', { by: 'off' }, T0 + 2 * HOUR + 30 * MIN));
  s = keep(act(s, 'regrade', { by: 'dir', grade: 'especiallyMajor', reason: '出现人员伤亡' }, T0 + 2 * HOUR + 40 * MIN));
  s = keep(act(s, 'finding', { by: 'lic', kind: 'falseReport', person: 'mon', details: '谎报' }, T0 + 2 * HOUR + 50 * MIN));
  s = keep(act(s, 'finding', { by: 'lic', kind: 'dereliction', person: 'off', details: '失职', seriousLoss: true }, T0 + 2 * HOUR + 55 * MIN));
  s = keep(act(s, 'commend', { by: 'lg', person: 'spk', reason: '及时' }, T0 + 3 * HOUR));
  s = keep(act(s, 'withdraw', { by: 'off', reason: '重复登记' }, T0 + 4 * HOUR));
  return { notices, findings, snapshot: s };
}

describe('ids from meaning, never from counters (责任追究: the ledger keeps each record once)', () => {
  it('twenty incidents of one unit, found at the same moment by the same person, handled the same way, share no notice or finding id (责任追究)', () => {
    const runs = Array.from({ length: 20 }, (_, i) => ({ id: `inc-${i + 1}`, ...runIncident(`inc-${i + 1}`) }));
    // the run is not vacuous: notices of every kind it causes, findings by the timers and by reviewers
    const first = runs[0];
    expect(first.snapshot.value).toBe('withdrawn');
    expect(first.notices.length).toBeGreaterThanOrEqual(8);
    expect(first.findings).toEqual([
      'inc-1/firstReport/timers', `inc-1/${oid('writtenReport', T0 + 2 * HOUR + 10 * MIN, 'mon')}/timers`,
      'inc-1/person=mon/review:falseReport', 'inc-1/person=off/review:dereliction', 'inc-1/person=spk/review:commendation',
      'inc-1/publicResponse/timers',
    ]);
    const allNotices = runs.flatMap((r) => r.notices);
    const allFindings = runs.flatMap((r) => r.findings);
    expect(new Set(allNotices).size).toBe(allNotices.length);
    expect(new Set(allFindings).size).toBe(allFindings.length);
    expect(new Set([...allNotices, ...allFindings]).size).toBe(allNotices.length + allFindings.length);
    for (const r of runs) {
      for (const id of [...r.notices, ...r.findings]) expect(id.startsWith(`${r.id}/`), id).toBe(true);
      // what follows the incident is the meaning, the same in every incident
      expect(r.notices.map((x) => x.slice(r.id.length))).toEqual(first.notices.map((x) => x.slice('inc-1'.length)));
      expect(r.findings.map((x) => x.slice(r.id.length))).toEqual(first.findings.map((x) => x.slice('inc-1'.length)));
      // the context's records carry the same ids the effects wrote
      expect(r.snapshot.context.outcomes.map((o) => o.id)).toEqual(r.findings);
    }
  });

  it('replaying the same events gives the same ids, notice by notice and finding by finding (责任追究)', () => {
    const a = runIncident('inc-7');
    const b = runIncident('inc-7');
    expect(b.notices).toEqual(a.notices);
    expect(b.findings).toEqual(a.findings);
    expect(b.snapshot.context).toEqual(a.snapshot.context);
  });

  it('a notice id is incident / kind / about / trigger (000 篇三 §四(二); 000 篇三 §六)', () => {
    const { notices } = runIncident('inc-1');
    const due = idTime(T0 + 2 * HOUR);
    expect(notices).toEqual(expect.arrayContaining([
      `inc-1/assigned/firstReport/due=${due},set=${idTime(T0)}`,
      `inc-1/reminder/firstReport/before=30m,due=${due}`,
      `inc-1/overdue/firstReport/due=${due}`,
      `inc-1/assigned/${oid('writtenReport', T0 + 2 * HOUR + 10 * MIN, 'mon')}/due=${idTime(T0 + 2 * HOUR + 40 * MIN)},set=${idTime(T0 + 2 * HOUR + 10 * MIN)}`,
      `inc-1/regrade/major->especiallyMajor/at=${idTime(T0 + 2 * HOUR + 40 * MIN)}`,
      `inc-1/findingReferral/person=off/dereliction/at=${idTime(T0 + 2 * HOUR + 55 * MIN)}`,
    ]));
    // no counters: no `-2` suffix, no trailing sequence number
    const meanings = notices.map((n) => n.slice('inc-1/'.length));
    expect(meanings.filter((m) => /\/\d+$/.test(m) || /-\d+(\/|$)/.test(m))).toEqual([]);
  });

  it('a deadline moved away and back gets a new assignment notice: its trigger names when it was set (000 篇五 §五(二))', () => {
    let [s, actions] = start(); // general: first report due in 12 h
    const assigned = (a: Actions) => effectsOf(a, 'notify').filter((n) => n.kind === 'assigned' && n.obligationId === 'firstReport');
    const [atStart] = assigned(actions);
    expect(atStart.trigger).toBe(`due=${idTime(T0 + 12 * HOUR)},set=${idTime(T0)}`);
    [s, actions] = act(s, 'regrade', { by: 'dir', grade: 'major', reason: '扩散' }, T0 + 10 * MIN);
    const [moved] = assigned(actions);
    expect(moved.trigger).toBe(`due=${idTime(T0 + 2 * HOUR)},set=${idTime(T0 + 10 * MIN)}`);
    [s, actions] = act(s, 'regrade', { by: 'dir', grade: 'general', reason: '误判' }, T0 + 20 * MIN);
    const [back] = assigned(actions);
    // the same due time as at the start, set again later: a notice of its own, not the first one again
    expect(back.dueAt).toBe(atStart.dueAt);
    expect(back.trigger).toBe(`due=${idTime(T0 + 12 * HOUR)},set=${idTime(T0 + 20 * MIN)}`);
    expect(new Set([atStart.noticeId, moved.noticeId, back.noticeId]).size).toBe(3);
    expect(s.context.obligations.find((o) => o.id === 'firstReport')!.earlierDues).toEqual([T0 + 12 * HOUR, T0 + 2 * HOUR]);
  });

  it('a reminder id names the reminder point, not the moment the timer happened to run (000 篇三 §四(二))', () => {
    const p = makePlan((x) => { x.reminders = ['1h', '10m']; });
    const [s0] = start({ plan: p }); // general: due T0 + 12 h
    const due = T0 + 12 * HOUR;
    // the workflow passes the point each reminder was set for; a timer that ran 5 s late still names it
    const [s1, a1] = reminderDue(s0, 'firstReport', 0, due - HOUR + 5_000, due - HOUR);
    const [, a2] = reminderDue(s1, 'firstReport', 1, due - 10 * MIN + 5_000, due - 10 * MIN);
    const ids = [...effectsOf(a1, 'notify'), ...effectsOf(a2, 'notify')].map((n: NoticeParams) => n.noticeId);
    expect(ids).toEqual([
      `inc-1/reminder/firstReport/before=1h,due=${idTime(due)}`,
      `inc-1/reminder/firstReport/before=10m,due=${idTime(due)}`,
    ]);
  });

  it('obligation ids: the kind alone when anchored at discovery, else the kind and the moment; a written report names who phoned (000 篇三 §四(二))', () => {
    let [s] = start();
    [s] = act(s, 'report', { by: 'mon', to: 'office', mode: 'phone' }, T0 + 5 * MIN);
    [s] = act(s, 'report', { by: 'mon2', to: 'office', mode: 'phone' }, T0 + 5 * MIN);
    [s] = act(s, 'assess', { by: 'off' }, T0 + 20 * MIN);
    [s] = act(s, 'dispatch', { by: 'off', department: 'dep' }, T0 + 30 * MIN);
    expect(s.context.obligations.map((o) => o.id)).toEqual([
      'firstReport', 'publicResponse',
      'writtenReport/mon@20260302T010500.000Z', 'writtenReport/mon2@20260302T010500.000Z',
      'dispatch@20260302T012000.000Z', 'followUp@20260302T012000.000Z', 'explanation@20260302T013000.000Z',
    ]);
  });

  it('an incident recorded before v1 (rulesVersion 0) keeps its v0 ids, so its recorded history replays unchanged (责任追究; docs/versioning.md)', () => {
    let [s] = start({ rulesVersion: 0 });
    expect(s.context.rulesVersion).toBeUndefined();
    [s] = act(s, 'report', { by: 'mon', to: 'office', mode: 'phone' }, T0 + 5 * MIN);
    let actions: Actions;
    [s, actions] = act(s, 'report', { by: 'mon2', to: 'office', mode: 'phone' }, T0 + 6 * MIN);
    expect(s.context.obligations.map((o) => o.id)).toEqual(['firstReport', 'publicResponse', 'writtenReport', 'writtenReport-2']);
    expect(findingsOf(actions)).toEqual([]);
    [s, actions] = act(s, 'report', { by: 'mon', to: 'office', mode: 'written' }, T0 + 50 * MIN);
    expect(findingsOf(actions).map((f) => f.id)).toEqual(['inc-1/writtenReport/late']);
    // and a v1 incident carries its version from the first step
    expect(start()[0].context.rulesVersion).toBe(1);
  });
});
