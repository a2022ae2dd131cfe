import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addDays, arrangementYear, dayLimit, isCalendarSlice, sliceRangeFor, type CalendarSlice, type DayLimitInput } from '../../src/plan/calendar';
import { calendarSlice, calendarSliceFor, HOLIDAY_DATA_COVERS, HOLIDAY_DATA_YEARS } from '../../src/plan/holidays';

/**
 * Day limits (docs/rules.md §9, plan-rules "Time limits" → "Counting"): 民法典 §201 (the trigger day is not
 * counted) and §203 (ends 24:00 of the last day, or when business stops; a last day on a 法定休假日 moves to
 * the day after the rest period), by analogy; 000 篇三 §四(五) 三日内 (summary report); 001 school plan
 * §四(一) 1天内 (explanation). Holiday dates below were read from chinese-days 1.5.7 and checked against the
 * State Council notices they transcribe.
 */

const TZ = 'Asia/Shanghai';
const at = (iso: string) => Date.parse(iso);
/** 24:00 of a day in Asia/Shanghai, as the product reads it: the day's last millisecond. */
const midnightEnd = (day: string) => at(`${day}T23:59:59.999+08:00`);
const ALL = calendarSlice(HOLIDAY_DATA_COVERS.from, HOLIDAY_DATA_COVERS.to);

function limit(triggerIso: string, days: number, extra: Partial<DayLimitInput> = {}) {
  const trigger = at(triggerIso);
  return dayLimit({ trigger, days, timeZone: TZ, convention: 'civilLaw', calendar: calendarSliceFor(trigger, days, TZ), ...extra });
}
const weekday = (d: string) => new Date(`${d}T00:00:00Z`).getUTCDay();

describe('what the holiday data covers (chinese-days 1.5.7)', () => {
  it('holds the notices for 2004–2026; a date counts as covered while its notice is held (29 Dec on belongs to the next year\'s 元旦)', () => {
    expect(HOLIDAY_DATA_YEARS).toEqual({ first: 2004, last: 2026 });
    expect(HOLIDAY_DATA_COVERS).toEqual({ from: '2003-12-29', to: '2026-12-28' });
    expect(arrangementYear('2026-12-28')).toBe(2026);
    expect(arrangementYear('2026-12-29')).toBe(2027);
    expect(arrangementYear('2027-01-01')).toBe(2027);
  });

  it('the next year\'s notice does reach back to 29–31 December (why the last year stops at 28 December)', () => {
    // 2019 元旦: 2018-12-30 至 2019-01-01 放假, 2018-12-29（周六）上班; 2008 元旦: 2007-12-30 至 2008-01-01, 2007-12-29 上班.
    const s = calendarSlice('2007-12-25', '2019-01-05');
    expect(s.workdays).toEqual(expect.arrayContaining(['2007-12-29', '2018-12-29']));
    expect(s.restDays).toEqual(expect.arrayContaining(['2007-12-30', '2007-12-31', '2018-12-30', '2018-12-31']));
  });
});

/**
 * 春节 and 国庆 of every year the package covers: the whole rest run (a merged 中秋 included: 2012, 2023), the
 * first working day after it, and the 调休 make-up working days (weekend days that are working days).
 */
