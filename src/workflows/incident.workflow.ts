import {
  ApplicationFailure, CancellationScope, condition, continueAsNew, isCancellation, log, proxyActivities,
  setCurrentDetails, setHandler, sleep, upsertSearchAttributes, workflowInfo, allHandlersFinished,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { initialTransition, transition } from 'xstate';
import type { IncidentActivities } from '../activities/incident.activities';
import { ACTIONS, type ActionName } from '../plan/codes';
import { incidentMachine, type IncidentSnapshot } from '../machines/incident.machine';
import { prepareAction, prepareMetrics, type Prepared } from '../machines/commands';
import { scheduleParams, type IncidentEvent } from '../machines/incident.rules';
import type { ScheduleDeadlineParams, NotifyParams, RecordOutcomeParams } from '../machines/effects';
import { nextDeadline, overdueCount, toMarkdown, toStatus, type IncidentStatus } from '../machines/status';
import { actionUpdates, metricsSignal, SA, statusQuery, type IncidentWorkflowInput } from './incident.definitions';

/**
 * The interpreter: Temporal handlers become machine events; the machine's emitted actions become
 * durable timers and activity calls. No rule of the plan lives here.
 */

const { recordOutcome } = proxyActivities<IncidentActivities>({
  startToCloseTimeout: '30s',
  // An accountability record is never dropped: retry until the ledger takes it.
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m', nonRetryableErrorTypes: ['LedgerConflictError'] },
});
const { notify } = proxyActivities<IncidentActivities>({
  startToCloseTimeout: '30s',
  // A failed notification is retried, then left marked failed in the outbox.
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 8, nonRetryableErrorTypes: ['LedgerConflictError'] },
});

type Action = ReturnType<typeof initialTransition<typeof incidentMachine>>[1][number];

