import {
  CATEGORY_LABELS, GRADE_LABELS, OBLIGATION_LABELS, ROLE_LABELS, STAGE_LABELS, STAGES,
  assertNever, gradeRank, isEnding, isReportKind, label, outcomeLabel,
  type ActionName, type Category, type Ending, type Grade, type ObligationKind, type ObligationStatus, type OutcomeKind, type Role, type Stage,
} from '../plan/codes';
import { formatDuration, parseDuration } from '../plan/duration';
import { gradeFromMetrics, isHigher, mergeMetrics } from '../plan/grading';
import type { ActionPayloads, Metrics } from '../plan/incident.schema';
import { DEFAULT_PERMISSIONS, type Person, type Plan } from '../plan/plan.schema';
import { escalationRoles, findPerson, peopleInRole, resolveRecipients, toRecipient } from '../plan/people';
import type { Recipient } from './effects';
import { endOfLocalDay, formatLocal } from '../plan/time-zone';
import { dayLimit, type CalendarSlice } from '../plan/calendar';
import type {
  Binding, CancelDeadlineParams, EndingParams, Finding, FindingMarks, NoticeKind, NoticeParams, Outcome, RecordFindingParams,
  AcknowledgementParams, ScheduleDeadlineParams, ScheduleEscalationParams, SettleNoticesParams,
} from './effects';
import { stageText, type MessageContext } from './messages';
import {
  isMajor, lineDefs, lineKind, lineLimit, reaches, recipientsOf, reportRecipient, shorterOrNew, type LineRef,
} from './lines';
import type { HandlingStepDef, ReportLineDef } from '../plan/plan.schema';
import { atDueRoles, climb, rolesAbove, type EscalationState } from './escalation';
import { OBLIGATIONS, kindsWhere, perOwner, ruleOf } from './obligations';
import { whoWasOnDuty } from '../roster/on-duty';
import type { Roster } from '../roster/roster.schema';

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
  gradeBasis?: 'assessed' | 'computed';
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
  gradeSource: 'metrics' | 'manual';
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
type ActionEventType<K extends ActionName> = K extends string ? Uppercase<SnakeCase<K>> : never;
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

export function eventTypeOf(action: ActionName): ActionEventType<ActionName> {
  return action.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase() as ActionEventType<ActionName>;
}

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

// ───────────────────────────── helpers ─────────────────────────────

/**
 * A copy a step may change without touching the previous context. Only what steps mutate is copied
 * (facts, metrics, obligations); the plan and the incident are never mutated, and timeline entries and
 * outcomes are only appended, so those arrays are copied shallowly: a long incident stays cheap per event.
 */
function copyContext(c: IncidentContext): IncidentContext {
  return {
    ...c,
    gradeReasons: [...c.gradeReasons],
    metrics: { ...c.metrics },
    facts: { ...c.facts },
    obligations: c.obligations.map((o) => ({ ...o, ...(o.earlierDues ? { earlierDues: [...o.earlierDues] } : {}) })),
    timeline: [...c.timeline],
    outcomes: [...c.outcomes],
  };
}
const dur = (text: string): number => parseDuration(text) ?? 0;
const stageRank = (s: Stage): number => STAGES.indexOf(s);
const laterStage = (a: Stage, b: Stage): Stage => (stageRank(b) > stageRank(a) && stageRank(b) <= stageRank('summaryEvaluation') ? b : a);
/** An obligation of this kind exists and was not waived: a waived one is owed again if its grade or category comes back. */
const owed = (c: IncidentContext, kind: ObligationKind): boolean => c.obligations.some((o) => o.kind === kind && o.status !== 'waived');

/** Binding (a breach is a finding) or a target (a miss is recorded as a target missed), per the plan. */
export function bindingOf(plan: Plan, kind: ObligationKind): Binding {
  return (plan.targets ?? DEFAULT_TARGETS).includes(kind) ? 'target' : 'binding';
}
/** 力争 (firstRelease) and the follow-up cadence (及时) are targets unless a plan says otherwise (the obligation table). */
export const DEFAULT_TARGETS: ObligationKind[] = kindsWhere((d) => d.binding === 'target');

/** Binding or target for one obligation: a report line says so itself (v3), any other limit by the plan's targets. */
export function bindingOfObligation(plan: Plan, ob: Pick<Obligation, 'kind' | 'line'>): Binding {
  if (ob.line) return ob.line.binding ? 'binding' : 'target';
  return bindingOf(plan, ob.kind);
}

/** The words for an obligation's lapse: 迟报/漏报 only for binding report lines; duties under their own name; targets missed. */
function lapseKind(plan: Plan, ob: Pick<Obligation, 'kind' | 'line'>, late: boolean): OutcomeKind {
  if (bindingOfObligation(plan, ob) === 'target') return 'targetMissed';
  if (isReportKind(ob.kind)) return late ? 'late' : 'missed';
  return late ? 'lateDuty' : 'missedDuty';
}

/** A compact UTC instant for ids: 20261201T150000.000Z. Ids never use counters or positions. */
export const idTime = (ms: number): string => new Date(ms).toISOString().replace(/[-:]/g, '');

export function messageContext(ctx: IncidentContext): MessageContext {
  return { lang: ctx.plan.language, timeZone: ctx.plan.timeZone, unitName: ctx.plan.unit.name, title: ctx.incident.title };
}

export function rolesOf(plan: Plan, personId: string): Role[] {
  return findPerson(plan, personId)?.roles ?? [];
}

export function allowedRoles(plan: Plan, action: ActionName): Role[] {
  const own = plan.permissions[action];
  if (own) return own;
  // the plan's assessing roles assess and regrade (000 篇五 §五(二): the 涉事主体)
  if ((action === 'assess' || action === 'regrade') && plan.assessors) return [...new Set([...DEFAULT_PERMISSIONS[action], ...plan.assessors])];
  if (action === 'approve' && plan.approval) return [plan.approval.role];
  if (action === 'handlingStep' && (plan.handlingSteps ?? []).length) return [...new Set((plan.handlingSteps ?? []).flatMap((s) => s.roles))];
  return DEFAULT_PERMISSIONS[action];
}

/** The role a person acts in for an action: the first of their roles the plan allows. */
function actingRole(plan: Plan, personId: string, action: ActionName): Role | undefined {
  const allowed = allowedRoles(plan, action);
  return rolesOf(plan, personId).find((r) => allowed.includes(r));
}

/** The person answerable for a role: the named person if they hold it, else the first in the plan. */
function answerable(plan: Plan, role: Role, preferredId?: string): { id: string; name: string; role: Role } {
  const preferred = preferredId ? findPerson(plan, preferredId) : undefined;
  if (preferred) return { id: preferred.id, name: preferred.name, role: preferred.roles.includes(role) ? role : preferred.roles[0] };
  const first = peopleInRole(plan, role)[0] ?? plan.people[0];
  return { id: first.id, name: first.name, role };
}

function gradeDeadline(plan: Plan, kind: 'publicResponse' | 'firstRelease' | 'dispatch' | 'explanation', grade: Grade): number | undefined {
  const d = plan.deadlines[kind];
  return d && d.grades.includes(grade) ? dur(d.within) : undefined;
}

function firstReportWithin(plan: Plan, grade: Grade): number | undefined {
  const text = plan.deadlines.firstReport?.[grade];
  return text ? dur(text) : undefined;
}

/** The role answerable for a kind: the plan's owner, else the rule book's (v3 plans name only what they have). */
export const ownerRoleOf = (plan: Plan, kind: ObligationKind): Role => plan.owners[kind] ?? OBLIGATIONS[kind].defaultOwner;

/** v3: the limits of a major-only plan run only once the incident is assessed as 重大 (rule book, Scope). */
export function inScope(ctx: IncidentContext): boolean {
  return ctx.plan.scope !== 'majorOnly' || (ctx.majorAt !== undefined && isMajor(ctx.grade));
}

/** v3: the inquiry day (当日内) is a rule of the plans with the four-way split, and runs in scope only. */
export function inquiryDayApplies(ctx: IncidentContext): boolean {
  return ctx.plan.categories !== 'optional' && inScope(ctx);
}

/** v3: the moment the plan's limits run from: discovery, or for a major-only plan the assessment as 重大. */
export function limitStart(ctx: IncidentContext): number {
  return ctx.plan.scope === 'majorOnly' && ctx.majorAt !== undefined ? ctx.majorAt : ctx.incident.discoveredAt;
}

// ───────────────────────────── the draft: change data, collect effects ─────────────────────────────

class Draft {
  readonly ctx: IncidentContext;
  readonly notes: Effect[] = [];
  constructor(prev: IncidentContext, readonly now: number) {
    this.ctx = copyContext(prev);
  }

  get plan() { return this.ctx.plan; }
  /** v1 rules (docs/versioning.md): endings keep findings, cancellation, withdrawal */
  get v1() { return (this.ctx.rulesVersion ?? 0) >= 1; }
  /** v2 rules: day limits counted by the plan's convention with the incident's holiday data */
  get v2() { return (this.ctx.rulesVersion ?? 0) >= 2 && this.ctx.calendar !== undefined; }
  /** v3 rules: report lines per reporter and recipient, scope, assessed grades, approval and handling steps */
  get v3() { return (this.ctx.rulesVersion ?? 0) >= 3; }
  /** v4 rules: escalation until acknowledged, the new notice kinds */
  get v4() { return (this.ctx.rulesVersion ?? 0) >= 4; }

  /** v4: the person the incident's roster has on duty in a role now (the A post), if the roster says. */
  rostered(role: Role): { id: string; name: string; role: Role } | undefined {
    const c = this.ctx;
    if (!this.v4 || !c.roster?.length || !c.calendar) return undefined;
    const duty = whoWasOnDuty(c.roster, role, this.now, c.calendar);
    const first = duty.people[0] ? findPerson(this.plan, duty.people[0].personId) : undefined;
    return first ? { id: first.id, name: first.name, role } : undefined;
  }

  /**
   * The due time of a limit from its anchor. A whole-day limit (1d, 3d) of a day-counted kind is counted as the
   * plan says (v2); one the holiday data cannot settle has no due time and is raised to the office.
   */
  dueFrom(kind: ObligationKind, anchorAt: number, text: string): { dueAt: number | null; missing?: { year: number; date: string } } {
    const days = /^(\d+)d$/.exec(text.trim());
    if (!this.v2 || !days || !OBLIGATIONS[kind].dayCounted) return { dueAt: anchorAt + dur(text) };
    const counting = this.plan.dayCounting ?? { convention: 'civilLaw' as const };
    const r = dayLimit({
      trigger: anchorAt, days: Number(days[1]), timeZone: this.plan.timeZone, convention: counting.convention,
      businessEndsAt: counting.businessEndsAt, calendar: this.ctx.calendar!,
    });
    return r.ok ? { dueAt: r.dueAt } : { dueAt: null, missing: { year: r.year, date: r.date } };
  }

  /** Oblige with a counted limit; a limit the calendar data cannot settle is flagged and told, never guessed. */
  obligeWithin(kind: ObligationKind, anchorAt: number, text: string, ownerPreferred?: string): Obligation {
    const { dueAt, missing } = this.dueFrom(kind, anchorAt, text);
    const ob = this.oblige(kind, anchorAt, dueAt, ownerPreferred);
    if (missing && ob.dueAt === null && !ob.calendarMissing) this.flagCalendarMissing(ob, missing);
    return ob;
  }

  flagCalendarMissing(ob: Obligation, missing: { year: number; date: string }) {
    ob.calendarMissing = missing;
    this.timeline({ action: 'calendarMissing', at: this.now, details: `${ob.id}: holiday data for ${missing.year} is missing (from ${missing.date}); no due time computed` });
    const roles: Role[] = ['office', 'officeDirector'];
    this.notify('calendarMissing', ob.id, `year=${missing.year}`, resolveRecipients(this.plan, roles), roles, { ob, facts: { year: missing.year, date: missing.date } });
  }

  find(kind: ObligationKind): Obligation | undefined {
    return this.ctx.obligations.find((o) => o.kind === kind && o.status === 'pending');
  }

