/**
 * Who holds a role at an instant, by the unit's duty roster (值班表). Pure and deterministic: no clock, no
 * I/O and no holiday package — this runs inside workflow code, so the holiday data comes in as a
 * {@link CalendarSlice} (built outside by src/plan/holidays.ts and fixed where it is used) and the same
 * inputs always give the same answer.
 *
 * The rules (docs/rosters.md):
 * - A shift belongs to the local date it starts on, in the plan's time zone; it holds from its start
 *   (included) to its end (excluded), so at a hand-over the incoming shift is on duty.
 * - A date is a rest day when it is a public holiday, or a Saturday or Sunday that is not a make-up working
 *   day (调休上班). A role with a `restDays` pattern uses it on rest days and its `weekly` shifts on working
 *   days (a make-up Saturday or Sunday follows the weekly shifts of `makeUpWorkdayAs`); a role without one
 *   uses its weekly shifts by day of the week on every date, and never needs the holiday data.
 * - Where shifts overlap, the one that started last holds the role (the latest hand-over); a dated override
 *   holds against every pattern shift. Between equal starts the one listed first holds (the check reports it).
 * - A date the slice does not cover is never guessed: for a role that tells working days from rest days,
 *   an instant a shift of that date might hold is `calendarDataMissing`.
 */
import { arrangementYear, type CalendarSlice } from '../plan/calendar';
import type { Role } from '../plan/codes';
import { addDays, dayOf, localDateOf as localDate, localInstant, shiftSpan } from './days';
import type { Override, RoleRoster, Roster } from './roster.schema';

export type Post = 'A' | 'B';

export interface DutyPerson {
  personId: string;
  /** A: the primary (A岗); B: a substitute (B岗) */
  post: Post;
  /** 0 for the primary, then 1, 2 … for the substitutes in the order they are asked */
  order: number;
}

export type DutySource = 'weekly' | 'restDay' | 'override';

export interface DutyShift {
  /** the shift's label in the roster ('' when it has none) */
  label: string;
  /** from the hand-over to these people (included) to the next hand-over (excluded), epoch ms */
  from: number;
  to: number;
  /** the shift as rostered; an override or a later-starting shift may shorten it to from–to */
  scheduledFrom: number;
  scheduledTo: number;
  /** the local date the shift starts on: the day whose pattern it belongs to */
  date: string;
  /** the roster entry: "weekly[1]", "restDays[0]", "overrides[3]" */
  ref: string;
}

export interface OnDuty {
  people: DutyPerson[];
  shift: DutyShift;
  source: DutySource;
}

/**
 * notRostered: the roster does not roster the role (the plan's holders apply); notInForce: the instant is
 * before the roster takes effect; gap: rostered, but no shift holds then; calendarDataMissing: the holiday
 * data does not cover a date the answer depends on.
 */
export type NoOneReason = 'notRostered' | 'notInForce' | 'gap' | 'calendarDataMissing';

export interface NoOneOnDuty {
  people: [];
  reason: NoOneReason;
  /** calendarDataMissing: the date not covered, and the year whose holiday notice decides it */
  date?: string;
  year?: number;
  /** gap: when the next shift starts, if within two days */
  next?: number;
}

export type OnDutyResult = OnDuty | NoOneOnDuty;

export const isOnDuty = (r: OnDutyResult): r is OnDuty => r.people.length > 0;

const DAY_MS = 86_400_000;

/** Whether a role's roster tells working days from rest days (then it needs the holiday data). */
export const needsCalendar = (entry: Pick<RoleRoster, 'restDays'>): boolean => entry.restDays !== undefined;

/** A rest day: a public holiday, or a Saturday or Sunday that is not a make-up working day. */
export function isRestDay(date: string, calendar: CalendarSlice): boolean {
  if (calendar.workdays.includes(date)) return false;
  if (calendar.restDays.includes(date)) return true;
  const d = dayOf(date);
  return d === 'sat' || d === 'sun';
}

const covers = (calendar: CalendarSlice, date: string) => calendar.covers.from <= date && date <= calendar.covers.to;

