import { GRADES, GRADE_LABELS, ROLE_LABELS, gradeRank, type Grade, type ObligationKind, type Role } from '../plan/codes';
import { parseDuration } from '../plan/duration';
import { findPerson, peopleInRole } from '../plan/people';
import type { Plan, ReportLineDef } from '../plan/plan.schema';
import { OBLIGATIONS } from './obligations';

/**
 * Report lines (rule book, Reports: who owes what to whom), v3: one reporter to one recipient, each with its own
 * due time, met time and finding. Pure data and functions; the Draft in incident.rules.ts applies them.
 */

/** What an obligation that is a report line knows about its line. */
export interface LineRef {
  /** the plan's line key */
  key: string;
  label: string;
  /** the recipient, reachable through any of these roles */
  to: Role[];
  /** a line to one person (perPerson lines: one per group head) */
  toPerson?: string;
  toName: string;
  /** discoverer | subject | role:<role> | relay:<key> */
  from: string;
  /** the line instance this one passes on (relay lines) */
  relayOf?: string;
  /** what created it: the grade at the start, the assessment as 重大, a rise, the report it relays, or its `when` (a step, a category) */
  createdBy: 'start' | 'assessment' | 'rise' | 'relay' | 'trigger';
  outside: boolean;
  binding: boolean;
  basis: 'rule' | 'default';
  source: string;
  writtenAfterPhone?: string;
  /** the 涉事主体 was not named when the line was created (its notices go to the office) */
  ownerNotNamed?: boolean;
  /** the roles whose holders may make the report (a role line; a relay: the relayed line's recipient roles) */
  ownerRoles?: Role[];
  /** the owner is only the first of several holders of the role: a lapse names nobody, the reviewer decides */
  ownerAmbiguous?: boolean;
  /** when the 涉事主体 was named, for a line created before that */
  ownerNamedAt?: number;
  /** the recipient holds the assessing role and the assessment met it (rule book, Scope) */
  metByAssessment?: boolean;
  /** a receipt (签收) the report recorded: evidence, never a condition */
  receipt?: string;
  /** a 通报 line waiting for its departments to be named (000 篇三 §四(二)) */
  recipientsPending?: boolean;
  /** the 通报's limit after the departments are named */
  notifyWithin?: string;
}

/**
 * The plan's report lines: its own, or for a plan in the old shape one line discoverer → firstReportTo (any of
 * those roles), with the plan's first-report limits, binding unless the plan lists firstReport as a target, and the
 * first report's label and source (the obligation table).
 */
export function lineDefs(plan: Plan): ReportLineDef[] {
  if (plan.reportLines) return plan.reportLines;
  const within = plan.deadlines.firstReport ?? {};
  return [{
    key: 'first', label: OBLIGATIONS.firstReport.label.zh, from: 'discoverer', to: plan.deadlines.firstReportTo ?? ['office'], perPerson: false,
    within, binding: !(plan.targets ?? []).includes('firstReport') && Object.keys(within).length > 0,
    basis: OBLIGATIONS.firstReport.basis, source: OBLIGATIONS.firstReport.source, outside: false, writtenAfterPhone: plan.deadlines.writtenReportAfterPhone,
  }];
}

/** Whether a grade owes a line, and its limit (null: owed with no limit, 酌情适时上报 — never late). */
export function lineLimit(def: ReportLineDef, grade: Grade): { owed: false } | { owed: true; within: number | null } {
  if (def.grades && !def.grades.includes(grade)) return { owed: false };
  const w = def.within;
  const text = w === undefined ? undefined : typeof w === 'string' ? w : w[grade];
  const ms = text === undefined ? undefined : parseDuration(text);
  return { owed: true, within: ms === undefined ? null : ms };
}

/** A new or shorter duty at `to` than at `from` (the upgrade rule's trigger). */
export function shorterOrNew(def: ReportLineDef, from: Grade, to: Grade): boolean {
  const a = lineLimit(def, from);
  const b = lineLimit(def, to);
  if (!b.owed || b.within === null) return false;
  if (!a.owed || a.within === null) return true;
  return b.within < a.within;
}

/** The recipients of a line: one per person of its first role (perPerson), else the body it names. */
export function recipientsOf(plan: Plan, def: ReportLineDef): Array<{ toPerson?: string; toName: string }> {
  // one person standing for a body the line names (镇党委's liaison): the body's name, the person after it
  if (def.toPeople) {
    return def.toPeople.map((id) => {
      const name = findPerson(plan, id)?.name ?? id;
      return { toPerson: id, toName: def.toLabel && def.toPeople!.length === 1 ? `${def.toLabel}（${name}）` : name };
    });
  }
  if (def.perPerson) {
    const people = peopleInRole(plan, def.to[0]);
    if (people.length) return people.map((p) => ({ toPerson: p.id, toName: p.name }));
  }
  return [{ toName: def.toLabel ?? ROLE_LABELS[def.to[0]].zh }];
}

/** The recipient a report names: a role of the plan, or a person (with their roles). */
export function reportRecipient(plan: Plan, to: string): { roles: Role[]; personId?: string } | undefined {
  if ((Object.keys(ROLE_LABELS) as Role[]).includes(to as Role)) return { roles: [to as Role] };
  const p = findPerson(plan, to);
  return p ? { roles: p.roles, personId: p.id } : undefined;
}

/** A report to this recipient reaches the line's recipient. */
export function reaches(line: LineRef, r: { roles: Role[]; personId?: string }): boolean {
  if (line.toPerson) return r.personId === line.toPerson;
  return r.roles.some((role) => line.to.includes(role));
}

/** The lowest grade a major-only plan binds (rule book, Scope). */
export const MAJOR: Grade = 'major';
export const isMajor = (g: Grade): boolean => gradeRank(g) >= gradeRank(MAJOR);

/** Grades a line def names, for messages. */
export const gradesText = (def: ReportLineDef): string => (def.grades ?? [...GRADES]).map((g) => GRADE_LABELS[g].zh).join('/');

/** The obligation kind of a line instance: an upgrade report when a rise created it. */
export const lineKind = (createdBy: LineRef['createdBy']): ObligationKind => (createdBy === 'rise' ? 'upgradeReport' : 'firstReport');