  /**
   * An obligation's id from what created it: the kind alone for the one anchored at discovery, else the kind
   * and the moment (and, for a written report, who phoned). Stable across continue-as-new and versions.
   */
  idFor(kind: ObligationKind, anchorAt: number, owner: string): string {
    if (!this.v1) {
      const n = this.ctx.obligations.filter((o) => o.kind === kind).length;
      return n === 0 ? kind : `${kind}-${n + 1}`;
    }
    // (v3: a summary line per department, like a written report per phone call, names its owner)
    const base = this.perOwner(kind) ? `${kind}/${owner}@${idTime(anchorAt)}` : anchorAt === this.ctx.incident.discoveredAt ? kind : `${kind}@${idTime(anchorAt)}`;
    let id = base;
    // The same kind created twice at one claimed moment (reopened, then subsided again at that instant):
    // the creating step's recording time tells them apart.
    if (this.ctx.obligations.some((o) => o.id === id)) id = `${base}/recorded@${idTime(this.now)}`;
    // v3: and a third at that same recorded instant too (a follow-up made the moment its predecessor was created)
    for (let n = 2; this.v3 && this.ctx.obligations.some((o) => o.id === id); n++) id = `${base}/recorded@${idTime(this.now)}/${n}`;
    return id;
  }

  /** Several of this kind may be pending, one per owner (a written report per phone call; v3: a summary per department). */
  perOwner(kind: ObligationKind): boolean {
    return perOwner(kind, this.ctx.rulesVersion ?? 0);
  }

  /** Add an obligation unless one of this kind is already pending (one per owner where the kind says so). */
  oblige(kind: ObligationKind, anchorAt: number, dueAt: number | null, ownerPreferred?: string): Obligation {
    const existing = this.find(kind);
    if (existing && !this.perOwner(kind)) return existing;
    const ownerRole = ownerRoleOf(this.plan, kind);
    const owner = (!ownerPreferred && this.rostered(ownerRole)) || answerable(this.plan, ownerRole, ownerPreferred);
    const ob: Obligation = {
      id: this.idFor(kind, anchorAt, owner.id), kind, ownerRole: owner.role, ownerId: owner.id, ownerName: owner.name,
      anchorAt, dueAt, status: 'pending', overdue: false, remindersSent: 0,
      // One created after its usual stage (a phone report while tracking) closes with the stage it was created in.
      closesWith: laterStage(OBLIGATIONS[kind].closesWith, this.ctx.stage), source: OBLIGATIONS[kind].source,
      gradeBasis: this.gradeBasis(),
    };
    this.ctx.obligations.push(ob);
    if (dueAt !== null) this.notifyAssigned(ob);
    return ob;
  }

  // ── v3 report lines ──

  /** v3: who owes a line: the discoverer, the named 涉事主体 (nobody yet), a role's person, or the one who relays. */
  lineOwner(def: ReportLineDef, relayer?: string): { id: string; name: string; role: Role; notNamed?: boolean; roles?: Role[]; ambiguous?: boolean } {
    const plan = this.plan;
    const from = def.from;
    const person = (p: Person, role?: Role) => ({ id: p.id, name: p.name, role: role && p.roles.includes(role) ? role : p.roles[0] });
    const ofRole = (r: Role, name?: string) => (peopleInRole(plan, r).length ? this.rostered(r) || answerable(plan, r) : { id: '', name: name ?? ROLE_LABELS[r].zh, role: r });
    // v4: a role on the roster has one owner, the person on duty when the line is created (not several holders)
    const shared = (roles: Role[]) => !roles.every((r) => this.rostered(r)) && roles.flatMap((r) => peopleInRole(plan, r)).length > 1;
    if (from === 'discoverer') {
      const p = findPerson(plan, this.ctx.incident.discoveredBy);
      return p ? person(p) : ofRole('monitor');
    }
    if (from === 'subject') {
      const p = this.ctx.facts.subject ? findPerson(plan, this.ctx.facts.subject) : undefined;
      return p ? person(p, 'department') : { id: '', name: '涉事主体（未指定）', role: 'department', notNamed: true };
    }
    if (from.startsWith('role:')) {
      const r = from.slice(5) as Role;
      return { ...ofRole(r), roles: [r], ambiguous: shared([r]) };
    }
    const relayed = lineDefs(plan).find((l) => l.key === from.slice(6))!;
    const p = relayer ? findPerson(plan, relayer) : undefined;
    // the relayer is the body that received the report: anyone holding one of its roles may pass it on
    if (p) return { id: p.id, name: p.name, role: p.roles.find((r) => relayed.to.includes(r)) ?? p.roles[0], roles: relayed.to };
    return { ...ofRole(relayed.to[0], relayed.toLabel), roles: relayed.to, ambiguous: shared(relayed.to) };
  }

  /** v3: a new line instance, anchored where the rule says (discovery, the assessment, the rise, the relayed report). */
  addLine(def: ReportLineDef, rcpt: { toPerson?: string; toName: string }, anchorAt: number, createdBy: LineRef['createdBy'], o: {
    kind?: ObligationKind; relayOf?: string; relayer?: string;
  } = {}): Obligation {
    const lim = lineLimit(def, this.ctx.grade);
    const within = lim.owed ? lim.within : null;
    const owner = this.lineOwner(def, o.relayer);
    const kind = o.kind ?? lineKind(createdBy);
    // a plan in the old shape keeps the old ids (firstReport, upgradeReport@…): its one line is the first report
    const base = this.plan.reportLines ? `report/${def.key}${rcpt.toPerson ? `/to=${rcpt.toPerson}` : ''}` : kind;
    let id = createdBy === 'start' && anchorAt === this.ctx.incident.discoveredAt ? base : `${base}@${idTime(anchorAt)}`;
    if (this.ctx.obligations.some((x) => x.id === id)) {
      const first = `${id}/recorded@${idTime(this.now)}`;
      id = first;
      for (let n = 2; this.ctx.obligations.some((x) => x.id === id); n++) id = `${first}/${n}`;
    }
    const line: LineRef = {
      key: def.key, label: def.label, to: def.to, ...(rcpt.toPerson ? { toPerson: rcpt.toPerson } : {}), toName: rcpt.toName,
      from: def.from, ...(o.relayOf ? { relayOf: o.relayOf } : {}), createdBy, outside: def.outside, binding: def.binding,
      basis: def.basis, source: def.source, ...(def.writtenAfterPhone ? { writtenAfterPhone: def.writtenAfterPhone } : {}),
      ...(owner.notNamed ? { ownerNotNamed: true } : {}),
      ...(owner.roles ? { ownerRoles: owner.roles } : {}), ...(owner.ambiguous ? { ownerAmbiguous: true } : {}),
    };
    const ob: Obligation = {
      id, kind, ownerRole: owner.role, ownerId: owner.id, ownerName: owner.name, anchorAt,
      dueAt: within === null ? null : anchorAt + within, status: 'pending', overdue: false, remindersSent: 0,
      closesWith: laterStage(OBLIGATIONS[kind].closesWith, this.ctx.stage), source: def.source, gradeBasis: this.gradeBasis(), line,
    };
    this.ctx.obligations.push(ob);
    this.timeline({ action: 'line', at: anchorAt, details: `${id}: ${def.label} — ${owner.name} → ${rcpt.toName}${ob.dueAt === null ? '（无时限，酌情适时上报）' : ''}` });
    if (ob.dueAt !== null) this.notifyAssigned(ob);
    if (def.notify && (createdBy === 'start' || createdBy === 'assessment')) this.addNotifyLine(def, ob);
    return ob;
  }

  /**
   * 000 篇三 §四(二) 同时向有关部门通报: the reporting section owes it with its report. Until the departments are named it
   * is one line with no recipient (flagged, never dropped; a lapse then is marked for the reviewer, not booked).
   */
  addNotifyLine(def: ReportLineDef, primary: Obligation) {
    const n = def.notify!;
    const ob: Obligation = {
      ...primary, id: `${primary.id}/notify`, status: 'pending', overdue: false, remindersSent: 0,
      source: n.source, earlierDues: undefined, metAt: undefined, metBy: undefined, metRecordedAt: undefined,
      line: {
        ...primary.line!, key: `${def.key}/notify`, label: n.label, to: ['department'], toName: '有关部门（待指定）', toPerson: undefined,
        binding: n.binding, basis: n.basis, source: n.source, writtenAfterPhone: undefined, recipientsPending: true, notifyWithin: n.within,
      },
    };
    this.ctx.obligations.push(ob);
    this.timeline({ action: 'line', at: ob.anchorAt, details: `${ob.id}: ${n.label} — ${ob.ownerName} → 有关部门（待指定，请 nameDepartments）` });
  }

  /** The departments of a 通报 named: one line each, due with the report or `within` after naming if later. */
  nameDepartments(ids: string[], at: number) {
    for (const holder of this.ctx.obligations.filter((o) => o.line?.notifyWithin !== undefined && o.status === 'pending' && o.line.recipientsPending)) {
      const l = holder.line!;
      for (const id of ids) {
        const p = findPerson(this.plan, id)!;
        const lineId = `${holder.id}/to=${p.id}`;
        if (this.ctx.obligations.some((o) => o.id === lineId)) continue;
        const afterNaming = at + dur(l.notifyWithin!);
        const dueAt = holder.dueAt === null ? afterNaming : Math.max(holder.dueAt, afterNaming);
        const ob: Obligation = {
          ...holder, id: lineId, anchorAt: at, dueAt, overdue: false, flaggedAt: undefined, remindersSent: 0,
          line: { ...l, toPerson: p.id, toName: p.name, recipientsPending: false },
        };
        this.ctx.obligations.push(ob);
        this.notifyAssigned(ob);
      }
      // the holder stays until the first names come; after that each department's line carries the duty
      if (ids.length) this.waive(holder, `departments named (${ids.join(', ')}): one 通报 line each`);
    }
  }

  linesOf(def: ReportLineDef, toPerson?: string): Obligation[] {
    return this.ctx.obligations.filter((o) => o.line?.key === def.key && o.line.toPerson === toPerson && o.kind !== 'writtenReport');
  }

  /** The owner, or (a line owed by a role, a relay, an unnamed 涉事主体) someone holding the owner's role, records it. */
  ownerMatches(ob: Obligation, by: string): boolean {
    if (ob.ownerId === by) return true;
    const roles = rolesOf(this.plan, by);
    const from = ob.line?.from ?? '';
    if (from === 'subject' && ob.ownerId === '') return roles.includes('department');
    const may = ob.line?.ownerRoles ?? [ob.ownerRole];
    return (from.startsWith('role:') || from.startsWith('relay:')) && roles.some((r) => may.includes(r));
  }

