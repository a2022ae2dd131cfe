import {
  ApplicationFailure, CancellationScope, condition, continueAsNew, isCancellation, log, patched, proxyActivities, proxyLocalActivities,
  setCurrentDetails, setHandler, sleep, upsertSearchAttributes, workflowInfo, allHandlersFinished,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { initialTransition, transition } from 'xstate';
import type { IncidentActivities, StepRecords } from '../activities/incident.activities';
import { ACTIONS, assertNever, type ActionName } from '../plan/codes';
import { incidentMachine, type IncidentSnapshot } from '../machines/incident.machine';
import { prepareAction, prepareMetrics, type Prepared } from '../machines/commands';
import { escalationParams, scheduleParams, type Effect, type IncidentEvent } from '../machines/incident.rules';
import type { ScheduleDeadlineParams, ScheduleEscalationParams } from '../machines/effects';
import { earliestDue, nextDeadline, overdueBy, overdueCount, toMarkdown, toStatus, type IncidentStatus } from '../machines/status';
import type { MetricsUpdate } from '../plan/incident.schema';
import {
  actionUpdates, deliverySignal, metricsSignal, metricsUpdate, PATCHES, SA, stateQuery, statusQuery, type IncidentWorkflowInput,
} from './incident.definitions';

/**
 * The interpreter: Temporal handlers become machine events; the machine's emitted actions become
 * durable timers and ledger writes. No rule of the plan lives here, and nothing here waits on delivery:
 * notices are recorded for the dispatcher, which sends them on its own path.
 */

/** Ledger writes are never dropped: retried until the ledger takes them. */
const ledgerRetry = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m', nonRetryableErrorTypes: ['LedgerConflictError'] };
const { recordOutcome, recordStep, cancellationRequest } = proxyActivities<IncidentActivities>({ startToCloseTimeout: '30s', retry: ledgerRetry });
/**
 * The same ledger write run by the worker inside the workflow task (v6). Retries past 10 s are spaced by
 * durable timers (a ledger that stays down does not hold the workflow task); it is never dropped either.
 */
const local = proxyLocalActivities<IncidentActivities>({ startToCloseTimeout: '30s', retry: ledgerRetry, localRetryThreshold: '10s' });
/** v0 histories scheduled notify with these options; the activity now only records the notice. */
const { notify } = proxyActivities<IncidentActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 8, nonRetryableErrorTypes: ['LedgerConflictError'] },
});

/** v6: a timer longer than twice REAIM_MIN_MS is aimed again halfway, at most REAIM_BEFORE_MS before its time */
const REAIM_MIN_MS = 5_000;
const REAIM_BEFORE_MS = 60_000;

/** At most this many buffered readings are applied per workflow task (v1): a backlog is taken in slices. */
export const READINGS_PER_TASK = 200;

type Action = ReturnType<typeof initialTransition<typeof incidentMachine>>[1][number];