/** The instants an override runs, from (included) to (excluded). */
export function overrideRange(timeZone: string, o: Override): { from: number; to: number } {
  if (o.from !== undefined && o.to !== undefined) return { from: Date.parse(o.from), to: Date.parse(o.to) };
  const span = shiftSpan(o.start!, o.end!);
  return { from: localInstant(timeZone, o.date!, span.start), to: localInstant(timeZone, o.date!, span.end) };
}

/** One shift on one date (or one override), as a candidate for holding the role. */
interface Instance {
  from: number;
  to: number;
  label: string;
  primary: string;
  substitutes: string[];
  source: DutySource;
  date: string;
  ref: string;
  /** of a date the slice does not cover: it may or may not exist */
  unknown: boolean;
}

function patternInstances(roster: Roster, entry: RoleRoster, date: string, kind: 'work' | 'rest' | 'any', unknown: boolean, out: Instance[]) {
  const day = dayOf(date);
  const push = (s: { label?: string; start: string; end: string; primary: string; substitutes: string[] }, source: DutySource, ref: string) => {
    const span = shiftSpan(s.start, s.end);
    out.push({
      from: localInstant(roster.timeZone, date, span.start), to: localInstant(roster.timeZone, date, span.end),
      label: s.label ?? '', primary: s.primary, substitutes: s.substitutes ?? [], source, date, ref, unknown,
    });
  };
  if (kind === 'rest') {
    (entry.restDays ?? []).forEach((s, i) => {
      if (!s.days || s.days.includes(day)) push(s, 'restDay', `restDays[${i}]`);
    });
    return;
  }
  const asDay = kind === 'work' && (day === 'sat' || day === 'sun') ? (roster.makeUpWorkdayAs ?? 'mon') : day;
  entry.weekly.forEach((s, i) => {
    if (s.days.includes(asDay)) push(s, 'weekly', `weekly[${i}]`);
  });
}

/** Every candidate that overlaps [a, b): the overrides, then each date's pattern shifts in date order. */
function instancesBetween(roster: Roster, entry: RoleRoster, a: number, b: number, calendar: CalendarSlice): Instance[] {
  const out: Instance[] = [];
  (entry.overrides ?? []).forEach((o, i) => {
    const r = overrideRange(roster.timeZone, o);
    out.push({ ...r, label: o.label ?? '', primary: o.primary, substitutes: o.substitutes ?? [], source: 'override', date: localDate(roster.timeZone, r.from), ref: `overrides[${i}]`, unknown: false });
  });
  const byCalendar = needsCalendar(entry);
  // a shift is at most a day long (25 hours across a clock change): those of the two days before can reach a
  const last = localDate(roster.timeZone, b - 1);
  for (let d = addDays(localDate(roster.timeZone, a), -2); d <= last; d = addDays(d, 1)) {
    if (!byCalendar) patternInstances(roster, entry, d, 'any', false, out);
    else if (covers(calendar, d)) patternInstances(roster, entry, d, isRestDay(d, calendar) ? 'rest' : 'work', false, out);
    else {
      patternInstances(roster, entry, d, 'work', true, out);
      patternInstances(roster, entry, d, 'rest', true, out);
    }
  }
  return out.filter((i) => i.from < b && i.to > a);
}

/** Whether candidate x holds the role against y where both run. */
function beats(x: Instance, y: Instance): boolean {
  const xo = x.source === 'override';
  const yo = y.source === 'override';
  if (xo !== yo) return xo;
  if (x.from !== y.from) return x.from > y.from;
  // equal starts: the first listed holds, unless the other might not exist (then nobody can say)
  return x.unknown && !y.unknown;
}

function winnerAt(t: number, candidates: Instance[]): Instance | undefined {
  let best: Instance | undefined;
  for (const c of candidates) if (c.from <= t && t < c.to && (!best || beats(c, best))) best = c;
  return best;
}

interface Segment {
  from: number;
  to: number;
  holder?: Instance;
}

/** [a, b) cut where the holder changes. */
function segments(candidates: Instance[], a: number, b: number): Segment[] {
  const points = new Set([a, b]);
  for (const c of candidates) {
    if (c.from > a && c.from < b) points.add(c.from);
    if (c.to > a && c.to < b) points.add(c.to);
  }
  const sorted = [...points].sort((x, y) => x - y);
  const out: Segment[] = [];
  for (let k = 0; k + 1 < sorted.length; k++) {
    const [p, q] = [sorted[k], sorted[k + 1]];
    const holder = winnerAt(p, candidates);
    const prev = out[out.length - 1];
    const same = prev && (prev.holder === holder
      || (prev.holder?.unknown && holder?.unknown && prev.holder.date === holder.date));
    if (same && prev.to === p) prev.to = q;
    else out.push({ from: p, to: q, holder });
  }
  return out;
}

