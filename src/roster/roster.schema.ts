/**
 * The duty roster (值班表) of a unit: who holds a role at a given hour, beside the unit's plan. The plans
 * promise round-the-clock monitoring (000 篇五 §五(一) 24小时检测; the 001 school plan §三1 24小时不间断采集 and
 * its 不间断跟踪监控), and a notice at 03:00 must reach the person on duty then, not the first person listed.
 *
 * A roster file (YAML or JSON) names its plan, its own version and the instant it takes effect; for each
 * rostered role it gives shifts on working days (`weekly`), optionally a separate pattern for rest days
 * (`restDays`), and dated `overrides` (a holiday rota, a swap). Each shift has a primary person (A岗) and
 * substitutes in order (B岗). The plan's time zone applies; a roster does not set its own.
 *
 * Validation is in two steps, both reported as `path: reason` lines: the file's shape (`rosterFileSchema`),
 * then against the plan (`validateRoster`): every person exists in the plan and holds the role there, or the
 * roster grants it to them by name (`grantedTo`). Coverage (gaps, overlaps) is the business of
 * roster.check.ts.
 */
import { z } from 'zod';
import { ROLES, type Role } from '../plan/codes';
import type { Plan } from '../plan/plan.schema';
import { DAYS, END_RE, ISO_WITH_OFFSET_RE, isDate, START_RE, WORKING_DAYS } from './days';

const personId = z.string({ error: 'must be a person id of the plan' }).min(1, 'must be a person id of the plan');
const start = z.string({ error: 'must be HH:MM' }).regex(START_RE, 'must be HH:MM (00:00–23:59)');
const end = z.string({ error: 'must be HH:MM' }).regex(END_RE, 'must be HH:MM (00:00–24:00)');
const day = z.enum(DAYS, { error: `must be one of ${DAYS.join(', ')}` });
const isoWithOffset = z
  .string({ error: 'must be an ISO 8601 time with offset, e.g. "2026-10-01T08:30:00+08:00"' })
  .regex(ISO_WITH_OFFSET_RE, 'must be an ISO 8601 time with offset, e.g. "2026-10-01T08:30:00+08:00"')
  .refine((s) => Number.isFinite(Date.parse(s)), 'is not a real time');
const date = z.string({ error: 'must be a date YYYY-MM-DD' }).refine(isDate, 'must be a date YYYY-MM-DD');

/** The people of a shift: the primary (A岗) and the substitutes (B岗), in the order they are asked. */
const posts = {
  primary: personId,
  substitutes: z.array(personId).default([]),
};

function checkPosts(s: { primary: string; substitutes: string[] }, ctx: z.RefinementCtx) {
  const seen = new Set([s.primary]);
  s.substitutes.forEach((id, i) => {
    if (seen.has(id)) ctx.addIssue({ code: 'custom', path: ['substitutes', i], message: `"${id}" is already on this shift` });
    seen.add(id);
  });
}

/** A shift on working days: the days of the week it starts on, local start and end (an end at or before the start is the next day). */
const weeklyShift = z
  .object({
    label: z.string().min(1).optional(),
    days: z.array(day).min(1, 'must name at least one day'),
    start,
    end,
    ...posts,
  })
  .strict()
  .superRefine(checkPosts);

/** A shift on rest days (休息日: public holidays, and Saturdays and Sundays that are not make-up working days); `days` narrows it. */
const restDayShift = z
  .object({
    label: z.string().min(1).optional(),
    days: z.array(day).min(1, 'must name at least one day (or leave days out: every rest day)').optional(),
    start,
    end,
    ...posts,
  })
  .strict()
  .superRefine(checkPosts);

/** A dated override: `from`–`to` (ISO with offset), or a local `date` with `start`–`end` in the plan's time zone. */
const override = z
  .object({
    label: z.string().min(1).optional(),
    from: isoWithOffset.optional(),
    to: isoWithOffset.optional(),
    date: date.optional(),
    start: start.optional(),
    end: end.optional(),
    /** why (调班, 国庆值班安排 …): shown with the shift */
    note: z.string().optional(),
    ...posts,
  })
  .strict()
  .superRefine((o, ctx) => {
    checkPosts(o, ctx);
    const absolute = o.from !== undefined || o.to !== undefined;
    const local = o.date !== undefined || o.start !== undefined || o.end !== undefined;
    if (absolute && local) {
      ctx.addIssue({ code: 'custom', path: [], message: 'give either from and to, or date with start and end, not both' });
      return;
    }
    if (absolute) {
      for (const k of ['from', 'to'] as const) if (o[k] === undefined) ctx.addIssue({ code: 'custom', path: [k], message: 'is required with ' + (k === 'from' ? 'to' : 'from') });
      if (o.from && o.to && Date.parse(o.to) <= Date.parse(o.from)) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    } else if (local) {
      for (const k of ['date', 'start', 'end'] as const) if (o[k] === undefined) ctx.addIssue({ code: 'custom', path: [k], message: 'is required: an override by date gives date, start and end' });
    } else {
      ctx.addIssue({ code: 'custom', path: [], message: 'must give from and to, or date with start and end' });
    }
  });

/** What a role's roster says. */
const roleRoster = z
  .object({
    /**
     * `24h`: every hour of every day must have someone on duty — a gap is an error (the default for `monitor`,
     * whose round-the-clock watch both plans promise); `partial`: gaps are allowed and shown (office hours).
     */
    coverage: z.enum(['24h', 'partial']).optional(),
    /** people the roster puts on this role's shifts although the plan gives them another role (only for being told; permissions stay the plan's) */
    grantedTo: z.array(personId).default([]),
    /** shifts on working days, by day of the week */
    weekly: z.array(weeklyShift).default([]),
    /** shifts on rest days; absent: the weekly shifts apply on every day by its day of the week, holidays included (no calendar needed) */
    restDays: z.array(restDayShift).optional(),
    /** dated overrides: take precedence over the patterns while they last */
    overrides: z.array(override).default([]),
  })
  .strict();

