import {
  GRADE_LABELS, ROLE_LABELS, STAGE_LABELS, isEnding, isReportKind, label,
  type ActionName, type Category, type Ending, type Grade, type ObligationKind, type ObligationStatus, type Role, type Stage,
} from '../plan/codes';
import type { CalendarSlice } from '../plan/calendar';
import { formatDuration } from '../plan/duration';
import { gradeFromMetrics, isHigher, mergeMetrics } from '../plan/grading';
import type { ActionPayloads, Metrics } from '../plan/incident.schema';
import { escalationRoles, findPerson, resolveRecipients } from '../plan/people';
import type { Plan } from '../plan/plan.schema';
import { formatLocal } from '../plan/time-zone';
import type { Roster } from '../roster/roster.schema';
import { actionRefusals, applyAction } from './actions';
import {
  CLOCK_SKEW_MS, Draft, actingRole, allowedRoles, applyGradeObligations, dur, idTime, inScope, messageContext, rolesOf, setGrade, stageRank,
} from './draft';
import type {
  AcknowledgementParams, CancelDeadlineParams, EndingParams, Finding, NoticeKind, NoticeParams, RecordFindingParams,
  ScheduleDeadlineParams, ScheduleEscalationParams, SettleNoticesParams,
} from './effects';
import { atDueRoles, climb, type EscalationState } from './escalation';
import { isMajor, type LineRef } from './lines';
import { stageText } from './messages';
import { OBLIGATIONS } from './obligations';

/**
 * The rules of an incident as pure functions over plain data: obligations (statutory deadlines),
 * grading, categories and accountability. The machine decides *when* each runs; these decide *what*.
 * Every function takes the time it needs from the event; none reads a clock.
 */

export interface Obligation {
  id: string;
  kind: ObligationKind;
  ownerRole: Role;
  ownerId: string;
  ownerName: string;
  /** the moment named in the rule (discovery, the phone report, the dispatch…) */
  anchorAt: number;
  /** null: no deadline yet ("as appropriate", or handling not finished) */
  dueAt: number | null;
  status: ObligationStatus;
  overdue: boolean;
  metAt?: number;
  /** when the act that met it was recorded (metAt is when it was claimed to happen) */
  metRecordedAt?: number;
  metBy?: string;
  delayMs?: number;
  /** when the due time passed and the obligation was flagged overdue (workflow time) */
  flaggedAt?: number;
  waivedAt?: number;
  waivedReason?: string;
  /** whether the grade behind its limit was assessed by a person or only computed, when the limit was set */
  gradeBasis?: 'assessed' | 'computed' | 'entered';
  /** v5: several hold the owner's role and nobody was named: a lapse names nobody (the reviewer decides) */
  ownerAmbiguous?: boolean;
  /** a day limit whose last day the holiday data does not cover: no due time is guessed (v2) */
  calendarMissing?: { year: number; date: string };
  remindersSent: number;
  /** due times it had before the current one (a grade raised, then lowered, moves a deadline back) */
  earlierDues?: number[];
  /** entering any stage after this one leaves it missed */
  closesWith: Stage;
  source: string;
  /** v3: the report line this obligation is (who owes whom) */
  line?: LineRef;
  /** v3: the grade was lowered after this lapse was flagged (the reviewer weighs it) */
  loweredAfterLapse?: boolean;
  /** v4: its notices' climb after the due time, and who acknowledged them */
  escalation?: EscalationState;
}

export interface TimelineEntry {
  seq: number;
  action: string;
  by?: string;
  role?: Role;
  /** when it happened, as claimed */
  at: number;
  /** when it was recorded */
  recordedAt: number;
  /** recordedAt - at */
  gapMs: number;
  /** the gap is larger than the plan's backdateNotice */
  backdated: boolean;
  stage: Stage;
  details: string;
}

