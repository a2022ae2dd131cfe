import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { ACTIONS, type ActionName } from '../plan/codes';
import type { IncidentInput, MetricsUpdate } from '../plan/incident.schema';
import type { Plan } from '../plan/plan.schema';
import type { IncidentContext } from '../machines/incident.rules';
import type { IncidentStatus } from '../machines/status';
import type { Stage } from '../plan/codes';
import type { CalendarSlice } from '../plan/calendar';
import type { Roster } from '../roster/roster.schema';
import type { NoticeKind } from '../machines/effects';

/** Messages shared by the workflow and every client: one update per action, a metrics signal, a status query. */
export const WORKFLOW_TYPE = 'incidentWorkflow';
export const DEFAULT_TASK_QUEUE = 'opinion-incidents';

export const workflowIdFor = (incidentId: string) => `incident-${incidentId}`;

export interface IncidentWorkflowInput {
  incident: IncidentInput;
  plan: Plan;
  planHash: string;
  /** v2: the holiday data the incident's day limits are counted with (fixed at start so replay counts the same) */
  calendar?: CalendarSlice;
  /** v4: the unit's duty roster versions when the incident started (owners of role duties are who is on duty) */
  roster?: Roster[];
  /** set when the workflow continues as new: the machine state to resume from */
  resume?: { stage: Stage; context: IncidentContext };
}

export const actionUpdates = Object.fromEntries(
  ACTIONS.map((name) => [name, defineUpdate<IncidentStatus, [unknown]>(name)]),
) as { [K in ActionName]: ReturnType<typeof defineUpdate<IncidentStatus, [unknown], K>> };

export const metricsSignal = defineSignal<[MetricsUpdate]>('metrics');
/** The same reading as an update, for a person or script who must be told when it is refused. */
export const metricsUpdate = defineUpdate<IncidentStatus, [MetricsUpdate]>('recordMetrics');
export const statusQuery = defineQuery<IncidentStatus>('status');
/** The machine's whole state: what `reconcile` needs to write the findings of a terminated incident. */
export const stateQuery = defineQuery<{ stage: Stage; context: IncidentContext }>('state');

/** The dispatcher tells the incident that a notice finally failed, or got through after a re-drive. */
export interface DeliveryReport {
  outcome: 'failed' | 'recovered';
  noticeId: string;
  kind: NoticeKind;
  obligationId?: string;
  reason?: string;
}
export const deliverySignal = defineSignal<[DeliveryReport]>('delivery');

export const SA = {
  stage: defineSearchAttributeKey('IncidentStage', SearchAttributeType.KEYWORD),
  grade: defineSearchAttributeKey('IncidentGrade', SearchAttributeType.KEYWORD),
  category: defineSearchAttributeKey('IncidentCategory', SearchAttributeType.KEYWORD),
  unit: defineSearchAttributeKey('IncidentUnit', SearchAttributeType.KEYWORD),
  nextDeadlineAt: defineSearchAttributeKey('NextDeadlineAt', SearchAttributeType.DATETIME),
  overdueCount: defineSearchAttributeKey('OverdueCount', SearchAttributeType.INT),
  // v1: the earliest unmet due (passed or not), and overdue binding limits and targets counted apart.
  earliestDueAt: defineSearchAttributeKey('EarliestDueAt', SearchAttributeType.DATETIME),
  bindingOverdueCount: defineSearchAttributeKey('BindingOverdueCount', SearchAttributeType.INT),
  targetOverdueCount: defineSearchAttributeKey('TargetOverdueCount', SearchAttributeType.INT),
};

/** Patch ids (docs/versioning.md). A history without the marker runs the code it was recorded with. */
export const PATCHES = {
  /** ledger-only updates (notices recorded, delivered by the dispatcher), endings keep findings, sliced signal backlogs */
  v1: 'v1-outbox-endings',
  /** day limits (1天内, 三日内) counted by the plan's convention with the holiday data fixed into the input */
  v2: 'v2-day-counting',
  /** report lines per reporter and recipient, scope of major-only plans, assessed grades, approval and handling steps */
  v3: 'v3-report-lines',
  /** escalation until acknowledged (timers after the due time), the acknowledge action, the new notice kinds */
  v4: 'v4-escalation',
  /**
   * fair owners: a duty with several possible holders and nobody named names nobody (the reviewer decides) and passes to
   * the department named later; a grade the discoverer enters is an assessment only where they may assess; findings
   * recorded by the plan's reviewers, never about themselves; replies and adoptions are public speech; a step owed by an
   * outside body never blocks closing
   */
  v5: 'v5-fair-owners',
  /**
   * the interpreter only (the rules version stays 5): each step's ledger records are written by a local activity inside
   * the workflow task that made them, not by an activity task the server hands out (a deadline's notice reaches the
   * ledger one server round trip sooner, an update answers sooner); and a deadline or escalation timer is aimed again
   * shortly before its time (a timer runs from the end of the workflow task that set it, so a task that ran late in a
   * burst of new incidents made it fire that much late; the second, short timer is set from a later task's clock)
   */
  v6: 'v6-local-records-reaimed-timers',
} as const;
