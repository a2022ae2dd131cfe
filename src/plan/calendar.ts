import { endOfLocalDay, localDate, localOffsetMs } from './time-zone';

/**
 * Day limits (1天内, 三日内) counted by the plan's convention (docs/rules.md §9; plan-rules "Time limits" →
 * "Counting"). Pure and deterministic: no clock, no I/O, and no holiday package on this path — the holiday
 * data comes in as a {@link CalendarSlice}, a small plain-JSON object fixed into the incident when the
 * deadline is worked out (src/plan/holidays.ts builds it from the pinned `chinese-days` data), so a replay
 * computes the same due time from the same slice.
 *
 * Conventions:
 * - `civilLaw` (default, 民法典 §201/§203 by analogy): the day of the triggering step is not counted; the
 *   period's last day is the trigger's local date + `days`; if that day is a 法定休假日 (a public holiday,
 *   or a Saturday/Sunday that is not a make-up working day), the first day after the rest period becomes
 *   the last day (`movedFrom` says which day it moved from).
 * - `workingDays` (a plan may count working days, §204): the last day is the `days`-th working day after
 *   the trigger's local date.
 * The period ends at 24:00 of the last day in the plan's time zone — as the last millisecond of that day,
 * the same instant `endOfLocalDay` gives for 当日内 — or, with `businessEndsAt: "17:30"`, when business
 * stops that day (§203, the recipient's hours).
 *
 * A day the slice does not cover is never guessed: the answer is `calendarDataMissing` with the year
 * whose holiday notice would decide that day (`arrangementYear`: its own year, or the next from 29
 * December on) — never a throw for missing data.
 */

/** Holiday data for a range of dates, as fixed into an incident. Plain JSON. */
export interface CalendarSlice {
  /** The dates (YYYY-MM-DD, inclusive) for which the lists below are complete. `from > to`: covers no day. */
  covers: { from: string; to: string };
  /** Public holidays (法定节假日, including the weekend days inside a holiday run), sorted. */
  restDays: string[];
  /** Make-up working days (调休上班): weekend days that are working days, sorted. */
  workdays: string[];
}

export type DayConvention = 'civilLaw' | 'workingDays';

export interface DayLimitInput {
  /** Claimed moment of the triggering step, epoch ms. */
  trigger: number;
  /** The limit in days: 1 for 1天内, 3 for 三日内. A positive integer. */
  days: number;
  /** The plan's IANA time zone. */
  timeZone: string;
  convention: DayConvention;
  /** Local time business stops on the last day ("HH:MM", 24-hour); absent: 24:00. */
  businessEndsAt?: string;
  calendar: CalendarSlice;
}

