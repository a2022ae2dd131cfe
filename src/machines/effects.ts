import type { Ending, Grade, NoticeKind, ObligationKind, OutcomeKind, Role } from '../plan/codes';

/**
 * What the machine asks the world to do. The machine only emits these as action params;
 * the workflow turns each into a durable timer or a ledger write. Delivery to people happens elsewhere
 * (the dispatcher), from the structured notices recorded here.
 */

/** A plan's route: which configured channel carries which notice kinds, about binding obligations only, in which local hours. */
export interface DeliveryRoute {
  channel: string;
  kinds?: NoticeKind[];
  bindingOnly?: boolean;
  hours?: { from: string; to: string };
}

/** One person a notice goes to, resolved from a role through the plan when the notice was recorded. */
export interface Recipient {
  personId: string;
  name: string;
  role: Role;
  contacts: { phone?: string; email?: string; webhook?: string; wecomUserId?: string; dingtalkUserId?: string; feishuOpenId?: string };
}

export { NOTICE_KINDS, type NoticeKind } from '../plan/codes';

/**
 * A notice the incident wants sent: structured data, rendered only when the dispatcher sends it.
 * Its id is built from meaning: incident / kind / what it is about / trigger — never from counters.
 */
export interface NoticeParams {
  noticeId: string;
  incidentId: string;
  unitId: string;
  kind: NoticeKind;
  /** what it is about: an obligation id, or for a regrade `major→especiallyMajor` … */
  about: string;
  /** what caused it: `due=<iso>`, `before=30m,due=<iso>`, `at=<iso>` … */
  trigger: string;
  obligationId?: string;
  obligationKind?: ObligationKind;
  dueAt?: number;
  /** the obligation's owner, where there is one */
  owner?: { personId: string; name: string; role: Role };
  /** roles addressed (kept so who is on duty can be resolved again at delivery time) */
  roles: Role[];
  /** the people addressed, resolved through the plan when the notice was recorded */
  recipients: Recipient[];
  /** v4: the obligation is binding (a voice call at night is kept for these) */
  binding?: boolean;
  /** v4: the report line it is about: who owes whom */
  line?: { label: string; toName: string };
  /** v4: the plan's delivery routes (which channels carry which kinds, when), copied from the plan */
  routes?: DeliveryRoute[];
  /** what the message needs beyond the above (the regrade's grades and reason, a referral's body) */
  facts: Record<string, string | number | boolean>;
  /** what a person needs to render it in their terms */
  incident: { title: string; unitName: string; timeZone: string; language: 'zh' | 'en'; planId: string };
  /** workflow time when it was recorded */
  createdAt: number;
}

/** @deprecated the v0 interpreter's notification (rendered text); kept so running v0 incidents keep working */
export type NotificationKind = 'assigned' | 'reminder' | 'overdue' | 'escalation' | 'info';

/** Whether a limit's breach is a finding (binding) or a missed target. */
export type Binding = 'binding' | 'target';

/**
 * One accountability record (责任追究) about an obligation or a person. Everything a reviewer needs is on
 * it when it is written, so nothing is backfilled. Id: incident / obligation (or person) / source.
 */
export interface Finding {
  id: string;
  incidentId: string;
  unitId: string;
  /** the timers (an obligation has at most one), or a reviewer's finding of a named kind */
  source: 'timers' | `review:${OutcomeKind}`;
  kind: OutcomeKind;
  obligationId?: string;
  obligationKind?: ObligationKind;
  personId?: string;
  personName?: string;
  role: Role;
  /** when it became final (a late report made, an ending, a reviewer's act): workflow time */
  at: number;
  /** what it is about: the act that met the obligation, as claimed and as recorded */
  claimedAt?: number;
  recordedAt?: number;
  dueAt?: number;
  delayMs?: number;
  /** the rule or default applied, with its citation */
  rule?: { basis: 'rule' | 'default'; source: string };
  binding?: Binding;
  /** the plan's accountability clause, or that it has none */
  accountabilityBasis: string;
  /** was the grade behind the limit assessed by a person, or only computed from metrics */
  gradeBasis?: 'assessed' | 'computed' | 'entered';
  grade?: Grade;
  /** for a reply with an approval step: the step still pending at the due time */
  pendingStep?: string;
  /** how the incident ended, for findings written at an ending */
  ending?: Ending;
  /** v3: what the reviewer must know before it counts (rule book, Who decides; Reports; Endings) */
  marks?: FindingMarks;
  /** the plan that produced it, and (v5 on) the rules version (docs/versioning.md) it ran under */
  plan: { id: string; version: string; hash: string; rules?: number };
  /** open until a reviewer confirms, corrects or annuls it; onTime records are not reviewed */
  reviewState: 'open' | 'notReviewed';
  details: string;
  recordedBy?: string;
}

/**
 * Marks on a v3 finding. gradeNotAssessed: its limit came from a grade only computed from the readings — it counts
 * only once the reviewer confirms the grade. ownerNotNamed: the 涉事主体 was not named when the line fell due — the
 * reviewer decides who answers. annulledByDefault: the dismissal said the incident was not within the plan's scope,
 * so the duty never arose (the reviewer may reinstate it). gradeLowered: the lapse happened under a grade since lowered.
 * line: the report line (who owes whom).
 */
export interface FindingMarks {
  gradeNotAssessed?: boolean;
  /** v5: the grade was entered by its discoverer, who does not assess under the plan (gradeNotAssessed too) */
  gradeEntered?: boolean;
  ownerNotNamed?: boolean;
  annulledByDefault?: string;
  gradeLowered?: boolean;
  /** a 通报 whose departments were never named: not booked against anyone, for the reviewer */
  recipientsNotNamed?: boolean;
  line?: { key: string; label: string; toName: string; toPerson?: string };
}

/** @deprecated the v0 record; the ledger's outcomes table still holds and reads these */
export interface Outcome {
  id: string;
  incidentId: string;
  unitId: string;
  kind: OutcomeKind;
  obligationId?: string;
  obligationKind?: ObligationKind;
  personId?: string;
  personName?: string;
  role: Role;
  at: number;
  delayMs?: number;
  dueAt?: number;
  details: string;
  recordedBy?: string;
}

export interface RecordFindingParams {
  finding: Finding;
}

/** An obligation left pending (met, waived, missed, unmet): notices still queued about it are withdrawn. */
export interface SettleNoticesParams {
  incidentId: string;
  obligationId: string;
  reason: string;
}

/** How an incident ended, recorded once. */
export interface EndingParams {
  incidentId: string;
  unitId: string;
  ending: Ending;
  /** the ending as recorded (never a backdated claim) */
  at: number;
  reason?: string;
  by?: string;
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

/** v4: the next escalation step of an overdue obligation (one timer per obligation at a time). */
export interface ScheduleEscalationParams {
  obligationId: string;
  step: number;
  at: number;
  summary: string;
}

/** v4: someone acknowledged an obligation's notices (it never meets the obligation). */
export interface AcknowledgementParams {
  id: string;
  incidentId: string;
  unitId: string;
  obligationId: string;
  personId: string;
  personName: string;
  role: Role;
  scope: 'owner' | 'policy';
  at: number;
  note?: string;
}

export interface CancelDeadlineParams {
  obligationId: string;
}
