import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CalendarSlice } from '../../src/plan/calendar';
import { calendarSlice } from '../../src/plan/holidays';
import { dutyHolders, isOnDuty, onDuty, rosterHistoryTimeline, rosterTimeline, whoWasOnDuty, type OnDuty, type OnDutyResult } from '../../src/roster/on-duty';
import { loadRosterFile } from '../../src/roster/roster.loader';
import type { Roster } from '../../src/roster/roster.schema';
import { at, CAL_2026, roster } from './helpers';

/**
 * Who is on duty, by the shipped county roster (rosters/county.yaml) and the 2026 holiday data: 春节
 * 2026-02-15..23 off with make-up Saturdays 02-14 and 02-28; 国庆 2026-10-01..07 off (10-08 is a Thursday at
 * work) with make-up days Sunday 09-20 and Saturday 10-10.
 */
const county = loadRosterFile('rosters/county.yaml', 'plans').roster;
const school = loadRosterFile('rosters/jinpenshan-school.yaml', 'plans').roster;

function duty(r: Roster, iso: string, role: 'monitor' | 'office' = 'monitor', cal: CalendarSlice = CAL_2026): OnDuty {
  const d = onDuty(r, role, at(iso), cal);
  if (!isOnDuty(d)) throw new Error(`no one on duty at ${iso}: ${JSON.stringify(d)}`);
  return d;
}
const who = (d: OnDutyResult) => d.people.map((p) => `${p.personId}:${p.post}`);
const span = (d: OnDuty) => [new Date(d.shift.from).toISOString(), new Date(d.shift.to).toISOString()];