function onDutyOf(holder: Instance, seg: Segment): OnDuty {
  return {
    people: [
      { personId: holder.primary, post: 'A', order: 0 },
      ...holder.substitutes.map((personId, i): DutyPerson => ({ personId, post: 'B', order: i + 1 })),
    ],
    shift: { label: holder.label, from: seg.from, to: seg.to, scheduledFrom: holder.from, scheduledTo: holder.to, date: holder.date, ref: holder.ref },
    source: holder.source,
  };
}

const missing = (date: string): NoOneOnDuty => ({ people: [], reason: 'calendarDataMissing', date, year: arrangementYear(date) });

function checkInstant(name: string, at: number) {
  if (!Number.isFinite(at)) throw new RangeError(`${name}: the instant must be epoch ms, got ${at}`);
}

/**
 * Who holds `role` at `at` (epoch ms) by this roster: the primary (A岗) first, then the substitutes (B岗)
 * in order, with the shift they hold (from the hand-over to them to the next one). No one: the reason.
 */
export function onDuty(roster: Roster, role: Role, at: number, calendar: CalendarSlice): OnDutyResult {
  checkInstant('onDuty', at);
  const entry = roster.roles[role];
  if (!entry) return { people: [], reason: 'notRostered' };
  const effectiveFrom = Date.parse(roster.effectiveFrom);
  if (at < effectiveFrom) return { people: [], reason: 'notInForce' };
  const holder = winnerAt(at, instancesBetween(roster, entry, at, at + 1, calendar));
  if (!holder) {
    const ahead = instancesBetween(roster, entry, at, at + 2 * DAY_MS, calendar).filter((c) => c.from > at);
    const next = ahead.length ? Math.min(...ahead.map((c) => c.from)) : undefined;
    return next === undefined ? { people: [], reason: 'gap' } : { people: [], reason: 'gap', next };
  }
  if (holder.unknown) return missing(holder.date);
  // the stretch it holds lies within its own scheduled time
  const a = Math.max(holder.from, effectiveFrom);
  const seg = segments(instancesBetween(roster, entry, a, holder.to, calendar), a, holder.to).find((s) => s.from <= at && at < s.to)!;
  return onDutyOf(holder, seg);
}

export type TimelineEntry = { from: number; to: number } & OnDutyResult;

/**
 * Each stretch of [from, to) with who holds `role` then (one entry per hand-over), and the stretches with no
 * one and why. Entries cut by the window keep their shift's full from–to in `shift`.
 */
export function rosterTimeline(roster: Roster, role: Role, from: number, to: number, calendar: CalendarSlice): TimelineEntry[] {
  checkInstant('rosterTimeline', from);
  checkInstant('rosterTimeline', to);
  if (to <= from) return [];
  const entry = roster.roles[role];
  if (!entry) return [{ from, to, people: [], reason: 'notRostered' }];
  const out: TimelineEntry[] = [];
  const effectiveFrom = Date.parse(roster.effectiveFrom);
  if (from < effectiveFrom) {
    out.push({ from, to: Math.min(to, effectiveFrom), people: [], reason: 'notInForce' });
    if (to <= effectiveFrom) return out;
    from = effectiveFrom;
  }
  const segs = segments(instancesBetween(roster, entry, from, to, calendar), from, to);
  segs.forEach((seg, k) => {
    const h = seg.holder;
    if (!h) out.push({ from: seg.from, to: seg.to, people: [], reason: 'gap' });
    else if (h.unknown) out.push({ from: seg.from, to: seg.to, ...missing(h.date) });
    else {
      // at the window's edges, the shift's own hand-overs (as onDuty gives them)
      const duty = k === 0 || k === segs.length - 1 ? (onDuty(roster, role, seg.from, calendar) as OnDuty) : onDutyOf(h, seg);
      out.push({ from: seg.from, to: seg.to, ...duty });
    }
  });
  return out;
}