const HOLIDAYS: Array<{ year: number; spring: [string, string, string, string[]]; national: [string, string, string, string[]] }> = [
  { year: 2004, spring: ['01-22', '01-28', '01-29', ['01-17', '01-18']], national: ['10-01', '10-07', '10-08', ['10-09', '10-10']] },
  { year: 2005, spring: ['02-09', '02-15', '02-16', ['02-05', '02-06']], national: ['10-01', '10-07', '10-08', ['10-08', '10-09']] },
  { year: 2006, spring: ['01-29', '02-04', '02-05', ['01-28', '02-05']], national: ['10-01', '10-07', '10-08', ['09-30', '10-08']] },
  { year: 2007, spring: ['02-18', '02-24', '02-25', ['02-17', '02-25']], national: ['10-01', '10-07', '10-08', ['09-29', '09-30']] },
  { year: 2008, spring: ['02-06', '02-12', '02-13', ['02-02', '02-03']], national: ['09-29', '10-05', '10-06', ['09-27', '09-28']] },
  { year: 2009, spring: ['01-25', '01-31', '02-01', ['01-24', '02-01']], national: ['10-01', '10-08', '10-09', ['09-27', '10-10']] },
  { year: 2010, spring: ['02-13', '02-19', '02-20', ['02-20', '02-21']], national: ['10-01', '10-07', '10-08', ['09-26', '10-09']] },
  { year: 2011, spring: ['02-02', '02-08', '02-09', ['01-30', '02-12']], national: ['10-01', '10-07', '10-08', ['10-08', '10-09']] },
  { year: 2012, spring: ['01-22', '01-28', '01-29', ['01-21', '01-29']], national: ['09-30', '10-07', '10-08', ['09-29']] },
  { year: 2013, spring: ['02-09', '02-15', '02-16', ['02-16', '02-17']], national: ['10-01', '10-07', '10-08', ['09-29', '10-12']] },
  { year: 2014, spring: ['01-31', '02-06', '02-07', ['01-26', '02-08']], national: ['10-01', '10-07', '10-08', ['09-28', '10-11']] },
  { year: 2015, spring: ['02-18', '02-24', '02-25', ['02-15', '02-28']], national: ['10-01', '10-07', '10-08', ['10-10']] },
  { year: 2016, spring: ['02-07', '02-13', '02-14', ['02-06', '02-14']], national: ['10-01', '10-07', '10-08', ['10-08', '10-09']] },
  { year: 2017, spring: ['01-27', '02-02', '02-03', ['01-22', '02-04']], national: ['10-01', '10-08', '10-09', ['09-30']] },
  { year: 2018, spring: ['02-15', '02-21', '02-22', ['02-11', '02-24']], national: ['10-01', '10-07', '10-08', ['09-29', '09-30']] },
  { year: 2019, spring: ['02-04', '02-10', '02-11', ['02-02', '02-03']], national: ['10-01', '10-07', '10-08', ['09-29', '10-12']] },
  { year: 2020, spring: ['01-24', '02-02', '02-03', ['01-19']], national: ['10-01', '10-08', '10-09', ['09-27', '10-10']] },
  { year: 2021, spring: ['02-11', '02-17', '02-18', ['02-07', '02-20']], national: ['10-01', '10-07', '10-08', ['09-26', '10-09']] },
  { year: 2022, spring: ['01-31', '02-06', '02-07', ['01-29', '01-30']], national: ['10-01', '10-07', '10-08', ['10-08', '10-09']] },
  { year: 2023, spring: ['01-21', '01-27', '01-28', ['01-28', '01-29']], national: ['09-29', '10-06', '10-07', ['10-07', '10-08']] },
  { year: 2024, spring: ['02-10', '02-17', '02-18', ['02-04', '02-18']], national: ['10-01', '10-07', '10-08', ['09-29', '10-12']] },
  { year: 2025, spring: ['01-28', '02-04', '02-05', ['01-26', '02-08']], national: ['10-01', '10-08', '10-09', ['09-28', '10-11']] },
  { year: 2026, spring: ['02-15', '02-23', '02-24', ['02-14', '02-28']], national: ['10-01', '10-07', '10-08', ['09-20', '10-10']] },
];

