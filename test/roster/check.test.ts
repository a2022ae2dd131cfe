import { describe, expect, it } from 'vitest';
import { checkRoster, describeGap, formatDays } from '../../src/roster/roster.check';
import { county, roster } from './helpers';

const ALL = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri'];

describe('coverage: a role rostered round the clock must have no gap (the plans promise 24-hour monitoring)', () => {
  it('a night shift ending at 02:00 leaves 02:00–08:00 open after a working day, whatever the next day is; after a rest day (its shift runs to 08:00) nothing', () => {
    const r = roster({
      roles: {
        monitor: {
          weekly: [{ days: WEEKDAYS, start: '08:00', end: '02:00', primary: 'liu.bo' }],
          restDays: [{ start: '08:00', end: '08:00', primary: 'tian.xin' }],
        },
      },
    });
    const c = checkRoster(r, county.plan);
    expect(c.ok).toBe(false);
    expect(c.errors).toEqual([
      'roles.monitor: 24h not covered on every working day between 02:00 and 08:00 after a working day',
      'roles.monitor: 24h not covered on every rest day between 02:00 and 08:00 after a working day',
    ]);
    expect(c.roles[0]).toMatchObject({ role: 'monitor', coverage: '24h', needsCalendar: true });
    expect(c.roles[0].gaps[0]).toEqual({ dayKind: 'working', days: ALL, after: 'working', from: '02:00', to: '08:00' });
  });

  it('without a rest-day pattern, weekends left out are a gap on those days; the monitor is 24h by default', () => {
    const r = roster({ roles: { monitor: { weekly: [{ days: WEEKDAYS, start: '08:00', end: '08:00', primary: 'liu.bo' }] } } });
    const c = checkRoster(r);
    expect(c.errors).toEqual([
      'roles.monitor: 24h not covered on Mon between 00:00 and 08:00',
      'roles.monitor: 24h not covered on Sat between 08:00 and 24:00',
      'roles.monitor: 24h not covered on Sun between 00:00 and 24:00',
    ]);
    expect(c.roles[0].needsCalendar).toBe(false);
  });

  it('a partial role\'s gaps are listed, not errors; another role is partial by default', () => {
    const r = roster({
      roles: {
        monitor: { coverage: 'partial', weekly: [{ days: WEEKDAYS, start: '08:30', end: '17:30', primary: 'liu.bo' }], restDays: [] },
        office: { weekly: [{ days: WEEKDAYS, start: '08:30', end: '17:30', primary: 'zhao.min' }] },
      },
    });
    const c = checkRoster(r);
    expect(c).toMatchObject({ ok: true, errors: [], warnings: [] });
    expect(c.roles.map((x) => x.coverage)).toEqual(['partial', 'partial']);
    expect(c.roles[0].gaps.map((g) => describeGap(g))).toEqual([
      'on every working day between 00:00 and 08:30',
      'on every working day between 17:30 and 24:00',
      'on every rest day between 00:00 and 24:00',
    ]);
    expect(describeGap(c.roles[0].gaps[0], 'zh')).toBe('工作日 00:00–08:30');
    expect(c.roles[1].gaps.map((g) => describeGap(g, 'zh'))).toEqual(['周一–周五 00:00–08:30', '周一–周五 17:30–24:00', '周六、周日 00:00–24:00']);
  });

  it('two shifts starting together are an error; an overlap a warning (the later start holds)', () => {
    const r = roster({
      roles: {
        monitor: {
          coverage: 'partial',
          weekly: [
            { days: ['mon'], start: '08:00', end: '18:00', primary: 'liu.bo' },
            { days: ['mon'], start: '08:00', end: '12:00', primary: 'tian.xin' },
            { days: ['mon'], start: '17:00', end: '01:00', primary: 'tian.xin' },
          ],
        },
      },
    });
    const c = checkRoster(r);
    expect(c.errors).toEqual(['roles.monitor: weekly[0] and weekly[1] both start at 08:00 on Mon: one shift per hand-over (which one holds would depend on their order)']);
    expect(c.warnings).toContain('roles.monitor: weekly[2] takes over from weekly[0] at 17:00 on Mon, before weekly[0] ends at 18:00');
  });

  it('warnings: weekend days a calendar pattern never uses, overlapping overrides, an override before the roster, a needless grant', () => {
    const r = roster({
      roles: {
        monitor: {
          grantedTo: ['liu.bo'],
          weekly: [{ days: ALL, start: '08:00', end: '08:00', primary: 'liu.bo' }],
          restDays: [{ start: '08:00', end: '08:00', primary: 'tian.xin' }],
          overrides: [
            { date: '2026-10-01', start: '08:00', end: '20:00', primary: 'liu.bo' },
            { date: '2026-10-01', start: '12:00', end: '14:00', primary: 'tian.xin' },
            { date: '2025-10-01', start: '08:00', end: '20:00', primary: 'tian.xin' },
            { from: '2026-10-01T08:00:00+08:00', to: '2026-10-01T09:00:00+08:00', primary: 'tian.xin' },
          ],
        },
      },
    });
    const c = checkRoster(r, county.plan);
    expect(c.warnings).toEqual([
      'roles.monitor.weekly[0].days: sat, sun never apply: with a restDays pattern a Saturday or Sunday is a rest day, or a make-up working day rostered as mon',
      'roles.monitor.overrides[1]: overlaps overrides[0]; the later start holds',
      'roles.monitor.overrides[2]: ends before the roster takes effect (2026-01-01T00:00:00+08:00): it never applies',
      'roles.monitor.grantedTo[0]: "liu.bo" already holds role "monitor" in the plan',
    ]);
    expect(c.errors).toEqual(['roles.monitor.overrides[3]: starts when overrides[0] starts: one override per hand-over (which one holds would depend on their order)']);
  });

  it('days are written as runs of the week', () => {
    expect(formatDays(['mon', 'tue', 'wed', 'thu', 'fri'])).toBe('Mon–Fri');
    expect(formatDays(['sat', 'mon', 'sun'])).toBe('Mon, Sat, Sun');
    expect(formatDays(ALL as never)).toBe('');
  });
});