export async function incidentWorkflow(input: IncidentWorkflowInput): Promise<IncidentStatus> {
  // Histories recorded before v1 have no marker and run the v0 interpretation (docs/versioning.md).
  const v1 = patched(PATCHES.v1);
  // v2 needs the holiday data in the input (an incident started without it counts days as v1 did).
  const v2 = v1 && input.calendar !== undefined && patched(PATCHES.v2);
  // v3 builds on v2 (its rules need the holiday data too)
  const v3 = v2 && patched(PATCHES.v3);
  // v4 adds escalation timers after a due time; an incident resumed from an older context keeps its rules
  const v4 = v3 && patched(PATCHES.v4);
  // v5 changes who answers (owners, assessments, reviewers): an incident resumed from an older context keeps its rules
  const v5 = v4 && patched(PATCHES.v5);
  const rules = v5 ? 5 : v4 ? 4 : v3 ? 3 : v2 ? 2 : v1 ? 1 : 0;
  // v6 changes the interpreter only (the rules stay): step records by a local activity, deadline timers aimed again
  const v6 = v5 && patched(PATCHES.v6);
  const record = v6 ? local.recordStep : recordStep;
  const reaim = v6;
  let snapshot: IncidentSnapshot;
  const timers = new Map<string, CancellationScope>();
  const queue: Array<() => Promise<void>> = [];
  let enqueued = 0;
  let completed = 0;
  let lastAttributes = '';
  let lastDetails = '';
  /** state changed since search attributes and details were last published */
  let dirty = false;
  /** v1: readings received, not yet applied */
  const backlog: Array<{ payload: MetricsUpdate; receivedAt: number }> = [];

  // ── effects ──
  /**
   * Sleep until `at` (workflow time, later than now). Before v6 one timer, exactly as those histories recorded it; from
   * v6 a long wait is taken in two: to shortly before `at` (halfway, at most REAIM_BEFORE_MS before), then the rest from
   * that later task's clock, so the task that set the first one running late does not make the deadline late.
   */
  function sleepUntil(at: number, summary: string): Promise<void> {
    const left = at - Date.now();
    if (!reaim || left <= 2 * REAIM_MIN_MS) return sleep(left, { summary });
    return sleep(left - Math.min(REAIM_BEFORE_MS, left / 2), { summary: `${summary} (aimed again before its time)` }).then(() =>
      (at > Date.now() ? sleep(at - Date.now(), { summary }) : undefined));
  }

  function runTimer(p: ScheduleDeadlineParams) {
    timers.get(p.obligationId)?.cancel();
    const scope = new CancellationScope();
    timers.set(p.obligationId, scope);
    scope
      .run(async () => {
        for (const [i, at] of p.remindAt.entries()) {
          if (at <= Date.now()) continue; // a reminder already in the past is not worth sending
          await sleep(at - Date.now(), { summary: `reminder ${p.firstReminderIndex + i + 1}: ${p.summary}` });
          apply({ type: 'REMINDER_DUE', obligationId: p.obligationId, index: p.firstReminderIndex + i, at: Date.now(), remindAt: at });
        }
        if (p.dueAt > Date.now()) await sleepUntil(p.dueAt, p.summary);
        if (timers.get(p.obligationId) === scope) timers.delete(p.obligationId);
        apply({ type: 'DEADLINE_DUE', obligationId: p.obligationId, at: Date.now() });
      })
      .catch((err) => {
        if (!isCancellation(err)) throw err;
      });
  }

  /** v4: one timer per overdue obligation for its next escalation step (keyed apart from its deadline timer) */
  function runEscalation(p: ScheduleEscalationParams) {
    const key = `escalation:${p.obligationId}`;
    timers.get(key)?.cancel();
    const scope = new CancellationScope();
    timers.set(key, scope);
    scope
      .run(async () => {
        if (p.at > Date.now()) await sleepUntil(p.at, p.summary);
        if (timers.get(key) === scope) timers.delete(key);
        apply({ type: 'ESCALATION_DUE', obligationId: p.obligationId, step: p.step, at: Date.now() });
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
    const step: StepRecords = { findings: [], notices: [], settled: [] };
    const acknowledgements: NonNullable<StepRecords['acknowledgements']> = [];
    for (const a of actions) {
      const e = a as unknown as Effect | { type: string };
      switch (e.type) {
        case 'scheduleDeadline': runTimer((e as Extract<Effect, { type: 'scheduleDeadline' }>).params); break;
        case 'cancelDeadline': {
          const id = (e as Extract<Effect, { type: 'cancelDeadline' }>).params.obligationId;
          timers.get(id)?.cancel();
          timers.delete(id);
          break;
        }
        case 'notify': {
          const p = (e as Extract<Effect, { type: 'notify' }>).params;
          if (v1) step.notices.push(p);
          else enqueue(async () => {
            try {
              await notify.executeWithOptions({ startToCloseTimeout: '30s', summary: `${p.kind}: ${p.about}` }, [p]);
            } catch (err) {
              if (isCancellation(err)) throw err;
              log.error('notice could not be recorded after retries', { noticeId: p.noticeId, error: String(err) });
            }
          });
          break;
        }
        case 'recordOutcome': {
          const p = (e as Extract<Effect, { type: 'recordOutcome' }>).params;
          if (v1) step.findings.push(p.finding);
          else enqueue(async () => {
            await recordOutcome.executeWithOptions({ startToCloseTimeout: '30s', summary: `${p.finding.kind}: ${p.finding.personName ?? ''} ${p.finding.obligationId ?? ''}` }, [p]);
          });
          break;
        }
        // The v0 interpretation had no such writes: its histories must not gain commands.
        case 'settleNotices': if (v1) step.settled.push((e as Extract<Effect, { type: 'settleNotices' }>).params); break;
        case 'recordEnding': if (v1) step.ending = (e as Extract<Effect, { type: 'recordEnding' }>).params; break;
        // v4 effects (only a v4 context emits them)
        case 'scheduleEscalation': runEscalation((e as Extract<Effect, { type: 'scheduleEscalation' }>).params); break;
        case 'cancelEscalation': {
          const key = `escalation:${(e as Extract<Effect, { type: 'cancelEscalation' }>).params.obligationId}`;
          timers.get(key)?.cancel();
          timers.delete(key);
          break;
        }
        case 'recordAcknowledgement': acknowledgements.push((e as Extract<Effect, { type: 'recordAcknowledgement' }>).params); break;
        default:
          // xstate's own bookkeeping actions (assign, enqueue) were already applied by transition().
          if (e.type.startsWith('xstate.')) break;
          return assertNever(e as never);
      }
    }
    if (acknowledgements.length) step.acknowledgements = acknowledgements;
    if (step.findings.length || step.notices.length || step.settled.length || step.ending || acknowledgements.length) {
      const summary = `record: ${step.findings.length} finding(s), ${step.notices.length} notice(s)${step.ending ? `, ${step.ending.ending}` : ''}`;
      enqueue(async () => {
        await record.executeWithOptions({ startToCloseTimeout: '30s', summary }, [step]);
      });
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
    if (v1) {
      const earliest = earliestDue(ctx);
      pairs.push(...([
        { key: SA.earliestDueAt, value: earliest === null ? null : new Date(earliest) },
        { key: SA.bindingOverdueCount, value: overdueBy(ctx, 'binding') },
        { key: SA.targetOverdueCount, value: overdueBy(ctx, 'target') },
      ] as SearchAttributeUpdatePair[]));
    }
    const key = JSON.stringify(pairs.map((p) => p.value));
    if (key !== lastAttributes) {
      upsertSearchAttributes(pairs);
      lastAttributes = key;
    }
    const details = toMarkdown(ctx, Date.now());
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

  /** Take one reading, or count it as ignored (a feed's signal cannot be refused to its sender). */
  function takeReading(payload: unknown, receivedAt: number) {
    const prepared = prepareMetrics(snapshot, payload, receivedAt);
    if (prepared.ok) return apply(prepared.event);
    log.warn('metrics reading ignored', { errors: prepared.errors });
    if (v1 && snapshot.status !== 'done') apply({ type: 'READING_IGNORED', at: receivedAt, reason: prepared.errors.join('; ') });
  }

  /** Wait until every effect queued so far has been carried out. */
  async function settled() {
    const target = enqueued;
    await condition(() => completed >= target);
  }

  // ── start or resume ──
  if (input.resume) {
    // A context keeps the rules its obligations were made under: v1 is raised to v2 (same obligations), never to v3,
    // whose report lines are a different shape (an incident started before v3 finishes under v2).
    const had = input.resume.context.rulesVersion ?? 0;
    const context = v1 ? { ...input.resume.context, rulesVersion: had >= 3 ? had : Math.max(Math.min(rules, 2), had) } : input.resume.context;
    snapshot = incidentMachine.resolveState({ value: input.resume.stage as never, context });
    for (const ob of snapshot.context.obligations) {
      if (ob.status === 'pending' && ob.dueAt !== null && !ob.overdue) runTimer(scheduleParams(snapshot.context, ob));
      // (only a v4 context has escalation state)
      const esc = ob.status === 'pending' ? escalationParams(snapshot.context, ob) : undefined;
      if (esc) runEscalation(esc);
    }
    publish();
  } else {
    const [first, actions] = initialTransition(incidentMachine, {
      incident: input.incident, plan: input.plan, planHash: input.planHash, startedAt: Date.now(), rulesVersion: rules,
      ...(v2 ? { calendar: input.calendar } : {}),
      ...(v4 && input.roster ? { roster: input.roster } : {}),
    });
    snapshot = first;
    execute(actions as Action[]);
    publish();
  }

  // ── handlers ──
  const refuse = (r: Extract<Prepared<unknown>, { ok: false }>): never => {
    throw ApplicationFailure.create({ type: r.kind, message: r.errors.join('; '), details: r.errors, nonRetryable: true });
  };

  function signalHandlers() {
    setHandler(metricsSignal, (payload) => {
      if (v1) backlog.push({ payload, receivedAt: Date.now() });
      else takeReading(payload, Date.now());
    });
    setHandler(deliverySignal, (r) => {
      if (snapshot.status === 'done') return;
      if (r.outcome === 'failed') apply({ type: 'DELIVERY_FAILED', noticeId: r.noticeId, kind: r.kind, obligationId: r.obligationId, reason: r.reason ?? 'not delivered', at: Date.now() });
      else apply({ type: 'DELIVERY_RECOVERED', noticeId: r.noticeId, at: Date.now() });
    });
  }
  if (v1) signalHandlers();

  setHandler(statusQuery, () => toStatus(snapshot.context));
  setHandler(stateQuery, () => ({ stage: snapshot.context.stage, context: snapshot.context }));

  /**
   * v1: readings received before an update are applied before it (a backlog drains in slices first). The
   * condition is checked once the whole activation was taken in, so signals delivered beside the update count.
   */
  const backlogDrained = () => backlog.length === 0;

  for (const name of ACTIONS) {
    setHandler(
      actionUpdates[name as ActionName],
      async (payload: unknown) => {
        // (v0 must not await here: an extra await moves its commands in old histories)
        if (v1) await condition(backlogDrained);
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

  setHandler(
    metricsUpdate,
    async (payload: MetricsUpdate) => {
      if (v1) await condition(backlogDrained);
      const prepared = prepareMetrics(snapshot, payload, Date.now());
      if (!prepared.ok) return refuse(prepared);
      apply(prepared.event);
      await settled();
      return toStatus(snapshot.context);
    },
    {
      validator: (payload: MetricsUpdate) => {
        const prepared = prepareMetrics(snapshot, payload, Date.now());
        if (!prepared.ok) refuse(prepared);
      },
    },
  );

  // v1 registers them before the updates: the SDK hands buffered messages to each handler as it is registered,
  // so readings signalled before an update reach the backlog before that update runs.
  if (!v1) signalHandlers();

  // ── the effect runner: one effect at a time, in the order the machine emitted them ──
  const done = () => snapshot.status === 'done';
  const shouldStop = () => done() || workflowInfo().continueAsNewSuggested;
  /** Carry out the next queued effect; it leaves the queue only once done (a cancelled one is run again). */
  async function runNext() {
    await queue[0]();
    queue.shift();
    completed += 1;
  }
  try {
    for (;;) {
      await condition(() => dirty || queue.length > 0 || backlog.length > 0 || (shouldStop() && allHandlersFinished()));
      if (backlog.length > 0) {
        // A large backlog is applied in slices, each in a workflow task of its own, so no task nears its deadline.
        for (const r of backlog.splice(0, READINGS_PER_TASK)) if (!done()) takeReading(r.payload, r.receivedAt);
        if (backlog.length > 0) {
          publish();
          await sleep(1);
          continue;
        }
      }
      if (dirty) publish();
      if (queue.length > 0) {
        await runNext();
        continue;
      }
      if (shouldStop() && allHandlersFinished() && !dirty && backlog.length === 0) break;
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // An operator's cancellation (Web UI, `temporal workflow cancel`): settle every obligation as of now,
    // write what is queued and the findings, then end as cancelled.
    await CancellationScope.nonCancellable(async () => {
      const at = Date.now();
      const info = workflowInfo();
      const who = await cancellationRequest.executeWithOptions(
        { startToCloseTimeout: '30s', retry: ledgerRetry, summary: 'who cancelled, and why' },
        [{ workflowId: info.workflowId, runId: info.runId }],
      );
      for (const r of backlog.splice(0)) if (!done()) takeReading(r.payload, r.receivedAt);
      if (!done()) apply({ type: 'CANCEL', at, reason: who.reason, identity: who.identity });
      while (queue.length > 0) await runNext();
      publish();
    });
    throw err;
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