  /**
   * v3: bring the report lines in line with the grade (rule book, Reports and upgradeReport): at the start, at the
   * assessment as 重大 (major-only plans), on a rise (the earlier of the open line's due and rise + new limit; a
   * met line or a new recipient gets a new line), on a fall (the lower grade's limit from the line's own start).
   */
  syncLines(t: { kind: 'start' } | { kind: 'assessment'; at: number; by: string } | { kind: 'rise' | 'fall'; from: Grade; at: number }) {
    const c = this.ctx;
    if (!inScope(c)) {
      // below 重大 in a major-only plan nothing runs: an open line not yet due is waived; a lapse already flagged stays
      for (const ob of c.obligations) {
        if (!ob.line || ob.status !== 'pending') continue;
        if (!ob.overdue) this.waive(ob, `reassessed as ${c.grade}: outside this plan's scope (本预案仅适用于重大网络舆情)`);
        else ob.loweredAfterLapse = true;
      }
      return;
    }
    for (const def of lineDefs(this.plan)) {
      const lim = lineLimit(def, c.grade);
      const relay = def.from.startsWith('relay:');
      for (const rcpt of recipientsOf(this.plan, def)) {
        const all = this.linesOf(def, rcpt.toPerson).filter((o) => o.status !== 'waived');
        const open = all.find((o) => o.status === 'pending');
        if (t.kind === 'start' || t.kind === 'assessment') {
          // a relay starts when the report reaches the relayer (or at the relayer's own assessment)
          if (relay || !lim.owed || all.length) continue;
          const ob = this.addLine(def, rcpt, t.kind === 'start' ? c.incident.discoveredAt : t.at, t.kind);
          if (t.kind === 'assessment') {
            this.meetByAssessment(ob, t.at, t.by);
            // an assessment recorded after the fact: a report made to that recipient since its claimed time meets the line
            if (ob.status === 'pending') this.meetBySince(ob, t.at);
          }
          continue;
        }
        if (t.kind === 'rise') {
          // (a rise claimed before the limits ran counts from their start: never a line before the assessment as 重大)
          const riseAt = Math.max(t.at, limitStart(c));
          if (!lim.owed) continue;
          // a relay not yet started starts when the report reaches the relayer
          if (relay && all.length === 0) continue;
          if (all.length && !shorterOrNew(def, t.from, c.grade)) continue;
          if (open) {
            // a rise claimed before the line began counts from the line's own start (never due before it existed)
            const due = lim.within === null ? null : Math.max(riseAt, open.anchorAt) + lim.within;
            if (due !== null && (open.dueAt === null || due < open.dueAt)) this.setDue(open, due);
          } else {
            const last = all[all.length - 1];
            const ob = this.addLine(def, rcpt, riseAt, 'rise', { kind: all.length ? 'upgradeReport' : 'firstReport', relayer: relay ? last?.ownerId : undefined });
            // a rise recorded after the fact: a report its owner made to that recipient since the rise's claimed time meets it
            this.meetBySince(ob, riseAt);
          }
          continue;
        }
        // fall: never a lapse already flagged (it stays, marked for the reviewer); a line the lower grade does not owe is waived
        if (open?.overdue) open.loweredAfterLapse = true;
        if (!open || open.overdue) continue;
        if (!lim.owed) this.waive(open, `not owed at grade ${c.grade}`);
        else this.setDue(open, lim.within === null ? null : open.anchorAt + lim.within);
      }
    }
    if (t.kind === 'assessment') this.relayAtAssessment(t.at, t.by);
  }

  /** A line created by a step recorded after the fact is met by the earliest report its owner made to that recipient since. */
  meetBySince(ob: Obligation, since: number) {
    const made = (this.ctx.facts.reports ?? [])
      .filter((r) => r.kind !== 'followUp' && r.at >= since && reaches(ob.line!, r) && this.ownerMatches(ob, r.by))
      .sort((a, b) => a.at - b.at)[0];
    if (made) this.meet(ob, made.at, made.by);
  }

  /** A line owed to the assessor is met by the assessment itself, or by an earlier recorded report to it (rule book, Scope). */
  meetByAssessment(ob: Obligation, at: number, by: string) {
    const assessor = findPerson(this.plan, by);
    if (!assessor || !ob.line || !reaches(ob.line, { roles: assessor.roles, personId: assessor.id })) return;
    const earlier = (this.ctx.facts.reports ?? []).find((r) => r.kind !== 'followUp' && r.at <= at && reaches(ob.line!, r) && this.ownerMatches(ob, r.by));
    if (earlier) this.meet(ob, earlier.at, earlier.by);
    else {
      ob.line.metByAssessment = true;
      this.meet(ob, at, ob.ownerId || by);
    }
  }

  /** Relays start when a line is met (at the report's claimed time), owed by the one it reached (rule book, Reports). */
  startRelays(met: Obligation, reached: { roles: Role[]; personId?: string }) {
    if (!inScope(this.ctx) || !met.line) return;
    const relayer = reached.personId ?? (peopleInRole(this.plan, met.line.to[0])[0]?.id);
    for (const def of lineDefs(this.plan)) {
      if (def.from !== `relay:${met.line.key}` || !lineLimit(def, this.ctx.grade).owed) continue;
      for (const rcpt of recipientsOf(this.plan, def)) {
        if (this.linesOf(def, rcpt.toPerson).some((o) => o.status === 'pending')) continue;
        // never before the limits run (a report backdated before the assessment as 重大)
        this.addLine(def, rcpt, Math.max(met.metAt!, limitStart(this.ctx)), 'relay', { relayOf: met.id, relayer, kind: met.kind === 'upgradeReport' ? 'upgradeReport' : 'firstReport' });
      }
    }
  }

  /** A relayer's own assessment, before the report reached it, starts its relay lines (rule book, Reports). */
  relayAtAssessment(at: number, by: string) {
    const p = findPerson(this.plan, by);
    if (!p || !inScope(this.ctx)) return;
    for (const def of lineDefs(this.plan)) {
      if (!def.from.startsWith('relay:') || !lineLimit(def, this.ctx.grade).owed) continue;
      const relayed = lineDefs(this.plan).find((l) => l.key === def.from.slice(6));
      if (!relayed || !p.roles.some((r) => relayed.to.includes(r))) continue;
      for (const rcpt of recipientsOf(this.plan, def)) {
        if (this.linesOf(def, rcpt.toPerson).length) continue;
        this.addLine(def, rcpt, at, 'relay', { relayer: p.id });
      }
    }
  }

  gradeBasis(): 'assessed' | 'computed' {
    return this.ctx.gradeSource === 'manual' ? 'assessed' : 'computed';
  }

  setDue(ob: Obligation, dueAt: number | null) {
    if (ob.status !== 'pending' || ob.dueAt === dueAt) return;
    if (ob.dueAt !== null) ob.earlierDues = [...(ob.earlierDues ?? []), ob.dueAt];
    ob.dueAt = dueAt;
    ob.overdue = false;
    ob.remindersSent = 0;
    ob.gradeBasis = this.gradeBasis();
    if (dueAt !== null) this.notifyAssigned(ob);
  }

  /** Meet an obligation claimed at `at` by `by`; late if after its due time. */
  meet(ob: Obligation | undefined, at: number, by: string) {
    if (!ob || ob.status !== 'pending') return;
    if (ob.line && ob.ownerId !== by && (ob.line.from.startsWith('role:') || ob.line.from.startsWith('relay:')) && this.ownerMatches(ob, by)) {
      // a line owed by a role (or a body relaying) is made by one of its holders: that person answers for it
      const p = findPerson(this.plan, by)!;
      const may = ob.line.ownerRoles ?? [ob.ownerRole];
      ob.ownerId = p.id;
      ob.ownerName = p.name;
      ob.ownerRole = p.roles.find((r) => may.includes(r)) ?? ob.ownerRole;
      ob.line = { ...ob.line, ownerAmbiguous: false };
    }
    ob.metAt = at;
    ob.metRecordedAt = this.now;
    ob.metBy = by;
    const late = ob.dueAt !== null && at > ob.dueAt;
    ob.status = late ? 'late' : 'met';
    if (late) ob.delayMs = at - (ob.dueAt as number);
    const zh = ob.line ? ob.line.label : label(OBLIGATION_LABELS, ob.kind, 'zh');
    const kind = late ? lapseKind(this.plan, ob, true) : 'onTime';
    if (ob.line?.outside) {
      // owed by a body outside the unit: recorded, never a finding against the unit's people
      this.timeline({ action: 'outsideLine', at, details: `${ob.id}: ${late ? `made ${formatDuration(ob.delayMs!)} after its limit` : 'made in time'} (${ob.line.label})` });
      return;
    }
    this.outcome(kind, ob, at, late
      ? `${outcomeLabel(kind, ob.kind, 'zh')}：迟${formatDuration(ob.delayMs!)} (${ob.source})`
      : `${zh}按时完成 (${ob.source})`, by, undefined, { claimedAt: at, recordedAt: this.now });
  }

  waive(ob: Obligation, why: string) {
    if (ob.status !== 'pending') return;
    ob.status = 'waived';
    // A waived obligation was never met: it carries the waiver's time, not a met time.
    ob.waivedAt = this.now;
    ob.waivedReason = why;
    this.timeline({ action: 'waive', at: this.now, details: `${ob.id}: ${why}` });
  }

  miss(ob: Obligation, at: number, why: string, ending?: Ending) {
    if (ob.status !== 'pending') return;
    if (ob.line?.recipientsPending) {
      // no department was ever named: not booked against anyone (rule book, 000 篇三 通报), for the reviewer
      this.unmetAtEnding(ob, at, ending ?? 'closed');
      return;
    }
    ob.status = 'missed';
    if (ob.line?.outside) {
      this.timeline({ action: 'outsideLine', at, details: `${ob.id}: not made (${ob.line.label}): ${why}` });
      return;
    }
    const kind = lapseKind(this.plan, ob, false);
    this.outcome(kind, ob, at, `${outcomeLabel(kind, ob.kind, 'zh')}：${why} (${ob.source})`, undefined, undefined, { ending });
  }

  /** A report line not yet due when the incident was cancelled or withdrawn: for the reviewer, neither waived nor 漏报. */
  unmetAtEnding(ob: Obligation, at: number, ending: Ending) {
    if (ob.status !== 'pending') return;
    ob.status = 'unmet';
    if (ob.line?.outside) {
      this.timeline({ action: 'outsideLine', at, details: `${ob.id}: unmet at the ending (${ob.line.label})` });
      return;
    }
    const due = ob.dueAt === null ? '无时限 / no limit' : formatLocal(this.plan.timeZone, ob.dueAt);
    this.outcome('unmetAtEnding', ob, at, `${label(OBLIGATION_LABELS, ob.kind, 'zh')}结束时未完成（应于 ${due}）(${ob.source})`, undefined, undefined, { ending });
  }

  outcome(
    kind: OutcomeKind, ob: Obligation | undefined, at: number, details: string, recordedBy?: string,
    who?: { id: string; name: string; role: Role }, extra: { claimedAt?: number; recordedAt?: number; ending?: Ending; source?: Finding['source']; collective?: string } = {},
  ) {
    const c = this.ctx;
    const person = who ?? (ob ? { id: ob.ownerId, name: ob.ownerName, role: ob.ownerRole } : undefined);
    if (!person) throw new Error('an outcome needs a person');
    const marks = this.v3 && ob && !who ? this.marksFor(ob, kind) : undefined;
    const source: Finding['source'] = extra.source ?? (ob && !who ? 'timers' : `review:${kind}`);
    // v1 ids: incident / obligation (or person) / source. The timers give an obligation one record at most.
    const onPerson = this.v3 && ob && who ? `/person=${who.id}` : '';
    const id = this.v1
      ? `${c.incident.id}/${ob ? `${ob.id}${onPerson}` : extra.collective !== undefined ? `collective=${extra.collective}` : `person=${person.id}`}/${source}`
      : `${c.incident.id}/${ob ? ob.id : `action-${c.seq}`}/${kind}`;
    const f: Finding = {
      id, incidentId: c.incident.id, unitId: c.plan.unit.id, source, kind,
      obligationId: ob?.id, obligationKind: ob?.kind,
      // a line whose 涉事主体 was never named names nobody: the reviewer decides who answers
      // (a 通报 whose departments were never named is marked for the reviewer, not booked against anyone)
      personId: person.id === '' || ((ob?.line?.ownerAmbiguous || ob?.line?.recipientsPending) && !who) ? undefined : person.id,
      personName: ob?.line?.ownerAmbiguous && !who ? `${ROLE_LABELS[person.role].zh}（未确定具体人员）` : person.name, role: person.role,
      at, claimedAt: extra.claimedAt, recordedAt: extra.recordedAt,
      dueAt: ob?.dueAt ?? undefined,
      delayMs: ob?.delayMs !== undefined && (kind === 'late' || kind === 'lateDuty' || kind === 'targetMissed') ? ob.delayMs : undefined,
      rule: ob ? (ob.line ? { basis: ob.line.basis, source: ob.line.source } : ruleOf(ob.kind)) : undefined,
      binding: ob ? bindingOfObligation(c.plan, ob) : undefined,
      accountabilityBasis: c.plan.accountability?.basis ?? ACCOUNTABILITY_NONE,
      gradeBasis: ob ? (ob.gradeBasis ?? (c.gradeSource === 'manual' ? 'assessed' : 'computed')) : undefined,
      grade: c.grade,
      ending: extra.ending,
      ...(marks && Object.keys(marks).length ? { marks } : {}),
      ...(this.v3 && ob?.kind === 'inquiryOpinion' && c.plan.approval && kind !== 'onTime' ? { pendingStep: this.pendingReplyStep(ob) } : {}),
      plan: { id: c.plan.id, version: c.plan.version, hash: c.planHash },
      reviewState: kind === 'onTime' || kind === 'commendation' ? 'notReviewed' : 'open',
      details, recordedBy,
    };
    c.outcomes.push(f);
  }