export interface IncidentFacts {
  assessedAt?: number;
  dispatchedAt?: number;
  dispatchedTo?: string;
  respondedAt?: number;
  releasedAt?: number;
  publicFactsAt?: number;
  referredAt?: number;
  referredTo?: 'discipline' | 'police';
  adoptedAt?: number;
  opinionRepliedAt?: number;
  handlingFinishedAt?: number;
  resultRepliedAt?: number;
  tracker?: string;
  subsidedAt?: number;
  closedAt?: number;
  dismissedAt?: number;
  dismissReason?: string;
  /** how the incident ended: the ending's recorded time (never a backdated claim), reason, who */
  ending?: { kind: Ending; at: number; claimedAt?: number; reason?: string; by?: string };
  followUps: number;
  phoneReports: number;
  /** v3: the 涉事主体 named for this incident (000 篇五 §五(二)) and when */
  subject?: string;
  subjectNamedAt?: number;
  /** v3: every report recorded (who, to whom, how, claimed time), so a line created later sees an earlier report */
  reports?: Array<{ by: string; to: string; roles: Role[]; personId?: string; at: number; mode: string; kind?: 'initial' | 'followUp' }>;
  /** v3: the inquiry reply's steps where the plan has an approval step: draft → approve → publish */
  reply?: { draftedAt?: number; draftedBy?: string; approvedAt?: number; approvedBy?: string };
  /** v3: the handling steps the grade required, as recorded */
  steps?: Record<string, { at: number; by: string }>;
  dismissGround?: 'outOfScope' | 'notOurs' | 'notAnIncident';
}

/** A notice the dispatcher gave up on (it tells the workflow), until re-driven. */
export interface UndeliveredNotice {
  noticeId: string;
  kind: NoticeKind;
  obligationId?: string;
  reason: string;
  at: number;
}

export interface IncidentContext {
  incident: {
    id: string;
    title: string;
    summary?: string;
    source?: { url?: string; platform?: string };
    discoveredAt: number;
    discoveredBy: string;
    startedAt: number;
  };
  plan: Plan;
  planHash: string;
  stage: Stage;
  grade: Grade;
  gradeReasons: string[];
  /** the grade the metrics alone give; a reading escalates only when this rises */
  metricsGrade: Grade;
  /** manual: assessed by a person who may; metrics: computed; entered (v5): recorded at entry by a discoverer who does not assess */
  gradeSource: 'metrics' | 'manual' | 'entered';
  metrics: Metrics;
  category?: Category;
  facts: IncidentFacts;
  obligations: Obligation[];
  timeline: TimelineEntry[];
  /** accountability records, in the order they became final (v0 incidents resumed may hold old-shape rows) */
  outcomes: Finding[];
  seq: number;
  /**
   * Which rules the incident runs under: 0 (absent) for incidents started before the v1 change, whose
   * recorded histories must replay unchanged; 1 from then on (docs/versioning.md).
   */
  rulesVersion?: number;
  /** readings that were ignored (in the future, before discovery), counted for the incident's people */
  ignoredReadings?: { count: number; last?: { at: number; reason: string } };
  undelivered?: UndeliveredNotice[];
  /** v2: the holiday data day limits are counted with, fixed into the incident when it started */
  calendar?: CalendarSlice;
  /** v4: the unit's duty roster versions (值班表), fixed into the incident: a role's owner is who is on duty when it is created */
  roster?: Roster[];
  /** v3, major-only plans: when the incident was assessed as 重大 (claimed time), from which its limits run */
  majorAt?: number;
}

export interface IncidentStart {
  incident: {
    id: string;
    title: string;
    summary?: string;
    source?: { url?: string; platform?: string };
    discoveredAt: string;
    discoveredBy: string;
    metrics: Metrics;
    /** v3: the grade the discoverer recorded at entry (an assessment) */
    grade?: Grade;
    subject?: string;
  };
  plan: Plan;
  planHash: string;
  /** when the incident was entered (workflow time) */
  startedAt: number;
  /** see IncidentContext.rulesVersion; absent means 0 */
  rulesVersion?: number;
  calendar?: CalendarSlice;
  /** v4: the unit's duty roster versions (值班表), fixed into the incident: a role's owner is who is on duty when it is created */
  roster?: Roster[];
}

/** Events: one per action (UPPER_SNAKE of its name), plus metrics and timers. */
export type ActionEventType<K extends ActionName> = K extends string ? Uppercase<SnakeCase<K>> : never;
type SnakeCase<S extends string> = S extends `${infer H}${infer T}`
  ? T extends Uncapitalize<T> ? `${Lowercase<H>}${SnakeCase<T>}` : `${Lowercase<H>}_${SnakeCase<T>}`
  : S;

export type ActionEvent = {
  [K in ActionName]: { type: ActionEventType<K>; action: K; payload: ActionPayloads[K]; at: number; recordedAt: number };
}[ActionName];

