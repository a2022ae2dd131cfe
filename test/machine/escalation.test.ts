import { describe, expect, it } from 'vitest';
import { transition } from 'xstate';
import { incidentMachine, type IncidentSnapshot } from '../../src/machines/incident.machine';
import { climb } from '../../src/machines/escalation';
import { refusals } from '../../src/machines/incident.rules';
import type { NoticeParams } from '../../src/machines/effects';
import { calendarSlice, HOLIDAY_DATA_COVERS } from '../../src/plan/holidays';
import { HOUR, MIN, T0, act, actionEvent, deadlineDue, effectsOf, makePlan, start, type Result } from './fixtures';

/**
 * v4: after a due time an obligation's notices climb the plan's escalation policy until it is met or someone above
 * its owner acknowledges; the owner's acknowledgement stops only the notices to the owner; the grade's required
 * roles are told whatever anyone acknowledged; none of it meets the obligation.
 */
const calendar = calendarSlice('2026-03-02', HOLIDAY_DATA_COVERS.to);

const plan = makePlan((p) => {
  p.escalationPolicy = {
    steps: [
      { after: '0m', roles: ['office'] },
      { after: '30m', roles: ['officeDirector'] },
      { after: '1h', roles: ['leaderInCharge', 'principalLeader'] },
    ],
    repeatEvery: '1h',
    repeatLimit: 2,
    required: { especiallyMajor: ['principalLeader'] },
  };
});

const v4 = (o: Parameters<typeof start>[0] = {}) => start({ plan, rulesVersion: 4, calendar, ...o });
const FR = 'firstReport';

function escalationDue(s: IncidentSnapshot, obligationId: string, step: number, at: number): Result {
  return transition(incidentMachine, s, { type: 'ESCALATION_DUE', obligationId, step, at });
}
const notices = (r: Result) => effectsOf(r[1], 'notify') as NoticeParams[];
const who = (n: NoticeParams) => n.recipients.map((r) => r.personId).sort();

