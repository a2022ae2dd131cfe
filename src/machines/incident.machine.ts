import { enqueueActions, setup, type SnapshotFrom } from 'xstate';
import { STAGE_LABELS, gradeRank, isEnding, type Stage } from '../plan/codes';
import { closesIncident, openTransitions, stageTransitions } from './actions';
import { handlingStates } from './handling';
import type {
  AcknowledgementParams, CancelDeadlineParams, EndingParams, NoticeParams, RecordFindingParams, ScheduleDeadlineParams, ScheduleEscalationParams,
  SettleNoticesParams,
} from './effects';
import {
  applyEvent, enterStage, refusals, startIncident, handlingMissing, summaryCloses,
  type Effect, type IncidentContext, type IncidentEvent, type IncidentStart, type Step,
} from './incident.rules';

/**
 * The five stages of an emergency plan (处置程序, 000 篇一 §四) as an XState machine.
 * Pure: run it with `initialTransition`/`transition`; the emitted actions (scheduleDeadline,
 * cancelDeadline, notify, recordOutcome) are for the workflow to carry out.
 */

/** Queue a step's context change and its effects, in order. */
function emit(enqueue: any, step: Step) {
  enqueue.assign(() => step.context);
  for (const e of step.effects as Effect[]) enqueue({ type: e.type, params: e.params });
}

/** After handling, a rise in grade by new metrics sends the incident back to handling (a regrade: the action table). */
const reopenOnRise = {
  METRICS: [
    { guard: 'escalates', target: 'categorizedHandling', actions: 'apply' },
    { guard: 'allowed', actions: 'apply' },
  ],
} as const;

export const incidentMachine = setup({
  types: {
    context: {} as IncidentContext,
    events: {} as IncidentEvent,
    input: {} as IncidentStart,
  },
  actions: {
    // Effects: carried out by the workflow, never here.
    scheduleDeadline: (_, _params: ScheduleDeadlineParams) => {},
    cancelDeadline: (_, _params: CancelDeadlineParams) => {},
    notify: (_, _params: NoticeParams) => {},
    recordOutcome: (_, _params: RecordFindingParams) => {},
    settleNotices: (_, _params: SettleNoticesParams) => {},
    recordEnding: (_, _params: EndingParams) => {},
    scheduleEscalation: (_, _params: ScheduleEscalationParams) => {},
    cancelEscalation: (_, _params: CancelDeadlineParams) => {},
    recordAcknowledgement: (_, _params: AcknowledgementParams) => {},
    apply: enqueueActions(({ context, event, enqueue }) => emit(enqueue, applyEvent(context, event))),
    enter: enqueueActions(({ context, event, enqueue }, params: { stage: Stage }) => {
      const e = event as IncidentEvent;
      emit(enqueue, enterStage(context, params.stage, e.at, 'recordedAt' in e ? e.recordedAt : e.at));
    }),
  },
  guards: {
    allowed: ({ context, event }) => refusals(context, event).length === 0,
    /** an ended incident takes no ending again (a cancellation after closing leaves it closed) */
    open: ({ context }) => !isEnding(context.stage),
    handlingDone: ({ context }) => handlingMissing(context) === undefined,
    /** the action closes the incident now (the last summary line; the action table's `closes`) */
    closes: ({ context, event }) => refusals(context, event).length === 0 && 'action' in event && closesIncident(context, event),
    escalates: ({ context, event }) =>
      refusals(context, event).length === 0 && gradeRank(applyEvent(context, event).context.grade) > gradeRank(context.grade),
  },
}).createMachine({
  id: 'incident',
  context: ({ input }) => startIncident(input).context,
  // The start effects (first timers, assignment notices) come from the same pure start as the context.
  entry: enqueueActions(({ event, enqueue }) => {
    const { input } = event as unknown as { input: IncidentStart };
    for (const e of startIncident(input).effects) enqueue({ type: e.type, params: e.params } as never);
  }),
  initial: 'researchAndWarning',
  on: {
    // Accepted in every open stage: the actions the table declares for 'open' (src/machines/actions.ts), readings, timers.
    ...openTransitions(),
    METRICS: { guard: 'allowed', actions: 'apply' },
    REMINDER_DUE: { actions: 'apply' },
    DEADLINE_DUE: { actions: 'apply' },
    ESCALATION_DUE: { actions: 'apply' },
    READING_IGNORED: { actions: 'apply' },
    DELIVERY_FAILED: { actions: 'apply' },
    DELIVERY_RECOVERED: { actions: 'apply' },
    // An operator's cancellation (Web UI, `temporal workflow cancel`): findings are kept.
    CANCEL: { guard: 'open', target: '.cancelled', actions: 'apply' },
  },
  states: {
    researchAndWarning: {
      meta: { label: STAGE_LABELS.researchAndWarning },
      // the actions this stage takes (src/machines/actions.ts)
      on: { ...stageTransitions('researchAndWarning') },
    },
    rapidResponse: {
      meta: { label: STAGE_LABELS.rapidResponse },
      entry: { type: 'enter', params: { stage: 'rapidResponse' } },
      // the actions this stage takes (src/machines/actions.ts)
      on: { ...stageTransitions('rapidResponse') },
    },
    categorizedHandling: {
      meta: { label: STAGE_LABELS.categorizedHandling },
      entry: { type: 'enter', params: { stage: 'categorizedHandling' } },
      // where handling stands, by category or grade, as substates the facts move it between (src/machines/handling.ts)
      ...(handlingStates() as { initial: 'route'; states: Record<string, object> }),
      // the actions this stage takes (src/machines/actions.ts)
      on: { ...stageTransitions('categorizedHandling') },
    },
    dynamicTracking: {
      meta: { label: STAGE_LABELS.dynamicTracking },
      entry: { type: 'enter', params: { stage: 'dynamicTracking' } },
      // the actions this stage takes (src/machines/actions.ts); a rise in grade reopens handling (000 篇一 §四(四); 001 school plan §四(一))
      on: { ...stageTransitions('dynamicTracking'), ...reopenOnRise },
    },
    summaryEvaluation: {
      meta: { label: STAGE_LABELS.summaryEvaluation },
      entry: { type: 'enter', params: { stage: 'summaryEvaluation' } },
      // the actions this stage takes (src/machines/actions.ts); a rise in grade reopens handling (000 篇一 §四(四); 001 school plan §四(一))
      on: { ...stageTransitions('summaryEvaluation'), ...reopenOnRise },
    },
    dismissed: {
      meta: { label: STAGE_LABELS.dismissed },
      entry: { type: 'enter', params: { stage: 'dismissed' } },
      type: 'final',
    },
    closed: {
      meta: { label: STAGE_LABELS.closed },
      entry: { type: 'enter', params: { stage: 'closed' } },
      type: 'final',
    },
    withdrawn: {
      meta: { label: STAGE_LABELS.withdrawn },
      entry: { type: 'enter', params: { stage: 'withdrawn' } },
      type: 'final',
    },
    cancelled: {
      meta: { label: STAGE_LABELS.cancelled },
      entry: { type: 'enter', params: { stage: 'cancelled' } },
      type: 'final',
    },
  },
});

export type IncidentMachine = typeof incidentMachine;
export type IncidentSnapshot = SnapshotFrom<IncidentMachine>;
