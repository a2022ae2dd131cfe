import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { prepareAction } from '../../src/machines/commands';
import { incidentMachine } from '../../src/machines/incident.machine';
import { toStatus } from '../../src/machines/status';
import { incidentWorkflow } from '../../src/workflows/incident.workflow';
import { SA, actionUpdates, statusQuery, workflowIdFor, type IncidentWorkflowInput } from '../../src/workflows/incident.definitions';
import { plan } from '../helpers/temporal';
import { HOUR, MIN, eventually, iso, obligation, rowsFor, useHarness } from './harness';

/**
 * Continue-as-new carries the machine's stage and context into the next run (`input.resume`).
 * The time-skipping server never sets continueAsNewSuggested, so the test starts a run with the
 * input a continue-as-new would pass, built with the pure machine, and checks that the new run
 * picks up where the old one stopped: same status, timers re-armed, reminders already sent not repeated.
 */
const hx = useHarness('resume');

describe('resuming from a continue-as-new input', () => {
  it('keeps the stage and obligations, re-arms pending timers without repeating sent reminders, and accepts the next actions', async () => {
    const t0 = await hx.advanceToLocalHour(9);
    const county = plan('county-office');
    const incident = { id: 'cty-resume', title: '某路段交通事故致人伤亡', discoveredAt: iso(t0), discoveredBy: 'liu.bo', metrics: { casualties: 1 } };

    // The previous run: started at t0, sent the first report's 30-minute reminder, assessed at 35 minutes.
    let [snap] = initialTransition(incidentMachine, { incident, plan: county.plan, planHash: county.hash, startedAt: t0 });
    [snap] = transition(incidentMachine, snap, { type: 'REMINDER_DUE', obligationId: 'firstReport', index: 0, at: t0 + 30 * MIN });
    const assess = prepareAction(snap, 'assess', { by: 'zhao.min' }, t0 + 35 * MIN);
    if (!assess.ok) throw new Error(assess.errors.join('; '));
    [snap] = transition(incidentMachine, snap, assess.event);
    expect(snap.context.stage).toBe('rapidResponse');
    expect(snap.context.obligations.find((o) => o.id === 'firstReport')?.remindersSent).toBe(1);

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
      // Nothing is re-announced on resume.
      await hx.quiescent(h);
      expect(await hx.outbox(incident.id)).toEqual([]);

      // The 10-minute reminder (the second) still comes; the first is not sent again.
      await hx.sleepUntil(t0 + 51 * MIN);
      await eventually(async () => {
        expect(rowsFor(await hx.outbox(incident.id), 'firstReport', 'reminder').map((r) => r.notificationId)).toEqual([`firstReport/reminder-2/${t0 + HOUR}`]);
      });
      // And the deadline fires on the resumed timer.
      await hx.sleepUntil(t0 + HOUR + MIN);
      await eventually(async () => {
        expect(rowsFor(await hx.outbox(incident.id), 'firstReport', 'overdue').map((r) => r.personId).sort()).toEqual(['liu.bo', 'wang.jiazhi', 'zhao.min']);
      });
      // The follow-up cadence set by the assessment (2h in the county plan) runs on too.
      await hx.sleepUntil(t0 + 35 * MIN + 2 * HOUR + MIN);
      await eventually(async () => {
        expect(rowsFor(await hx.outbox(incident.id), 'followUp', 'overdue').map((r) => r.notificationId)).toContain(`followUp/overdue/${t0 + 35 * MIN + 2 * HOUR}`);
      });

      const s = await h.executeUpdate(actionUpdates.classify, { args: [{ by: 'zhao.min', category: 'inquiry' }] });
      expect(s.stage).toBe('categorizedHandling');
      expect(obligation(s, 'firstReport')).toMatchObject({ status: 'missed', overdue: false, flaggedOverdue: true });
      // Sequence numbers continue from the old run's timeline.
      expect(s.timeline.map((e) => e.seq)).toEqual(s.timeline.map((_, i) => i + 1));
      expect((await hx.outcomes(incident.id)).map((o) => `${o.obligationId}:${o.kind}`)).toEqual(['firstReport:missed']);
    } finally {
      await h.terminate('test finished').catch(() => undefined);
    }
  });
});
