import type { ObligationKind, OutcomeKind, Role } from '../plan/codes';

/**
 * What the machine asks the world to do. The machine only emits these as action params;
 * the workflow turns each into a durable timer or an activity call.
 */

/** One person a message goes to, resolved from a role through the plan. */
export interface Recipient {
  personId: string;
  name: string;
  role: Role;
  contacts: { phone?: string; email?: string; webhook?: string };
}

export type NotificationKind = 'assigned' | 'reminder' | 'overdue' | 'escalation' | 'info';

export interface NotifyParams {
  /** deterministic: the same notification is never sent twice */
  notificationId: string;
  incidentId: string;
  unitId: string;
  kind: NotificationKind;
  obligationId?: string;
  recipients: Recipient[];
  subject: string;
  text: string;
}

/** One accountability record (责任追究): who answers, for what, and how late. */
export interface Outcome {
  /** deterministic: `${incidentId}/${obligationId or action seq}/${kind}` */
  id: string;
  incidentId: string;
  unitId: string;
  kind: OutcomeKind;
  obligationId?: string;
  obligationKind?: ObligationKind;
  personId?: string;
  personName?: string;
  role: Role;
  /** when it happened (ms since epoch) */
  at: number;
  /** for late outcomes: how late, in ms */
  delayMs?: number;
  dueAt?: number;
  details: string;
  recordedBy?: string;
}

export interface RecordOutcomeParams {
  outcome: Outcome;
}

export interface ScheduleDeadlineParams {
  obligationId: string;
  dueAt: number;
  /** absolute reminder times before dueAt, earliest first */
  remindAt: number[];
  /** the index of remindAt[0] among all the obligation's reminders (earlier ones were sent) */
  firstReminderIndex: number;
  /** timer summary shown in the Temporal UI */
  summary: string;
}

export interface CancelDeadlineParams {
  obligationId: string;
}
