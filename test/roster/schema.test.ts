import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PlanError } from '../../src/plan/plan.loader';
import { loadRosterDir, loadRosterFile, parseRosterText, RosterError, rosterRecord, rosterVersions } from '../../src/roster/roster.loader';
import { county, issuesOf, roster } from './helpers';

const day = (extra: Record<string, unknown> = {}) => ({ days: ['mon'], start: '08:30', end: '17:30', primary: 'liu.bo', ...extra });

describe('roster schema: every error names the field and the reason', () => {
  it('a start that is not HH:MM, at its index', () => {
    const issues = issuesOf({ roles: { monitor: { coverage: 'partial', weekly: [day(), day(), day({ start: '8:30' })] } } });
    expect(issues).toEqual(['roles.monitor.weekly[2].start: must be HH:MM (00:00–23:59)']);
  });

  it('an end may be 24:00, a start may not; a day must be a day', () => {
    expect(() => roster({ roles: { monitor: { coverage: 'partial', weekly: [day({ end: '24:00' })] } } })).not.toThrow();
    expect(issuesOf({ roles: { monitor: { weekly: [day({ start: '24:00', days: ['mon', 'monday'] })] } } })).toEqual([
      'roles.monitor.weekly[0].days[1]: must be one of sun, mon, tue, wed, thu, fri, sat',
      'roles.monitor.weekly[0].start: must be HH:MM (00:00–23:59)',
    ]);
  });

  it('the version is a string, effectiveFrom has an offset, unknown keys are refused', () => {
    const issues = issuesOf({ version: 2026.1, effectiveFrom: '2026-01-01T00:00:00', extra: true, roles: { monitor: { weekly: [day()] } } });
    expect(issues).toContain('version: must be a string (quote it in YAML: "2026.1")');
    expect(issues).toContain('effectiveFrom: must be an ISO 8601 time with offset, e.g. "2026-10-01T08:30:00+08:00"');
    expect(issues.some((i) => i.startsWith('(root): ') && i.includes('extra'))).toBe(true);
  });

  it('a role key must be a role; a person must be in the plan and hold the role, or be granted it', () => {
    expect(issuesOf({ roles: { boss: { weekly: [day()] } } })[0]).toMatch(/^roles\.boss: "boss" is not a role \(one of monitor, office/);
    expect(issuesOf({ roles: { monitor: { weekly: [day({ primary: 'nobody' })] } } })).toEqual(['roles.monitor.weekly[0].primary: "nobody" is not a person in the plan']);
    const notHeld = issuesOf({ roles: { monitor: { weekly: [day({ substitutes: ['tian.xin', 'zhao.min'] })] } } });
    expect(notHeld).toEqual(['roles.monitor.weekly[0].substitutes[1]: "zhao.min" (赵敏) does not hold role "monitor" in the plan; to roster them for it, list them in roles.monitor.grantedTo']);
    // granted by the roster: valid
    const r = roster({ roles: { monitor: { coverage: 'partial', grantedTo: ['zhao.min'], weekly: [day({ substitutes: ['tian.xin', 'zhao.min'] })] } } });
    expect(r.roles.monitor!.weekly[0].substitutes).toEqual(['tian.xin', 'zhao.min']);
    expect(issuesOf({ roles: { monitor: { grantedTo: ['ghost'], weekly: [day()] } } })).toEqual(['roles.monitor.grantedTo[0]: "ghost" is not a person in the plan']);
  });

  it('a person twice on one shift, an override of both forms or neither, an override ending before it starts', () => {
    expect(issuesOf({ roles: { monitor: { weekly: [day({ substitutes: ['tian.xin', 'liu.bo'] })] } } })).toEqual(['roles.monitor.weekly[0].substitutes[1]: "liu.bo" is already on this shift']);
    const issues = issuesOf({
      roles: {
        monitor: {
          overrides: [
            { from: '2026-10-01T08:30:00+08:00', to: '2026-10-01T08:00:00+08:00', primary: 'liu.bo' },
            { date: '2026-10-01', start: '08:30', primary: 'liu.bo' },
            { from: '2026-10-01T08:30:00+08:00', date: '2026-10-01', start: '08:30', end: '09:00', primary: 'liu.bo' },
            { primary: 'liu.bo' },
            { date: '2026-02-30', start: '08:30', end: '09:00', primary: 'liu.bo' },
          ],
        },
      },
    });
    expect(issues).toEqual([
      'roles.monitor.overrides[0].to: must be after from',
      'roles.monitor.overrides[1].end: is required: an override by date gives date, start and end',
      'roles.monitor.overrides[2]: give either from and to, or date with start and end, not both',
      'roles.monitor.overrides[3]: must give from and to, or date with start and end',
      'roles.monitor.overrides[4].date: must be a date YYYY-MM-DD',
    ]);
  });

  it('the time zone is the plan\'s: left out it is filled in, given it must be equal; the unit must be the plan\'s', () => {
    expect(roster({ roles: { monitor: { weekly: [day()] } } }).timeZone).toBe('Asia/Shanghai');
    expect(roster({ timeZone: 'Asia/Shanghai', roles: { monitor: { weekly: [day()] } } }).timeZone).toBe('Asia/Shanghai');
    expect(issuesOf({ timeZone: 'Asia/Tokyo', unit: 'other', roles: { monitor: { weekly: [day()] } } })).toEqual([
      'unit: must be the plan\'s unit "county", not "other"',
      'timeZone: must equal the plan\'s time zone "Asia/Shanghai" (or be left out), not "Asia/Tokyo"',
    ]);
    expect(issuesOf({ plan: 'other-plan', roles: { monitor: { weekly: [day()] } } })).toEqual(['plan: is "other-plan", but the roster is checked against plan "county"']);
  });

  it('a role with no shifts, and a roster with no roles, are refused', () => {
    expect(issuesOf({ roles: { monitor: {} } })).toEqual(['roles.monitor: has no shifts (weekly, restDays or overrides)']);
    expect(issuesOf({ roles: {} })).toEqual(['roles: must roster at least one role']);
  });
});

describe('roster loader', () => {
  const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'rosters-'));
  const text = (version: string, effectiveFrom: string, comment = '') => `${comment}
plan: county
version: "${version}"
effectiveFrom: "${effectiveFrom}"
roles:
  monitor:
    coverage: partial
    weekly: [{ days: [mon], start: "08:30", end: "17:30", primary: liu.bo }]
`;

  it('the shipped rosters load against the shipped plans and pass their check', () => {
    const all = loadRosterDir('rosters', 'plans');
    expect(all.map((l) => [l.roster.plan, l.roster.version, l.check.ok, l.check.errors, l.check.warnings])).toEqual([
      ['county', '2026.1', true, [], []],
      ['jinpenshan-school', '2026-spring', true, [], []],
    ]);
    expect(all.every((l) => /^[0-9a-f]{64}$/.test(l.hash))).toBe(true);
  });

  it('the hash is of the validated content: comments, key order and YAML or JSON do not count', () => {
    const a = parseRosterText(text('v1', '2026-01-01T00:00:00+08:00', '# a comment'), 'a.yaml', county);
    const data = { roles: { monitor: { weekly: [{ primary: 'liu.bo', end: '17:30', start: '08:30', days: ['mon'] }], coverage: 'partial' } }, effectiveFrom: '2026-01-01T00:00:00+08:00', version: 'v1', plan: 'county' };
    const b = parseRosterText(JSON.stringify(data), 'b.json', county);
    expect(b.hash).toBe(a.hash);
    const c = parseRosterText(text('v1', '2026-01-01T00:00:00+08:00').replace('17:30', '18:00'), 'c.yaml', county);
    expect(c.hash).not.toBe(a.hash);
    expect(rosterRecord(a)).toEqual({ planId: 'county', version: 'v1', hash: a.hash, effectiveFrom: Date.parse('2026-01-01T00:00:00+08:00'), body: a.roster });
  });

  it('a bad file is a RosterError (a PlanError: exit 1) naming the file and each field', () => {
    const dir = tmp();
    const f = path.join(dir, 'bad.yaml');
    fs.writeFileSync(f, text('v1', '2026-01-01T00:00:00+08:00').replace('"08:30"', '"8:30"'));
    let err: unknown;
    try { loadRosterFile(f, 'plans'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(RosterError);
    expect(err).toBeInstanceOf(PlanError);
    expect((err as RosterError).name).toBe('RosterError');
    expect((err as RosterError).issues).toEqual([`${f}: roles.monitor.weekly[0].start: must be HH:MM (00:00–23:59)`]);
    fs.writeFileSync(f, 'plan: county\n  version: [');
    expect(() => loadRosterFile(f, 'plans')).toThrow(/YAML syntax error at line/);
    fs.writeFileSync(f, text('v1', '2026-01-01T00:00:00+08:00').replace('plan: county', 'plan: nowhere'));
    expect(() => loadRosterFile(f, 'plans')).toThrow(/no plan with id "nowhere"/);
  });

  it('versions of one plan: sorted by effectiveFrom, each version and instant once; another plan\'s broken file does not matter', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'a.yaml'), text('v2', '2026-06-01T00:00:00+08:00'));
    fs.writeFileSync(path.join(dir, 'b.yaml'), text('v1', '2026-01-01T00:00:00+08:00'));
    fs.writeFileSync(path.join(dir, 'school.yaml'), 'plan: jinpenshan-school\nversion: 1\n');
    expect(rosterVersions('county', dir, 'plans').map((l) => l.roster.version)).toEqual(['v1', 'v2']);
    expect(() => loadRosterDir(dir, 'plans')).toThrow(/school\.yaml: invalid roster/);
    fs.writeFileSync(path.join(dir, 'c.yaml'), text('v1', '2026-03-01T00:00:00+08:00'));
    expect(() => rosterVersions('county', dir, 'plans')).toThrow(/duplicate roster version "v1" of plan "county"/);
    fs.writeFileSync(path.join(dir, 'c.yaml'), text('v3', '2026-06-01T00:00:00+08:00'));
    expect(() => rosterVersions('county', dir, 'plans')).toThrow(/take effect at 2026-06-01T00:00:00\+08:00/);
    expect(() => rosterVersions('xuchang-school', dir, 'plans')).toThrow(/no roster for plan "xuchang-school"/);
  });
});
