import {
  OBLIGATION_LABELS, ROLE_LABELS, STAGES, assertNever, gradeRank, isReportKind, label, outcomeLabel,
  type ActionName, type Ending, type Grade, type ObligationKind, type OutcomeKind, type Role, type Stage,
} from '../plan/codes';
import { dayLimit } from '../plan/calendar';
import { formatDuration, parseDuration } from '../plan/duration';
import { findPerson, peopleInRole, resolveRecipients, toRecipient } from '../plan/people';
import type { HandlingStepDef, Person, Plan, ReportLineDef } from '../plan/plan.schema';
import { DEFAULT_PERMISSIONS } from '../plan/plan.values';
import { endOfLocalDay, formatLocal } from '../plan/time-zone';
import { whoWasOnDuty } from '../roster/on-duty';
import type {
  Binding, Finding, FindingMarks, NoticeKind, NoticeParams, Recipient, ScheduleDeadlineParams, ScheduleEscalationParams, SettleNoticesParams,
} from './effects';
import { climb } from './escalation';
import type { Effect, IncidentContext, Obligation, Step } from './incident.rules';
import { isMajor, lineDefs, lineKind, lineLimit, reaches, recipientsOf, shorterOrNew, type LineRef } from './lines';
import type { MessageContext } from './messages';
import { OBLIGATIONS, kindsWhere, perOwner, ruleOf } from './obligations';

/**
 * The draft an event's rules change (a copy of the context) and the effects it collects, with the queries the
 * rules share (scope, limits, owners, bindings). Pure: every function takes the time it needs; none reads a clock.
 */

// ───────────────────────────── helpers ─────────────────────────────

/**
 * A copy a step may change without touching the previous context. Only what steps mutate is copied
 * (facts, metrics, obligations); the plan and the incident are never mutated, and timeline entries and
 * outcomes are only appended, so those arrays are copied shallowly: a long incident stays cheap per event.
 */