describe('春节 and 国庆 of every covered year: 三日内 (000 篇三 §四(五)) ending in the holiday moves past it (民法典 §203 by analogy)', () => {
  it('the table has one row per covered year', () => {
    expect(HOLIDAYS.map((h) => h.year)).toEqual(
      Array.from({ length: HOLIDAY_DATA_YEARS.last - HOLIDAY_DATA_YEARS.first + 1 }, (_, i) => HOLIDAY_DATA_YEARS.first + i));
  });

  for (const { year, spring, national } of HOLIDAYS) {
    for (const [name, [first, last, next, makeup]] of [['春节', spring], ['国庆', national]] as const) {
      const run = { first: `${year}-${first}`, last: `${year}-${last}`, next: `${year}-${next}` };
      it(`${name} ${year}: ${run.first}…${run.last} are rest days; a last day inside moves to ${run.next}`, () => {
        for (let d = run.first; d <= run.last; d = addDays(d, 1)) {
          expect(ALL.restDays, d).toContain(d);
          const r = limit(`${addDays(d, -3)}T10:00:00+08:00`, 3);
          expect(r, d).toEqual({ ok: true, lastDay: run.next, movedFrom: d, dueAt: midnightEnd(run.next) });
        }
        // The days either side are working days: a last day there stays.
        for (const d of [addDays(run.first, -1), run.next]) {
          expect(limit(`${addDays(d, -3)}T10:00:00+08:00`, 3), d).toEqual({ ok: true, lastDay: d, dueAt: midnightEnd(d) });
        }
      });

      it(`${name} ${year}: the make-up working days ${makeup.join(', ')} are weekend days that are working days, not rest days`, () => {
        for (const m of makeup.map((md) => `${year}-${md}`)) {
          expect([0, 6], m).toContain(weekday(m));
          expect(ALL.workdays, m).toContain(m);
          expect(ALL.restDays, m).not.toContain(m);
          expect(limit(`${addDays(m, -3)}T10:00:00+08:00`, 3), m).toEqual({ ok: true, lastDay: m, dueAt: midnightEnd(m) });
        }
      });
    }
  }

  it('国庆 2026 spelled out: triggered 2026-09-30, 三日内 would end 10-03, inside the holiday → 2026-10-08 24:00', () => {
    const r = limit('2026-09-30T10:00:00+08:00', 3);
    expect(r).toEqual({ ok: true, lastDay: '2026-10-08', movedFrom: '2026-10-03', dueAt: at('2026-10-08T23:59:59.999+08:00') });
  });

  it('春节 2026 spelled out: triggered 2026-02-12, 三日内 would end 02-15 (腊月二十八, first day of the run) → 2026-02-24 24:00', () => {
    const r = limit('2026-02-12T10:00:00+08:00', 3);
    expect(r).toEqual({ ok: true, lastDay: '2026-02-24', movedFrom: '2026-02-15', dueAt: at('2026-02-24T23:59:59.999+08:00') });
  });
});

describe('the trigger day is not counted, in the plan\'s time zone (民法典 §201 by analogy)', () => {
  it('三日内 (000 篇三 §四(五)): triggered at 23:59 local it ends 3 days later at 24:00; at 00:01 the next day, one day later', () => {
    expect(limit('2026-11-30T23:59:00+08:00', 3)).toEqual({ ok: true, lastDay: '2026-12-03', dueAt: at('2026-12-03T23:59:59.999+08:00') });
    // 00:01 local on 1 December is still 30 November in UTC: the local date counts.
    expect(limit('2026-12-01T00:01:00+08:00', 3)).toEqual({ ok: true, lastDay: '2026-12-04', dueAt: at('2026-12-04T23:59:59.999+08:00') });
  });

  it('1天内 (001 school plan §四(一)): two minutes apart across local midnight are a day apart', () => {
    expect(limit('2026-12-01T23:59:00+08:00', 1)).toEqual({ ok: true, lastDay: '2026-12-02', dueAt: at('2026-12-02T23:59:59.999+08:00') });
    expect(limit('2026-12-02T00:01:00+08:00', 1)).toEqual({ ok: true, lastDay: '2026-12-03', dueAt: at('2026-12-03T23:59:59.999+08:00') });
  });
});