describe('onDuty by the county roster', () => {
  it('03:00 on a weekday: the night shift that began the evening before (crossing midnight), A post first, then the B posts in order', () => {
    const d = duty(county, '2026-03-03T03:00:00+08:00'); // a Tuesday; Monday's night shift
    expect(d.source).toBe('weekly');
    expect(d.shift).toMatchObject({ label: '夜班', date: '2026-03-02', ref: 'weekly[2]' });
    expect(span(d)).toEqual(['2026-03-02T09:30:00.000Z', '2026-03-03T00:30:00.000Z']); // 17:30 → 08:30 next day, +08:00
    expect(d.people).toEqual([
      { personId: 'tian.xin', post: 'A', order: 0 },
      { personId: 'liu.bo', post: 'B', order: 1 },
      { personId: 'zhao.min', post: 'B', order: 2 },
    ]);
  });

  it('at a hand-over the incoming shift is on duty; a millisecond before, the outgoing one', () => {
    const t = at('2026-03-03T08:30:00+08:00');
    expect(onDuty(county, 'monitor', t - 1, CAL_2026)).toMatchObject({ shift: { label: '夜班', ref: 'weekly[2]' } });
    const d = onDuty(county, 'monitor', t, CAL_2026) as OnDuty;
    expect(d.shift).toMatchObject({ label: '白班', ref: 'weekly[1]', from: t });
    expect(who(d)).toEqual(['tian.xin:A', 'liu.bo:B']);
    expect(who(duty(county, '2026-03-03T17:30:00+08:00'))).toEqual(['liu.bo:A', 'tian.xin:B', 'zhao.min:B']);
  });

  it('over a weekend: Friday\'s night shift runs into Saturday, then the rest-day shifts hand over at 08:30', () => {
    expect(duty(county, '2026-03-07T03:00:00+08:00').shift).toMatchObject({ date: '2026-03-06', ref: 'weekly[2]' });
    const sat = duty(county, '2026-03-07T12:00:00+08:00');
    expect(sat.source).toBe('restDay');
    expect(sat.shift).toMatchObject({ label: '休息日全天', date: '2026-03-07', ref: 'restDays[0]' });
    expect(who(sat)[0]).toBe('liu.bo:A');
    const sunNight = duty(county, '2026-03-09T03:00:00+08:00'); // Monday 03:00: Sunday's 24-hour shift
    expect(sunNight.shift).toMatchObject({ date: '2026-03-08', ref: 'restDays[1]' });
    expect(who(sunNight)[0]).toBe('tian.xin:A');
    expect(duty(county, '2026-03-09T08:30:00+08:00').shift).toMatchObject({ date: '2026-03-09', label: '白班' });
  });

  it('on public holidays the rest-day pattern holds, by its day of the week (春节 2026 on a Monday and a Tuesday)', () => {
    const mon = duty(county, '2026-02-16T12:00:00+08:00');
    expect([mon.source, mon.shift.ref, who(mon)[0]]).toEqual(['restDay', 'restDays[0]', 'liu.bo:A']);
    const tue = duty(county, '2026-02-17T12:00:00+08:00');
    expect([tue.source, tue.shift.ref, who(tue)[0]]).toEqual(['restDay', 'restDays[1]', 'tian.xin:A']);
    // the same Tuesday a year later is a working day
    expect(duty(county, '2026-02-24T12:00:00+08:00').source).toBe('weekly');
  });

  it('on a make-up working Saturday (调休上班 2026-02-14) the weekly shifts of makeUpWorkdayAs (Monday) hold', () => {
    const day = duty(county, '2026-02-14T12:00:00+08:00');
    expect([day.source, day.shift.label, day.shift.ref, who(day)[0]]).toEqual(['weekly', '白班', 'weekly[0]', 'liu.bo:A']);
    const night = duty(county, '2026-02-14T22:00:00+08:00');
    expect([night.shift.label, night.shift.ref, who(night)[0]]).toEqual(['夜班', 'weekly[2]', 'tian.xin:A']);
    // a make-up Sunday too (2026-09-20), and an ordinary Saturday is a rest day
    expect(duty(county, '2026-09-20T12:00:00+08:00').source).toBe('weekly');
    expect(duty(county, '2026-09-19T12:00:00+08:00').source).toBe('restDay');
  });

  it('National Day 2026: the override holds from 10-01 08:30; before it, the night shift of 09-30; 10-08 is a working day again', () => {
    expect(duty(county, '2026-10-01T03:00:00+08:00').shift).toMatchObject({ date: '2026-09-30', label: '夜班' });
    const d = duty(county, '2026-10-03T12:00:00+08:00');
    expect(d.source).toBe('override');
    expect(d.shift).toMatchObject({ label: '国庆值班', ref: 'overrides[2]', from: at('2026-10-03T08:30:00+08:00'), to: at('2026-10-04T08:30:00+08:00') });
    expect(who(d)).toEqual(['zhao.min:A', 'liu.bo:B', 'tian.xin:B']); // granted the role by the roster
    expect(duty(county, '2026-10-08T03:00:00+08:00').shift).toMatchObject({ ref: 'overrides[6]' });
    expect(duty(county, '2026-10-08T12:00:00+08:00')).toMatchObject({ source: 'weekly', shift: { label: '白班' } });
    // without the overrides, the holiday is a rest day by the pattern (10-01 is a Thursday)
    const plain: Roster = { ...county, roles: { monitor: { ...county.roles.monitor!, overrides: [] } } };
    expect(duty(plain, '2026-10-01T12:00:00+08:00').shift).toMatchObject({ ref: 'restDays[1]', date: '2026-10-01' });
  });

  it('a role the roster does not roster is notRostered; dutyHolders then falls back to the plan\'s holders', () => {
    expect(onDuty(county, 'spokesperson', at('2026-03-03T03:00:00+08:00'), CAL_2026)).toEqual({ people: [], reason: 'notRostered' });
    expect(dutyHolders(county, 'spokesperson', at('2026-03-03T03:00:00+08:00'), CAL_2026, ['xu.fang'])).toEqual({ personIds: ['xu.fang'], rostered: false, reason: 'notRostered' });
    const held = dutyHolders(county, 'monitor', at('2026-03-03T03:00:00+08:00'), CAL_2026, ['liu.bo', 'tian.xin']);
    expect(held).toMatchObject({ rostered: true, personIds: ['tian.xin', 'liu.bo', 'zhao.min'] });
  });

  it('a gap in a partial role: no one, and when the next shift starts (the school office after 17:30)', () => {
    expect(onDuty(school, 'office', at('2026-03-03T20:00:00+08:00'), CAL_2026)).toEqual({ people: [], reason: 'gap', next: at('2026-03-04T07:30:00+08:00') });
    expect(who(duty(school, '2026-03-03T10:00:00+08:00', 'office'))).toEqual(['lin.fang:A', 'huang.wei:B']);
    // a Saturday: nobody (restDays: []), and the next shift on Monday
    expect(onDuty(school, 'office', at('2026-03-07T10:00:00+08:00'), CAL_2026)).toEqual({ people: [], reason: 'gap', next: at('2026-03-09T07:30:00+08:00') });
    // the next shift more than two days ahead is not looked for (a long holiday: 春节 2026-02-15..23)
    expect(onDuty(school, 'office', at('2026-02-16T10:00:00+08:00'), CAL_2026)).toEqual({ people: [], reason: 'gap' });
  });

  it('before the roster takes effect: notInForce', () => {
    expect(onDuty(county, 'monitor', at('2025-12-31T23:59:59+08:00'), CAL_2026)).toEqual({ people: [], reason: 'notInForce' });
  });
});