export function copyContext(c: IncidentContext): IncidentContext {
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
export const dur = (text: string): number => parseDuration(text) ?? 0;
export const stageRank = (s: Stage): number => STAGES.indexOf(s);
export const laterStage = (a: Stage, b: Stage): Stage => (stageRank(b) > stageRank(a) && stageRank(b) <= stageRank('summaryEvaluation') ? b : a);
/** An obligation of this kind exists and was not waived: a waived one is owed again if its grade or category comes back. */
export const owed = (c: IncidentContext, kind: ObligationKind): boolean => c.obligations.some((o) => o.kind === kind && o.status !== 'waived');

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
export function lapseKind(plan: Plan, ob: Pick<Obligation, 'kind' | 'line'>, late: boolean): OutcomeKind {
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

export function allowedRoles(plan: Plan, action: ActionName, rulesVersion = 0): Role[] {
  const own = plan.permissions[action];
  if (own) return own;
  // v5: findings are recorded by the plan's reviewers (rule book, Review), not by any leader or an outside body
  if (action === 'finding' && rulesVersion >= 5 && plan.reviewers?.length) return plan.reviewers;
  // the plan's assessing roles assess and regrade (000 篇五 §五(二): the 涉事主体)
  if ((action === 'assess' || action === 'regrade') && plan.assessors) return [...new Set([...DEFAULT_PERMISSIONS[action], ...plan.assessors])];
  if (action === 'approve' && plan.approval) return [plan.approval.role];
  if (action === 'handlingStep' && (plan.handlingSteps ?? []).length) return [...new Set((plan.handlingSteps ?? []).flatMap((s) => s.roles))];
  return DEFAULT_PERMISSIONS[action];
}

/** The role a person acts in for an action: the first of their roles the plan allows. */
export function actingRole(plan: Plan, personId: string, action: ActionName, rulesVersion = 0): Role | undefined {
  const allowed = allowedRoles(plan, action, rulesVersion);
  return rolesOf(plan, personId).find((r) => allowed.includes(r));
}

/** The person answerable for a role: the named person if they hold it, else the first in the plan. */
export function answerable(plan: Plan, role: Role, preferredId?: string): { id: string; name: string; role: Role } {
  const preferred = preferredId ? findPerson(plan, preferredId) : undefined;
  if (preferred) return { id: preferred.id, name: preferred.name, role: preferred.roles.includes(role) ? role : preferred.roles[0] };
  const first = peopleInRole(plan, role)[0] ?? plan.people[0];
  return { id: first.id, name: first.name, role };
}

export function gradeDeadline(plan: Plan, kind: 'publicResponse' | 'firstRelease' | 'dispatch' | 'explanation', grade: Grade): number | undefined {
  const d = plan.deadlines[kind];
  return d && d.grades.includes(grade) ? dur(d.within) : undefined;
}

export function firstReportWithin(plan: Plan, grade: Grade): number | undefined {
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

export class Draft {
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
  /** v5 rules: fair owners (an unnamed holder among several names nobody), entered grades, reviewers, voices */
  get v5() { return (this.ctx.rulesVersion ?? 0) >= 5; }

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
    const rostered = !ownerPreferred ? this.rostered(ownerRole) : undefined;
    const owner = rostered || answerable(this.plan, ownerRole, ownerPreferred);
    // v5: nobody named and several hold the role (not one on duty): the first listed is not blamed — the lapse names
    // nobody and the reviewer decides; all holders are told; the one who does it, or a department named later, owns it
    const ambiguous = this.v5 && !ownerPreferred && !rostered && peopleInRole(this.plan, ownerRole).length > 1;
    const ob: Obligation = {
      id: this.idFor(kind, anchorAt, owner.id), kind, ownerRole: owner.role, ownerId: owner.id, ownerName: owner.name,
      anchorAt, dueAt, status: 'pending', overdue: false, remindersSent: 0,
      // One created after its usual stage (a phone report while tracking) closes with the stage it was created in.
      closesWith: laterStage(OBLIGATIONS[kind].closesWith, this.ctx.stage), source: ruleOf(kind, this.plan.sources).source,
      gradeBasis: this.gradeBasis(),
      ...(ambiguous ? { ownerAmbiguous: true } : {}),
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
          // a relay starts when the report reaches the relayer (or at the relayer's own assessment); a line with a
          // `when` starts when that happens
          if (relay || def.when || !lim.owed || all.length) continue;
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
          // a relay not yet started starts when the report reaches the relayer; a step's or a category's line at its moment
          if ((relay || (def.when && !('risenFrom' in def.when))) && all.length === 0) continue;
          // a line owed after a rise from some grades (a general school incident that spreads): only from those
          if (def.when && 'risenFrom' in def.when && all.length === 0 && !def.when.risenFrom.includes(t.from)) continue;
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

  /**
   * The lines a plan owes from a moment (`when`: a handling step recorded, a classification), from its claimed time,
   * where the grade owes them and none is open yet; a report already made to that recipient since then meets it.
   */
  startLinesOn(trigger: { step: string } | { category: string }, at: number) {
    const c = this.ctx;
    if (!inScope(c)) return;
    const from = Math.max(at, limitStart(c));
    for (const def of lineDefs(this.plan)) {
      const w = def.when;
      if (!w || ('step' in trigger ? !('step' in w) || w.step !== trigger.step : !('category' in w) || w.category !== trigger.category)) continue;
      if (!lineLimit(def, c.grade).owed) continue;
      for (const rcpt of recipientsOf(this.plan, def)) {
        if (this.linesOf(def, rcpt.toPerson).some((o) => o.status === 'pending')) continue;
        const ob = this.addLine(def, rcpt, from, 'trigger');
        this.meetBySince(ob, from);
      }
    }
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

  gradeBasis(): 'assessed' | 'computed' | 'entered' {
    return this.ctx.gradeSource === 'manual' ? 'assessed' : this.ctx.gradeSource === 'entered' ? 'entered' : 'computed';
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

  /** v5: a named person answers for a duty whose owner was not named among several holders. */
  assignOwner(ob: Obligation, personId: string) {
    const p = findPerson(this.plan, personId);
    if (!p) return;
    ob.ownerId = p.id;
    ob.ownerName = p.name;
    ob.ownerRole = p.roles.includes(ob.ownerRole) ? ob.ownerRole : p.roles[0];
    delete ob.ownerAmbiguous;
  }

  /** v5: the department named for the incident (dispatched to, the 涉事主体) owns its open duties nobody owned yet. */
  passUnowned(personId: string) {
    if (!this.v5) return;
    for (const ob of this.ctx.obligations) {
      if (ob.status !== 'pending' || !ob.ownerAmbiguous || ob.line) continue;
      if (!rolesOf(this.plan, personId).includes(ob.ownerRole)) continue;
      this.assignOwner(ob, personId);
      this.notifyAssigned(ob);
    }
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
    if (ob.ownerAmbiguous && !ob.line) {
      // v5: one of the several holders did it: that person answers for it
      const p = findPerson(this.plan, by);
      if (p?.roles.includes(ob.ownerRole)) this.assignOwner(ob, p.id);
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
      personId: person.id === '' || ((ob?.line?.ownerAmbiguous || ob?.ownerAmbiguous || ob?.line?.recipientsPending) && !who) ? undefined : person.id,
      personName: (ob?.line?.ownerAmbiguous || ob?.ownerAmbiguous) && !who ? `${ROLE_LABELS[person.role].zh}（未确定具体人员）` : person.name, role: person.role,
      at, claimedAt: extra.claimedAt, recordedAt: extra.recordedAt,
      dueAt: ob?.dueAt ?? undefined,
      delayMs: ob?.delayMs !== undefined && (kind === 'late' || kind === 'lateDuty' || kind === 'targetMissed') ? ob.delayMs : undefined,
      rule: ob ? (ob.line ? { basis: ob.line.basis, source: ob.line.source } : ruleOf(ob.kind, c.plan.sources)) : undefined,
      binding: ob ? bindingOfObligation(c.plan, ob) : undefined,
      accountabilityBasis: c.plan.accountability?.basis ?? ACCOUNTABILITY_NONE,
      gradeBasis: ob ? (ob.gradeBasis ?? this.gradeBasis()) : undefined,
      grade: c.grade,
      ending: extra.ending,
      ...(marks && Object.keys(marks).length ? { marks } : {}),
      ...(this.v3 && ob?.kind === 'inquiryOpinion' && c.plan.approval && kind !== 'onTime' ? { pendingStep: this.pendingReplyStep(ob) } : {}),
      plan: { id: c.plan.id, version: c.plan.version, hash: c.planHash, ...(this.v5 ? { rules: c.rulesVersion } : {}) },
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
    if ((ob.gradeBasis === 'computed' || ob.gradeBasis === 'entered') && this.plan.scope !== 'majorOnly') m.gradeNotAssessed = true;
    // v5: the grade was entered by its discoverer, who does not assess under this plan
    if (ob.gradeBasis === 'entered' && this.plan.scope !== 'majorOnly') m.gradeEntered = true;
    // v5: a duty several people could owe, none named: which of them answers is the reviewer's call
    if (ob.ownerAmbiguous) m.ownerNotNamed = true;
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
    // v5: nobody named among several holders: every holder is told
    if (ob.ownerAmbiguous) return resolveRecipients(this.plan, [ob.ownerRole]);
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
    const owner = ob.ownerId && !ob.ownerAmbiguous ? findPerson(this.plan, ob.ownerId) : undefined;
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


/** Obligations that depend on the grade: created, re-timed or waived whenever the grade changes. */
export function applyGradeObligations(d: Draft) {
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

export function setGrade(d: Draft, grade: Grade, reasons: string[], source: 'metrics' | 'manual', by: string | undefined, at: number) {
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


/** v3: more than one summary line is pending, each a department's own (one submission does not meet the others). */
export function summaryLinesOwned(ctx: IncidentContext): boolean {
  // the lines the latest subsiding created: more than one means one per department
  const at = ctx.facts.subsidedAt;
  return ctx.obligations.filter((o) => o.kind === 'summaryReport' && o.status !== 'waived' && o.anchorAt >= (at ?? 0)).length > 1;
}

/** v3: submitting this summary closes the incident (no other department's summary line is still owed). */
export function summaryCloses(ctx: IncidentContext, by: string): boolean {
  if ((ctx.rulesVersion ?? 0) < 3) return true;
  return ctx.obligations.every((o) => o.kind !== 'summaryReport' || o.status !== 'pending' || o.ownerId === by || !summaryLinesOwned(ctx));
}


/** The handling steps the current grade requires that are not recorded yet. */
export function missingSteps(ctx: IncidentContext): HandlingStepDef[] {
  return (ctx.plan.handlingSteps ?? []).filter((s) => s.gates !== false && s.grades.includes(ctx.grade) && !ctx.facts.steps?.[s.key]);
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
