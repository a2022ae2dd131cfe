import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { prepareAction } from '../../src/machines/commands';
import { incidentMachine } from '../../src/machines/incident.machine';
import { toStatus } from '../../src/machines/status';
import { incidentWorkflow } from '../../src/workflows/incident.workflow';
import { SA, actionUpdates, stateQuery, statusQuery, workflowIdFor, type IncidentWorkflowInput } from '../../src/workflows/incident.definitions';
import { plan } from '../helpers/temporal';
import { HOUR, MIN, eventually, iso, noticesFor, obligation, persons, useHarness } from './harness';

/**
 * Continue-as-new carries the machine's stage and context into the next run (`input.resume`).
 * The time-skipping server never sets continueAsNewSuggested, so the test starts a run with the
 * input a continue-as-new would pass, built with the pure machine, and checks that the new run
 * picks up where the old one stopped: same status, timers re-armed, reminders already sent not repeated.
 */
const hx = useHarness('resume');

/** The compact UTC instant in v1 ids (written independently of src/). */
const idt = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '');

describe('resuming from a continue-as-new input', () => {
  it('keeps the stage and obligations, re-arms pending timers without repeating sent reminders, and accepts the next actions', async () => {
    const t0 = await hx.advanceToLocalHour(9);
    const county = plan('county-office');
    const incident = { id: 'cty-resume', title: '某路段交通事故致人伤亡', discoveredAt: iso(t0), discoveredBy: 'liu.bo', metrics: { casualties: 1 } };

    // The previous run (a v1 run): started at t0, sent the first report's 30-minute reminder, assessed at 35 minutes.
    let [snap] = initialTransition(incidentMachine, { incident, plan: county.plan, planHash: county.hash, startedAt: t0, rulesVersion: 1 });
    [snap] = transition(incidentMachine, snap, { type: 'REMINDER_DUE', obligationId: 'firstReport', index: 0, at: t0 + 30 * MIN });
    const assess = prepareAction(snap, 'assess', { by: 'zhao.min' }, t0 + 35 * MIN);
    if (!assess.ok) throw new Error(assess.errors.join('; '));
    [snap] = transition(incidentMachine, snap, assess.event);
    expect(snap.context.stage).toBe('rapidResponse');
    expect(snap.context.obligations.find((o) => o.id === 'firstReport')?.remindersSent).toBe(1);
    const followUp = `followUp@${idt(t0 + 35 * MIN)}`;
    expect(snap.context.obligations.map((o) => o.id)).toContain(followUp);

    await hx.sleepUntil(t0 + 36 * MIN);
    const input: IncidentWorkflowInput = { incident, plan: county.plan, planHash: county.hash, resume: { stage: snap.context.stage, context: snap.context } };
    const h = await hx.env.client.workflow.start(incidentWorkflow, { workflowId: workflowIdFor(incident.id), taskQueue: hx.taskQueue, args: [input] });
    try {
      // Same public status as the run that continued.
      expect(await h.query(statusQuery)).toEqual(toStatus(snap.context));
      await eventually(async () => {
        const sa = (await h.describe()).typedSearchAttributes;
        expect([sa.get(SA.stage), sa.get(SA.grade), sa.get(SA.nextDeadlineAt)?.toISOString()]).toEqual(['rapidResponse', 'especiallyMajor', iso(t0 + HOUR)]);
      });
      const sa = (await h.describe()).typedSearchAttributes;
      expect([sa.get(SA.earliestDueAt)?.toISOString(), sa.get(SA.bindingOverdueCount), sa.get(SA.targetOverdueCount)]).toEqual([iso(t0 + HOUR), 0, 0]);
      // Nothing is re-announced on resume.
      await hx.quiescent(h);
      expect(await hx.notices(incident.id)).toEqual([]);

      // The 10-minute reminder (the second) still comes; the first is not sent again.
      await hx.sleepUntil(t0 + 51 * MIN);
      await eventually(async () => {
        expect(noticesFor(await hx.notices(incident.id), 'firstReport', 'reminder').map((r) => r.id)).toEqual([
          `${incident.id}/reminder/firstReport/before=10m,due=${idt(t0 + HOUR)}`,
        ]);
      });
      // And the deadline fires on the resumed timer.
      await hx.sleepUntil(t0 + HOUR + MIN);
      await eventually(async () => {
        const rows = noticesFor(await hx.notices(incident.id), 'firstReport', 'overdue');
        expect(rows.map((r) => [r.id, persons(r)])).toEqual([
          [`${incident.id}/overdue/firstReport/due=${idt(t0 + HOUR)}`, ['liu.bo:monitor', 'wang.jiazhi:officeDirector', 'zhao.min:office']],
        ]);
      });
      // The follow-up cadence set by the assessment (2h in the county plan) runs on too.
      await hx.sleepUntil(t0 + 35 * MIN + 2 * HOUR + MIN);
      await eventually(async () => {
        expect(noticesFor(await hx.notices(incident.id), followUp, 'overdue').map((r) => r.id)).toEqual([
          `${incident.id}/overdue/${followUp}/due=${idt(t0 + 35 * MIN + 2 * HOUR)}`,
        ]);
      });

      const s = await h.executeUpdate(actionUpdates.classify, { args: [{ by: 'zhao.min', category: 'inquiry' }] });
      expect(s.stage).toBe('categorizedHandling');
      // A report line is never moot: handling starts and the overdue first report is still owed (no finding yet).
      expect(obligation(s, 'firstReport')).toMatchObject({ status: 'pending', overdue: true, flaggedOverdue: true });
      // Sequence numbers continue from the old run's timeline (shown in claimed order, which is the same here).
      expect(s.timeline.map((e) => e.seq)).toEqual(s.timeline.map((_, i) => i + 1));
      expect(await hx.outcomes(incident.id)).toEqual([]);
      expect(s.bindingOverdueCount).toBe(1);
    } finally {
      await h.terminate('test finished').catch(() => undefined);
    }
  });

  it('a run continued from a v0 incident goes on under v1 rules: notices and findings go to the ledger with v1 ids; obligations keep the ids they had', async () => {
    const t0 = await hx.advanceToLocalHour(9);
    const county = plan('county-office');
    const incident = { id: 'cty-resume-v0', title: '旧版事件续跑', discoveredAt: iso(t0), discoveredBy: 'liu.bo', metrics: { casualties: 1 } };
    // The previous run was a v0 run: no rules version in its context, v0 obligation ids.
    let [snap] = initialTransition(incidentMachine, { incident, plan: county.plan, planHash: county.hash, startedAt: t0 });
    const assess = prepareAction(snap, 'assess', { by: 'zhao.min' }, t0 + 5 * MIN);
    if (!assess.ok) throw new Error(assess.errors.join('; '));
    [snap] = transition(incidentMachine, snap, assess.event);
    expect(snap.context.rulesVersion).toBeUndefined();
    expect(snap.context.obligations.filter((o) => o.kind === 'followUp').map((o) => o.id)).toEqual(['followUp']);

    await hx.sleepUntil(t0 + 6 * MIN);
    const input: IncidentWorkflowInput = { incident, plan: county.plan, planHash: county.hash, resume: { stage: snap.context.stage, context: snap.context } };
    const h = await hx.env.client.workflow.start(incidentWorkflow, { workflowId: workflowIdFor(incident.id), taskQueue: hx.taskQueue, args: [input] });
    try {
      expect(await h.query(statusQuery)).toEqual(toStatus(snap.context));
      expect((await h.query(stateQuery)).context.rulesVersion).toBe(1);
      // A phone report: the written report it owes gets a v1 id; the first report keeps its own; findings have v1 ids.
      await hx.sleepUntil(t0 + 10 * MIN);
      const s = await h.executeUpdate(actionUpdates.report, { args: [{ by: 'liu.bo', to: 'office', mode: 'phone', at: iso(t0 + 10 * MIN) }] });
      const written = `writtenReport/liu.bo@${idt(t0 + 10 * MIN)}`;
      expect(obligation(s, written)).toMatchObject({ status: 'pending' });
      expect(obligation(s, 'followUp')).toMatchObject({ status: 'pending' });
      expect((await hx.outcomes(incident.id)).map((o) => `${o.id}:${o.kind}`)).toEqual([`${incident.id}/firstReport/timers:onTime`]);
      const [assigned] = noticesFor(await hx.notices(incident.id), written, 'assigned');
      expect(assigned.id.startsWith(`${incident.id}/assigned/${written}/due=${idt(t0 + 40 * MIN)},set=`)).toBe(true);
      expect(persons(assigned)).toEqual(['liu.bo:monitor']);
    } finally {
      await h.terminate('test finished').catch(() => undefined);
    }
  });
});
