import { createRequire } from 'node:module';
import { addDays, NEXT_YEAR_NOTICE_FROM, sliceRangeFor, type CalendarSlice } from './calendar';

/**
 * Builds {@link CalendarSlice}s from the pinned `chinese-days` package (package.json pins the exact
 * version) — the only module that reads it. Not for workflow code: the slice is built outside the pure
 * machine and fixed into the incident, and `dayLimit` (src/plan/calendar.ts) counts from the slice alone.
 *
 * The package's own JSON (`dist/chinese-days.json`: `holidays` and `workdays`, date → "English,中文,n")
 * is read rather than its functions: `isWorkday`/`getHolidaysInRange` shift dates by a day when the host
 * runs in a time zone west of UTC, and the data alone says which years it holds.
 */
interface PackageData {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}

const data = createRequire(import.meta.url)('chinese-days/dist/chinese-days.json') as PackageData;
if (typeof data?.holidays !== 'object' || typeof data?.workdays !== 'object') {
  throw new Error('chinese-days: dist/chinese-days.json has no holidays/workdays maps');
}

const yearsInData = [...new Set(Object.keys(data.holidays).map((d) => Number(d.slice(0, 4))))].sort((a, b) => a - b);

/** The years whose holiday notices the package holds (contiguous: 2004–2026 in chinese-days 1.5.7). */
export const HOLIDAY_DATA_YEARS: { readonly first: number; readonly last: number } = Object.freeze({ first: yearsInData[0], last: yearsInData[yearsInData.length - 1] });
for (let y = HOLIDAY_DATA_YEARS.first; y <= HOLIDAY_DATA_YEARS.last; y++) {
  if (!yearsInData.includes(y)) throw new Error(`chinese-days: no holidays listed for ${y}, inside ${HOLIDAY_DATA_YEARS.first}–${HOLIDAY_DATA_YEARS.last}`);
}

/**
 * The dates the data decides: those whose holiday notice (see `arrangementYear`) is one the package holds —
 * from 29 December before the first year (arranged by the first year's 元旦) through 28 December of the
 * last (from the 29th a date may be arranged by the next year's notice, which the package does not have).
 */
export const HOLIDAY_DATA_COVERS: { readonly from: string; readonly to: string } = Object.freeze({
  from: `${HOLIDAY_DATA_YEARS.first - 1}-${NEXT_YEAR_NOTICE_FROM}`,
  to: addDays(`${HOLIDAY_DATA_YEARS.last}-${NEXT_YEAR_NOTICE_FROM}`, -1),
});

const sortedHolidays = Object.keys(data.holidays).sort();
const sortedWorkdays = Object.keys(data.workdays).sort();

/**
 * The holiday data for `fromDate`..`toDate` (YYYY-MM-DD, inclusive), cut to what the package covers:
 * `covers` is the requested range clamped to the data's (empty, `from > to`, when they do not meet), so a
 * day limit reaching past it is `calendarDataMissing`. Plain JSON, safe to store in the incident.
 */
export function calendarSlice(fromDate: string, toDate: string): CalendarSlice {
  for (const d of [fromDate, toDate]) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(d) || addDays(d, 0) !== d) throw new RangeError(`calendarSlice: not a date (YYYY-MM-DD): ${d}`);
  }
  const from = fromDate > HOLIDAY_DATA_COVERS.from ? fromDate : HOLIDAY_DATA_COVERS.from;
  const to = toDate < HOLIDAY_DATA_COVERS.to ? toDate : HOLIDAY_DATA_COVERS.to;
  const inRange = (d: string) => from <= d && d <= to;
  return {
    covers: from <= to ? { from, to } : { from: fromDate, to: addDays(fromDate, -1) },
    restDays: sortedHolidays.filter(inRange),
    workdays: sortedWorkdays.filter(inRange),
  };
}

/** The slice a day limit started at `trigger` needs (see `sliceRangeFor`). */
export function calendarSliceFor(trigger: number, days: number, timeZone: string): CalendarSlice {
  const { from, to } = sliceRangeFor(trigger, days, timeZone);
  return calendarSlice(from, to);
}