describe('holiday data missing: never guessed', () => {
  it('a role that tells rest days from working days has no answer on a day the slice does not cover', () => {
    // the 2027 notice is not in the data: 2026-12-29 on is not covered
    const d = onDuty(county, 'monitor', at('2026-12-30T12:00:00+08:00'), calendarSlice('2026-12-01', '2027-01-10'));
    expect(d).toEqual({ people: [], reason: 'calendarDataMissing', date: '2026-12-30', year: 2027 });
  });

  it('an hour the uncovered day\'s shifts cannot reach is still answered; the shift ends where the doubt begins', () => {
    const cal = calendarSlice('2026-02-01', '2026-03-02'); // covers through Monday 03-02
    const d = duty(county, '2026-03-03T03:00:00+08:00', 'monitor', cal);
    expect(d.shift).toMatchObject({ date: '2026-03-02', ref: 'weekly[2]', to: at('2026-03-03T08:30:00+08:00') });
    expect(onDuty(county, 'monitor', at('2026-03-03T09:00:00+08:00'), cal)).toMatchObject({ reason: 'calendarDataMissing', date: '2026-03-03' });
  });

  it('a role with one pattern every day needs no holiday data (an empty slice)', () => {
    const empty: CalendarSlice = { covers: { from: '2026-01-01', to: '2025-12-31' }, restDays: [], workdays: [] };
    const r = roster({
      roles: {
        monitor: {
          weekly: [
            { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '08:00', end: '20:00', primary: 'liu.bo', substitutes: ['tian.xin'] },
            { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '20:00', end: '08:00', primary: 'tian.xin' },
          ],
        },
      },
    });
    // a public holiday, an ordinary Sunday and a date far outside any data
    for (const iso of ['2026-10-01T12:00:00+08:00', '2026-03-08T12:00:00+08:00', '2031-05-05T12:00:00+08:00']) expect(who(duty(r, iso, 'monitor', empty))).toEqual(['liu.bo:A', 'tian.xin:B']);
    expect(who(duty(r, '2031-05-05T03:00:00+08:00', 'monitor', empty))).toEqual(['tian.xin:A']);
  });
});