export type IncidentEvent =
  | ActionEvent
  | { type: 'METRICS'; metrics: Metrics; by?: string; at: number; recordedAt: number }
  | { type: 'REMINDER_DUE'; obligationId: string; index: number; at: number; remindAt?: number }
  | { type: 'DEADLINE_DUE'; obligationId: string; at: number }
  /** v4: a step of an overdue obligation's escalation fell due */
  | { type: 'ESCALATION_DUE'; obligationId: string; step: number; at: number }
  /** the operator cancelled the workflow (Web UI, `temporal workflow cancel`): at is when it was recorded */
  | { type: 'CANCEL'; at: number; reason?: string; identity?: string }
  /** a reading the workflow could not take (a feed's signal cannot be refused): counted and shown */
  | { type: 'READING_IGNORED'; at: number; reason: string }
  /** the dispatcher gave up on a notice, or delivered one it had given up on */
  | { type: 'DELIVERY_FAILED'; noticeId: string; kind: NoticeKind; obligationId?: string; reason: string; at: number }
  | { type: 'DELIVERY_RECOVERED'; noticeId: string; at: number };


export type Effect =
  | { type: 'scheduleDeadline'; params: ScheduleDeadlineParams }
  | { type: 'cancelDeadline'; params: CancelDeadlineParams }
  | { type: 'notify'; params: NoticeParams }
  | { type: 'recordOutcome'; params: RecordFindingParams }
  | { type: 'settleNotices'; params: SettleNoticesParams }
  | { type: 'recordEnding'; params: EndingParams }
  /** v4: the next step of an overdue obligation's escalation, and stopping it */
  | { type: 'scheduleEscalation'; params: ScheduleEscalationParams }
  | { type: 'cancelEscalation'; params: CancelDeadlineParams }
  /** v4: an acknowledgement, for the ledger */
  | { type: 'recordAcknowledgement'; params: AcknowledgementParams };

export interface Step {
  context: IncidentContext;
  effects: Effect[];
}

// ───────────────────────────── start ─────────────────────────────

export function startIncident(input: IncidentStart): Step {
  const discoveredAt = Date.parse(input.incident.discoveredAt);
  const decision = gradeFromMetrics(input.plan, input.incident.metrics);
  const empty: IncidentContext = {
    incident: {
      id: input.incident.id, title: input.incident.title, summary: input.incident.summary,
      source: input.incident.source, discoveredAt, discoveredBy: input.incident.discoveredBy, startedAt: input.startedAt,
    },
    plan: input.plan, planHash: input.planHash,
    stage: 'researchAndWarning',
    grade: decision.grade, gradeReasons: decision.reasons, gradeSource: 'metrics', metricsGrade: decision.grade,
    metrics: input.incident.metrics,
    facts: { followUps: 0, phoneReports: 0 },
    obligations: [], timeline: [], outcomes: [], seq: 0,
    ...(input.calendar ? { calendar: input.calendar } : {}),
    ...((input.rulesVersion ?? 0) >= 4 && input.roster?.length ? { roster: input.roster } : {}),
    // v1 incidents carry their rules version from the first step (v0 contexts stay as they were recorded)
    ...(input.rulesVersion ? { rulesVersion: input.rulesVersion } : {}),
  };
  const v3 = (input.rulesVersion ?? 0) >= 3;
  const entered = v3 ? input.incident.grade : undefined;
  if (entered) {
    // the discoverer's recorded grade is an assessment; a major-only plan's limits then run from discovery
    empty.grade = entered;
    empty.gradeReasons = [`recorded by the discoverer ${input.incident.discoveredBy}`];
    // v5: under a plan for every grade, only a discoverer who may assess assesses (000 篇五: the 涉事主体 or the office);
    // a monitor's entry sets the grade, its limits run, and their findings are marked "grade not assessed"
    const assesses = (input.rulesVersion ?? 0) < 5 || input.plan.scope === 'majorOnly'
      || rolesOf(input.plan, input.incident.discoveredBy).some((r) => allowedRoles(input.plan, 'assess').includes(r));
    empty.gradeSource = assesses ? 'manual' : 'entered';
    if (input.plan.scope === 'majorOnly' && isMajor(entered)) empty.majorAt = discoveredAt;
  }
  if (v3 && input.incident.subject) {
    empty.facts.subject = input.incident.subject;
    empty.facts.subjectNamedAt = discoveredAt;
  }
  const d = new Draft(empty, input.startedAt);
  d.timeline({
    action: 'discover', by: input.incident.discoveredBy, role: rolesOf(input.plan, input.incident.discoveredBy)[0],
    at: discoveredAt,
    details: entered
      ? `${label(GRADE_LABELS, entered, 'zh')} (recorded by the discoverer; computed ${label(GRADE_LABELS, decision.grade, 'zh')}: ${decision.reasons.join(', ')}); plan ${input.plan.id}@${input.plan.version}`
      : `${label(GRADE_LABELS, decision.grade, 'zh')} (${decision.reasons.join(', ')}); plan ${input.plan.id}@${input.plan.version}`,
  });
  if (v3) {
    if (input.plan.scope === 'majorOnly' && !empty.majorAt) {
      d.timeline({ action: 'scope', at: discoveredAt, details: 'major-only plan: no limit runs until the incident is assessed as 重大 (本预案适用于重大网络舆情)' });
    }
    d.syncLines({ kind: 'start' });
  }
  applyGradeObligations(d);
  if ((input.rulesVersion ?? 0) >= 4) {
    // v4: the office knows of every new incident at once (the rule book's 24-hour watch reports to it)
    const roles: Role[] = ['office', 'officeDirector'];
    d.notify('newIncident', 'incident', `at=${idTime(discoveredAt)}`, resolveRecipients(input.plan, roles), roles, {
      facts: { grade: empty.grade, discoveredBy: input.incident.discoveredBy, source: typeof input.incident.source === 'string' ? input.incident.source : (input.incident.source?.url ?? input.incident.source?.platform ?? '') },
    });
  }
  return d.finish(empty);
}