  /**
   * Record a notice to send: who, about what, why. Its id is incident / kind / about / trigger, so the same
   * notice recorded twice (a retry, a replay) is one row, and two incidents never share one.
   */
  notify(kind: NoticeKind, about: string, trigger: string, recipients: Recipient[], roles: Role[], extra: {
    ob?: Obligation; facts?: NoticeParams['facts'];
  } = {}) {
    if (recipients.length === 0) return;
    const c = this.ctx;
    const ob = extra.ob;
    const params: NoticeParams = {
      noticeId: `${c.incident.id}/${kind}/${about}/${trigger}`,
      incidentId: c.incident.id, unitId: this.plan.unit.id, kind, about, trigger,
      obligationId: ob?.id, obligationKind: ob?.kind, dueAt: ob?.dueAt ?? undefined,
      owner: ob ? { personId: ob.ownerId, name: ob.ownerName, role: ob.ownerRole } : undefined,
      roles, recipients, facts: extra.facts ?? {},
      ...(this.v4 && ob ? { binding: bindingOfObligation(this.plan, ob) === 'binding', ...(ob.line ? { line: { label: ob.line.label, toName: ob.line.toName } } : {}) } : {}),
      ...(this.v4 && this.plan.delivery ? { routes: this.plan.delivery.routes } : {}),
      incident: { title: c.incident.title, unitName: this.plan.unit.name, timeZone: this.plan.timeZone, language: this.plan.language, planId: this.plan.id },
      createdAt: this.now,
    };
    this.notes.push({ type: 'notify', params });
  }

  /** v3 marks for a finding the timers give about an obligation (effects.ts FindingMarks). */
  marksFor(ob: Obligation, kind: OutcomeKind): FindingMarks {
    const m: FindingMarks = {};
    if (kind === 'onTime') return m;
    if (ob.gradeBasis === 'computed' && this.plan.scope !== 'majorOnly') m.gradeNotAssessed = true;
    const l = ob.line;
    if (l) {
      m.line = { key: l.key, label: l.label, toName: l.toName, ...(l.toPerson ? { toPerson: l.toPerson } : {}) };
      if (l.recipientsPending) m.recipientsNotNamed = true;
      // the 涉事主体 was not named when the line fell due (or never): the reviewer decides who answers
      if (l.ownerNotNamed && (l.ownerNamedAt === undefined || (ob.dueAt !== null && l.ownerNamedAt > ob.dueAt))) m.ownerNotNamed = true;
      // a role with several holders, none of whom made the report: which of them answers is the reviewer's call
      if (l.ownerAmbiguous) m.ownerNotNamed = true;
      // a 涉事主体 line that fell due before the 涉事主体 answering for it was named
      const named = this.ctx.facts.subjectNamedAt;
      if (l.from === 'subject' && named !== undefined && ob.dueAt !== null && named > ob.dueAt) m.ownerNotNamed = true;
    }
    if (((ob.earlierDues ?? []).some((d) => ob.dueAt !== null && d < ob.dueAt) && ob.flaggedAt !== undefined) || ob.loweredAfterLapse) m.gradeLowered = true;
    const f = this.ctx.facts;
    if (f.dismissGround === 'outOfScope') m.annulledByDefault = '不属于本预案适用范围（非重大网络舆情）/ not within this plan\'s scope';
    return m;
  }

  /** For a late or missing reply under an approval step: the step still pending at its due time (rule book, Approval). */
  pendingReplyStep(ob: Obligation): string {
    const r = this.ctx.facts.reply ?? {};
    const due = ob.dueAt ?? this.now;
    if (r.draftedAt === undefined || r.draftedAt > due) return 'draft (起草)';
    if (r.approvedAt === undefined || r.approvedAt > due) return 'approval (审定)';
    return 'publish (发布)';
  }

  ownerRecipients(ob: Obligation): Recipient[] {
    // a line whose 涉事主体 is not named yet, or one owed by an outside body: the office is told
    if (ob.line && (ob.ownerId === '' || ob.line.outside)) return resolveRecipients(this.plan, ['office', 'officeDirector', 'leaderInCharge']);
    const owner = findPerson(this.plan, ob.ownerId);
    return owner ? [toRecipient(owner, ob.ownerRole)] : resolveRecipients(this.plan, [ob.ownerRole]);
  }

  notifyAssigned(ob: Obligation) {
    if (ob.dueAt === null) return;
    // The trigger is the due time and the moment it was set: a deadline moved back to an earlier value is told again.
    // v4: an upgrade report owed and a summary due are told in their own words
    const kind: NoticeKind = (this.v4 && OBLIGATIONS[ob.kind].assignedNotice) || 'assigned';
    this.notify(kind, ob.id, `due=${idTime(ob.dueAt)},set=${idTime(this.now)}`, this.ownerRecipients(ob), [ob.ownerRole], { ob });
  }

  /** v4: the owner's recipients, unless the owner acknowledged (their acknowledgement stops the notices to them). */
  ownerUnlessAcked(ob: Obligation): Recipient[] {
    return ob.escalation?.ownerAckedAt !== undefined ? [] : this.ownerRecipients(ob);
  }

  /** v4, once overdue: the owner in person (an outside body's liaison too), unless they acknowledged. */
  overdueOwner(ob: Obligation): Recipient[] {
    if (ob.escalation?.ownerAckedAt !== undefined) return [];
    const owner = ob.ownerId ? findPerson(this.plan, ob.ownerId) : undefined;
    return owner ? [toRecipient(owner, ob.ownerRole)] : this.ownerRecipients(ob);
  }

  timeline(e: { action: string; by?: string; role?: Role; at: number; details: string }) {
    const c = this.ctx;
    c.seq += 1;
    const gapMs = Math.max(0, this.now - e.at);
    c.timeline.push({
      seq: c.seq, action: e.action, by: e.by, role: e.role, at: e.at, recordedAt: this.now, gapMs,
      backdated: gapMs > dur(c.plan.backdateNotice), stage: c.stage, details: e.details,
    });
  }

  /** Turn the changes into effects: timers for new or moved deadlines, cancels, ledger records. */
  finish(prev: IncidentContext): Step {
    const effects: Effect[] = [];
    const before = new Map(prev.obligations.map((o) => [o.id, o]));
    const settled: SettleNoticesParams[] = [];
    for (const ob of this.ctx.obligations) {
      const old = before.get(ob.id);
      const wasTimed = old !== undefined && old.status === 'pending' && old.dueAt !== null && !old.overdue;
      const isTimed = ob.status === 'pending' && ob.dueAt !== null && !ob.overdue;
      if (isTimed && (!wasTimed || old!.dueAt !== ob.dueAt)) {
        effects.push({ type: 'scheduleDeadline', params: scheduleParams(this.ctx, ob) });
      } else if (wasTimed && !isTimed && !(ob.status === 'pending' && ob.overdue)) {
        effects.push({ type: 'cancelDeadline', params: { obligationId: ob.id } });
      }
      if (old?.status === 'pending' && ob.status !== 'pending') {
        settled.push({ incidentId: this.ctx.incident.id, obligationId: ob.id, reason: ob.status });
      }
    }
    // An assignment notice for an obligation met or waived in the same step would ask for something already done.
    const stillPending = (id?: string) => this.ctx.obligations.some((o) => o.id === id && o.status === 'pending');
    const assigning = (k: NoticeKind) => k === 'assigned' || k === 'upgradeOwed' || k === 'summaryDue';
    effects.push(...this.notes.filter((n) => !(n.type === 'notify' && assigning(n.params.kind) && !stillPending(n.params.obligationId))));
    // v4: an escalation's next step is a timer of its own; met, acknowledged or run out, it is stopped
    for (const ob of this.ctx.obligations) {
      const was = before.get(ob.id)?.escalation?.next;
      const now = ob.status === 'pending' ? ob.escalation?.next : undefined;
      // (a due time moved while the climb runs — a corrected discovery — moves its next step too)
      if (now !== undefined && (now !== was || before.get(ob.id)?.dueAt !== ob.dueAt)) effects.push({ type: 'scheduleEscalation', params: escalationParams(this.ctx, ob)! });
      else if (was !== undefined && now === undefined && before.get(ob.id)?.status === 'pending') effects.push({ type: 'cancelEscalation', params: { obligationId: ob.id } });
    }
    const known = new Set(prev.outcomes.map((o) => o.id));
    for (const o of this.ctx.outcomes) if (!known.has(o.id)) effects.push({ type: 'recordOutcome', params: { finding: o } });
    // Queued reminders and overdue notices about an obligation no longer pending are not sent.
    for (const p of settled) effects.push({ type: 'settleNotices', params: p });
    const ending = this.ctx.facts.ending;
    if (ending && !prev.facts.ending) {
      effects.push({ type: 'recordEnding', params: { incidentId: this.ctx.incident.id, unitId: this.plan.unit.id, ending: ending.kind, at: ending.at, reason: ending.reason, by: ending.by } });
    }
    return { context: this.ctx, effects };
  }
}

/** Said on every finding of a plan that names no accountability clause. */
export const ACCOUNTABILITY_NONE = 'none stated in the plan (本预案未规定责任追究条款)';

/**
 * The due-time part of a v0 deadline notice's id (kept for incidents started before v1).
 */
export function dueKey(ob: Obligation): string {
  const round = (ob.earlierDues ?? []).filter((d) => d === ob.dueAt).length;
  return round === 0 ? `${ob.dueAt}` : `${ob.dueAt}/${round + 1}`;
}

export function scheduleParams(ctx: IncidentContext, ob: Obligation): ScheduleDeadlineParams {
  const dueAt = ob.dueAt as number;
  const remindAt = ctx.plan.reminders
    .map((r) => dueAt - dur(r))
    .filter((t) => t > ob.anchorAt)
    .sort((a, b) => a - b)
    .slice(ob.remindersSent);
  const summary = `${ob.id} (${label(OBLIGATION_LABELS, ob.kind, ctx.plan.language)}) due ${formatLocal(ctx.plan.timeZone, dueAt)} → ${ob.ownerName}`;
  return { obligationId: ob.id, dueAt, remindAt, firstReminderIndex: ob.remindersSent, summary };
}