export const rosterFileSchema = z
  .object({
    /** the id of the plan it belongs to */
    plan: z.string({ error: 'must be the plan id' }).regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a plan id: lower-case letters, digits and "-"'),
    /** the unit, if given: must be the plan's unit id */
    unit: z.string().min(1).optional(),
    /** this roster's version (a string: quote "2026.1" in YAML) */
    version: z.string({ error: 'must be a string (quote it in YAML: "2026.1")' }).min(1),
    /** the instant it takes effect; the version in force at an instant is the latest that took effect by then */
    effectiveFrom: isoWithOffset,
    /** taken from the plan; if given, must equal it */
    timeZone: z.string().min(1).optional(),
    /** the day whose working-day shifts a make-up working day (调休上班, a Saturday or Sunday) follows; default mon */
    makeUpWorkdayAs: z.enum(WORKING_DAYS, { error: `must be one of ${WORKING_DAYS.join(', ')}` }).default('mon'),
    note: z.string().optional(),
    roles: z.record(z.string(), roleRoster),
  })
  .strict();

export type RosterFile = z.output<typeof rosterFileSchema>;
export type RosterFileInput = z.input<typeof rosterFileSchema>;
export type RoleRoster = z.output<typeof roleRoster>;
export type WeeklyShift = z.output<typeof weeklyShift>;
export type RestDayShift = z.output<typeof restDayShift>;
export type Override = z.output<typeof override>;

/** A validated roster: the file with the plan's time zone filled in. Plain JSON (safe as workflow input). */
export type Roster = Omit<RosterFile, 'timeZone' | 'roles'> & {
  timeZone: string;
  roles: Partial<Record<Role, RoleRoster>>;
};

/** The coverage a role's roster promises: its own setting, else 24h for the monitor and partial for the others. */
export function coverageOf(role: Role, entry: Pick<RoleRoster, 'coverage'>): '24h' | 'partial' {
  return entry.coverage ?? (role === 'monitor' ? '24h' : 'partial');
}

/** `roles.monitor.weekly[2].start` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(root)';
}

export type RosterValidation = { ok: true; roster: Roster } | { ok: false; issues: string[] };

/**
 * Validate roster data (parsed YAML or JSON) against its plan. Issues are `path: reason` lines; the shape is
 * checked first, and only a well-formed roster is checked against the plan.
 */
export function validateRoster(data: unknown, plan: Plan): RosterValidation {
  const parsed = rosterFileSchema.safeParse(data);
  if (!parsed.success) return { ok: false, issues: parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`) };
  const file = parsed.data;
  const issues: string[] = [];
  const add = (path: PropertyKey[], message: string) => issues.push(`${formatPath(path)}: ${message}`);

  if (file.plan !== plan.id) add(['plan'], `is "${file.plan}", but the roster is checked against plan "${plan.id}"`);
  if (file.unit !== undefined && file.unit !== plan.unit.id) add(['unit'], `must be the plan's unit "${plan.unit.id}", not "${file.unit}"`);
  if (file.timeZone !== undefined && file.timeZone !== plan.timeZone) {
    add(['timeZone'], `must equal the plan's time zone "${plan.timeZone}" (or be left out), not "${file.timeZone}"`);
  }
  const people = new Map(plan.people.map((p) => [p.id, p]));
  const roleKeys = Object.keys(file.roles);
  if (roleKeys.length === 0) add(['roles'], 'must roster at least one role');
  for (const key of roleKeys) {
    if (!(ROLES as readonly string[]).includes(key)) {
      add(['roles', key], `"${key}" is not a role (one of ${ROLES.join(', ')})`);
      continue;
    }
    const role = key as Role;
    const entry = file.roles[key];
    const granted = new Set(entry.grantedTo);
    entry.grantedTo.forEach((id, i) => {
      if (!people.has(id)) add(['roles', key, 'grantedTo', i], `"${id}" is not a person in the plan`);
    });
    const checkPerson = (id: string, path: PropertyKey[]) => {
      const p = people.get(id);
      if (!p) add(path, `"${id}" is not a person in the plan`);
      else if (!p.roles.includes(role) && !granted.has(id)) {
        add(path, `"${id}" (${p.name}) does not hold role "${role}" in the plan; to roster them for it, list them in roles.${key}.grantedTo`);
      }
    };
    const lists = [['weekly', entry.weekly], ['restDays', entry.restDays ?? []], ['overrides', entry.overrides]] as const;
    for (const [name, shifts] of lists) {
      shifts.forEach((s, i) => {
        checkPerson(s.primary, ['roles', key, name, i, 'primary']);
        s.substitutes.forEach((id, j) => checkPerson(id, ['roles', key, name, i, 'substitutes', j]));
      });
    }
    if (entry.weekly.length === 0 && (entry.restDays ?? []).length === 0 && entry.overrides.length === 0) {
      add(['roles', key], 'has no shifts (weekly, restDays or overrides)');
    }
  }
  if (issues.length) return { ok: false, issues };
  const { timeZone: _given, ...rest } = file;
  return { ok: true, roster: { ...rest, timeZone: plan.timeZone, roles: file.roles as Roster['roles'] } };
}
