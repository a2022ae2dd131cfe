import { enqueueActions, setup, type SnapshotFrom } from 'xstate';
import { STAGE_LABELS, gradeRank, isEnding, type Stage } from '../plan/codes';
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

/** After handling, a rise in grade (new metrics or by hand) sends the incident back to handling. */
const reopenOnEscalation = {
  METRICS: [
    { guard: 'escalates', target: 'categorizedHandling', actions: 'apply' },
    { guard: 'allowed', actions: 'apply' },
  ],
  REGRADE: [
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
    closes: ({ context, event }) => refusals(context, event).length === 0 && 'action' in event && summaryCloses(context, event.payload.by),
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
    // Accepted in every open stage.
    METRICS: { guard: 'allowed', actions: 'apply' },
    REGRADE: { guard: 'allowed', actions: 'apply' },
    FINDING: { guard: 'allowed', actions: 'apply' },
    COMMEND: { guard: 'allowed', actions: 'apply' },
    // v3: the 涉事主体 named, the discovery facts corrected (the office, with a reason), in any open stage
    NAME_SUBJECT: { guard: 'allowed', actions: 'apply' },
    NAME_DEPARTMENTS: { guard: 'allowed', actions: 'apply' },
    CORRECT_DISCOVERY: { guard: 'allowed', actions: 'apply' },
    // v4: acknowledging an obligation's notices, in any open stage
    ACKNOWLEDGE: { guard: 'allowed', actions: 'apply' },
    REMINDER_DUE: { actions: 'apply' },
    DEADLINE_DUE: { actions: 'apply' },
    ESCALATION_DUE: { actions: 'apply' },
    READING_IGNORED: { actions: 'apply' },
    DELIVERY_FAILED: { actions: 'apply' },
    DELIVERY_RECOVERED: { actions: 'apply' },
    // Ending an incident on purpose (a person) or by an operator's cancellation: findings are kept.
    WITHDRAW: { guard: 'allowed', target: '.withdrawn', actions: 'apply' },
    CANCEL: { guard: 'open', target: '.cancelled', actions: 'apply' },
  },
  states: {
    researchAndWarning: {
      meta: { label: STAGE_LABELS.researchAndWarning },
      on: {
        REPORT: { guard: 'allowed', actions: 'apply' },
        ASSESS: { guard: 'allowed', target: 'rapidResponse', actions: 'apply' },
        DISMISS: { guard: 'allowed', target: 'dismissed', actions: 'apply' },
        // v3: the first public response never waits on the assessment (its 3 h run from discovery)
        RESPOND: { guard: 'allowed', actions: 'apply' },
        RELEASE: { guard: 'allowed', actions: 'apply' },
      },
    },
    rapidResponse: {
      meta: { label: STAGE_LABELS.rapidResponse },
      entry: { type: 'enter', params: { stage: 'rapidResponse' } },
      on: {
        REPORT: { guard: 'allowed', actions: 'apply' },
        DISPATCH: { guard: 'allowed', actions: 'apply' },
        RESPOND: { guard: 'allowed', actions: 'apply' },
        RELEASE: { guard: 'allowed', actions: 'apply' },
        CLASSIFY: { guard: 'allowed', target: 'categorizedHandling', actions: 'apply' },
        // v3: graded handling without a category (000 篇五, the 001 school plan), and the grade's handling steps
        START_HANDLING: { guard: 'allowed', target: 'categorizedHandling', actions: 'apply' },
        HANDLING_STEP: { guard: 'allowed', actions: 'apply' },
      },
    },
    categorizedHandling: {
      meta: { label: STAGE_LABELS.categorizedHandling },
      entry: { type: 'enter', params: { stage: 'categorizedHandling' } },
      // where handling stands, by category or grade, as substates the facts move it between (src/machines/handling.ts)
      ...(handlingStates() as { initial: 'route'; states: Record<string, object> }),
      on: {
        REPORT: { guard: 'allowed', actions: 'apply' },
        DISPATCH: { guard: 'allowed', actions: 'apply' },
        RESPOND: { guard: 'allowed', actions: 'apply' },
        RELEASE: { guard: 'allowed', actions: 'apply' },
        CLASSIFY: { guard: 'allowed', actions: 'apply' },
        REPLY_OPINION: { guard: 'allowed', actions: 'apply' },
        FINISH_HANDLING: { guard: 'allowed', actions: 'apply' },
        REPLY_RESULT: { guard: 'allowed', actions: 'apply' },
        PUBLISH_FACTS: { guard: 'allowed', actions: 'apply' },
        REFER: { guard: 'allowed', actions: 'apply' },
        ADOPT: { guard: 'allowed', actions: 'apply' },
        // v3: an inquiry reply under an approval step: draft → approve → publish (replyOpinion)
        DRAFT_REPLY: { guard: 'allowed', actions: 'apply' },
        APPROVE: { guard: 'allowed', actions: 'apply' },
        HANDLING_STEP: { guard: 'allowed', actions: 'apply' },
        ASSIGN_TRACKER: { guard: 'allowed', target: 'dynamicTracking', actions: 'apply' },
      },
    },
    dynamicTracking: {
      meta: { label: STAGE_LABELS.dynamicTracking },
      entry: { type: 'enter', params: { stage: 'dynamicTracking' } },
      on: {
        // A rise in grade while tracking reopens handling (000 篇一 §四(四); 001 school plan §四(一)).
        ...reopenOnEscalation,
        REPORT: { guard: 'allowed', actions: 'apply' },
        RESPOND: { guard: 'allowed', actions: 'apply' },
        RELEASE: { guard: 'allowed', actions: 'apply' },
        PUBLISH_FACTS: { guard: 'allowed', actions: 'apply' },
        REFER: { guard: 'allowed', actions: 'apply' },
        REOPEN: { guard: 'allowed', target: 'categorizedHandling', actions: 'apply' },
        SUBSIDE: { guard: 'allowed', target: 'summaryEvaluation', actions: 'apply' },
      },
    },
    summaryEvaluation: {
      meta: { label: STAGE_LABELS.summaryEvaluation },
      entry: { type: 'enter', params: { stage: 'summaryEvaluation' } },
      on: {
        // An incident that flares up again before its summary goes back to handling.
        ...reopenOnEscalation,
        // A report line still owed is made here too: report lines are never moot (closing needs them met).
        REPORT: { guard: 'allowed', actions: 'apply' },
        REOPEN: { guard: 'allowed', target: 'categorizedHandling', actions: 'apply' },
        REFER: { guard: 'allowed', actions: 'apply' },
        // v3: each department's summary line; the incident closes with the last one
        SUBMIT_SUMMARY: [
          { guard: 'closes', target: 'closed', actions: 'apply' },
          { guard: 'allowed', actions: 'apply' },
        ],
      },
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
