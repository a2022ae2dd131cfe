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
  if (!isVolumeGrading(p.grading)) throw new Error(`${p.id}: grading is not in the volume shape`);
  return p.grading;
}

const ROOT = path.resolve(__dirname, '../..');
const PLANS_DIR = path.join(ROOT, 'plans');
const EXAMPLES_DIR = path.join(ROOT, 'examples');
const SHIPPED = ['city-archives', 'county-office', 'default', 'school'];

const ms = (text: string) => parseDuration(text);
const H = 3_600_000;
const plans: Record<string, Plan> = Object.fromEntries(loadPlanDir(PLANS_DIR).map((lp) => [lp.plan.id, lp.plan]));
const rawText = (id: string) => fs.readFileSync(path.join(PLANS_DIR, `${id}.yaml`), 'utf8');
const holders = (plan: Plan, role: Role) => plan.people.filter((p) => p.roles.includes(role)).map((p) => p.id);

// ───────────────────────────── shipped plans ─────────────────────────────

describe('shipped plans (plans/*.yaml)', () => {
  it('all four load from plans/ and pass planSchema, each file named after its id', () => {
    const loaded = loadPlanDir(PLANS_DIR);
    expect(loaded.map((lp) => lp.plan.id)).toEqual(SHIPPED);
    for (const lp of loaded) {
      expect(path.basename(lp.file)).toBe(`${lp.plan.id}.yaml`);
      expect(lp.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(lp.plan.language).toBe('zh');
      expect(lp.plan.timeZone).toBe('Asia/Shanghai');
    }
  });

  it.each(SHIPPED)('%s: names its source sections and cites a source on every deadline line', (id) => {
    const plan = plans[id];
    expect(plan.source).toMatch(/000 篇|001 /);
    // every duration under deadlines: carries a YAML comment naming 000/001 or the plan's own choice
    const text = rawText(id);
    const block = text.slice(text.indexOf('\ndeadlines:'), text.indexOf('\nreminders:'));
    const lines = block.split('\n').filter((l) => /^\s+(especiallyMajor|major|larger|general|within|writtenReportAfterPhone|followUpEvery|summaryReport):/.test(l));
    expect(lines.length).toBe(11);
    for (const line of lines) expect(line, line).toMatch(/#.*(000|001) /);
  });

  it.each(SHIPPED)('%s: every role is held by someone, and so is every role named by owners, escalation and firstReportTo', (id) => {
    const plan = plans[id];
    for (const role of ROLES) expect(holders(plan, role), role).not.toHaveLength(0);
    const named = new Set<Role>([
      ...Object.values(plan.owners),
      ...(Object.keys(plan.escalation) as Role[]),
      ...Object.values(plan.escalation).flat(),
      ...plan.deadlines.firstReportTo,
    ]);
    for (const role of named) expect(holders(plan, role), role).not.toHaveLength(0);
    for (const p of plan.people) if (p.contacts.email) expect(p.contacts.email).toMatch(/@([a-z]+\.)?example\.org$/);
    expect(plan.people.map((p) => p.id).every((pid) => /^[a-z]+(\.[a-z]+)+$/.test(pid))).toBe(true);
  });

  it.each(SHIPPED)('%s: escalation goes step by step up the chain (逐级报告, 000 篇一 §四(二))', (id) => {
    expect(plans[id].escalation).toEqual({
      monitor: ['office', 'officeDirector'],
      office: ['officeDirector', 'leaderInCharge'],
      department: ['office', 'leaderInCharge'],
      spokesperson: ['leaderInCharge', 'principalLeader'],
      officeDirector: ['leaderInCharge'],
      leaderInCharge: ['principalLeader'],
    });
  });

  it.each(SHIPPED)('%s: does not organise sock puppets or delete posts (rule book: out of scope; 000 篇五 §四(二)4, (三)2)', (id) => {
    expect(rawText(id)).not.toMatch(/水军|删帖|删除|第三者身份|管控/);
  });
});

// ───────────────────────────── deadlines against the rule book ─────────────────────────────

describe('deadlines match the rule book (plan-rules.md)', () => {
  it.each(SHIPPED)('%s: publicResponse 3h after discovery for every grade (000 篇一/篇二 §四(二), 001 篇1 §四(二))', (id) => {
    const d = plans[id].deadlines.publicResponse;
    expect(ms(d.within)).toBe(3 * H);
    expect([...d.grades].sort()).toEqual([...GRADES].sort());
  });

  it.each(SHIPPED)('%s: written report 30m after a phone report (000 篇三 §四(二))', (id) => {
    expect(ms(plans[id].deadlines.writtenReportAfterPhone)).toBe(30 * 60_000);
  });

  it.each(SHIPPED)('%s: summary report within 3 days (000 篇三 §四(五))', (id) => {
    expect(ms(plans[id].deadlines.summaryReport)).toBe(3 * 24 * H);
  });

  it.each(SHIPPED)('%s: first news release within the golden 24 hours for 重大 and 特别重大 only (000 篇五 §四(一)1)', (id) => {
    const d = plans[id].deadlines.firstRelease;
    expect(ms(d.within)).toBe(24 * H);
    expect([...d.grades].sort()).toEqual(['especiallyMajor', 'major']);
  });

  it.each(SHIPPED)('%s: general incidents dispatched within 2h and explained within 1 day (001 school plan §四(一))', (id) => {
    const { dispatch, explanation } = plans[id].deadlines;
    expect(ms(dispatch.within)).toBe(2 * H);
    expect(dispatch.grades).toEqual(['general']);
    expect(ms(explanation.within)).toBe(24 * H);
    expect(explanation.grades).toEqual(['general']);
  });

  it.each(SHIPPED)('%s: first report at the latest 2h, 特别重大 within 1h (000 篇三 §四(二); 000 篇五 §五(二))', (id) => {
    const fr = plans[id].deadlines.firstReport;
    expect(ms(fr.especiallyMajor!)).toBe(1 * H);
    expect(ms(fr.major!)).toBeLessThanOrEqual(2 * H);
    // a grade left out would mean "as appropriate" with no timer; every shipped plan chooses a value
    for (const g of GRADES) expect(fr[g], g).toBeDefined();
    const order = GRADES.map((g) => ms(fr[g as Grade]!)!);
    expect([...order].sort((a, b) => b - a)).toEqual(order); // never stricter for a lower grade
  });

  it.each(SHIPPED)('%s: grading thresholds 50 / 100–500 posts, tens of comments (000 篇五 §五(三))', (id) => {
    const g = volume(plans[id]);
    expect(g.generalMaxVolume).toBe(50);
    expect(g.largerMinVolume).toBe(100);
    expect(g.majorMinVolume).toBe(500);
    expect(g.largerMinComments).toBe(20);
  });

  it('default: first report 1h / 2h (000 篇五 §五(二)), 较大 4h and 一般 12h as its 酌情适时 choice; follow-up every 4h (000 篇一 §四(二))', () => {
    const p = plans.default;
    expect(p.deadlines.firstReport).toEqual({ especiallyMajor: '1h', major: '2h', larger: '4h', general: '12h' });
    expect(p.deadlines.followUpEvery).toBe('4h');
    expect(p.reminders).toEqual(['30m', '10m']);
    expect(volume(p).gapGrade).toBe('larger');
    expect(p.owners).toEqual({
      firstReport: 'monitor', writtenReport: 'monitor', publicResponse: 'spokesperson', firstRelease: 'spokesperson',
      dispatch: 'office', explanation: 'department', inquiryOpinion: 'department', inquiryResult: 'department',
      followUp: 'office', summaryReport: 'office',
    });
    expect(p.permissions).toEqual({});
  });

  it('county-office: 特别重大 within 1h, 重大 within 2h, 较大/一般 酌情 set to 4h / 1d (000 篇五 §五(二))', () => {
    const p = plans['county-office'];
    expect(p.deadlines.firstReport).toEqual({ especiallyMajor: '1h', major: '2h', larger: '4h', general: '1d' });
    expect(rawText('county-office')).toMatch(/酌情适时/);
    // reported to 党政办, the superior line of business and the 网信 department (000 篇五 §五(二))
    expect(p.deadlines.firstReportTo).toEqual(['office', 'officeDirector', 'superior']);
    expect(p.deadlines.followUpEvery).toBe('2h'); // 重报进展 (000 篇五 §四(三)3)
  });

  it('county-office: office director 王加志 is named in the source; superiors are 县委党政办 and 网信部门 (000 篇五 §三, §五(二))', () => {
    const p = plans['county-office'];
    expect(p.people.find((x) => x.id === 'wang.jiazhi')).toMatchObject({ name: '王加志', roles: ['officeDirector'] });
    expect(holders(p, 'superior')).toEqual(['he.jun', 'song.yu']);
    expect(holders(p, 'monitor')).toEqual(['liu.bo', 'tian.xin']);
    expect(rawText('county-office')).toMatch(/县委党政办/);
    expect(rawText('county-office')).toMatch(/网信部门/);
  });

  it('city-archives: 黄山市档案局, reports and the summary go to 科教编研科 (000 篇一 §三(一), §四(二), §四(五))', () => {
    const p = plans['city-archives'];
    expect(p.unit.name).toBe('黄山市档案局');
    expect(p.deadlines.firstReportTo).toEqual(['office', 'officeDirector']);
    // the department writes the summary report; overdue, it is escalated to the office (科教编研科)
    expect(p.owners.summaryReport).toBe('department');
    expect(p.escalation.department?.[0]).toBe('office');
    expect(holders(p, 'office')).toEqual(['fang.xiaoyu']);
    expect(rawText('city-archives')).toMatch(/office\]\s+# 领导小组办公室 = 市局科教编研科/);
    // the archives plan has no graded limits: every grade at the latest 2h (000 篇三 §四(二))
    expect(p.deadlines.firstReport).toEqual({ especiallyMajor: '1h', major: '2h', larger: '2h', general: '2h' });
  });

  it('school: 宣传科/政教处 office, 市教育局 superior, only the spokesperson speaks publicly (000 篇二 §二; 001 school plan §二, §四(二))', () => {
    const p = plans.school;
    expect(p.unit.name).toBe('许昌实验中学');
    expect(holders(p, 'office')).toEqual(['liu.yang', 'sun.li']);
    expect(holders(p, 'superior')).toEqual(['he.ping']);
    expect(rawText('school')).toMatch(/市教育局/);
    expect(p.permissions).toEqual({ respond: ['spokesperson'], release: ['spokesperson'], publishFacts: ['spokesperson'] });
    // 重大 "立刻报告": the school chooses 1h, stricter than the 2h cap (001 school plan §四(二))
    expect(p.deadlines.firstReport).toEqual({ especiallyMajor: '1h', major: '1h', larger: '2h', general: '2h' });
    expect(volume(p).gapGrade).toBe('general');
  });
});

// ───────────────────────────── examples ─────────────────────────────

describe('examples/*.json', () => {
  const files = fs.readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.json')).sort();
  const NOW = Date.parse('2026-11-22T09:00:00+08:00');
  const expectedGrade: Record<string, Grade> = {
    'archives-fabrication.json': 'larger',
    'county-especially-major.json': 'especiallyMajor',
    'default-major.json': 'major',
    'school-inquiry.json': 'general',
  };

  it('holds the four examples', () => {
    expect(files).toEqual(Object.keys(expectedGrade));
  });

  it.each(files)('%s passes incidentInputSchema, names a shipped plan and a monitor of it as discoveredBy', (file) => {
    const json = JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8')) as { plan: string } & Record<string, unknown>;
    const { plan: planId, ...incident } = json;
    const input = incidentInputSchema.parse(incident);
    const lp = resolvePlan(planId, PLANS_DIR);
    const person = lp.plan.people.find((p) => p.id === input.discoveredBy);
    expect(person, `${input.discoveredBy} in ${planId}`).toBeDefined();
    expect(person!.roles).toContain('monitor');
    const at = Date.parse(input.discoveredAt);
    expect(at).toBeLessThan(NOW);
    expect(NOW - at).toBeLessThanOrEqual(30 * 60_000);
    expect(gradeFromMetrics(lp.plan, input.metrics).grade).toBe(expectedGrade[file]);
  });

  it('the fabrication example has no mainstream media; the default one does', () => {
    const read = (f: string) => JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, f), 'utf8'));
    expect(read('archives-fabrication.json').metrics.mainstreamMedia).toBe(false);
    expect(read('default-major.json').metrics.mainstreamMedia).toBe(true);
    expect(read('county-especially-major.json').metrics.casualties).toBeGreaterThan(0);
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
    delete data.deadlines.summaryReport;
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