describe('a last day on a weekend moves to the next working day (民法典 §203 by analogy, weekends as 法定休假日)', () => {
  it('三日内 (000 篇三 §四(五)) from Wednesday 2026-11-25 would end Saturday 11-28 → Monday 2026-11-30', () => {
    expect(limit('2026-11-25T10:00:00+08:00', 3)).toEqual({ ok: true, lastDay: '2026-11-30', movedFrom: '2026-11-28', dueAt: at('2026-11-30T23:59:59.999+08:00') });
  });

  it('1天内 (001 school plan §四(一)) from Friday 2026-11-27 would end Saturday → Monday; from Saturday, Sunday → Monday', () => {
    expect(limit('2026-11-27T16:00:00+08:00', 1)).toEqual({ ok: true, lastDay: '2026-11-30', movedFrom: '2026-11-28', dueAt: at('2026-11-30T23:59:59.999+08:00') });
    expect(limit('2026-11-28T16:00:00+08:00', 1)).toEqual({ ok: true, lastDay: '2026-11-30', movedFrom: '2026-11-29', dueAt: at('2026-11-30T23:59:59.999+08:00') });
  });
});

describe('a period across the year end (民法典 §201/§203 by analogy; 000 篇三 §四(五) 三日内)', () => {
  it('from 2025-12-29 it would end on 元旦 2026-01-01 (holiday 01-01…03) → Sunday 2026-01-04, a make-up working day', () => {
    expect(limit('2025-12-29T09:00:00+08:00', 3)).toEqual({ ok: true, lastDay: '2026-01-04', movedFrom: '2026-01-01', dueAt: at('2026-01-04T23:59:59.999+08:00') });
  });

  it('from 2024-12-30 it ends Thursday 2025-01-02 (元旦 2025 is 01-01 only), not moved', () => {
    expect(limit('2024-12-30T09:00:00+08:00', 3)).toEqual({ ok: true, lastDay: '2025-01-02', dueAt: at('2025-01-02T23:59:59.999+08:00') });
  });

  it('2018→2019: ending on the make-up Saturday 2018-12-29 stays; ending Sunday 12-30 (元旦 run 12-30…01-01) → 2019-01-02', () => {
    expect(limit('2018-12-26T09:00:00+08:00', 3)).toEqual({ ok: true, lastDay: '2018-12-29', dueAt: at('2018-12-29T23:59:59.999+08:00') });
    expect(limit('2018-12-27T09:00:00+08:00', 3)).toEqual({ ok: true, lastDay: '2019-01-02', movedFrom: '2018-12-30', dueAt: at('2019-01-02T23:59:59.999+08:00') });
  });
});

describe('business hours: the period ends when business stops (民法典 §203 by analogy, businessEndsAt)', () => {
  it('1天内 (001 school plan §四(一)) with business until 17:30 ends 17:30 of the last day', () => {
    expect(limit('2026-12-01T09:00:00+08:00', 1, { businessEndsAt: '17:30' })).toEqual({ ok: true, lastDay: '2026-12-02', dueAt: at('2026-12-02T17:30:00+08:00') });
  });

  it('三日内 (000 篇三 §四(五)) into 国庆 2026 with business until 17:30 ends 2026-10-08 17:30', () => {
    expect(limit('2026-09-30T10:00:00+08:00', 3, { businessEndsAt: '17:30' })).toEqual({ ok: true, lastDay: '2026-10-08', movedFrom: '2026-10-03', dueAt: at('2026-10-08T17:30:00+08:00') });
  });

  it('a trigger after business hours still counts from the next day', () => {
    expect(limit('2026-12-01T20:00:00+08:00', 1, { businessEndsAt: '17:30' })).toEqual({ ok: true, lastDay: '2026-12-02', dueAt: at('2026-12-02T17:30:00+08:00') });
  });

  it('a malformed setting is a plan error (RangeError), not a due time', () => {
    expect(() => limit('2026-12-01T09:00:00+08:00', 1, { businessEndsAt: '5:30pm' })).toThrow(RangeError);
    expect(() => limit('2026-12-01T09:00:00+08:00', 1, { businessEndsAt: '24:00' })).toThrow(RangeError);
  });
});