describe('overlaps: the later start holds; an override holds against every pattern shift', () => {
  const r = roster({
    roles: {
      monitor: {
        coverage: 'partial',
        weekly: [
          { label: 'day', days: ['mon'], start: '08:00', end: '20:00', primary: 'liu.bo' },
          { label: 'evening', days: ['mon'], start: '18:00', end: '02:00', primary: 'tian.xin' },
        ],
        overrides: [{ label: 'swap', date: '2026-03-02', start: '12:00', end: '14:00', primary: 'tian.xin', substitutes: ['liu.bo'] }],
      },
    },
  });

  it('the later-starting shift takes over; the earlier one is shortened (scheduledTo keeps its own end)', () => {
    const evening = duty(r, '2026-03-02T19:00:00+08:00');
    expect(evening.shift).toMatchObject({ label: 'evening', from: at('2026-03-02T18:00:00+08:00'), to: at('2026-03-03T02:00:00+08:00') });
    const day = duty(r, '2026-03-02T16:00:00+08:00');
    expect(day.shift).toMatchObject({ label: 'day', from: at('2026-03-02T14:00:00+08:00'), to: at('2026-03-02T18:00:00+08:00'), scheduledFrom: at('2026-03-02T08:00:00+08:00'), scheduledTo: at('2026-03-02T20:00:00+08:00') });
  });

  it('an override inside a shift holds while it lasts, then the shift resumes', () => {
    expect(duty(r, '2026-03-02T13:00:00+08:00')).toMatchObject({ source: 'override', shift: { label: 'swap', from: at('2026-03-02T12:00:00+08:00'), to: at('2026-03-02T14:00:00+08:00') } });
    expect(duty(r, '2026-03-02T10:00:00+08:00').shift).toMatchObject({ label: 'day', from: at('2026-03-02T08:00:00+08:00'), to: at('2026-03-02T12:00:00+08:00') });
  });

  it('the timeline lists each stretch once, end to end, with gaps', () => {
    const t = rosterTimeline(r, 'monitor', at('2026-03-02T00:00:00+08:00'), at('2026-03-03T08:00:00+08:00'), CAL_2026);
    expect(t.map((e) => [new Date(e.from).toISOString().slice(11, 16), 'shift' in e ? e.shift.label : e.reason])).toEqual([
      ['16:00', 'gap'], // 00:00 +08:00 = 16:00Z the day before
      ['00:00', 'day'],
      ['04:00', 'swap'],
      ['06:00', 'day'],
      ['10:00', 'evening'],
      ['18:00', 'gap'],
    ]);
    for (let i = 1; i < t.length; i++) expect(t[i].from).toBe(t[i - 1].to);
  });
});

describe('the shipped rosters: monitoring is never unheld in 2026 (000 篇五 §五(一); 001 §三1)', () => {
  it('every stretch of the year through 12-28 has someone on duty, hand-overs end to end', () => {
    for (const r of [county, school]) {
      const t = rosterTimeline(r, 'monitor', at('2026-01-01T00:00:00+08:00'), at('2026-12-29T00:00:00+08:00'), CAL_2026);
      expect(t.filter((e) => !isOnDuty(e))).toEqual([]);
      for (let i = 1; i < t.length; i++) expect(t[i].from).toBe(t[i - 1].to);
      // and onDuty agrees with the timeline at each hand-over
      for (const e of t.slice(0, 200)) expect((onDuty(r, 'monitor', e.from, CAL_2026) as OnDuty).shift.ref).toBe((e as OnDuty).shift.ref);
    }
  });
});