/** v4: the timer for an obligation's next escalation step (none when its climb stopped or ran out). */
export function escalationParams(ctx: IncidentContext, ob: Obligation): ScheduleEscalationParams | undefined {
  const next = ob.escalation?.next;
  if (next === undefined || ob.dueAt === null) return undefined;
  const s = climb(ctx.plan, ob.ownerRole, ob.dueAt)[next];
  if (!s) return undefined;
  const what = s.kind === 'unacknowledged' ? 'nobody acknowledged' : `${s.kind} ${s.label}`;
  return { obligationId: ob.id, step: next, at: s.at, summary: `escalation ${what}: ${ob.id} → ${s.roles.join(', ')}` };
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
    empty.gradeSource = 'manual';
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

/** Obligations that depend on the grade: created, re-timed or waived whenever the grade changes. */
function applyGradeObligations(d: Draft) {
  const c = d.ctx;
  const plan = c.plan;
  const t0 = c.incident.discoveredAt;

  const scoped = !d.v3 || inScope(c);
  if (!d.v3) {
    const frWithin = firstReportWithin(plan, c.grade);
    const fr = c.obligations.find((o) => o.kind === 'firstReport');
    if (!fr) d.oblige('firstReport', t0, frWithin === undefined ? null : t0 + frWithin, c.incident.discoveredBy);
    else d.setDue(fr, frWithin === undefined ? null : t0 + frWithin);
  }
  // v3: the response limits run from the plan's start (a major-only plan: the assessment as 重大), in scope only
  const start = d.v3 ? limitStart(c) : t0;

  for (const kind of ['publicResponse', 'firstRelease'] as const) {
    const within = scoped ? gradeDeadline(plan, kind, c.grade) : undefined;
    const pending = d.find(kind);
    const ever = owed(c, kind);
    if (within !== undefined) {
      if (pending) d.setDue(pending, start + within);
      else if (!ever) d.oblige(kind, start, start + within);
    } else if (pending && !(d.v3 && pending.overdue)) {
      d.waive(pending, `not required for grade ${c.grade}`);
    } else if (pending) {
      // v3: a lapse flagged before the grade fell stays, marked for the reviewer
      pending.loweredAfterLapse = true;
    }
  }
  // v3: below a major-only plan's scope the follow-up cadence stops (a lapse already flagged stays)
  if (d.v3 && !scoped) {
    const fu = d.find('followUp');
    if (fu && !fu.overdue) d.waive(fu, `reassessed as ${c.grade}: outside this plan's scope`);
  }
  // v3, major-only: an inquiry classified before the assessment as 重大 owes its opinion from the assessment's day
  if (d.v3 && c.category === 'inquiry' && inquiryDayApplies(c) && !owed(c, 'inquiryOpinion')) {
    d.oblige('inquiryOpinion', start, endOfLocalDay(plan.timeZone, start), c.facts.dispatchedTo);
  }

  // dispatch and explanation run from the assessment / dispatch moments (general incidents).
  const dispatchWithin = scoped ? gradeDeadline(plan, 'dispatch', c.grade) : undefined;
  const dispatch = d.find('dispatch');
  if (c.facts.assessedAt !== undefined && dispatchWithin !== undefined && !owed(c, 'dispatch')) {
    d.oblige('dispatch', c.facts.assessedAt, c.facts.assessedAt + dispatchWithin);
  } else if (dispatch && dispatchWithin === undefined && d.v3 && dispatch.overdue) {
    // (v3: a lapse already flagged stays for the reviewer, marked)
    dispatch.loweredAfterLapse = true;
  } else if (dispatch && dispatchWithin === undefined) {
    d.waive(dispatch, `not required for grade ${c.grade}`);
  } else if (dispatch && dispatchWithin !== undefined) {
    d.setDue(dispatch, dispatch.anchorAt + dispatchWithin);
  }
  const explWithin = scoped ? gradeDeadline(plan, 'explanation', c.grade) : undefined;
  const explText = plan.deadlines.explanation?.within ?? '1d';
  const expl = d.find('explanation');
  if (c.facts.dispatchedAt !== undefined && explWithin !== undefined && !owed(c, 'explanation')) {
    d.obligeWithin('explanation', c.facts.dispatchedAt, explText, c.facts.dispatchedTo);
  } else if (expl && explWithin === undefined && d.v3 && expl.overdue) {
    expl.loweredAfterLapse = true;
  } else if (expl && explWithin === undefined) {
    d.waive(expl, `not required for grade ${c.grade}`);
  } else if (expl && explWithin !== undefined && !expl.calendarMissing) {
    d.setDue(expl, d.dueFrom('explanation', expl.anchorAt, explText).dueAt);
  }
}

function setGrade(d: Draft, grade: Grade, reasons: string[], source: 'metrics' | 'manual', by: string | undefined, at: number) {
  const c = d.ctx;
  const from = c.grade;
  if (from === grade) {
    // v3: a person assessing the computed grade makes it an assessment (it governs from now on)
    if (!d.v3 || source !== 'manual' || c.gradeSource === 'manual') return;
    c.gradeSource = 'manual';
    c.gradeReasons = reasons;
    d.timeline({ action: 'assessGrade', by, at, details: `${grade} assessed (was computed): ${reasons.join(', ')}` });
    for (const ob of c.obligations) if (ob.status === 'pending') ob.gradeBasis = 'assessed';
    if (c.plan.scope === 'majorOnly' && c.majorAt === undefined && isMajor(grade)) {
      c.majorAt = at;
      d.syncLines({ kind: 'assessment', at, by: by ?? '' });
      applyGradeObligations(d);
    }
    return;
  }
  c.grade = grade;
  c.gradeReasons = reasons;
  c.gradeSource = source;
  if (d.v3) {
    // a major-only plan's limits start at the first assessment as 重大; after that a change is a rise or a fall
    if (c.plan.scope === 'majorOnly' && c.majorAt === undefined && isMajor(grade)) {
      c.majorAt = at;
      d.syncLines({ kind: 'assessment', at, by: by ?? '' });
    } else {
      const rise = gradeRank(grade) > gradeRank(from);
      // a fall: every lapse already flagged stays, marked for the reviewer (it happened under the higher grade)
      if (!rise) for (const ob of c.obligations) if (ob.status === 'pending' && ob.overdue) ob.loweredAfterLapse = true;
      d.syncLines({ kind: rise ? 'rise' : 'fall', from, at });
    }
  }
  applyGradeObligations(d);
  const reason = reasons.join(', ');
  d.timeline({ action: 'regrade', by, at, details: `${from} → ${grade}: ${reason}` });
  const roles: Role[] = ['office', 'officeDirector', 'leaderInCharge', ...(gradeRank(grade) >= gradeRank('major') ? ['principalLeader' as Role] : [])];
  d.notify('regrade', `${from}->${grade}`, `at=${idTime(at)}`, resolveRecipients(c.plan, roles), roles, { facts: { from, to: grade, reason } });
}

// ───────────────────────────── refusals (shared by guards and update validators) ─────────────────────────────

/**
 * Why an action cannot be taken now, beyond the stage: unknown people, roles the plan does not allow,
 * impossible times, and the category rules. Empty when it may go ahead.
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
  const v3 = (ctx.rulesVersion ?? 0) >= 3;
  // v3: the discoverer may record the incident as 重大 later (rule book, Scope)
  // (a major-only plan, as 重大 or higher: the scope's assessment; the grades of other plans are the assessors')
  const discovererAssesses = v3 && event.action === 'assess' && ctx.plan.scope === 'majorOnly' && payload.by === ctx.incident.discoveredBy
    && event.payload.grade !== undefined && isMajor(event.payload.grade);
  if (!by) {
    out.push(`by: "${payload.by}" is not a person in plan ${plan.id}`);
  } else if (!actingRole(plan, by.id, action) && !discovererAssesses) {
    const need = allowedRoles(plan, action).map((r) => `${r} (${ROLE_LABELS[r].zh})`).join(', ');
    out.push(`by: ${by.id} holds ${by.roles.join(', ')}; action ${action} needs one of: ${need}`);
  }
  if (event.at > event.recordedAt + CLOCK_SKEW_MS) out.push('at: is in the future');
  if (event.at < ctx.incident.discoveredAt) out.push('at: is before the incident was discovered');
  const needPerson = (field: string, id: string, role?: Role) => {
    const p = findPerson(plan, id);
    if (!p) out.push(`${field}: "${id}" is not a person in plan ${plan.id}`);
    else if (role && !p.roles.includes(role)) out.push(`${field}: ${id} does not hold role ${role}`);
  };
  const cat = ctx.category;
  if (!v3 && V3_ACTIONS.includes(action)) out.push(`${action}: this incident runs under older rules (v${ctx.rulesVersion ?? 0}); the action needs v3`);
  else if (!planAllows(ctx, action) && !V3_ACTIONS.includes(action)) out.push(`${action} is not allowed in stage ${ctx.stage} (${STAGE_LABELS[ctx.stage].zh}) under this incident's rules (v${ctx.rulesVersion ?? 0})`);
  else if (v3) out.push(...refusalsV3(ctx, event));
  switch (action) {
    case 'dispatch': needPerson('department', event.payload.department, 'department'); break;
    case 'assignTracker': {
      needPerson('tracker', event.payload.tracker);
      const missing = handlingMissing(ctx);
      if (missing) out.push(`handling is not finished: ${missing}`);
      break;
    }
    case 'finding': {
      needPerson('person', event.payload.person);
      const ob = event.payload.obligation;
      if (ob !== undefined && !ctx.obligations.some((o) => o.id === ob)) {
        out.push(`obligation: "${ob}" is not an obligation of this incident; it has ${ctx.obligations.map((o) => o.id).join(', ') || 'none'}`);
      }
      // One reviewer finding of a kind per person and obligation: a second would be the same record.
      // (v3 ids name the person on an obligation too, so findings about two people on one line are two records)
      const about = ob ? `${ctx.incident.id}/${ob}${v3 ? `/person=${event.payload.person}` : ''}` : `${ctx.incident.id}/person=${event.payload.person}`;
      if ((ctx.rulesVersion ?? 0) >= 1 && ctx.outcomes.some((o) => o.id === `${about}/review:${event.payload.kind}` && o.personId === event.payload.person)) {
        out.push(`kind: a ${event.payload.kind} finding about ${event.payload.person}${ob ? ` on ${ob}` : ''} is already recorded in this incident`);
      }
      break;
    }
    case 'commend': {
      const p = event.payload;
      if (p.collective !== undefined && !v3) out.push('collective: a collective commendation needs the v3 rules');
      else if ((p.person === undefined) === (p.collective === undefined)) out.push('person: name a person or a collective (one of them)');
      if (p.person !== undefined) {
        needPerson('person', p.person);
        if ((ctx.rulesVersion ?? 0) >= 1 && ctx.outcomes.some((o) => o.id === `${ctx.incident.id}/person=${p.person}/review:commendation`)) {
          out.push(`person: ${p.person} is already commended in this incident`);
        }
      } else if (p.collective !== undefined && ctx.outcomes.some((o) => o.id === `${ctx.incident.id}/collective=${p.collective}/review:commendation`)) {
        out.push(`collective: ${p.collective} is already commended in this incident`);
      }
      break;
    }
    case 'replyOpinion': case 'finishHandling': case 'replyResult':
      if (!categoryAllows(action, cat)) out.push(`${action} applies to inquiry incidents; this one is ${cat ?? 'not classified'}`);
      if (action === 'replyResult' && ctx.facts.opinionRepliedAt === undefined) out.push('replyResult: reply with the handling opinion first (replyOpinion)');
      break;
    case 'publishFacts': case 'refer':
      if (!categoryAllows(action, cat)) out.push(`${action} applies to hype and fabrication incidents; this one is ${cat ?? 'not classified'}`);
      if (action === 'refer' && cat === 'hype' && ctx.facts.publicFactsAt === undefined) out.push('refer: a hype incident is referred only after the facts were published and it continues (publishFacts first)');
      break;
    case 'adopt':
      if (!categoryAllows(action, cat)) out.push(`adopt applies to constructive incidents; this one is ${cat ?? 'not classified'}`);
      break;
    case 'submitSummary': {
      if (cat === 'fabrication' && ctx.facts.referredAt === undefined) {
        out.push('submitSummary: a fabrication incident cannot be closed before it is referred to discipline/law enforcement (refer)');
      }
      // v3: a department submits its own summary line; the others' stay owed
      const summaries = ctx.obligations.filter((o) => o.kind === 'summaryReport' && o.status === 'pending');
      if (v3 && summaryLinesOwned(ctx) && !summaries.some((o) => o.ownerId === event.payload.by)) {
        out.push(`by: ${event.payload.by} owes no summary line; they are owed by ${summaries.map((o) => `${o.ownerName} (${o.ownerId})`).join(', ')}`);
      }
      const closes = !v3 || summaries.every((o) => o.ownerId === event.payload.by || !summaryLinesOwned(ctx));
      // Closing requires every report line to be met (rule book, Endings); the summary itself is met by this act.
      const open = (ctx.rulesVersion ?? 0) >= 1 && closes
        ? ctx.obligations.filter((o) => o.status === 'pending' && isReportKind(o.kind) && o.kind !== 'summaryReport')
        : [];
      if (open.length) out.push(`submitSummary: the incident cannot close while report lines are unmet: ${open.map((o) => `${o.id} (${o.ownerName})`).join(', ')}`);
      break;
    }
    case 'regrade':
      // v3: regrading a computed grade to itself makes it an assessment
      if (event.payload.grade === ctx.grade && !(v3 && ctx.gradeSource !== 'manual')) out.push(`grade: the incident is already ${ctx.grade}`);
      break;
    case 'classify':
      if (event.payload.category === cat) out.push(`category: the incident is already ${cat}`);
      break;
    case 'report':
      if (!reportRecipient(plan, event.payload.to)) out.push(`to: "${event.payload.to}" is neither a role (${Object.keys(ROLE_LABELS).join(', ')}) nor a person of plan ${plan.id}`);
      else if (!v3 && !(Object.keys(ROLE_LABELS) as string[]).includes(event.payload.to)) out.push(`to: must be a role under this incident's rules (v${ctx.rulesVersion ?? 0})`);
      break;
    case 'assess': case 'respond': case 'release': case 'reopen': case 'subside': case 'dismiss': case 'withdraw':
    case 'nameSubject': case 'draftReply': case 'approve': case 'handlingStep': case 'correctDiscovery': case 'startHandling':
    case 'nameDepartments':
      break;
    case 'acknowledge': {
      if ((ctx.rulesVersion ?? 0) < 4) {
        out.push(`acknowledge: this incident runs under older rules (v${ctx.rulesVersion ?? 0}); acknowledging needs v4`);
        break;
      }
      const id = event.payload.obligation;
      const ob = ctx.obligations.find((o) => o.id === id);
      if (!ob) {
        out.push(`obligation: "${id}" is not an obligation of this incident (its ids are listed by show)`);
        break;
      }
      if (ob.status !== 'pending') {
        out.push(`obligation: ${id} is already ${ob.status}; there is nothing to acknowledge`);
        break;
      }
      if (!by) break;
      const esc = ob.escalation;
      if (ob.ownerId !== '' && ob.ownerId === by.id) {
        if (esc?.ownerAckedAt !== undefined) out.push(`by: ${by.id} (the owner) already acknowledged ${id}`);
        break;
      }
      const above = rolesAbove(plan, ob.ownerRole);
      if (!by.roles.some((r) => above.includes(r))) {
        out.push(`by: ${by.id} is neither the owner of ${id} (${ob.ownerName}) nor on its escalation policy (roles ${above.join(', ')})`);
      } else if (esc?.acked) {
        out.push(`obligation: ${id}'s escalation was already acknowledged by ${esc.acked.name} (${esc.acked.personId})`);
      }
      break;
    }
    default: assertNever(action);
  }
  return out;
}

/** v3: more than one summary line is pending, each a department's own (one submission does not meet the others). */
function summaryLinesOwned(ctx: IncidentContext): boolean {
  // the lines the latest subsiding created: more than one means one per department
  const at = ctx.facts.subsidedAt;
  return ctx.obligations.filter((o) => o.kind === 'summaryReport' && o.status !== 'waived' && o.anchorAt >= (at ?? 0)).length > 1;
}

/** v3: submitting this summary closes the incident (no other department's summary line is still owed). */
export function summaryCloses(ctx: IncidentContext, by: string): boolean {
  if ((ctx.rulesVersion ?? 0) < 3) return true;
  return ctx.obligations.every((o) => o.kind !== 'summaryReport' || o.status !== 'pending' || o.ownerId === by || !summaryLinesOwned(ctx));
}

/** Actions only v3 incidents take. */
const V3_ACTIONS: ActionName[] = ['nameSubject', 'draftReply', 'approve', 'handlingStep', 'correctDiscovery', 'startHandling', 'nameDepartments'];

/** Whether the incident's rules and plan have an action at all (v3 actions; a plan's approval, steps, subject, categories). */
export function planAllows(ctx: IncidentContext, action: ActionName): boolean {
  if (action === 'acknowledge') return (ctx.rulesVersion ?? 0) >= 4;
  // before v3 the first response waited for the assessment (研判预警 did not take it)
  if ((action === 'respond' || action === 'release') && ctx.stage === 'researchAndWarning') return (ctx.rulesVersion ?? 0) >= 3;
  if (!V3_ACTIONS.includes(action)) return true;
  if ((ctx.rulesVersion ?? 0) < 3) return false;
  const plan = ctx.plan;
  switch (action) {
    case 'draftReply': case 'approve': return plan.approval !== undefined;
    case 'handlingStep': return (plan.handlingSteps ?? []).length > 0;
    case 'startHandling': return plan.categories === 'optional';
    case 'nameSubject': return lineDefs(plan).some((l) => l.from === 'subject');
    case 'nameDepartments': return lineDefs(plan).some((l) => l.notify !== undefined);
    default: return true;
  }
}

/** Actions that are handling (分类处置): gated by the grade's handling steps; never the first reports or response. */
const HANDLING_ACTIONS: ActionName[] = ['replyOpinion', 'finishHandling', 'replyResult', 'publishFacts', 'refer', 'adopt', 'assignTracker'];

/** The handling steps the current grade requires that are not recorded yet. */
export function missingSteps(ctx: IncidentContext): HandlingStepDef[] {
  return (ctx.plan.handlingSteps ?? []).filter((s) => s.grades.includes(ctx.grade) && !ctx.facts.steps?.[s.key]);
}

/** v3 refusals: the rule book's scope, approval, handling steps, voices and dismissal grounds. */
function refusalsV3(ctx: IncidentContext, event: ActionEvent): string[] {
  const out: string[] = [];
  const plan = ctx.plan;
  const f = ctx.facts;
  const by = findPerson(plan, event.payload.by);
  const roles = by?.roles ?? [];
  const action = event.action;
  if (HANDLING_ACTIONS.includes(action)) {
    const missing = missingSteps(ctx);
    if (missing.length) out.push(`${action}: handling waits for ${missing.map((s) => `${s.key} (${s.label}, ${s.source})`).join(', ')}: record it with handlingStep`);
  }
  const voices = plan.voices?.[ctx.grade];
  if ((action === 'respond' || action === 'release' || action === 'publishFacts') && voices && !roles.some((r) => voices.includes(r))) {
    out.push(`by: for a ${ctx.grade} incident only ${voices.map((r) => `${r} (${ROLE_LABELS[r].zh})`).join(', ')} may speak publicly under plan ${plan.id}`);
  }
  // a plan that knows fewer grades (the 001 school plan's two tiers) takes only its own
  const g = action === 'assess' || action === 'regrade' ? (event.payload as { grade?: Grade }).grade : undefined;
  if (g && plan.grades && !plan.grades.includes(g)) out.push(`grade: plan ${plan.id} knows ${plan.grades.join(', ')}; not ${g}`);
  // the 涉事主体 assesses its own incident (000 篇五 §五(二)): another department does not
  if ((action === 'assess' || action === 'regrade') && f.subject && by && roles.includes('department') && event.payload.by !== f.subject
    && !roles.some((r) => r !== 'department' && allowedRoles(plan, action).includes(r))) {
    out.push(`by: ${event.payload.by} is not the 涉事主体 of this incident (${f.subject}); the 涉事主体 or the office assesses it`);
  }
  switch (action) {
    case 'report': {
      // a report to a role whose people each have their own line (001 篇1's two group heads) names the person
      const to = reportRecipient(plan, event.payload.to);
      if (to && !to.personId && event.payload.kind === 'initial') {
        const open = ctx.obligations.filter((o) => o.status === 'pending' && o.line && o.kind !== 'writtenReport');
        const reached = open.some((o) => !o.line!.toPerson && reaches(o.line!, to));
        const perPerson = open.filter((o) => o.line!.toPerson && o.line!.to.some((r) => to.roles.includes(r)));
        if (!reached && perPerson.length) {
          out.push(`to: each ${to.roles[0]} has a line of their own: name the person (${[...new Set(perPerson.map((o) => o.line!.toPerson!))].join(', ')})`);
        }
      }
      break;
    }
    case 'replyOpinion':
      if (plan.approval && f.reply?.approvedAt === undefined) {
        out.push(`replyOpinion: the reply goes out only after ${plan.approval.role} (${ROLE_LABELS[plan.approval.role].zh}) approved it (${plan.approval.source}): ${f.reply?.draftedAt === undefined ? 'draftReply, then approve' : 'approve'}`);
      }
      break;
    case 'draftReply':
      if (!plan.approval) out.push(`draftReply: plan ${plan.id} has no approval step; reply with replyOpinion`);
      else if (ctx.category !== 'inquiry') out.push(`draftReply applies to inquiry incidents; this one is ${ctx.category ?? 'not classified'}`);
      else if (f.opinionRepliedAt !== undefined) out.push('draftReply: the reply has already been published');
      break;
    case 'approve':
      if (!plan.approval) out.push(`approve: plan ${plan.id} has no approval step`);
      else if (f.reply?.draftedAt === undefined) out.push('approve: there is no drafted reply to approve (draftReply first)');
      else if (f.reply.approvedAt !== undefined) out.push(`approve: the reply was already approved by ${f.reply.approvedBy}`);
      // the approver is not the drafter (rule book, Who is involved: a default)
      else if (f.reply.draftedBy === event.payload.by) out.push(`by: ${event.payload.by} drafted the reply; another ${plan.approval.role} approves it`);
      break;
    case 'handlingStep': {
      const step = (plan.handlingSteps ?? []).find((s) => s.key === event.payload.step);
      if (!step) out.push(`step: "${event.payload.step}" is not a handling step of plan ${plan.id}${(plan.handlingSteps ?? []).length ? `; it has ${(plan.handlingSteps ?? []).map((s) => s.key).join(', ')}` : ''}`);
      else {
        if (!step.grades.includes(ctx.grade)) out.push(`step: ${step.key} is for ${step.grades.join('/')} incidents; this one is ${ctx.grade}`);
        if (!roles.some((r) => step.roles.includes(r))) out.push(`by: ${event.payload.by} holds ${roles.join(', ')}; step ${step.key} is recorded by ${step.roles.join(', ')}`);
        if (step.after && !f.steps?.[step.after]) out.push(`step: ${step.key} comes after ${step.after}, which is not recorded`);
        if (f.steps?.[step.key]) out.push(`step: ${step.key} is already recorded`);
      }
      break;
    }
    case 'nameSubject': {
      const p = findPerson(plan, event.payload.department);
      if (!p) out.push(`department: "${event.payload.department}" is not a person in plan ${plan.id}`);
      else if (!p.roles.includes('department')) out.push(`department: ${p.id} does not hold role department`);
      else if (f.subject === p.id) out.push(`department: ${p.id} is already the 涉事主体 of this incident`);
      break;
    }
    case 'correctDiscovery': {
      const p = event.payload;
      if (p.discoveredAt === undefined && p.discoveredBy === undefined) out.push('discoveredAt: name the corrected discoveredAt or discoveredBy (or both)');
      if (p.discoveredBy !== undefined && !findPerson(plan, p.discoveredBy)) out.push(`discoveredBy: "${p.discoveredBy}" is not a person in plan ${plan.id}`);
      if (p.discoveredAt !== undefined) {
        const t = Date.parse(p.discoveredAt);
        if (t > event.recordedAt + CLOCK_SKEW_MS) out.push('discoveredAt: is in the future');
        const first = ctx.timeline.find((e) => e.action !== 'discover' && e.by !== undefined && e.at < t);
        if (first) out.push(`discoveredAt: is after ${first.action} by ${first.by} at ${formatLocal(plan.timeZone, first.at)}`);
      }
      break;
    }
    case 'nameDepartments': {
      for (const [i, id] of event.payload.departments.entries()) {
        const p = findPerson(plan, id);
        if (!p) out.push(`departments.${i}: "${id}" is not a person in plan ${plan.id}`);
        else if (!p.roles.includes('department')) out.push(`departments.${i}: ${id} does not hold role department`);
      }
      const owed = ctx.obligations.filter((o) => o.line?.notifyWithin !== undefined && o.status === 'pending');
      if (!inScope(ctx)) out.push(`nameDepartments: the incident is assessed as ${ctx.grade}, outside this plan's scope: no 通报 runs now`);
      else if (!owed.length) out.push('nameDepartments: no 通报 is owed in this incident (it comes with a report line that names one)');
      else if (!roles.some((r) => r === 'office' || r === 'officeDirector') && !owed.some((o) => o.ownerId === event.payload.by)) {
        out.push(`by: the reporting section (${[...new Set(owed.map((o) => o.ownerId))].join(', ')}) or the office names the departments`);
      }
      break;
    }
    case 'startHandling':
      if (plan.categories !== 'optional') out.push(`startHandling: plan ${plan.id} handles by category: classify the incident`);
      break;
    case 'dismiss': {
      const g = event.payload.ground;
      if (!g) out.push('ground: name why it is dismissed: outOfScope (not within this plan\'s scope), notOurs (not an incident of this unit) or notAnIncident');
      else if (g === 'outOfScope' && plan.scope !== 'majorOnly') out.push(`ground: plan ${plan.id} covers every grade; outOfScope applies to a major-only plan`);
      else if (g === 'outOfScope' && inScope(ctx)) out.push(`ground: the incident was assessed as ${ctx.grade}, within this plan's scope; reassess it first (regrade)`);
      break;
    }
    default: break;
  }
  return out;
}

/** Actions that belong to some categories' handling only (分类处置, 000 篇一 §四(三)). */
export const ACTION_CATEGORIES: Partial<Record<ActionName, Category[]>> = {
  replyOpinion: ['inquiry'], finishHandling: ['inquiry'], replyResult: ['inquiry'],
  publishFacts: ['hype', 'fabrication'], refer: ['hype', 'fabrication'],
  adopt: ['constructive'],
};

export function categoryAllows(action: ActionName, category: Category | undefined): boolean {
  const only = ACTION_CATEGORIES[action];
  return only === undefined || (category !== undefined && only.includes(category));
}

/** Allow a claimed time a little ahead of the workflow clock (client clocks drift). */
export const CLOCK_SKEW_MS = 60_000;

/** What the category's handling still needs before tracking can start, or undefined. */
export function handlingMissing(ctx: IncidentContext): string | undefined {
  const f = ctx.facts;
  if ((ctx.rulesVersion ?? 0) >= 3) {
    const steps = missingSteps(ctx);
    if (steps.length) return `handling waits for ${steps.map((s) => `${s.key} (${s.label})`).join(', ')}`;
    if (ctx.category === undefined && ctx.plan.categories === 'optional') {
      // graded handling (000 篇五 §五(三); 001 school plan §四): the duties of handling done
      const open = ctx.obligations.find((o) => o.status === 'pending' && OBLIGATIONS[o.kind].gradedHandling);
      return open ? `graded handling: ${label(OBLIGATION_LABELS, open.kind, 'zh')} still owed (${open.id})` : undefined;
    }
  }
  switch (ctx.category) {
    case undefined: return 'the incident is not classified';
    case 'inquiry':
      if (f.opinionRepliedAt === undefined) return 'inquiry: reply with the handling opinion (replyOpinion)';
      if (f.resultRepliedAt === undefined) return 'inquiry: reply with the result (replyResult)';
      return undefined;
    case 'hype': return f.publicFactsAt === undefined ? 'hype: publish the facts and the handling (publishFacts)' : undefined;
    case 'fabrication': return f.publicFactsAt === undefined ? 'fabrication: clarify the facts publicly (publishFacts)' : undefined;
    case 'constructive': return f.adoptedAt === undefined ? 'constructive: adopt the suggestion and reply (adopt)' : undefined;
    default: return assertNever(ctx.category);
  }
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

function applyAction(d: Draft, event: ActionEvent) {
  const c = d.ctx;
  const plan = c.plan;
  const by = event.payload.by;
  const at = event.at;
  const role = actingRole(plan, by, event.action);
  const log = (details: string) => d.timeline({ action: event.action, by, role, at, details });
  const f = c.facts;
  switch (event.action) {
    case 'report': {
      const p = event.payload;
      log(`${p.kind} ${p.mode}${p.urgent ? ' (urgent, 紧急)' : ''} report to ${p.to}${p.receipt ? ` (receipt: ${p.receipt})` : ''}${p.note ? `: ${p.note}` : ''}`);
      if (d.v3) {
        reportV3(d, p, at, by);
        break;
      }
      if (p.kind === 'initial' && (plan.deadlines.firstReportTo ?? []).includes(p.to as Role)) d.meet(d.find('firstReport'), at, by);
      if (p.mode === 'phone') {
        f.phoneReports += 1;
        d.oblige('writtenReport', at, at + dur(plan.deadlines.writtenReportAfterPhone ?? '30m'), by);
      } else {
        const pendingWritten = c.obligations.find((o) => o.kind === 'writtenReport' && o.status === 'pending' && o.ownerId === by);
        d.meet(pendingWritten, at, by);
      }
      if (p.kind === 'followUp') {
        f.followUps += 1;
        const fu = d.find('followUp');
        d.meet(fu, at, by);
        if (fu && c.stage !== 'researchAndWarning') d.oblige('followUp', at, at + dur(plan.deadlines.followUpEvery ?? '4h'), c.facts.tracker);
      }
      break;
    }
    case 'assess': {
      f.assessedAt = at;
      const p = event.payload;
      log(`assessed${p.grade ? ` as ${p.grade}` : ''}${p.note ? `: ${p.note}` : ''}`);
      if (d.v3) {
        if (p.grade) setGrade(d, p.grade, [`assessed by ${by}${p.note ? `: ${p.note}` : ''}`], 'manual', by, at);
        else d.relayAtAssessment(at, by);
        applyGradeObligations(d);
        // (never from before the limits run: an assessment backdated before the assessment as 重大)
        const from = Math.max(at, limitStart(c));
        if (plan.deadlines.followUpEvery && inScope(c)) d.oblige('followUp', from, from + dur(plan.deadlines.followUpEvery));
        break;
      }
      if (p.grade && p.grade !== c.grade) setGrade(d, p.grade, [`assessed by ${by}`], 'manual', by, at);
      else applyGradeObligations(d);
      d.oblige('followUp', at, at + dur(plan.deadlines.followUpEvery ?? '4h'));
      break;
    }
    case 'dispatch': {
      f.dispatchedAt = at;
      f.dispatchedTo = event.payload.department;
      log(`dispatched to ${event.payload.department}`);
      d.meet(d.find('dispatch'), at, by);
      applyGradeObligations(d);
      break;
    }
    case 'respond': {
      const p = event.payload;
      f.respondedAt ??= at;
      log(`public response on ${p.channel} in the name of the ${p.inNameOf}: ${p.text}${p.url ? ` (${p.url})` : ''}`);
      d.meet(d.find('publicResponse'), at, by);
      d.meet(d.find('explanation'), at, by);
      break;
    }
    case 'release': {
      const p = event.payload;
      f.releasedAt ??= at;
      log(`${p.form}${p.channel ? ` on ${p.channel}` : ''}: ${p.text}`);
      d.meet(d.find('firstRelease'), at, by);
      d.meet(d.find('publicResponse'), at, by);
      break;
    }
    case 'classify': {
      const from = c.category;
      c.category = event.payload.category;
      log(`classified ${from ? `${from} → ` : ''}${c.category} (${CATEGORY_LABELS[c.category].zh})`);
      if (from === 'inquiry') {
        for (const ob of c.obligations) if (OBLIGATIONS[ob.kind].category === from && ob.status === 'pending') d.waive(ob, `reclassified as ${c.category}`);
      }
      if (d.v3) {
        // v3: the inquiry day is a rule of the four-way plans only, in scope, from the plan's start (the assessment as 重大)
        if (c.category === 'inquiry' && inquiryDayApplies(c) && !owed(c, 'inquiryOpinion')) {
          const t0 = limitStart(c);
          d.oblige('inquiryOpinion', t0, endOfLocalDay(plan.timeZone, t0), f.subject ?? f.dispatchedTo);
        }
      } else if (c.category === 'inquiry' && !owed(c, 'inquiryOpinion')) {
        const t0 = c.incident.discoveredAt;
        d.oblige('inquiryOpinion', t0, endOfLocalDay(plan.timeZone, t0), f.dispatchedTo);
      }
      break;
    }
    case 'replyOpinion': {
      f.opinionRepliedAt ??= at;
      log(`handling opinion${event.payload.immediate ? ' (immediate reply with the result)' : ''}: ${event.payload.text}`);
      d.meet(d.find('inquiryOpinion'), at, by);
      d.meet(d.find('explanation'), at, by);
      // The unit's unified reply (统一回复) is its official public response too.
      d.meet(d.find('publicResponse'), at, by);
      if (event.payload.immediate) {
        f.handlingFinishedAt ??= at;
        f.resultRepliedAt ??= at;
        d.meet(d.find('inquiryResult'), at, by);
      } else if (!owed(c, 'inquiryResult') && (!d.v3 || inquiryDayApplies(c))) {
        d.oblige('inquiryResult', d.v3 ? Math.max(at, limitStart(c)) : at, null, f.dispatchedTo);
      }
      break;
    }
    case 'finishHandling': {
      f.handlingFinishedAt = at;
      log(`handling finished${event.payload.note ? `: ${event.payload.note}` : ''}`);
      // v3: the result's day is owed only where the inquiry day runs (in scope, plans with the four-way split)
      if (d.v3 && !inquiryDayApplies(c) && !d.find('inquiryResult')) break;
      const res = d.find('inquiryResult') ?? d.oblige('inquiryResult', at, null, f.dispatchedTo);
      // v3: the result's day never runs from before the limits run (a backdated 办结 before the assessment as 重大)
      const from = d.v3 ? Math.max(at, limitStart(c)) : at;
      res.anchorAt = from;
      d.setDue(res, endOfLocalDay(plan.timeZone, from));
      break;
    }
    case 'replyResult': {
      f.resultRepliedAt ??= at;
      if (f.handlingFinishedAt === undefined) {
        f.handlingFinishedAt = at;
        const res = d.find('inquiryResult');
        if (res) { res.anchorAt = at; d.setDue(res, endOfLocalDay(plan.timeZone, at)); }
      }
      log(`result: ${event.payload.text}`);
      d.meet(d.find('inquiryResult'), at, by);
      d.meet(d.find('explanation'), at, by);
      break;
    }
    case 'publishFacts': {
      f.publicFactsAt ??= at;
      log(`facts published on ${event.payload.channel}: ${event.payload.text}`);
      d.meet(d.find('publicResponse'), at, by);
      d.meet(d.find('explanation'), at, by);
      break;
    }
    case 'refer': {
      f.referredAt ??= at;
      f.referredTo = event.payload.to;
      log(`referred to ${event.payload.to}: ${event.payload.reason}`);
      const roles: Role[] = ['lawEnforcement', 'office'];
      d.notify('referral', event.payload.to, `at=${idTime(at)}`, resolveRecipients(plan, roles), roles, { facts: { to: event.payload.to, reason: event.payload.reason } });
      break;
    }
    case 'adopt': {
      f.adoptedAt ??= at;
      log(`suggestion adopted, reply: ${event.payload.text}`);
      d.meet(d.find('explanation'), at, by);
      d.meet(d.find('publicResponse'), at, by);
      break;
    }
    case 'regrade': {
      log(`regrade requested ${c.grade} → ${event.payload.grade}: ${event.payload.reason}`);
      setGrade(d, event.payload.grade, [event.payload.reason], 'manual', by, at);
      break;
    }
    case 'assignTracker': {
      f.tracker = event.payload.tracker;
      log(`tracker: ${event.payload.tracker}`);
      // The named tracker answers for the follow-up reports from now on, in the role the plan gives them.
      const fu = d.find('followUp');
      const tracker = findPerson(plan, event.payload.tracker);
      if (fu && tracker) {
        const owner = answerable(plan, ownerRoleOf(plan, 'followUp'), tracker.id);
        fu.ownerId = owner.id;
        fu.ownerName = owner.name;
        fu.ownerRole = owner.role;
      }
      break;
    }
    case 'reopen': log(`handling reopened: ${event.payload.reason}`); break;
    case 'subside': {
      f.subsidedAt = at;
      log(`subsided: ${event.payload.reason}`);
      if (!d.v3) {
        d.obligeWithin('summaryReport', at, plan.deadlines.summaryReport ?? '3d');
        break;
      }
      // a major-only plan's summary is owed only when the incident was within its scope
      if (!inScope(c)) {
        log('summary: not owed (outside this plan\'s scope)');
        break;
      }
      // v3: one summary line per department that handled it (the 涉事主体, the one dispatched to, the tracker),
      // else the plan's summary owner (rule book, summaryReport: a default)
      const role = ownerRoleOf(plan, 'summaryReport');
      const writers = [...new Set([f.subject, f.dispatchedTo, f.tracker].filter((id): id is string => !!id && rolesOf(plan, id).includes(role)))];
      // (never from before the limits run: a subsiding backdated before the assessment as 重大)
      const from = Math.max(at, limitStart(c));
      for (const writer of writers.length ? writers : [undefined]) {
        if (plan.deadlines.summaryReport) d.obligeWithin('summaryReport', from, plan.deadlines.summaryReport, writer);
        else d.oblige('summaryReport', from, null, writer);
      }
      break;
    }
    case 'submitSummary': {
      log(`summary report: ${event.payload.text}`);
      if (d.v3) {
        // each department's own line; the incident closes when every summary line is met
        const mine = c.obligations.filter((o) => o.kind === 'summaryReport' && o.status === 'pending' && (o.ownerId === by || !summaryLinesOwned(c)));
        for (const ob of mine) d.meet(ob, at, by);
        if (c.obligations.some((o) => o.kind === 'summaryReport' && o.status === 'pending')) break;
        f.closedAt = at;
        f.ending = { kind: 'closed', at: d.now, claimedAt: at, by };
        break;
      }
      f.closedAt = at;
      d.meet(d.find('summaryReport'), at, by);
      if (d.v1) f.ending = { kind: 'closed', at: d.now, claimedAt: at, by };
      break;
    }
    case 'finding': {
      const p = event.payload;
      const person = findPerson(plan, p.person) as Person;
      const ob = p.obligation ? c.obligations.find((o) => o.id === p.obligation) : undefined;
      log(`finding ${p.kind} against ${p.person}${ob ? ` on ${ob.id}` : ''}: ${p.details}${p.seriousLoss ? ' (serious loss: reported to the police)' : ''}`);
      d.outcome(p.kind, ob, at, `${p.details}${p.seriousLoss ? ' [严重损失，报公安机关]' : ''}`, by, { id: person.id, name: person.name, role: person.roles[0] }, { source: `review:${p.kind}` });
      if (p.seriousLoss) {
        // Dereliction causing serious loss is reported to the police (000 篇二 §三(五)).
        const roles: Role[] = ['lawEnforcement', 'principalLeader'];
        d.notify('findingReferral', `person=${person.id}/${p.kind}`, `at=${idTime(at)}`, resolveRecipients(plan, roles), roles, {
          facts: { finding: p.kind, person: person.name, details: p.details },
        });
      }
      break;
    }
    case 'commend': {
      const p = event.payload;
      if (p.collective !== undefined) {
        // a collective (a section, a group): named, not a person of the plan
        log(`commendation for the collective ${p.collective}: ${p.reason}`);
        d.outcome('commendation', undefined, at, p.reason, by, { id: '', name: p.collective, role: 'department' }, { source: `review:commendation`, collective: p.collective });
        break;
      }
      const person = findPerson(plan, p.person!) as Person;
      log(`commendation for ${p.person}: ${p.reason}`);
      d.outcome('commendation', undefined, at, p.reason, by, { id: person.id, name: person.name, role: person.roles[0] }, { source: `review:commendation` });
      break;
    }
    case 'dismiss': {
      f.dismissedAt = at;
      f.dismissReason = event.payload.reason;
      if (event.payload.ground) f.dismissGround = event.payload.ground;
      log(`dismissed${event.payload.ground ? ` (${event.payload.ground})` : ''}: ${event.payload.reason}`);
      // Judged at the dismissal's recorded time: a backdated `at` never clears an overdue obligation.
      if (d.v1) f.ending = { kind: 'dismissed', at: d.now, claimedAt: at, reason: event.payload.reason, by };
      break;
    }
    case 'withdraw': {
      log(`withdrawn: ${event.payload.reason}`);
      f.ending = { kind: 'withdrawn', at: d.now, claimedAt: at, reason: event.payload.reason, by };
      break;
    }
    case 'nameSubject': {
      const dep = findPerson(plan, event.payload.department) as Person;
      f.subject = dep.id;
      f.subjectNamedAt = at;
      log(`涉事主体: ${dep.name} (${dep.id})`);
      // its open lines get a personal owner from now on; a lapse before this stays marked for the reviewer
      for (const ob of c.obligations) {
        if (ob.status !== 'pending' || ob.line?.from !== 'subject') continue;
        ob.ownerId = dep.id;
        ob.ownerName = dep.name;
        ob.ownerRole = 'department';
        // named (or renamed) after the line fell due: who answers for the lapse is the reviewer's call
        ob.line = { ...ob.line, ownerNamedAt: at, ...(ob.dueAt !== null && ob.dueAt < at ? { ownerNotNamed: true } : {}) };
        // a report the 涉事主体 already made to that recipient since the line began meets it
        const made = (f.reports ?? []).filter((r) => r.by === dep.id && r.kind !== 'followUp' && r.at >= ob.anchorAt && reaches(ob.line!, r)).sort((x, y) => x.at - y.at)[0];
        // (only one made in time: a late one is left for the reviewer, never booked by the naming itself)
        if (made && (ob.dueAt === null || made.at <= ob.dueAt)) d.meet(ob, made.at, made.by);
        else d.notifyAssigned(ob);
      }
      break;
    }
    case 'draftReply': {
      f.reply = { draftedAt: at, draftedBy: by };
      log(`reply drafted for approval: ${event.payload.text}`);
      const roles: Role[] = [plan.approval!.role];
      d.notify('approval', 'reply', `at=${idTime(at)}`, resolveRecipients(plan, roles), roles, { facts: { draftedBy: by, text: event.payload.text } });
      break;
    }
    case 'approve': {
      f.reply = { ...f.reply, approvedAt: at, approvedBy: by };
      log(`reply approved (审定)${event.payload.note ? `: ${event.payload.note}` : ''}`);
      break;
    }
    case 'handlingStep': {
      const step = (plan.handlingSteps ?? []).find((x) => x.key === event.payload.step)!;
      f.steps = { ...f.steps, [step.key]: { at, by } };
      log(`${step.label} (${step.source})${event.payload.note ? `: ${event.payload.note}` : ''}`);
      break;
    }
    case 'correctDiscovery': {
      correctDiscovery(d, event.payload, at, by);
      break;
    }
    case 'nameDepartments': {
      log(`通报 departments named: ${event.payload.departments.join(', ')}`);
      // (never from before the limits run: a naming backdated before the assessment as 重大)
      d.nameDepartments(event.payload.departments, Math.max(at, limitStart(c)));
      break;
    }
    case 'startHandling': {
      log(`graded handling begins (${label(GRADE_LABELS, c.grade, 'zh')})${event.payload.note ? `: ${event.payload.note}` : ''}`);
      break;
    }
    case 'acknowledge': {
      const ob = c.obligations.find((o) => o.id === event.payload.obligation)!;
      const person = findPerson(plan, by)!;
      const esc: EscalationState = ob.escalation ?? { sent: 0 };
      const owner = ob.ownerId === by;
      const actingAs = owner ? ob.ownerRole : person.roles.find((r) => rolesAbove(plan, ob.ownerRole).includes(r))!;
      if (owner) ob.escalation = { ...esc, ownerAckedAt: at };
      else {
        const { next: _stopped, ...rest } = esc;
        ob.escalation = { ...rest, acked: { personId: person.id, name: person.name, role: actingAs, at } };
      }
      d.timeline({
        action: 'acknowledge', by, role: actingAs, at,
        details: owner
          ? `${ob.id}: acknowledged by its owner (reminders to the owner stop; the obligation is still owed)${event.payload.note ? `: ${event.payload.note}` : ''}`
          : `${ob.id}: acknowledged by ${person.name} (${actingAs}); the escalation stops, the obligation is still owed${event.payload.note ? `: ${event.payload.note}` : ''}`,
      });
      const params: AcknowledgementParams = {
        id: `${c.incident.id}/${ob.id}/ack/${person.id}`, incidentId: c.incident.id, unitId: plan.unit.id, obligationId: ob.id,
        personId: person.id, personName: person.name, role: actingAs, scope: owner ? 'owner' : 'policy', at,
        ...(event.payload.note ? { note: event.payload.note } : {}),
      };
      d.notes.push({ type: 'recordAcknowledgement', params });
      break;
    }
    default: assertNever(event);
  }
}

/**
 * v3: a report meets every open line its owner owes to that recipient (rule book, Meeting a line), starts the
 * relays, and under a plan that says so (000 篇三) a phone report owes a written report as its own line.
 */
function reportV3(d: Draft, p: ActionPayloads['report'], at: number, by: string) {
  const c = d.ctx;
  const plan = c.plan;
  const f = c.facts;
  const to = reportRecipient(plan, p.to)!;
  f.reports = [...(f.reports ?? []), { by, to: p.to, roles: to.roles, ...(to.personId ? { personId: to.personId } : {}), at, mode: p.mode, kind: p.kind }];
  if (p.kind === 'followUp') {
    f.followUps += 1;
    const fu = d.find('followUp');
    d.meet(fu, at, by);
    const from = Math.max(at, limitStart(c));
    if (fu && c.stage !== 'researchAndWarning' && plan.deadlines.followUpEvery && inScope(c)) d.oblige('followUp', from, from + dur(plan.deadlines.followUpEvery), c.facts.tracker);
  }
  // a written report meets the written report its owner owes after phoning that recipient
  if (p.mode === 'written' || p.mode === 'message') {
    for (const ob of c.obligations) {
      if (ob.kind === 'writtenReport' && ob.status === 'pending' && ob.ownerId === by && ob.line && reaches(ob.line, to)) d.meet(ob, at, by);
    }
  }
  if (p.kind !== 'initial') return;
  // (a 通报 waiting for its departments is met only once they are named: each department's own line)
  const lines = c.obligations.filter((o) => o.line && !o.line.recipientsPending && o.kind !== 'writtenReport' && o.status === 'pending' && reaches(o.line, to) && d.ownerMatches(o, by));
  for (const ob of lines) {
    if (p.receipt) ob.line = { ...ob.line!, receipt: p.receipt };
    d.meet(ob, at, by);
    d.startRelays(ob, to);
    if (p.mode === 'phone' && ob.line!.writtenAfterPhone && inScope(c)) {
      // 紧急: 30 min after the phone report; otherwise the later of that and the line's own limit (rule book, writtenReport)
      const after = at + dur(ob.line!.writtenAfterPhone);
      const due = p.urgent || ob.dueAt === null ? after : Math.max(after, ob.dueAt);
      f.phoneReports += 1;
      const w = d.oblige('writtenReport', at, due, by);
      w.line = { ...ob.line!, label: `${ob.line!.label}（书面报告）` };
    }
  }
}

/**
 * v3: the office corrects the discovery facts (rule book, Fair process): limits still unmet that ran from the old
 * discovery are re-dated from the new one, the discoverer's open lines pass to the person named; the correction is in
 * the timeline.
 */
function correctDiscovery(d: Draft, p: ActionPayloads['correctDiscovery'], at: number, by: string) {
  const c = d.ctx;
  const old = c.incident.discoveredAt;
  const t = p.discoveredAt !== undefined ? Date.parse(p.discoveredAt) : old;
  const who = p.discoveredBy ?? c.incident.discoveredBy;
  c.incident = { ...c.incident, discoveredAt: t, discoveredBy: who };
  if (c.plan.scope === 'majorOnly' && c.majorAt === old) c.majorAt = t;
  d.timeline({ action: 'correctDiscovery', by, role: rolesOf(c.plan, by)[0], at, details: `discovery corrected: ${p.discoveredBy ? `by ${who} ` : ''}${p.discoveredAt ? `at ${formatLocal(c.plan.timeZone, t)} (was ${formatLocal(c.plan.timeZone, old)})` : ''} — ${p.reason}` });
  const person = findPerson(c.plan, who);
  for (const ob of c.obligations) {
    if (ob.status !== 'pending') continue;
    if (p.discoveredBy && person && ob.line?.from === 'discoverer' && ob.kind !== 'writtenReport') {
      ob.ownerId = person.id;
      ob.ownerName = person.name;
      ob.ownerRole = person.roles[0];
    }
    if (t !== old && ob.anchorAt === old) {
      ob.anchorAt = t;
      const due = ob.dueAt === null ? null : ob.kind === 'inquiryOpinion' ? endOfLocalDay(c.plan.timeZone, t) : ob.dueAt + (t - old);
      d.setDue(ob, due);
    } else if (p.discoveredBy && ob.line?.from === 'discoverer' && ob.kind !== 'writtenReport') d.notifyAssigned(ob);
  }
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