// ───────────────────────────── refusals (shared by guards and update validators) ─────────────────────────────

/**
 * Why an event cannot be taken now, beyond the stage: unknown people, roles the plan does not allow, impossible
 * times, an ended incident; then the action's own (src/machines/actions.ts). Empty when it may go ahead.
 */
export function refusals(ctx: IncidentContext, event: IncidentEvent): string[] {
  const out: string[] = [];
  switch (event.type) {
    case 'REMINDER_DUE': case 'DEADLINE_DUE': case 'ESCALATION_DUE': case 'CANCEL': case 'READING_IGNORED': case 'DELIVERY_FAILED': case 'DELIVERY_RECOVERED':
      return out;
    default: break;
  }
  const plan = ctx.plan;
  // v1: an incident that has ended takes nothing more (the machine's root-level events would otherwise still apply).
  if ((ctx.rulesVersion ?? 0) >= 1 && isEnding(ctx.stage)) {
    return [`${event.type === 'METRICS' ? 'metrics' : event.action}: the incident has ended (${ctx.stage}, ${STAGE_LABELS[ctx.stage].zh}); nothing more can be recorded`];
  }
  if (event.type === 'METRICS') {
    if (event.at < ctx.incident.discoveredAt) out.push('at: is before the incident was discovered');
    if (event.at > event.recordedAt + CLOCK_SKEW_MS) out.push('at: is in the future');
    return out;
  }
  const { action, payload } = event;
  const by = findPerson(plan, payload.by);
  // v3: the discoverer may record the incident as 重大 later (rule book, Scope)
  // (a major-only plan, as 重大 or higher: the scope's assessment; the grades of other plans are the assessors')
  const discovererAssesses = (ctx.rulesVersion ?? 0) >= 3 && event.action === 'assess' && plan.scope === 'majorOnly' && payload.by === ctx.incident.discoveredBy
    && event.payload.grade !== undefined && isMajor(event.payload.grade);
  if (!by) {
    out.push(`by: "${payload.by}" is not a person in plan ${plan.id}`);
  } else if (!actingRole(plan, by.id, action, ctx.rulesVersion ?? 0) && !discovererAssesses) {
    const need = allowedRoles(plan, action, ctx.rulesVersion ?? 0).map((r) => `${r} (${ROLE_LABELS[r].zh})`).join(', ');
    out.push(`by: ${by.id} holds ${by.roles.join(', ')}; action ${action} needs one of: ${need}`);
  }
  if (event.at > event.recordedAt + CLOCK_SKEW_MS) out.push('at: is in the future');
  if (event.at < ctx.incident.discoveredAt) out.push('at: is before the incident was discovered');
  out.push(...actionRefusals(ctx, event));
  return out;
}

// ───────────────────────────── applying events ─────────────────────────────