describe('the working-days convention (a plan may count working days; docs/rules.md §9)', () => {
  const wd = (iso: string, days: number, extra: Partial<DayLimitInput> = {}) => limit(iso, days, { convention: 'workingDays', ...extra });

  it('三日内 (000 篇三 §四(五)) from 2026-09-30: working days 10-08, 10-09 and the make-up Saturday 10-10 → 2026-10-10 24:00', () => {
    expect(wd('2026-09-30T10:00:00+08:00', 3)).toEqual({ ok: true, lastDay: '2026-10-10', dueAt: at('2026-10-10T23:59:59.999+08:00') });
  });

  it('三日内 from Friday 2026-11-27: Monday, Tuesday, Wednesday → 2026-12-02 (civil law gives Monday 11-30)', () => {
    expect(wd('2026-11-27T10:00:00+08:00', 3)).toEqual({ ok: true, lastDay: '2026-12-02', dueAt: at('2026-12-02T23:59:59.999+08:00') });
    expect(limit('2026-11-27T10:00:00+08:00', 3)).toEqual({ ok: true, lastDay: '2026-11-30', dueAt: at('2026-11-30T23:59:59.999+08:00') });
  });

  it('1天内 (001 school plan §四(一)) from Saturday 2026-11-28 → Monday 11-30; from Friday 2026-02-13 → the make-up Saturday 02-14', () => {
    expect(wd('2026-11-28T10:00:00+08:00', 1)).toEqual({ ok: true, lastDay: '2026-11-30', dueAt: at('2026-11-30T23:59:59.999+08:00') });
    expect(wd('2026-02-13T10:00:00+08:00', 1)).toEqual({ ok: true, lastDay: '2026-02-14', dueAt: at('2026-02-14T23:59:59.999+08:00') });
    expect(wd('2026-02-13T10:00:00+08:00', 2)).toEqual({ ok: true, lastDay: '2026-02-24', dueAt: at('2026-02-24T23:59:59.999+08:00') });
  });

  it('with business hours, ends when business stops on the last working day', () => {
    expect(wd('2026-11-27T10:00:00+08:00', 3, { businessEndsAt: '17:30' })).toEqual({ ok: true, lastDay: '2026-12-02', dueAt: at('2026-12-02T17:30:00+08:00') });
  });
});

describe('calendar data missing: never guessed, never a throw (docs/rules.md §9)', () => {
  it('a due date in 2027 (past the data) is calendarDataMissing for 2027', () => {
    expect(limit('2027-03-01T10:00:00+08:00', 3)).toEqual({ ok: false, reason: 'calendarDataMissing', year: 2027, date: '2027-03-04' });
    expect(limit('2026-12-31T10:00:00+08:00', 1)).toEqual({ ok: false, reason: 'calendarDataMissing', year: 2027, date: '2027-01-01' });
  });

  it('a due date before the data (2003) is calendarDataMissing for 2003', () => {
    expect(limit('2003-06-02T10:00:00+08:00', 3)).toEqual({ ok: false, reason: 'calendarDataMissing', year: 2003, date: '2003-06-05' });
  });

  it('29–31 December 2026 wait on the 2027 notice: missing for 2027; through 28 December the answer stands', () => {
    expect(limit('2026-12-28T10:00:00+08:00', 3)).toEqual({ ok: false, reason: 'calendarDataMissing', year: 2027, date: '2026-12-31' });
    expect(limit('2026-12-26T10:00:00+08:00', 3)).toEqual({ ok: false, reason: 'calendarDataMissing', year: 2027, date: '2026-12-29' });
    // Thursday 12-24 + 3 = Sunday 12-27 → Monday 12-28, the last covered day.
    expect(limit('2026-12-24T10:00:00+08:00', 3)).toEqual({ ok: true, lastDay: '2026-12-28', movedFrom: '2026-12-27', dueAt: at('2026-12-28T23:59:59.999+08:00') });
    // Working days from Wednesday 12-23: 12-24, 12-25, 12-28, then 12-29 is not covered.
    expect(limit('2026-12-23T10:00:00+08:00', 4, { convention: 'workingDays' })).toEqual({ ok: false, reason: 'calendarDataMissing', year: 2027, date: '2026-12-29' });
  });

  it('a slice too short for the walk past a holiday is missing too, naming the first day it lacks', () => {
    const short = calendarSlice('2026-10-01', '2026-10-05');
    const r = dayLimit({ trigger: at('2026-09-30T10:00:00+08:00'), days: 3, timeZone: TZ, convention: 'civilLaw', calendar: short });
    expect(r).toEqual({ ok: false, reason: 'calendarDataMissing', year: 2026, date: '2026-10-06' });
  });

  it('a slice asked for wholly outside the data covers no day and carries no dates', () => {
    const s = calendarSlice('2027-01-01', '2027-02-01');
    expect(s.covers.from > s.covers.to).toBe(true);
    expect(s.restDays).toEqual([]);
    expect(s.workdays).toEqual([]);
  });
});