describe('escalation until acknowledged (v4)', () => {
  it('the policy as timed steps after the due time: each step, the repeats of everyone on it, then "nobody acknowledged"', () => {
    const due = T0 + 12 * HOUR;
    const steps = climb(plan, 'monitor', due);
    expect(steps.map((s) => [s.kind, s.at - due, s.roles])).toEqual([
      ['step', 30 * MIN, ['officeDirector']],
      ['step', HOUR, ['leaderInCharge', 'principalLeader']],
      ['repeat', 2 * HOUR, ['office', 'officeDirector', 'leaderInCharge', 'principalLeader']],
      ['repeat', 3 * HOUR, ['office', 'officeDirector', 'leaderInCharge', 'principalLeader']],
      ['unacknowledged', 4 * HOUR, ['office', 'officeDirector']],
    ]);
  });

  it('at the due time the owner and the first step are told; each later step follows on its timer until the end', () => {
    const [s0, a0] = v4();
    expect(notices([s0, a0]).map((n) => n.kind)).toContain('newIncident');
    const due = s0.context.obligations.find((o) => o.kind === FR)!.dueAt!;
    let r = deadlineDue(s0, FR, due);
    const [overdue] = notices(r);
    expect(overdue.kind).toBe('overdue');
    expect(who(overdue)).toEqual(['mon', 'off']);
    expect(overdue.binding).toBe(true);
    expect(effectsOf(r[1], 'scheduleEscalation')).toEqual([expect.objectContaining({ obligationId: FR, step: 0, at: due + 30 * MIN })]);
    const steps = climb(plan, 'monitor', due);
    const seen: string[][] = [];
    for (const st of steps) {
      r = escalationDue(r[0], FR, st.step, st.at);
      const [n] = notices(r);
      expect(n.kind).toBe(st.kind === 'unacknowledged' ? 'unacknowledged' : 'escalation');
      seen.push(who(n));
    }
    expect(seen).toEqual([
      ['dir', 'mon'], ['lic', 'mon', 'pri'], ['dir', 'lic', 'mon', 'off', 'pri'], ['dir', 'lic', 'mon', 'off', 'pri'], ['dir', 'off'],
    ]);
    expect(effectsOf(r[1], 'scheduleEscalation')).toEqual([]);
    expect(r[0].context.timeline.filter((e) => e.action === 'escalation' || e.action === 'unacknowledged')).toHaveLength(5);
    // the obligation is still owed
    expect(r[0].context.obligations.find((o) => o.id === FR)!.status).toBe('pending');
  });

  it('someone above the owner acknowledges: the climb stops (its timer cancelled), the obligation is still owed', () => {
    const [s0] = v4();
    const due = s0.context.obligations.find((o) => o.kind === FR)!.dueAt!;
    let r = deadlineDue(s0, FR, due);
    r = escalationDue(r[0], FR, 0, due + 30 * MIN);
    r = act(r[0], 'acknowledge', { by: 'dir', obligation: FR, note: '已电话联系信息员' }, due + 40 * MIN);
    expect(effectsOf(r[1], 'cancelEscalation')).toEqual([{ obligationId: FR }]);
    expect(effectsOf(r[1], 'recordAcknowledgement')).toEqual([expect.objectContaining({ personId: 'dir', scope: 'policy', obligationId: FR })]);
    const ob = r[0].context.obligations.find((o) => o.id === FR)!;
    expect(ob.status).toBe('pending');
    expect(ob.escalation?.acked?.personId).toBe('dir');
    // a late timer of the stopped climb does nothing
    const late = escalationDue(r[0], FR, 1, due + HOUR);
    expect(notices(late)).toEqual([]);
    // a second acknowledgement above is refused and changes nothing
    const again = actionEvent('acknowledge', { by: 'pri', obligation: FR }, due + HOUR);
    expect(refusals(r[0].context, again).join()).toMatch(/already acknowledged by 办公室主任/);
  });

  it("the owner's acknowledgement stops only the notices to the owner: the climb goes on without them", () => {
    const [s0] = v4();
    const due = s0.context.obligations.find((o) => o.kind === FR)!.dueAt!;
    let r = act(s0, 'acknowledge', { by: 'mon', obligation: FR }, due - HOUR);
    expect(effectsOf(r[1], 'recordAcknowledgement')[0]).toMatchObject({ scope: 'owner', personId: 'mon' });
    r = deadlineDue(r[0], FR, due);
    expect(who(notices(r)[0])).toEqual(['off']);
    r = escalationDue(r[0], FR, 0, due + 30 * MIN);
    expect(who(notices(r)[0])).toEqual(['dir']);
  });

  it('the grade\'s required roles are told at the due time whoever acknowledged first (特别重大: the principal leader)', () => {
    const [s0] = v4({ grade: 'especiallyMajor' });
    const due = s0.context.obligations.find((o) => o.kind === FR)!.dueAt!;
    let r = act(s0, 'acknowledge', { by: 'dir', obligation: FR }, due - 10 * MIN);
    r = deadlineDue(r[0], FR, due);
    const [n] = notices(r);
    // the climb was acknowledged (no office step, no timer), the principal leader is told anyway, and the owner
    expect(who(n)).toEqual(['mon', 'pri']);
    expect(effectsOf(r[1], 'scheduleEscalation')).toEqual([]);
  });

  it('meeting the obligation stops the climb; an acknowledgement never meets it', () => {
    const [s0] = v4();
    const due = s0.context.obligations.find((o) => o.kind === FR)!.dueAt!;
    let r = deadlineDue(s0, FR, due);
    r = act(r[0], 'report', { by: 'mon', to: 'office', mode: 'written' }, due + 10 * MIN);
    // met late (迟报): no longer pending, so the climb stops
    expect(r[0].context.obligations.find((o) => o.id === FR)!.status).toBe('late');
    expect(effectsOf(r[1], 'cancelEscalation')).toEqual([{ obligationId: FR }]);
    const after = act(r[0], 'acknowledge', { by: 'dir', obligation: FR }, due + 20 * MIN);
    expect(after[0]).toBe(r[0]);
    expect(refusals(r[0].context, actionEvent('acknowledge', { by: 'dir', obligation: FR }, due + 20 * MIN)).join()).toMatch(/already late/);
  });

  it('refuses an acknowledgement from someone neither the owner nor on the policy, and an unknown obligation, naming the field', () => {
    const [s0] = v4();
    expect(refusals(s0.context, actionEvent('acknowledge', { by: 'spk', obligation: FR }, T0 + MIN)).join()).toMatch(/^by: spk is neither the owner/);
    expect(refusals(s0.context, actionEvent('acknowledge', { by: 'dir', obligation: 'nope' }, T0 + MIN)).join()).toMatch(/^obligation: "nope" is not an obligation/);
    // v3 incidents have no acknowledgement
    const [s3] = start({ plan, rulesVersion: 3, calendar });
    expect(refusals(s3.context, actionEvent('acknowledge', { by: 'dir', obligation: FR }, T0 + MIN)).join()).toMatch(/needs v4/);
  });

  it('a corrected discovery that moves the due time moves the climb with it, so it never stalls', () => {
    const [s0] = v4();
    const due = s0.context.obligations.find((o) => o.kind === FR)!.dueAt!;
    let r = deadlineDue(s0, FR, due);
    r = act(r[0], 'correctDiscovery', { by: 'off', discoveredAt: new Date(T0 + 2 * HOUR).toISOString(), reason: '发现时间登记有误' }, due + 10 * MIN);
    const ob = r[0].context.obligations.find((o) => o.id === FR)!;
    expect(ob.dueAt).toBe(due + 2 * HOUR);
    // the next step is timed from the new due time
    expect(effectsOf(r[1], 'scheduleEscalation')).toEqual([expect.objectContaining({ obligationId: FR, step: 0, at: ob.dueAt! + 30 * MIN })]);
    // a timer of the old climb does nothing; the new one sends the step
    expect(notices(escalationDue(r[0], FR, 0, due + 30 * MIN))).toEqual([]);
    const [n] = notices(escalationDue(deadlineDue(r[0], FR, ob.dueAt!)[0], FR, 0, ob.dueAt! + 30 * MIN));
    expect(n.kind).toBe('escalation');
  });

  it('a plan without a policy: the owner\'s escalation chain at the due time, two hourly repeats, then the office', () => {
    const bare = makePlan();
    const due = T0 + 12 * HOUR;
    expect(climb(bare, 'monitor', due).map((s) => [s.kind, (s.at - due) / MIN])).toEqual([['repeat', 60], ['repeat', 120], ['unacknowledged', 180]]);
    const [s0] = start({ plan: bare, rulesVersion: 4, calendar });
    const r = deadlineDue(s0, FR, s0.context.obligations.find((o) => o.kind === FR)!.dueAt!);
    expect(who(notices(r)[0])).toEqual(['dir', 'mon', 'off']);
  });
});
