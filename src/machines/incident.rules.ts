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
  Binding, CancelDeadlineParams, EndingParams, Finding, NoticeKind, NoticeParams, Outcome, RecordFindingParams,
  ScheduleDeadlineParams, SettleNoticesParams,
} from './effects';
import { stageText, type MessageContext } from './messages';

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
  };
  plan: Plan;
  planHash: string;
  /** when the incident was entered (workflow time) */
  startedAt: number;
  /** see IncidentContext.rulesVersion; absent means 0 */
  rulesVersion?: number;
  calendar?: CalendarSlice;
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
  | { type: 'recordEnding'; params: EndingParams };

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

/** Where each obligation kind comes from: a rule of a seed (cited) or a product default (docs/rules.md). */
const RULES: Record<ObligationKind, { basis: 'rule' | 'default'; source: string }> = {
  firstReport: { basis: 'rule', source: '000 篇三 §四(二); 000 篇五 §五(二)' },
  writtenReport: { basis: 'rule', source: '000 篇三 §四(二)' },
  publicResponse: { basis: 'rule', source: '000 篇一/篇二 §四(二); 001 篇1 §四(二)' },
  firstRelease: { basis: 'rule', source: '000 篇五 §四(一)1' },
  dispatch: { basis: 'rule', source: '001 school plan §四(一)' },
  explanation: { basis: 'rule', source: '001 school plan §四(一)' },
  inquiryOpinion: { basis: 'rule', source: '000 篇一 §四(三)1' },
  inquiryResult: { basis: 'rule', source: '000 篇一 §四(三)1' },
  // "及时": the cadence is a plan default
  followUp: { basis: 'default', source: '000 篇一/篇三 §四(二) (cadence: plan default)' },
  summaryReport: { basis: 'rule', source: '000 篇三 §四(五)' },
};
const SOURCES = Object.fromEntries(Object.entries(RULES).map(([k, r]) => [k, r.source])) as Record<ObligationKind, string>;

/** Binding (a breach is a finding) or a target (a miss is recorded as a target missed), per the plan. */
export function bindingOf(plan: Plan, kind: ObligationKind): Binding {
  return (plan.targets ?? DEFAULT_TARGETS).includes(kind) ? 'target' : 'binding';
}
/** 力争 (firstRelease) and the follow-up cadence (及时) are targets unless a plan says otherwise. */
export const DEFAULT_TARGETS: ObligationKind[] = ['firstRelease', 'followUp'];

/** The words for an obligation's lapse: 迟报/漏报 only for binding report lines; duties under their own name; targets missed. */
function lapseKind(plan: Plan, kind: ObligationKind, late: boolean): OutcomeKind {
  if (bindingOf(plan, kind) === 'target') return 'targetMissed';
  if (isReportKind(kind)) return late ? 'late' : 'missed';
  return late ? 'lateDuty' : 'missedDuty';
}

/** The day limits the rule book counts in days (1天内, 三日内): counted by the plan's convention from v2. */
const DAY_COUNTED: ObligationKind[] = ['explanation', 'summaryReport'];

/** A compact UTC instant for ids: 20261201T150000.000Z. Ids never use counters or positions. */
export const idTime = (ms: number): string => new Date(ms).toISOString().replace(/[-:]/g, '');

const CLOSES_WITH: Record<ObligationKind, Stage> = {
  firstReport: 'rapidResponse',
  writtenReport: 'rapidResponse',
  dispatch: 'rapidResponse',
  publicResponse: 'categorizedHandling',
  firstRelease: 'categorizedHandling',
  explanation: 'categorizedHandling',
  inquiryOpinion: 'categorizedHandling',
  inquiryResult: 'categorizedHandling',
  followUp: 'dynamicTracking',
  summaryReport: 'summaryEvaluation',
};

export function messageContext(ctx: IncidentContext): MessageContext {
  return { lang: ctx.plan.language, timeZone: ctx.plan.timeZone, unitName: ctx.plan.unit.name, title: ctx.incident.title };
}

export function rolesOf(plan: Plan, personId: string): Role[] {
  return findPerson(plan, personId)?.roles ?? [];
}

export function allowedRoles(plan: Plan, action: ActionName): Role[] {
  return plan.permissions[action] ?? DEFAULT_PERMISSIONS[action];
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
  return d.grades.includes(grade) ? dur(d.within) : undefined;
}

