/**
 * Days of the week and local wall-clock times for duty rosters (值班表). Pure: no clock, no I/O, no holiday
 * package — safe in workflow code.
 */

/** Days of the week as a roster names them, indexed like Date#getUTCDay (0 = Sunday). */
export const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Day = (typeof DAYS)[number];
/** The days a make-up working day (调休上班) may be rostered as. */
export const WORKING_DAYS = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;
export type WorkingDay = (typeof WORKING_DAYS)[number];

export const DAY_LABELS: Record<Day, { zh: string; en: string }> = {
  sun: { zh: '周日', en: 'Sun' }, mon: { zh: '周一', en: 'Mon' }, tue: { zh: '周二', en: 'Tue' }, wed: { zh: '周三', en: 'Wed' },
  thu: { zh: '周四', en: 'Thu' }, fri: { zh: '周五', en: 'Fri' }, sat: { zh: '周六', en: 'Sat' },
};

/** "HH:MM", 00:00–23:59: when a shift starts. */
export const START_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;
/** "HH:MM", 00:00–23:59, or "24:00": when a shift ends. */
export const END_RE = /^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$/;
/** YYYY-MM-DD. */
export const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
/** ISO 8601 with a date, a time and an explicit offset (or Z). */
export const ISO_WITH_OFFSET_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

export const MINUTES_PER_DAY = 1440;

/** Minutes after local midnight of "HH:MM" (24:00 → 1440). */
export function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

/** "HH:MM" of minutes after midnight (1440 → "24:00"). */
export function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/**
 * A shift's local span in minutes after the midnight of the day it starts: `end` at or before `start`
 * ends the next day (18:00–08:30), `end` equal to `start` is a 24-hour shift (08:30–08:30).
 */
export function shiftSpan(start: string, end: string): { start: number; end: number } {
  const s = minutesOf(start);
  let e = minutesOf(end);
  if (e <= s) e += MINUTES_PER_DAY;
  return { start: s, end: e };
}

/** YYYY-MM-DD plus n calendar days. */
export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** Whether a string is a real calendar date YYYY-MM-DD. */
export function isDate(s: string): boolean {
  return DATE_RE.test(s) && addDays(s, 0) === s;
}

/** The day of the week of a date. */
export function dayOf(date: string): Day {
  const [y, m, d] = date.split('-').map(Number);
  return DAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()];
}

/**
 * The instant a local wall-clock time occurs in a zone: `minutes` after the local midnight that starts
 * `date` (1440 or more: a later day). A time skipped by a clock change moves on with the clock.
 */
export function localInstant(timeZone: string, date: string, minutes: number): number {
  const [y, m, d] = date.split('-').map(Number);
  const asUtc = Date.UTC(y, m - 1, d, 0, minutes);
  let guess = asUtc - offsetMs(timeZone, asUtc);
  guess = asUtc - offsetMs(timeZone, guess);
  return guess;
}

/** One formatter per zone: a roster's instants are worked out by the thousand (a year's timeline). */
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at an instant, in ms (as src/plan/time-zone.ts localOffsetMs, with the formatter kept). */
export function offsetMs(timeZone: string, at: number): number {
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(timeZone, fmt);
  }
  const parts: Record<string, string> = {};
  for (const p of fmt.formatToParts(new Date(at))) parts[p.type] = p.value;
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return asUtc - Math.floor(at / 1000) * 1000;
}

/** The local date (YYYY-MM-DD) of an instant in a zone. */
export function localDateOf(timeZone: string, at: number): string {
  return new Date(at + offsetMs(timeZone, at)).toISOString().slice(0, 10);
}