/** Apply one accepted event. The machine calls this only for events its current stage accepts. */
export function applyEvent(prev: IncidentContext, event: IncidentEvent): Step {
  const now = 'recordedAt' in event ? event.recordedAt : event.at;
  const d = new Draft(prev, now);
  const c = d.ctx;
  switch (event.type) {
    case 'METRICS': {
      c.metrics = mergeMetrics(c.metrics, event.metrics);
      const decision = gradeFromMetrics(c.plan, c.metrics);
      d.timeline({ action: 'metrics', by: event.by, at: event.at, details: JSON.stringify(event.metrics) });
      // Metrics only ever escalate, and only when the readings themselves point higher than before:
      // a grade a person lowered stays lowered until the incident really grows. Lowering is a person's decision (regrade).
      const rose = isHigher(decision.grade, c.metricsGrade);
      c.metricsGrade = decision.grade;
      if (rose && isHigher(decision.grade, c.grade)) {
        if (d.v3 && c.plan.scope === 'majorOnly') {
          // a major-only plan: the figures propose a grade, the proposal starts nothing; the assessors are told at once
          const roles: Role[] = c.plan.assessors ?? ['office', 'officeDirector'];
          d.timeline({ action: 'proposal', by: event.by, at: event.at, details: `computed ${decision.grade} (${decision.reasons.join(', ')}): a proposal; only an assessment starts this plan's limits` });
          d.notify('regrade', `${c.grade}->${decision.grade}/proposed`, `at=${idTime(event.at)}`, resolveRecipients(c.plan, roles), roles, {
            facts: { from: c.grade, to: decision.grade, reason: decision.reasons.join(', '), proposal: true },
          });
        } else setGrade(d, decision.grade, decision.reasons, 'metrics', event.by, event.at);
      }
      break;
    }
    case 'REMINDER_DUE': {
      const ob = c.obligations.find((o) => o.id === event.obligationId);
      // A reminder says how much time is left: none once the deadline has passed (a late-entered incident's past timers).
      if (!ob || ob.status !== 'pending' || ob.dueAt === null || ob.overdue || event.at >= ob.dueAt || ob.remindersSent > event.index) break;
      ob.remindersSent = event.index + 1;
      // The reminder point is how long before the due time it was set for (a plan's "30m"), not when the timer ran.
      const before = formatDuration(ob.dueAt - (event.remindAt ?? event.at));
      d.notify('reminder', ob.id, `before=${before},due=${idTime(ob.dueAt)}`, d.v4 ? d.ownerUnlessAcked(ob) : d.ownerRecipients(ob), [ob.ownerRole], { ob });
      break;
    }
    case 'DEADLINE_DUE': {
      const ob = c.obligations.find((o) => o.id === event.obligationId);
      if (!ob || ob.status !== 'pending' || ob.dueAt === null || ob.overdue || event.at < ob.dueAt) break;
      ob.overdue = true;
      ob.flaggedAt = event.at;
      const owner = findPerson(c.plan, ob.ownerId);
      if (d.v4) {
        // the owner (unless they acknowledged), the policy's first step (unless someone above already acknowledged),
        // and whoever the grade requires, whatever anyone acknowledged
        const esc = ob.escalation ?? { sent: 0 };
        const first = atDueRoles(c.plan, ob.ownerRole, c.grade);
        const roles = [...new Set([...(esc.acked ? [] : first.climb), ...first.required])];
        const recipients = [...d.overdueOwner(ob), ...resolveRecipients(c.plan, roles)].filter((r, i, all) => all.findIndex((x) => x.personId === r.personId) === i);
        d.notify('overdue', ob.id, `due=${idTime(ob.dueAt)}`, recipients, roles, { ob, facts: first.required.length ? { required: first.required.join(',') } : {} });
        ob.escalation = { ...esc, ...(esc.acked ? {} : { next: 0 }) };
      } else {
        const roles = escalationRoles(c.plan, ob.ownerRole);
        d.notify('overdue', ob.id, `due=${idTime(ob.dueAt)}`, resolveRecipients(c.plan, roles, owner ? [{ person: owner, role: ob.ownerRole }] : []), [ob.ownerRole, ...roles], { ob });
      }
      d.timeline({ action: 'overdue', at: event.at, details: `${ob.id} was due ${formatLocal(c.plan.timeZone, ob.dueAt)} (${ob.ownerName})` });
      break;
    }
    case 'ESCALATION_DUE': {
      const ob = c.obligations.find((o) => o.id === event.obligationId);
      const esc = ob?.escalation;
      if (!ob || !esc || ob.status !== 'pending' || ob.dueAt === null || esc.acked || esc.next !== event.step) break;
      const steps = climb(c.plan, ob.ownerRole, ob.dueAt);
      const s = steps[event.step];
      if (!s || event.at < s.at) break;
      const kind: NoticeKind = s.kind === 'unacknowledged' ? 'unacknowledged' : 'escalation';
      const recipients = [...(s.kind === 'unacknowledged' ? [] : d.overdueOwner(ob)), ...resolveRecipients(c.plan, s.roles)]
        .filter((r, i, all) => all.findIndex((x) => x.personId === r.personId) === i);
      d.notify(kind, ob.id, `step=${event.step},due=${idTime(ob.dueAt)}`, recipients, s.roles, { ob, facts: { step: s.label, stepKind: s.kind } });
      d.timeline({
        action: kind, at: event.at,
        details: s.kind === 'unacknowledged'
          ? `${ob.id}: nobody acknowledged after the whole policy; told ${s.roles.join(', ')}`
          : `${ob.id}: escalation ${s.kind} ${s.label} → ${s.roles.join(', ')}`,
      });
      ob.escalation = { ...esc, sent: esc.sent + 1, ...(event.step + 1 < steps.length ? { next: event.step + 1 } : { next: undefined }) };
      if (ob.escalation.next === undefined) delete ob.escalation.next;
      break;
    }
    case 'CANCEL': {
      c.facts.ending = { kind: 'cancelled', at: event.at, reason: event.reason, by: event.identity };
      d.timeline({ action: 'cancel', by: event.identity, at: event.at, details: `cancelled by an operator${event.identity ? ` (${event.identity})` : ''}${event.reason ? `: ${event.reason}` : ''}` });
      break;
    }
    case 'READING_IGNORED': {
      const r = c.ignoredReadings ?? { count: 0 };
      c.ignoredReadings = { count: r.count + 1, last: { at: event.at, reason: event.reason } };
      break;
    }
    case 'DELIVERY_FAILED': {
      const rest = (c.undelivered ?? []).filter((u) => u.noticeId !== event.noticeId);
      c.undelivered = [...rest, { noticeId: event.noticeId, kind: event.kind, obligationId: event.obligationId, reason: event.reason, at: event.at }];
      d.timeline({ action: 'undelivered', at: event.at, details: `notice ${event.noticeId} not delivered: ${event.reason}` });
      // v4: the office is told (by the channels that still work); a failure about a failure notice is not told again
      if (d.v4 && event.kind !== 'deliveryFailed') {
        const roles: Role[] = ['office', 'officeDirector'];
        const ob = c.obligations.find((o) => o.id === event.obligationId);
        d.notify('deliveryFailed', event.noticeId, `at=${idTime(event.at)}`, resolveRecipients(c.plan, roles), roles, {
          ...(ob ? { ob } : {}), facts: { notice: event.noticeId, noticeKind: event.kind, reason: event.reason },
        });
      }
      break;
    }
    case 'DELIVERY_RECOVERED': {
      if (!(c.undelivered ?? []).some((u) => u.noticeId === event.noticeId)) break;
      c.undelivered = (c.undelivered ?? []).filter((u) => u.noticeId !== event.noticeId);
      d.timeline({ action: 'delivered', at: event.at, details: `notice ${event.noticeId} delivered after re-drive` });
      break;
    }
    default:
      applyAction(d, event);
  }
  return d.finish(prev);
}