export type DayLimitResult =
  | { ok: true; dueAt: number; lastDay: string; movedFrom?: string }
  /** `date`: the first day the count needed that the slice does not cover. */
  | { ok: false; reason: 'calendarDataMissing'; year: number; date: string };

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
/** "HH:MM", 00:00–23:59. */
export const BUSINESS_END_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * The first month-day from which a date's working status is set by the next year's holiday notice: the
 * notice for year Y+1 arranges 元旦 and has reached back to 29 December of Y (2007-12-29 and 2018-12-29
 * were make-up working days, 2007-12-30/31 and 2018-12-30/31 holidays, all from the following year's notice).
 */
export const NEXT_YEAR_NOTICE_FROM = '12-29';

/** The year whose holiday notice decides a date: its own year, or the next from 29 December on. */
export function arrangementYear(date: string): number {
  const year = Number(date.slice(0, 4));
  return date.slice(5) >= NEXT_YEAR_NOTICE_FROM ? year + 1 : year;
}

/** YYYY-MM-DD plus n calendar days (proleptic Gregorian, no time zone involved). */
export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday. */
function weekday(date: string): number {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

/** The instant a local wall-clock time occurs on a date in a zone (first occurrence; a skipped time moves on). */
function localTimeToMs(timeZone: string, date: string, hours: number, minutes: number): number {
  const [y, m, d] = date.split('-').map(Number);
  const asUtc = Date.UTC(y, m - 1, d, hours, minutes);
  let guess = asUtc - localOffsetMs(timeZone, asUtc);
  guess = asUtc - localOffsetMs(timeZone, guess);
  return guess;
}

/** Whether a value is a well-formed calendar slice (for reading one back from an incident's JSON). */
export function isCalendarSlice(value: unknown): value is CalendarSlice {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const covers = v.covers as Record<string, unknown> | undefined;
  const dates = (x: unknown) => Array.isArray(x) && x.every((d) => typeof d === 'string' && DATE_RE.test(d));
  return typeof covers === 'object' && covers !== null
    && typeof covers.from === 'string' && DATE_RE.test(covers.from)
    && typeof covers.to === 'string' && DATE_RE.test(covers.to)
    && dates(v.restDays) && dates(v.workdays);
}

/**
 * The dates a slice should cover for a day limit started at `trigger` — the day after the trigger's local
 * date through a margin that holds any rest run (the longest in the data is 10 days, 春节 2020) and, for
 * working days, the weekends and holidays among them. A slice that turns out short still gives
 * `calendarDataMissing`, never a guess.
 */
export function sliceRangeFor(trigger: number, days: number, timeZone: string): { from: string; to: string } {
  const day = localDate(timeZone, trigger);
  return { from: addDays(day, 1), to: addDays(day, 2 * days + 31) };
}

/**
 * Due time of a day limit. Throws RangeError only for malformed input (a non-finite trigger, `days` not a
 * positive integer, `businessEndsAt` not "HH:MM", an unknown time zone) — plan validation's business;
 * missing holiday data is an answer, not an error.
 */
export function dayLimit(input: DayLimitInput): DayLimitResult {
  const { trigger, days, timeZone, convention, businessEndsAt, calendar } = input;
  if (!Number.isFinite(trigger)) throw new RangeError(`dayLimit: trigger must be epoch ms, got ${trigger}`);
  if (!Number.isInteger(days) || days < 1) throw new RangeError(`dayLimit: days must be a positive integer, got ${days}`);
  const business = businessEndsAt === undefined ? undefined : BUSINESS_END_RE.exec(businessEndsAt);
  if (business === null) throw new RangeError(`dayLimit: businessEndsAt must be "HH:MM", got ${JSON.stringify(businessEndsAt)}`);
  if (convention !== 'civilLaw' && convention !== 'workingDays') throw new RangeError(`dayLimit: unknown convention ${String(convention)}`);

  const { from, to } = calendar.covers;
  const rest = new Set(calendar.restDays);
  const work = new Set(calendar.workdays);
  const covered = (d: string) => from <= d && d <= to;
  // A make-up working day is a working day; a listed holiday is rest; otherwise Saturday and Sunday rest.
  const isRestDay = (d: string) => !work.has(d) && (rest.has(d) || weekday(d) === 0 || weekday(d) === 6);
  const missing = (d: string): DayLimitResult => ({ ok: false, reason: 'calendarDataMissing', year: arrangementYear(d), date: d });

  const triggerDay = localDate(timeZone, trigger);
  let lastDay: string;
  let movedFrom: string | undefined;
  if (convention === 'civilLaw') {
    const nominal = addDays(triggerDay, days);
    let d = nominal;
    for (;;) {
      if (!covered(d)) return missing(d);
      if (!isRestDay(d)) break;
      d = addDays(d, 1);
    }
    lastDay = d;
    if (d !== nominal) movedFrom = nominal;
  } else {
    let d = triggerDay;
    let counted = 0;
    while (counted < days) {
      d = addDays(d, 1);
      if (!covered(d)) return missing(d);
      if (!isRestDay(d)) counted += 1;
    }
    lastDay = d;
  }

  const dueAt = business
    ? localTimeToMs(timeZone, lastDay, Number(business[1]), Number(business[2]))
    : endOfLocalDay(timeZone, localTimeToMs(timeZone, lastDay, 12, 0));
  return movedFrom === undefined ? { ok: true, dueAt, lastDay } : { ok: true, dueAt, lastDay, movedFrom };
}
