import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { GRADES, ROLES, type Grade, type Role } from '../../src/plan/codes';
import { parseDuration } from '../../src/plan/duration';
import { gradeFromMetrics } from '../../src/plan/grading';
import { incidentInputSchema } from '../../src/plan/incident.schema';
import { loadPlanDir, loadPlanFile, PlanError, resolvePlan, type LoadedPlan } from '../../src/plan/plan.loader';
import { isVolumeGrading, type Plan, type VolumeGrading } from '../../src/plan/plan.schema';

/** The shipped plans' grading block, in the volume shape they still use. */
function volume(p: Plan): VolumeGrading {
  if (!p.grading || !isVolumeGrading(p.grading)) throw new Error(`${p.id}: grading is not in the volume shape`);
  return p.grading;
}

const ROOT = path.resolve(__dirname, '../..');
const PLANS_DIR = path.join(ROOT, 'test', 'fixtures', 'plans');
const EXAMPLES_DIR = path.join(ROOT, 'examples');
const SHIPPED = ['city-archives', 'county-office', 'default', 'school'];

const ms = (text: string) => parseDuration(text);
const H = 3_600_000;
const plans: Record<string, Plan> = Object.fromEntries(loadPlanDir(PLANS_DIR).map((lp) => [lp.plan.id, lp.plan]));
const rawText = (id: string) => fs.readFileSync(path.join(PLANS_DIR, `${id}.yaml`), 'utf8');
const holders = (plan: Plan, role: Role) => plan.people.filter((p) => p.roles.includes(role)).map((p) => p.id);

// The per-seed plan files (plans/*.yaml) are tested in test/plan/seed-plans.test.ts; the legacy-shape plans the
// older scenarios use live in test/fixtures/plans.

describe('examples/*.json', () => {
  // the examples name the per-seed plans the CLI and the worker load (plans/), not the legacy fixtures
  const SEED_PLANS_DIR = path.join(ROOT, 'plans');
  const files = fs.readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.json')).sort();
  const NOW = Date.parse('2026-11-22T09:00:00+08:00');
  const read = (f: string) => JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, f), 'utf8')) as { plan: string } & Record<string, unknown>;
  /** an example's readings, through the edge schema */
  const metricsOf = (f: string) => {
    const { plan: _plan, ...incident } = read(f);
    return incidentInputSchema.parse(incident).metrics;
  };
  const expected: Record<string, { plan: string; grade: Grade }> = {
    'county-especially-major.json': { plan: 'county', grade: 'especiallyMajor' },
    'county-larger.json': { plan: 'county', grade: 'larger' },
    'jinpenshan-school-general.json': { plan: 'jinpenshan-school', grade: 'general' },
  };

  it('holds one example per seed plan of 000 篇五 (__县) and the 001 school plan (金盆山学校)', () => {
    expect(files).toEqual(Object.keys(expected));
    expect(files.map((f) => read(f).plan)).toEqual(Object.values(expected).map((e) => e.plan));
  });

  it.each(files)('%s has the example shape, passes incidentInputSchema, names a plan in plans/ and a monitor of it as discoveredBy', (file) => {
    const json = read(file);
    expect(Object.keys(json).sort()).toEqual(['discoveredAt', 'discoveredBy', 'id', 'metrics', 'plan', 'source', 'summary', 'title']);
    const { plan: planId, ...incident } = json;
    const input = incidentInputSchema.parse(incident);
    const lp = resolvePlan(planId, SEED_PLANS_DIR);
    expect(path.dirname(path.resolve(lp.file))).toBe(SEED_PLANS_DIR);
    const person = lp.plan.people.find((p) => p.id === input.discoveredBy);
    expect(person, `${input.discoveredBy} in ${planId}`).toBeDefined();
    expect(person!.roles).toContain('monitor');
    const at = Date.parse(input.discoveredAt);
    expect(at).toBeLessThan(NOW);
    expect(NOW - at).toBeLessThanOrEqual(30 * 60_000);
    expect(gradeFromMetrics(lp.plan, input.metrics).grade).toBe(expected[file].grade);
  });

  it('the county examples read 000 篇五 §五(三): casualties are 特别重大; few posts with many reads is not 一般 (every measure counts); the school has no thresholds', () => {
    const county = resolvePlan('county', SEED_PLANS_DIR).plan;
    expect(metricsOf('county-especially-major.json').casualties).toBeGreaterThan(0);
    const larger = metricsOf('county-larger.json');
    expect(larger.mainstreamMedia).toBe(false);
    expect(larger.posts).toBeLessThanOrEqual(50);
    expect(gradeFromMetrics(county, { posts: larger.posts }).grade).toBe('general');
    expect(gradeFromMetrics(county, larger).reasons.join('\n')).toMatch(/measures in different bands/);
    const school = resolvePlan('jinpenshan-school', SEED_PLANS_DIR).plan;
    expect(gradeFromMetrics(school, metricsOf('jinpenshan-school-general.json')).reasons).toEqual(['no grading thresholds in this plan (本预案无分级标准)']);
  });
});

// ───────────────────────────── loader errors and hashing ─────────────────────────────

