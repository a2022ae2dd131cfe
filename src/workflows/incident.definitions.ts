import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { ACTIONS, type ActionName } from '../plan/codes';
import type { IncidentInput, MetricsUpdate } from '../plan/incident.schema';
import type { Plan } from '../plan/plan.schema';
import type { IncidentContext } from '../machines/incident.rules';
import type { IncidentStatus } from '../machines/status';
import type { Stage } from '../plan/codes';

/** Messages shared by the workflow and every client: one update per action, a metrics signal, a status query. */
export const WORKFLOW_TYPE = 'incidentWorkflow';
export const DEFAULT_TASK_QUEUE = 'opinion-incidents';

export const workflowIdFor = (incidentId: string) => `incident-${incidentId}`;

export interface IncidentWorkflowInput {
  incident: IncidentInput;
  plan: Plan;
  planHash: string;
  /** set when the workflow continues as new: the machine state to resume from */
  resume?: { stage: Stage; context: IncidentContext };
}

export const actionUpdates = Object.fromEntries(
  ACTIONS.map((name) => [name, defineUpdate<IncidentStatus, [unknown]>(name)]),
) as { [K in ActionName]: ReturnType<typeof defineUpdate<IncidentStatus, [unknown], K>> };

export const metricsSignal = defineSignal<[MetricsUpdate]>('metrics');
export const statusQuery = defineQuery<IncidentStatus>('status');

export const SA = {
  stage: defineSearchAttributeKey('IncidentStage', SearchAttributeType.KEYWORD),
  grade: defineSearchAttributeKey('IncidentGrade', SearchAttributeType.KEYWORD),
  category: defineSearchAttributeKey('IncidentCategory', SearchAttributeType.KEYWORD),
  unit: defineSearchAttributeKey('IncidentUnit', SearchAttributeType.KEYWORD),
  nextDeadlineAt: defineSearchAttributeKey('NextDeadlineAt', SearchAttributeType.DATETIME),
  overdueCount: defineSearchAttributeKey('OverdueCount', SearchAttributeType.INT),
};