describe('the roster\'s history: who was on duty at T by the version in force then', () => {
  const v1 = roster({ version: '2026.1', roles: { monitor: { weekly: [{ days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], start: '00:00', end: '00:00', primary: 'liu.bo' }] } } });
  const v2 = roster({ version: '2026.2', effectiveFrom: '2026-06-01T00:00:00+08:00', roles: { monitor: { weekly: [{ days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], start: '08:00', end: '08:00', primary: 'tian.xin' }] } } });

  it('the older version answers for a time before the newer took effect, its shift cut at the hand-over between versions', () => {
    const old = whoWasOnDuty([v2, v1], 'monitor', at('2026-05-31T23:00:00+08:00'), CAL_2026);
    expect(old).toMatchObject({ version: '2026.1', people: [{ personId: 'liu.bo', post: 'A' }] });
    expect((old as OnDuty).shift.to).toBe(at('2026-06-01T00:00:00+08:00'));
    const now = whoWasOnDuty([v2, v1], 'monitor', at('2026-06-01T03:00:00+08:00'), CAL_2026);
    // the new version's shift of 05-31 08:00 holds from the moment the version took effect
    expect(now).toMatchObject({ version: '2026.2', people: [{ personId: 'tian.xin' }], shift: { from: at('2026-06-01T00:00:00+08:00'), to: at('2026-06-01T08:00:00+08:00') } });
    expect(whoWasOnDuty([v1, v2], 'monitor', at('2025-06-01T00:00:00+08:00'), CAL_2026)).toEqual({ people: [], reason: 'notInForce' });
  });

  it('the history timeline switches version at effectiveFrom; versions of two plans are refused', () => {
    const t = rosterHistoryTimeline([v1, v2], 'monitor', at('2026-05-31T20:00:00+08:00'), at('2026-06-01T12:00:00+08:00'), CAL_2026);
    expect(t.map((e) => [e.version, e.people[0]?.personId, e.from, e.to])).toEqual([
      ['2026.1', 'liu.bo', at('2026-05-31T20:00:00+08:00'), at('2026-06-01T00:00:00+08:00')],
      ['2026.2', 'tian.xin', at('2026-06-01T00:00:00+08:00'), at('2026-06-01T08:00:00+08:00')],
      ['2026.2', 'tian.xin', at('2026-06-01T08:00:00+08:00'), at('2026-06-01T12:00:00+08:00')],
    ]);
    expect(() => whoWasOnDuty([v1, { ...v2, plan: 'other' }], 'monitor', 0, CAL_2026)).toThrow(RangeError);
  });
});

describe('pure and deterministic', () => {
  it('the same inputs give the same answer, and the inputs are not changed', () => {
    const before = JSON.stringify(county);
    const a = onDuty(county, 'monitor', at('2026-10-03T12:00:00+08:00'), CAL_2026);
    const b = onDuty(JSON.parse(before), 'monitor', at('2026-10-03T12:00:00+08:00'), JSON.parse(JSON.stringify(CAL_2026)));
    expect(b).toEqual(a);
    expect(JSON.stringify(county)).toBe(before);
  });

  it('the workflow-side modules read no clock and no holiday package', () => {
    for (const f of ['src/roster/on-duty.ts', 'src/roster/days.ts']) {
      const src = fs.readFileSync(f, 'utf8');
      const imports = [...src.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
      for (const m of imports) expect(m, f).toMatch(/^\.\.?\/(plan\/(calendar|codes)|days|roster\.schema)$/);
      expect(src, f).not.toMatch(/Date\.now\(|new Date\(\)|process\./);
    }
    expect([...fs.readFileSync('src/roster/on-duty.ts', 'utf8').matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1])).toEqual(['../plan/calendar', '../plan/codes', './days', './roster.schema']);
    // the schema module (zod) is imported for its types only
    expect(fs.readFileSync('src/roster/on-duty.ts', 'utf8')).toContain("import type { Override, RoleRoster, Roster } from './roster.schema';");
  });

  it('a clock change: a night shift is as long as the wall clock says (Europe/Berlin, 2026-03-29)', () => {
    const berlin: Roster = { ...roster({ roles: { monitor: { weekly: [{ days: ['sat'], start: '22:00', end: '06:00', primary: 'liu.bo' }] } } }), timeZone: 'Europe/Berlin' };
    const d = duty(berlin, '2026-03-29T03:30:00+02:00');
    expect(d.shift.to - d.shift.from).toBe(7 * 3_600_000);
  });
});