function firstReportWithin(plan: Plan, grade: Grade): number | undefined {
  const text = plan.deadlines.firstReport[grade];
  return text ? dur(text) : undefined;
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

  /**
   * The due time of a limit from its anchor. A whole-day limit (1d, 3d) of a day-counted kind is counted as the
   * plan says (v2); one the holiday data cannot settle has no due time and is raised to the office.
   */
  dueFrom(kind: ObligationKind, anchorAt: number, text: string): { dueAt: number | null; missing?: { year: number; date: string } } {
    const days = /^(\d+)d$/.exec(text.trim());
    if (!this.v2 || !days || !DAY_COUNTED.includes(kind)) return { dueAt: anchorAt + dur(text) };
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
    const base = kind === 'writtenReport' ? `${kind}/${owner}@${idTime(anchorAt)}` : anchorAt === this.ctx.incident.discoveredAt ? kind : `${kind}@${idTime(anchorAt)}`;
    let id = base;
    // The same kind created twice at one claimed moment (reopened, then subsided again at that instant):
    // the creating step's recording time tells them apart.
    if (this.ctx.obligations.some((o) => o.id === id)) id = `${base}/recorded@${idTime(this.now)}`;
    return id;
  }

  /** Add an obligation unless one of this kind is already pending. */
  oblige(kind: ObligationKind, anchorAt: number, dueAt: number | null, ownerPreferred?: string): Obligation {
    const existing = this.find(kind);
    if (existing && kind !== 'writtenReport') return existing;
    const ownerRole = this.plan.owners[kind];
    const owner = answerable(this.plan, ownerRole, ownerPreferred);
    const ob: Obligation = {
      id: this.idFor(kind, anchorAt, owner.id), kind, ownerRole: owner.role, ownerId: owner.id, ownerName: owner.name,
      anchorAt, dueAt, status: 'pending', overdue: false, remindersSent: 0,
      // One created after its usual stage (a phone report while tracking) closes with the stage it was created in.
      closesWith: laterStage(CLOSES_WITH[kind], this.ctx.stage), source: SOURCES[kind],
      gradeBasis: this.gradeBasis(),
    };
    this.ctx.obligations.push(ob);
    if (dueAt !== null) this.notifyAssigned(ob);
    return ob;
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
    ob.metAt = at;
    ob.metRecordedAt = this.now;
    ob.metBy = by;
    const late = ob.dueAt !== null && at > ob.dueAt;
    ob.status = late ? 'late' : 'met';
    if (late) ob.delayMs = at - (ob.dueAt as number);
    const zh = label(OBLIGATION_LABELS, ob.kind, 'zh');
    const kind = late ? lapseKind(this.plan, ob.kind, true) : 'onTime';
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
    ob.status = 'missed';
    const kind = lapseKind(this.plan, ob.kind, false);
    this.outcome(kind, ob, at, `${outcomeLabel(kind, ob.kind, 'zh')}：${why} (${ob.source})`, undefined, undefined, { ending });
  }

  /** A report line not yet due when the incident was cancelled or withdrawn: for the reviewer, neither waived nor 漏报. */
  unmetAtEnding(ob: Obligation, at: number, ending: Ending) {
    if (ob.status !== 'pending') return;
    ob.status = 'unmet';
    const due = ob.dueAt === null ? '无时限 / no limit' : formatLocal(this.plan.timeZone, ob.dueAt);
    this.outcome('unmetAtEnding', ob, at, `${label(OBLIGATION_LABELS, ob.kind, 'zh')}结束时未完成（应于 ${due}）(${ob.source})`, undefined, undefined, { ending });
  }

  outcome(
    kind: OutcomeKind, ob: Obligation | undefined, at: number, details: string, recordedBy?: string,
    who?: { id: string; name: string; role: Role }, extra: { claimedAt?: number; recordedAt?: number; ending?: Ending; source?: Finding['source'] } = {},
  ) {
    const c = this.ctx;
    const person = who ?? (ob ? { id: ob.ownerId, name: ob.ownerName, role: ob.ownerRole } : undefined);
    if (!person) throw new Error('an outcome needs a person');
    const source: Finding['source'] = extra.source ?? (ob && !who ? 'timers' : `review:${kind}`);
    // v1 ids: incident / obligation (or person) / source. The timers give an obligation one record at most.
    const id = this.v1
      ? `${c.incident.id}/${ob ? ob.id : `person=${person.id}`}/${source}`
      : `${c.incident.id}/${ob ? ob.id : `action-${c.seq}`}/${kind}`;
    const f: Finding = {
      id, incidentId: c.incident.id, unitId: c.plan.unit.id, source, kind,
      obligationId: ob?.id, obligationKind: ob?.kind,
      personId: person.id, personName: person.name, role: person.role,
      at, claimedAt: extra.claimedAt, recordedAt: extra.recordedAt,
      dueAt: ob?.dueAt ?? undefined,
      delayMs: ob?.delayMs !== undefined && (kind === 'late' || kind === 'lateDuty' || kind === 'targetMissed') ? ob.delayMs : undefined,
      rule: ob ? RULES[ob.kind] : undefined,
      binding: ob ? bindingOf(c.plan, ob.kind) : undefined,
      accountabilityBasis: c.plan.accountability?.basis ?? ACCOUNTABILITY_NONE,
      gradeBasis: ob ? (ob.gradeBasis ?? (c.gradeSource === 'manual' ? 'assessed' : 'computed')) : undefined,
      grade: c.grade,
      ending: extra.ending,
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
      incident: { title: c.incident.title, unitName: this.plan.unit.name, timeZone: this.plan.timeZone, language: this.plan.language, planId: this.plan.id },
      createdAt: this.now,
    };
    this.notes.push({ type: 'notify', params });
  }

  ownerRecipients(ob: Obligation): Recipient[] {
    const owner = findPerson(this.plan, ob.ownerId);
    return owner ? [toRecipient(owner, ob.ownerRole)] : resolveRecipients(this.plan, [ob.ownerRole]);
  }

  notifyAssigned(ob: Obligation) {
    if (ob.dueAt === null) return;
    // The trigger is the due time and the moment it was set: a deadline moved back to an earlier value is told again.
    this.notify('assigned', ob.id, `due=${idTime(ob.dueAt)},set=${idTime(this.now)}`, this.ownerRecipients(ob), [ob.ownerRole], { ob });
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
    effects.push(...this.notes.filter((n) => !(n.type === 'notify' && n.params.kind === 'assigned' && !stillPending(n.params.obligationId))));
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
    // v1 incidents carry their rules version from the first step (v0 contexts stay as they were recorded)
    ...(input.rulesVersion ? { rulesVersion: input.rulesVersion } : {}),
  };
  const d = new Draft(empty, input.startedAt);
  d.timeline({
    action: 'discover', by: input.incident.discoveredBy, role: rolesOf(input.plan, input.incident.discoveredBy)[0],
    at: discoveredAt,
    details: `${label(GRADE_LABELS, decision.grade, 'zh')} (${decision.reasons.join(', ')}); plan ${input.plan.id}@${input.plan.version}`,
  });
  applyGradeObligations(d);
  return d.finish(empty);
}