/** Versions of one plan's roster, in the order they take effect (equal instants: in the order given). */
function inOrder(versions: readonly Roster[]): Roster[] {
  const plans = new Set(versions.map((v) => v.plan));
  if (plans.size > 1) throw new RangeError(`roster versions of more than one plan: ${[...plans].join(', ')}`);
  return versions.map((v, i) => ({ v, i, at: Date.parse(v.effectiveFrom) })).sort((x, y) => x.at - y.at || x.i - y.i).map((x) => x.v);
}

export type HistoricDuty = OnDutyResult & { version?: string; effectiveFrom?: string };

/**
 * Who held `role` at `at` by the roster version in force then: the latest whose `effectiveFrom` is at or
 * before `at` (the roster's history). The shift ends no later than the next version takes effect.
 */
export function whoWasOnDuty(versions: readonly Roster[], role: Role, at: number, calendar: CalendarSlice): HistoricDuty {
  checkInstant('whoWasOnDuty', at);
  const sorted = inOrder(versions);
  let k = -1;
  sorted.forEach((v, i) => {
    if (Date.parse(v.effectiveFrom) <= at) k = i;
  });
  if (k === -1) return { people: [], reason: 'notInForce' };
  const version = sorted[k];
  const r = onDuty(version, role, at, calendar);
  const nextAt = sorted.slice(k + 1).map((v) => Date.parse(v.effectiveFrom)).find((t) => t > at);
  const meta = { version: version.version, effectiveFrom: version.effectiveFrom };
  if (nextAt === undefined) return { ...r, ...meta };
  if (isOnDuty(r)) return { ...r, shift: { ...r.shift, to: Math.min(r.shift.to, nextAt) }, ...meta };
  if (r.next !== undefined && r.next >= nextAt) {
    const { next: _, ...rest } = r;
    return { ...rest, ...meta };
  }
  return { ...r, ...meta };
}

/** The timeline of [from, to) across versions: each stretch by the version in force then. */
export function rosterHistoryTimeline(versions: readonly Roster[], role: Role, from: number, to: number, calendar: CalendarSlice): Array<TimelineEntry & { version?: string }> {
  // of versions taking effect at the same instant, the last given is the one in force (as in whoWasOnDuty)
  const sorted = inOrder(versions).filter((v, i, all) => i === all.length - 1 || Date.parse(all[i + 1].effectiveFrom) !== Date.parse(v.effectiveFrom));
  const starts = sorted.map((v) => Date.parse(v.effectiveFrom));
  const out: Array<TimelineEntry & { version?: string }> = [];
  const firstAt = starts.length ? starts[0] : Infinity;
  if (from < firstAt) out.push({ from, to: Math.min(to, firstAt), people: [], reason: 'notInForce' });
  sorted.forEach((v, i) => {
    const until = i + 1 < sorted.length ? starts[i + 1] : Infinity;
    const a = Math.max(from, starts[i]);
    const b = Math.min(to, until);
    if (a >= b) return;
    for (const e of rosterTimeline(v, role, a, b, calendar)) {
      const clipped = isOnDuty(e) ? { ...e, shift: { ...e.shift, to: Math.min(e.shift.to, until) } } : e;
      out.push({ ...clipped, version: v.version });
    }
  });
  return out;
}

/**
 * The people to tell or to name as owner for `role` at `at`: the roster's people on duty (A岗 first), or —
 * where the roster does not say (not rostered, not in force, a gap, holiday data missing) — every holder of
 * the role in the plan, with the reason, so the caller never ends up with no one without knowing why.
 */
export function dutyHolders(
  roster: Roster | undefined, role: Role, at: number, calendar: CalendarSlice, planHolders: readonly string[],
): { personIds: string[]; rostered: true; duty: OnDuty } | { personIds: string[]; rostered: false; reason: NoOneReason } {
  const r = roster ? onDuty(roster, role, at, calendar) : ({ people: [], reason: 'notRostered' } as NoOneOnDuty);
  if (isOnDuty(r)) return { personIds: r.people.map((p) => p.personId), rostered: true, duty: r };
  return { personIds: [...planHolders], rostered: false, reason: (r as NoOneOnDuty).reason };
}