export async function incidentWorkflow(input: IncidentWorkflowInput): Promise<IncidentStatus> {
  let snapshot: IncidentSnapshot;
  const timers = new Map<string, CancellationScope>();
  const queue: Array<() => Promise<void>> = [];
  let enqueued = 0;
  let completed = 0;
  let lastAttributes = '';
  let lastDetails = '';
  /** state changed since search attributes and details were last published */
  let dirty = false;

  // ── effects ──
  function runTimer(p: ScheduleDeadlineParams) {
    timers.get(p.obligationId)?.cancel();
    const scope = new CancellationScope();
    timers.set(p.obligationId, scope);
    scope
      .run(async () => {
        for (const [i, at] of p.remindAt.entries()) {
          if (at <= Date.now()) continue; // a reminder already in the past is not worth sending
          await sleep(at - Date.now(), { summary: `reminder ${p.firstReminderIndex + i + 1}: ${p.summary}` });
          apply({ type: 'REMINDER_DUE', obligationId: p.obligationId, index: p.firstReminderIndex + i, at: Date.now() });
        }
        if (p.dueAt > Date.now()) await sleep(p.dueAt - Date.now(), { summary: p.summary });
        if (timers.get(p.obligationId) === scope) timers.delete(p.obligationId);
        apply({ type: 'DEADLINE_DUE', obligationId: p.obligationId, at: Date.now() });
      })
      .catch((err) => {
        if (!isCancellation(err)) throw err;
      });
  }

  function enqueue(work: () => Promise<void>) {
    enqueued += 1;
    queue.push(work);
  }

  function execute(actions: Action[]) {
    for (const a of actions) {
      switch (a.type) {
        case 'scheduleDeadline': runTimer(a.params as ScheduleDeadlineParams); break;
        case 'cancelDeadline': {
          const id = (a.params as { obligationId: string }).obligationId;
          timers.get(id)?.cancel();
          timers.delete(id);
          break;
        }
        case 'notify': {
          const p = a.params as NotifyParams;
          enqueue(async () => {
            try {
              await notify.executeWithOptions({ startToCloseTimeout: '30s', summary: `${p.kind}: ${p.subject}` }, [p]);
            } catch (err) {
              log.error('notification failed after retries; it stays marked failed in the outbox', { notificationId: p.notificationId, error: String(err) });
            }
          });
          break;
        }
        case 'recordOutcome': {
          const p = a.params as RecordOutcomeParams;
          enqueue(async () => {
            await recordOutcome.executeWithOptions({ startToCloseTimeout: '30s', summary: `${p.outcome.kind}: ${p.outcome.personName ?? ''} ${p.outcome.obligationId ?? ''}` }, [p]);
          });
          break;
        }
        default:
          // xstate's own bookkeeping actions (assign, enqueue) were already applied by transition().
          break;
      }
    }
  }

  function publish() {
    const ctx = snapshot.context;
    const next = nextDeadline(ctx);
    const pairs: SearchAttributeUpdatePair[] = [
      { key: SA.stage, value: ctx.stage },
      { key: SA.grade, value: ctx.grade },
      { key: SA.category, value: ctx.category ?? null },
      { key: SA.unit, value: ctx.plan.unit.id },
      { key: SA.nextDeadlineAt, value: next === null ? null : new Date(next) },
      { key: SA.overdueCount, value: overdueCount(ctx) },
    ] as SearchAttributeUpdatePair[];
    const key = JSON.stringify(pairs.map((p) => p.value));
    if (key !== lastAttributes) {
      upsertSearchAttributes(pairs);
      lastAttributes = key;
    }
    const details = toMarkdown(ctx);
    if (details !== lastDetails) {
      setCurrentDetails(details);
      lastDetails = details;
    }
    dirty = false;
  }

  function apply(event: IncidentEvent) {
    const [next, actions] = transition(incidentMachine, snapshot, event);
    snapshot = next;
    execute(actions as Action[]);
    // Published once per workflow task by the main loop, however many events the task carried.
    dirty = true;
  }

  /** Wait until every effect queued so far has been carried out. */
  async function settled() {
    const target = enqueued;
    await condition(() => completed >= target);
  }

  // ── start or resume ──
  if (input.resume) {
    snapshot = incidentMachine.resolveState({ value: input.resume.stage as never, context: input.resume.context });
    for (const ob of snapshot.context.obligations) {
      if (ob.status === 'pending' && ob.dueAt !== null && !ob.overdue) runTimer(scheduleParams(snapshot.context, ob));
    }
    publish();
  } else {
    const [first, actions] = initialTransition(incidentMachine, {
      incident: input.incident, plan: input.plan, planHash: input.planHash, startedAt: Date.now(),
    });
    snapshot = first;
    execute(actions as Action[]);
    publish();
  }

  // ── handlers ──
  const refuse = (r: Extract<Prepared<unknown>, { ok: false }>): never => {
    throw ApplicationFailure.create({ type: r.kind, message: r.errors.join('; '), details: r.errors, nonRetryable: true });
  };

  setHandler(statusQuery, () => toStatus(snapshot.context));

  for (const name of ACTIONS) {
    setHandler(
      actionUpdates[name as ActionName],
      async (payload: unknown) => {
        const prepared = prepareAction(snapshot, name, payload, Date.now());
        if (!prepared.ok) return refuse(prepared); // state changed between validation and handling
        apply(prepared.event);
        await settled();
        return toStatus(snapshot.context);
      },
      {
        validator: (payload: unknown) => {
          const prepared = prepareAction(snapshot, name, payload, Date.now());
          if (!prepared.ok) refuse(prepared);
        },
      },
    );
  }

  setHandler(metricsSignal, (payload) => {
    const prepared = prepareMetrics(snapshot, payload, Date.now());
    if (!prepared.ok) {
      // Signals cannot be refused to the sender; a bad reading is logged and changes nothing.
      log.warn('metrics signal ignored', { errors: prepared.errors });
      return;
    }
    apply(prepared.event);
  });

  // ── the effect runner: one effect at a time, in the order the machine emitted them ──
  const done = () => snapshot.status === 'done';
  const shouldStop = () => done() || workflowInfo().continueAsNewSuggested;
  for (;;) {
    await condition(() => dirty || queue.length > 0 || (shouldStop() && allHandlersFinished()));
    if (dirty) publish();
    if (queue.length > 0) {
      const work = queue.shift()!;
      await work();
      completed += 1;
      continue;
    }
    if (shouldStop() && allHandlersFinished() && !dirty) break;
  }
  if (!done()) {
    for (const scope of timers.values()) scope.cancel();
    return await continueAsNew<typeof incidentWorkflow>({
      ...input,
      resume: { stage: snapshot.context.stage, context: snapshot.context },
    });
  }
  return toStatus(snapshot.context);
}