/** Obligations that depend on the grade: created, re-timed or waived whenever the grade changes. */
function applyGradeObligations(d: Draft) {
  const c = d.ctx;
  const plan = c.plan;
  const t0 = c.incident.discoveredAt;

  const frWithin = firstReportWithin(plan, c.grade);
  const fr = c.obligations.find((o) => o.kind === 'firstReport');
  if (!fr) d.oblige('firstReport', t0, frWithin === undefined ? null : t0 + frWithin, c.incident.discoveredBy);
  else d.setDue(fr, frWithin === undefined ? null : t0 + frWithin);

  for (const kind of ['publicResponse', 'firstRelease'] as const) {
    const within = gradeDeadline(plan, kind, c.grade);
    const pending = d.find(kind);
    const ever = owed(c, kind);
    if (within !== undefined) {
      if (pending) d.setDue(pending, t0 + within);
      else if (!ever) d.oblige(kind, t0, t0 + within);
    } else if (pending) {
      d.waive(pending, `not required for grade ${c.grade}`);
    }
  }

  // dispatch and explanation run from the assessment / dispatch moments (general incidents).
  const dispatchWithin = gradeDeadline(plan, 'dispatch', c.grade);
  const dispatch = d.find('dispatch');
  if (c.facts.assessedAt !== undefined && dispatchWithin !== undefined && !owed(c, 'dispatch')) {
    d.oblige('dispatch', c.facts.assessedAt, c.facts.assessedAt + dispatchWithin);
  } else if (dispatch && dispatchWithin === undefined) {
    d.waive(dispatch, `not required for grade ${c.grade}`);
  } else if (dispatch && dispatchWithin !== undefined) {
    d.setDue(dispatch, dispatch.anchorAt + dispatchWithin);
  }
  const explWithin = gradeDeadline(plan, 'explanation', c.grade);
  const explText = plan.deadlines.explanation.within;
  const expl = d.find('explanation');
  if (c.facts.dispatchedAt !== undefined && explWithin !== undefined && !owed(c, 'explanation')) {
    d.obligeWithin('explanation', c.facts.dispatchedAt, explText, c.facts.dispatchedTo);
  } else if (expl && explWithin === undefined) {
    d.waive(expl, `not required for grade ${c.grade}`);
  } else if (expl && explWithin !== undefined && !expl.calendarMissing) {
    d.setDue(expl, d.dueFrom('explanation', expl.anchorAt, explText).dueAt);
  }
}