/**
 * Entering a stage: obligations whose stage has passed and are still unmet become missed;
 * the follow-up cadence ends when the incident subsides; an ending settles every obligation (endObligations).
 */
export function enterStage(prev: IncidentContext, stage: Stage, at: number, recordedAt: number = at): Step {
  const d = new Draft(prev, recordedAt);
  const c = d.ctx;
  const from = c.stage;
  c.stage = stage;
  if (from !== stage) d.timeline({ action: 'stage', at, details: `${STAGE_LABELS[from].zh} → ${STAGE_LABELS[stage].zh}; ${stageText(messageContext(c), stage)}` });
  const ending = c.facts.ending;
  if (d.v1 && ending && stage !== 'closed') {
    endObligations(d, ending.kind, ending.at);
    return d.finish(prev);
  }
  // v5: a step still owed by a body outside the unit when it closes is recorded as unmet (never a finding)
  if (d.v5 && stage === 'closed') {
    for (const ob of c.obligations) if (ob.status === 'pending' && ob.line?.outside) d.unmetAtEnding(ob, d.now, 'closed');
  }
  if (stageRank(stage) < stageRank(from) && stage !== 'dismissed') {
    // Handling reopened: the summary waits for the next time it subsides, follow-up reports resume.
    for (const summary of c.obligations.filter((o) => o.kind === 'summaryReport' && o.status === 'pending')) d.waive(summary, 'handling reopened');
    if (!d.find('followUp') && (!d.v3 || (c.plan.deadlines.followUpEvery && inScope(c)))) {
      d.oblige('followUp', at, at + dur(c.plan.deadlines.followUpEvery ?? '4h'), c.facts.tracker);
    }
  }
  for (const ob of c.obligations) {
    if (ob.status !== 'pending') continue;
    if (stage === 'dismissed') d.waive(ob, 'not an incident');
    else if (OBLIGATIONS[ob.kind].cadence && stageRank(stage) > stageRank(OBLIGATIONS[ob.kind].closesWith) && !ob.overdue) d.waive(ob, 'follow-up reports end when the incident subsides');
    else if (stageRank(stage) > stageRank(ob.closesWith)) {
      if (!d.v1) d.miss(ob, at, `still unmet when ${STAGE_LABELS[ob.closesWith].zh} ended`);
      // v1: a report line is never moot: it stays owed until met or the incident ends.
      else if (isReportKind(ob.kind)) continue;
      // A duty whose due time had passed when the move was recorded is final now; one not yet due is never
      // missed early: the move made it pointless, so it is waived with the reason.
      else if (ob.dueAt !== null && ob.dueAt < d.now) d.miss(ob, d.now, `still unmet when ${STAGE_LABELS[ob.closesWith].zh} ended (due ${formatLocal(c.plan.timeZone, ob.dueAt)})`);
      else d.waive(ob, `${STAGE_LABELS[ob.closesWith].zh} ended before it was due: no longer needed`);
    }
  }
  return d.finish(prev);
}