describe('the slice is plain JSON fixed into the incident; the calculator reads nothing else', () => {
  it('calendarSlice is sorted plain JSON limited to what it covers, and round-trips through JSON.stringify', () => {
    const s = calendarSlice('2026-09-01', '2026-10-31');
    expect(s).toEqual({
      covers: { from: '2026-09-01', to: '2026-10-31' },
      restDays: ['2026-09-25', '2026-09-26', '2026-09-27', '2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07'],
      workdays: ['2026-09-20', '2026-10-10'],
    });
    const back = JSON.parse(JSON.stringify(s)) as unknown;
    expect(back).toStrictEqual(s);
    expect(isCalendarSlice(back)).toBe(true);
    expect(isCalendarSlice({ covers: { from: '2026-09-01' }, restDays: [], workdays: [] })).toBe(false);
    expect(JSON.parse(JSON.stringify(ALL))).toStrictEqual(ALL);
  });

  it('the same answer from the slice after a JSON round trip (replay)', () => {
    for (const [iso, days, convention] of [
      ['2026-09-30T10:00:00+08:00', 3, 'civilLaw'], ['2026-09-30T10:00:00+08:00', 3, 'workingDays'],
      ['2025-12-29T09:00:00+08:00', 3, 'civilLaw'], ['2026-02-12T23:59:00+08:00', 1, 'civilLaw'],
      ['2026-12-28T10:00:00+08:00', 3, 'civilLaw'],
    ] as const) {
      const trigger = at(iso);
      const slice = calendarSliceFor(trigger, days, TZ);
      const fixed = JSON.parse(JSON.stringify(slice)) as CalendarSlice;
      const input = { trigger, days, timeZone: TZ, convention, businessEndsAt: '17:30' };
      expect(dayLimit({ ...input, calendar: fixed }), iso).toEqual(dayLimit({ ...input, calendar: slice }));
      expect(dayLimit({ ...input, calendar: fixed }), iso).toEqual(dayLimit({ ...input, calendar: ALL }));
    }
  });

  it('sliceRangeFor starts the day after the trigger\'s local date and reaches past the longest rest run', () => {
    expect(sliceRangeFor(at('2026-12-01T00:01:00+08:00'), 3, TZ)).toEqual({ from: '2026-12-02', to: '2027-01-07' });
  });

  it('src/plan/calendar.ts (the calculator) does not import chinese-days or the slice builder', () => {
    const src = fs.readFileSync(path.resolve(__dirname, '../../src/plan/calendar.ts'), 'utf8');
    const imports = [...src.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
    expect(imports).toEqual(['./time-zone']);
  });

  it('malformed input is a RangeError (plan validation), distinct from missing data', () => {
    const base = { trigger: at('2026-12-01T10:00:00+08:00'), timeZone: TZ, convention: 'civilLaw' as const, calendar: ALL };
    expect(() => dayLimit({ ...base, days: 0 })).toThrow(RangeError);
    expect(() => dayLimit({ ...base, days: 1.5 })).toThrow(RangeError);
    expect(() => dayLimit({ ...base, days: 1, trigger: Number.NaN })).toThrow(RangeError);
    expect(() => dayLimit({ ...base, days: 1, timeZone: 'Mars/Olympus' })).toThrow(RangeError);
  });
});