function setGrade(d: Draft, grade: Grade, reasons: string[], source: 'metrics' | 'manual', by: string | undefined, at: number) {
  const c = d.ctx;
  const from = c.grade;
  if (from === grade) return;
  c.grade = grade;
  c.gradeReasons = reasons;
  c.gradeSource = source;
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
    case 'REMINDER_DUE': case 'DEADLINE_DUE': case 'CANCEL': case 'READING_IGNORED': case 'DELIVERY_FAILED': case 'DELIVERY_RECOVERED':
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
  if (!by) {
    out.push(`by: "${payload.by}" is not a person in plan ${plan.id}`);
  } else if (!actingRole(plan, by.id, action)) {
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
      const about = ob ? `${ctx.incident.id}/${ob}` : `${ctx.incident.id}/person=${event.payload.person}`;
      if ((ctx.rulesVersion ?? 0) >= 1 && ctx.outcomes.some((o) => o.id === `${about}/review:${event.payload.kind}` && o.personId === event.payload.person)) {
        out.push(`kind: a ${event.payload.kind} finding about ${event.payload.person}${ob ? ` on ${ob}` : ''} is already recorded in this incident`);
      }
      break;
    }
    case 'commend': {
      needPerson('person', event.payload.person);
      if ((ctx.rulesVersion ?? 0) >= 1 && ctx.outcomes.some((o) => o.id === `${ctx.incident.id}/person=${event.payload.person}/review:commendation`)) {
        out.push(`person: ${event.payload.person} is already commended in this incident`);
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
      // Closing requires every report line to be met (rule book, Endings); the summary itself is met by this act.
      const open = (ctx.rulesVersion ?? 0) >= 1
        ? ctx.obligations.filter((o) => o.status === 'pending' && isReportKind(o.kind) && o.kind !== 'summaryReport')
        : [];
      if (open.length) out.push(`submitSummary: the incident cannot close while report lines are unmet: ${open.map((o) => `${o.id} (${o.ownerName})`).join(', ')}`);
      break;
    }
    case 'regrade':
      if (event.payload.grade === ctx.grade) out.push(`grade: the incident is already ${ctx.grade}`);
      break;
    case 'classify':
      if (event.payload.category === cat) out.push(`category: the incident is already ${cat}`);
      break;
    case 'report': case 'assess': case 'respond': case 'release': case 'reopen': case 'subside': case 'dismiss': case 'withdraw':
      break;
    default: assertNever(action);
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
      if (rose && isHigher(decision.grade, c.grade)) setGrade(d, decision.grade, decision.reasons, 'metrics', event.by, event.at);
      break;
    }
    case 'REMINDER_DUE': {
      const ob = c.obligations.find((o) => o.id === event.obligationId);
      // A reminder says how much time is left: none once the deadline has passed (a late-entered incident's past timers).
      if (!ob || ob.status !== 'pending' || ob.dueAt === null || ob.overdue || event.at >= ob.dueAt || ob.remindersSent > event.index) break;
      ob.remindersSent = event.index + 1;
      // The reminder point is how long before the due time it was set for (a plan's "30m"), not when the timer ran.
      const before = formatDuration(ob.dueAt - (event.remindAt ?? event.at));
      d.notify('reminder', ob.id, `before=${before},due=${idTime(ob.dueAt)}`, d.ownerRecipients(ob), [ob.ownerRole], { ob });
      break;
    }
    case 'DEADLINE_DUE': {
      const ob = c.obligations.find((o) => o.id === event.obligationId);
      if (!ob || ob.status !== 'pending' || ob.dueAt === null || ob.overdue || event.at < ob.dueAt) break;
      ob.overdue = true;
      ob.flaggedAt = event.at;
      const owner = findPerson(c.plan, ob.ownerId);
      const roles = escalationRoles(c.plan, ob.ownerRole);
      d.notify('overdue', ob.id, `due=${idTime(ob.dueAt)}`, resolveRecipients(c.plan, roles, owner ? [{ person: owner, role: ob.ownerRole }] : []), [ob.ownerRole, ...roles], { ob });
      d.timeline({ action: 'overdue', at: event.at, details: `${ob.id} was due ${formatLocal(c.plan.timeZone, ob.dueAt)} (${ob.ownerName})` });
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
      log(`${p.kind} ${p.mode} report to ${p.to}${p.note ? `: ${p.note}` : ''}`);
      if (p.kind === 'initial' && plan.deadlines.firstReportTo.includes(p.to)) d.meet(d.find('firstReport'), at, by);
      if (p.mode === 'phone') {
        f.phoneReports += 1;
        d.oblige('writtenReport', at, at + dur(plan.deadlines.writtenReportAfterPhone), by);
      } else {
        const pendingWritten = c.obligations.find((o) => o.kind === 'writtenReport' && o.status === 'pending' && o.ownerId === by);
        d.meet(pendingWritten, at, by);
      }
      if (p.kind === 'followUp') {
        f.followUps += 1;
        const fu = d.find('followUp');
        d.meet(fu, at, by);
        if (fu && c.stage !== 'researchAndWarning') d.oblige('followUp', at, at + dur(plan.deadlines.followUpEvery), c.facts.tracker);
      }
      break;
    }
    case 'assess': {
      f.assessedAt = at;
      const p = event.payload;
      log(`assessed${p.grade ? ` as ${p.grade}` : ''}${p.note ? `: ${p.note}` : ''}`);
      if (p.grade && p.grade !== c.grade) setGrade(d, p.grade, [`assessed by ${by}`], 'manual', by, at);
      else applyGradeObligations(d);
      d.oblige('followUp', at, at + dur(plan.deadlines.followUpEvery));
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
        for (const ob of c.obligations) if ((ob.kind === 'inquiryOpinion' || ob.kind === 'inquiryResult') && ob.status === 'pending') d.waive(ob, `reclassified as ${c.category}`);
      }
      if (c.category === 'inquiry' && !owed(c, 'inquiryOpinion')) {
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
      } else if (!owed(c, 'inquiryResult')) {
        d.oblige('inquiryResult', at, null, f.dispatchedTo);
      }
      break;
    }
    case 'finishHandling': {
      f.handlingFinishedAt = at;
      log(`handling finished${event.payload.note ? `: ${event.payload.note}` : ''}`);
      const res = d.find('inquiryResult') ?? d.oblige('inquiryResult', at, null, f.dispatchedTo);
      res.anchorAt = at;
      d.setDue(res, endOfLocalDay(plan.timeZone, at));
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
        const owner = answerable(plan, plan.owners.followUp, tracker.id);
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
      d.obligeWithin('summaryReport', at, plan.deadlines.summaryReport);
      break;
    }
    case 'submitSummary': {
      f.closedAt = at;
      log(`summary report: ${event.payload.text}`);
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
      const person = findPerson(plan, p.person) as Person;
      log(`commendation for ${p.person}: ${p.reason}`);
      d.outcome('commendation', undefined, at, p.reason, by, { id: person.id, name: person.name, role: person.roles[0] }, { source: `review:commendation` });
      break;
    }
    case 'dismiss': {
      f.dismissedAt = at;
      f.dismissReason = event.payload.reason;
      log(`dismissed: ${event.payload.reason}`);
      // Judged at the dismissal's recorded time: a backdated `at` never clears an overdue obligation.
      if (d.v1) f.ending = { kind: 'dismissed', at: d.now, claimedAt: at, reason: event.payload.reason, by };
      break;
    }
    case 'withdraw': {
      log(`withdrawn: ${event.payload.reason}`);
      f.ending = { kind: 'withdrawn', at: d.now, claimedAt: at, reason: event.payload.reason, by };
      break;
    }
    default: assertNever(event);
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
    const summary = d.find('summaryReport');
    if (summary) d.waive(summary, 'handling reopened');
    if (!d.find('followUp')) d.oblige('followUp', at, at + dur(c.plan.deadlines.followUpEvery), c.facts.tracker);
  }
  for (const ob of c.obligations) {
    if (ob.status !== 'pending') continue;
    if (stage === 'dismissed') d.waive(ob, 'not an incident');
    else if (ob.kind === 'followUp' && stageRank(stage) > stageRank('dynamicTracking') && !ob.overdue) d.waive(ob, 'follow-up reports end when the incident subsides');
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