/**
 * An incident ends (dismissed, withdrawn, cancelled, terminated), judged at the ending's recorded time:
 * what was due before it keeps its finding; a report line not yet due is recorded as unmet at the ending
 * for the reviewer (a dismissal waives it: the duty never arose); every other duty not yet due is waived.
 */
function endObligations(d: Draft, ending: Ending, at: number) {
  const words: Record<Ending, string> = {
    closed: '结案', dismissed: '排除（不构成舆情）', withdrawn: '撤销', cancelled: '操作员取消', terminated: '强制终止',
    timedOut: '运行超时', failed: '运行失败',
  };
  for (const ob of d.ctx.obligations) {
    if (ob.status !== 'pending') continue;
    if (ob.dueAt !== null && ob.dueAt < at) d.miss(ob, at, `事件${words[ending]}时已逾期（应于 ${formatLocal(d.plan.timeZone, ob.dueAt)}）`, ending);
    else if (isReportKind(ob.kind) && ending !== 'dismissed') d.unmetAtEnding(ob, at, ending);
    else d.waive(ob, `incident ${ending} before it was due`);
  }
}

/**
 * The findings an ending leaves, computed from the incident's last state as of the ending's time: used for
 * terminated, timed-out and failed incidents, whose workflow code cannot run (`reconcile`).
 */
export function findingsAtEnding(ctx: IncidentContext, ending: Ending, at: number): Finding[] {
  const d = new Draft({ ...ctx, rulesVersion: Math.max(1, ctx.rulesVersion ?? 0) }, at);
  d.ctx.facts.ending = { kind: ending, at };
  const known = new Set(ctx.outcomes.map((o) => o.id));
  endObligations(d, ending, at);
  return d.ctx.outcomes.filter((o) => !known.has(o.id));
}

// The rules' queries and the action table, for the machine, the workflow and every interface.
export {
  ACCOUNTABILITY_NONE, CLOCK_SKEW_MS, DEFAULT_TARGETS, allowedRoles, bindingOf, bindingOfObligation, dueKey, escalationParams,
  handlingMissing, idTime, inScope, inquiryDayApplies, limitStart, messageContext, missingSteps, ownerRoleOf, rolesOf, scheduleParams,
  summaryCloses,
} from './draft';
export { ACTION_CATEGORIES, categoryAllows, eventTypeOf, planAllows } from './actions';