describe('plan.loader', () => {
  let tmp: string;
  const defaultData = () => parse(rawText('default')) as Record<string, any>;
  const write = (name: string, content: string | object) => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, typeof content === 'string' ? content : stringify(content));
    return file;
  };
  const planErrorOf = (fn: () => unknown): PlanError => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(PlanError);
      expect((e as Error).name).toBe('PlanError');
      return e as PlanError;
    }
    throw new Error('expected a PlanError');
  };

  beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plans-')); });
  afterEach(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

  it('an invalid plan is a PlanError naming the file and every failing path with its reason', () => {
    const data = defaultData();
    data.id = 'Bad_Id';
    data.deadlines.firstReport.major = '2 hours';
    data.deadlines.publicResponse.grades = ['minor'];
    data.people[0].contacts.email = 'not-an-email';
    data.deadlines.summaryReport = 'soon';
    const file = write('bad.yaml', data);
    const err = planErrorOf(() => loadPlanFile(file));
    expect(err.message.startsWith(file)).toBe(true);
    expect(err.file).toBe(file);
    const expected = [
      `${file}: id: must be lower-case letters, digits and "-"`,
      `${file}: deadlines.firstReport.major: must be a positive duration`,
      `${file}: deadlines.publicResponse.grades.0: `,
      `${file}: people.0.contacts.email: `,
      `${file}: deadlines.summaryReport: `,
    ];
    for (const line of expected) expect(err.message).toContain(line);
    expect(err.issues).toHaveLength(5);
    for (const issue of err.issues) expect(issue.startsWith(`${file}: `)).toBe(true);
  });

  it('cross-field rules are reported too: thresholds, owners nobody holds, missing office', () => {
    const data = defaultData();
    data.grading.largerMinVolume = 40;
    data.owners.dispatch = 'lawEnforcement';
    data.people = data.people.filter((p: { roles: string[] }) => !p.roles.includes('lawEnforcement') && !p.roles.includes('office'));
    const file = write('cross.yaml', data);
    const err = planErrorOf(() => loadPlanFile(file));
    expect(err.message).toContain(`${file}: grading.largerMinVolume: must be greater than generalMaxVolume`);
    expect(err.message).toContain(`${file}: owners.dispatch: no person in the plan holds role "lawEnforcement"`);
    expect(err.message).toContain(`${file}: people: the plan needs at least one person with role "office"`);
  });

  it('a YAML syntax error names the file, line and column', () => {
    const file = write('syntax.yaml', 'id: broken\nversion: "1"\n  unit: oops\npeople: []\n');
    const err = planErrorOf(() => loadPlanFile(file));
    expect(err.message.startsWith(`${file}: YAML syntax error at line 3, column 1`)).toBe(true);
    expect(err.message).toContain(`${file}:3:1: `);
  });

  it('an unreadable file is a PlanError naming it', () => {
    const file = path.join(tmp, 'missing.yaml');
    expect(planErrorOf(() => loadPlanFile(file)).message.startsWith(`${file}: cannot read plan file`)).toBe(true);
  });

  it('loadPlanDir reads *.yaml and *.yml sorted, ignores other files, and rejects duplicate ids naming both files', () => {
    const data = defaultData();
    write('b.yml', { ...data, id: 'bee' });
    write('a.yaml', data);
    write('notes.txt', 'not a plan');
    expect(loadPlanDir(tmp).map((lp) => [path.basename(lp.file), lp.plan.id])).toEqual([['a.yaml', 'default'], ['b.yml', 'bee']]);

    write('c.yaml', data);
    const err = planErrorOf(() => loadPlanDir(tmp));
    expect(err.message).toContain(path.join(tmp, 'a.yaml'));
    expect(err.message).toContain(path.join(tmp, 'c.yaml'));
    expect(err.message).toContain('duplicate plan id "default"');
  });

  it('resolvePlan takes a plan id or a path; an unknown id lists the known ones', () => {
    expect(resolvePlan('county-office', PLANS_DIR).plan.unit.id).toBe('county-office');
    const byPath = resolvePlan(path.join(PLANS_DIR, 'school.yaml'));
    expect(byPath.plan.id).toBe('school');
    expect(byPath.hash).toBe(resolvePlan('school', PLANS_DIR).hash);
    const err = planErrorOf(() => resolvePlan('nowhere', PLANS_DIR));
    expect(err.message).toContain('no plan with id "nowhere"');
    expect(err.message).toContain('county-office');
  });

  it('the hash is stable across loads and layout, and changes when a value changes', () => {
    const a = loadPlanFile(path.join(PLANS_DIR, 'default.yaml'));
    const b = loadPlanFile(path.join(PLANS_DIR, 'default.yaml'));
    expect(a.hash).toBe(b.hash);

    // same values, no comments, keys in another order: same hash
    const data = defaultData();
    const reordered = Object.fromEntries(Object.entries(data).reverse());
    const same: LoadedPlan = loadPlanFile(write('same.yaml', reordered));
    expect(same.hash).toBe(a.hash);

    data.deadlines.followUpEvery = '5h';
    expect(loadPlanFile(write('changed.yaml', data)).hash).not.toBe(a.hash);
  });
});
