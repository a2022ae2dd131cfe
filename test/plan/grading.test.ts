import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Grade } from '../../src/plan/codes';
import { gradeFromMetrics } from '../../src/plan/grading';
import type { Metrics } from '../../src/plan/incident.schema';
import { loadPlanDir } from '../../src/plan/plan.loader';
import {
  formatIssues, gradingSchema, isVolumeGrading, planSchema, type MeasureGradingInput, type Plan, type VolumeGradingInput,
} from '../../src/plan/plan.schema';

/**
 * Grading as 000 篇五 §五(三) writes it (rule book: "Severity grades", "Reading the figures"): reads, replies and
 * total volume all count (均在); 一般 within 50, 较大 100–500 with 500 included; 51–99, above 500 and mixed bands
 * are plan settings. Plans with the old volume keys (recorded in workflow histories) grade exactly as before.
 */
const ROOT = path.resolve(__dirname, '../..');
const plans: Record<string, Plan> = Object.fromEntries(loadPlanDir(path.join(ROOT, 'test', 'fixtures', 'plans')).map((lp) => [lp.plan.id, lp.plan]));
const RULE_BOOK_BANDS = { general: { max: 50 }, larger: { min: 100, max: 500 }, between: 'larger', above: 'larger', mixed: 'highest' } as const;
/**
 * The shipped plans still carry the old volume keys (they move to the measure bands with the per-seed plan
 * files); these tests grade the county plan under the measure bands the rule book reads from 000 篇五 §五(三).
 */
const county: Plan = { ...plans['county-office'], grading: gradingSchema.parse(RULE_BOOK_BANDS) };
const rawText = (id: string) => fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'plans', `${id}.yaml`), 'utf8');
const gradingBlock = (id: string) => {
  const text = rawText(id);
  const at = text.indexOf('\ngrading:\n');
  return text.slice(at + 1, text.indexOf('\n\n', at));
};

const RULE_BOOK: MeasureGradingInput = { general: { max: 50 }, larger: { min: 100, max: 500 }, between: 'larger', above: 'larger', mixed: 'highest' };
/** The county plan with other grading settings. */
const withGrading = (grading: VolumeGradingInput | MeasureGradingInput): Plan => ({ ...county, grading: gradingSchema.parse(grading) });
const measures = (over: Partial<MeasureGradingInput> = {}) => withGrading({ ...RULE_BOOK, ...over });
const grade = (m: Metrics, plan = county) => gradeFromMetrics(plan, m);

describe('grading by every measure (000 篇五 §五(三))', () => {
  it('10 posts with 100,000 reads is not 一般: every measure counts (000 篇五 §五(三)1 均在50)', () => {
    const d = grade({ posts: 10, reads: 100_000 });
    expect(d.grade).not.toBe('general');
    expect(d.grade).toBe('larger'); // above 500 without the 重大 conditions: the plan's above (larger)
    expect(d.reasons).toEqual([
      "reads 100000 > 50: not 一般 (000 篇五 §五(三)1); > 500, above 较大's 100–500 (000 篇五 §五(三)2), the seed is silent: plan above → 较大",
      'measures in different bands (posts 一般, reads 较大): the highest taken, plan mixed: highest (the seed is silent)',
    ]);
    // the same with replies, or with the total volume
    expect(grade({ posts: 10, comments: 100_000 }).grade).toBe('larger');
    expect(grade({ posts: 100_000, reads: 10 }).grade).toBe('larger');
  });

  it('all measures within 50 is 一般, and the reasons name each measure (000 篇五 §五(三)1)', () => {
    expect(grade({ posts: 50, reads: 50, comments: 50 })).toEqual({
      grade: 'general',
      reasons: [
        'posts 50 ≤ 50: within 一般 (000 篇五 §五(三)1)',
        'reads 50 ≤ 50: within 一般 (000 篇五 §五(三)1)',
        'comments 50 ≤ 50: within 一般 (000 篇五 §五(三)1)',
      ],
    });
    expect(grade({ posts: 0, reads: 12 }).grade).toBe('general');
    expect(grade({})).toEqual({ grade: 'general', reasons: ["no posts, reads or comments given: none above 一般's 50 (000 篇五 §五(三)1)"] });
    // one measure over 50 is enough to leave 一般
    for (const k of ['posts', 'reads', 'comments'] as const) {
      expect(grade({ posts: 10, reads: 10, comments: 10, [k]: 51 }).grade, k).toBe('larger');
    }
  });

  it('500 is 较大 (均在100-500, 500 included, 000 篇五 §五(三)2); so is 100', () => {
    for (const k of ['posts', 'reads', 'comments'] as const) {
      for (const v of [100, 500]) {
        expect(grade({ [k]: v }), `${k} ${v}`).toEqual({
          grade: 'larger',
          reasons: [`${k} ${v} > 50: not 一般 (000 篇五 §五(三)1); in 100–500: 较大 (000 篇五 §五(三)2)`],
        });
      }
    }
    // 500 posts was 重大 under the shipped plans' old majorMinVolume: 500
    expect(grade({ posts: 500 }, withGrading({ generalMaxVolume: 50, largerMinVolume: 100, gapGrade: 'larger', majorMinVolume: 500, largerMinComments: 20 })).grade).toBe('major');
  });

  it('501 follows the plan setting above: 较大 by default, 重大 where a plan says so (000 篇五 §五(三)2–3, the seed is silent)', () => {
    expect(grade({ posts: 501 }).grade).toBe('larger');
    expect(grade({ reads: 501 }).reasons[0]).toContain('> 500, above 较大\'s 100–500 (000 篇五 §五(三)2), the seed is silent: plan above → 较大');
    const asMajor = measures({ above: 'major' });
    expect(grade({ posts: 500 }, asMajor).grade).toBe('larger');
    expect(grade({ posts: 501 }, asMajor)).toEqual({
      grade: 'major',
      reasons: ["posts 501 > 50: not 一般 (000 篇五 §五(三)1); > 500, above 较大's 100–500 (000 篇五 §五(三)2), the seed is silent: plan above → 重大"],
    });
  });

  it('51–99 follows the plan setting between (000 篇五 §五(三)1–2, the seed is silent)', () => {
    const asGeneral = measures({ between: 'general' });
    for (const v of [51, 75, 99]) {
      expect(grade({ comments: v })).toEqual({
        grade: 'larger',
        reasons: [`comments ${v}: above 一般's 50 (000 篇五 §五(三)1), below 较大's 100 (000 篇五 §五(三)2), the seed is silent: plan between → 较大`],
      });
      expect(grade({ comments: v }, asGeneral).grade).toBe('general');
      expect(grade({ comments: v }, asGeneral).reasons[0]).toContain('plan between → 一般');
    }
  });

  it('measures in different bands take the highest band any measure reaches (plan mixed: highest, 000 篇五 §五(三))', () => {
    const asGeneral = measures({ between: 'general' });
    expect(grade({ posts: 10, reads: 75, comments: 300 }, asGeneral)).toEqual({
      grade: 'larger',
      reasons: [
        'comments 300 > 50: not 一般 (000 篇五 §五(三)1); in 100–500: 较大 (000 篇五 §五(三)2)',
        'measures in different bands (posts 一般, reads 一般, comments 较大): the highest taken, plan mixed: highest (the seed is silent)',
      ],
    });
    const d = grade({ posts: 20, reads: 300, comments: 800 }, measures({ above: 'major' }));
    expect(d.grade).toBe('major');
    expect(d.reasons[0]).toMatch(/^comments 800 > 50: not 一般/);
    expect(d.reasons.at(-1)).toBe('measures in different bands (posts 一般, reads 较大, comments 重大): the highest taken, plan mixed: highest (the seed is silent)');
    // mixed defaults to highest, the rule book's default
    const { mixed: _mixed, ...noMixed } = RULE_BOOK;
    expect(gradingSchema.parse(noMixed)).toMatchObject({ mixed: 'highest' });
  });

  it('a plan may set one measure\'s bands apart (e.g. comments), the rest keep the shared ones (000 篇五 §五(三))', () => {
    const p = measures({ measures: { comments: { general: { max: 20 } } } });
    expect(grade({ comments: 26 }, p).grade).toBe('larger');
    expect(grade({ comments: 26 }, p).reasons[0]).toBe("comments 26: above 一般's 20 (000 篇五 §五(三)1), below 较大's 100 (000 篇五 §五(三)2), the seed is silent: plan between → 较大");
    expect(grade({ reads: 26 }, p).grade).toBe('general');
  });

  it('mainstream media rules out 一般 but alone computes 较大: 重大 needs "may cause major impact", a judgement (000 篇五 §五(三)1, 3)', () => {
    const d = grade({ posts: 3, mainstreamMedia: true });
    expect(d.grade).toBe('larger');
    expect(d.reasons).toEqual([
      'mainstreamMedia: not 一般 (000 篇五 §五(三)1, 未有主流媒体介入); 重大 only if it may cause major impact (可能造成重大影响, 000 篇五 §五(三)3), a judgement for the assessment: computed 较大',
    ]);
    expect(grade({ reads: 100_000, mainstreamMedia: true }).grade).toBe('larger');
    expect(grade({ reads: 501, mainstreamMedia: true }, measures({ above: 'major' })).grade).toBe('major');
  });

  it('key subject fermenting fast is 重大; casualties or disrupted social order 特别重大; "different sites" is not counted (000 篇五 §五(三)2–4)', () => {
    expect(grade({ keySubject: true, rapidSpread: true })).toEqual({ grade: 'major', reasons: ['keySubject + rapidSpread: 重大 (000 篇五 §五(三)3, 重点领域…迅速发酵)'] });
    expect(grade({ keySubject: true }).grade).toBe('general');
    expect(grade({ rapidSpread: true }).grade).toBe('general');
    expect(grade({ casualties: 2, mainstreamMedia: true, reads: 300 })).toEqual({ grade: 'especiallyMajor', reasons: ['casualties 2 > 0: 特别重大 (000 篇五 §五(三)4, 人员伤亡)'] });
    expect(grade({ socialOrderDisrupted: true }).reasons).toEqual(['socialOrderDisrupted: 特别重大 (000 篇五 §五(三)4, 扰乱社会秩序)']);
    expect(grade({ posts: 10, sites: 40 }).grade).toBe('general');
    expect(grade({ posts: 10, sites: 40 }).reasons.join(' ')).not.toContain('sites');
  });

  it('the shipped examples under the measure bands: reads count (000 篇五 §五(三))', () => {
    // school-inquiry: 12 posts but 430 reads — 较大 by reads, where the old keys said 一般 by posts
    expect(grade({ posts: 12, reads: 430, comments: 5, sites: 1, mainstreamMedia: false })).toMatchObject({ grade: 'larger' });
    // default-major: mainstream media with 12,000 reads — 较大 computed; 重大 is the assessment's to set
    expect(grade({ posts: 85, reads: 12000, comments: 40, sites: 4, mainstreamMedia: true })).toMatchObject({ grade: 'larger' });
  });
});

describe('the grading block of a plan (000 篇五 §五(三))', () => {
  it('the shipped plans keep their old volume keys until the per-seed plan files replace them; they grade as before (000 篇五 §五(三))', () => {
    for (const [id, p] of Object.entries(plans)) expect(isVolumeGrading(p.grading!), id).toBe(true);
    expect(gradingBlock('county-office')).toMatch(/generalMaxVolume: 50/);
  });

  it('the old keys still parse, with their old checks; the parsed type tells the shapes apart', () => {
    const old = gradingSchema.parse({ generalMaxVolume: 50, largerMinVolume: 100, gapGrade: 'larger', majorMinVolume: 500, largerMinComments: 20 });
    expect(isVolumeGrading(old)).toBe(true);
    if (isVolumeGrading(old)) expect(old.gapGrade).toBe('larger');
    const neu = gradingSchema.parse(RULE_BOOK);
    expect(isVolumeGrading(neu)).toBe(false);
    if (!isVolumeGrading(neu)) expect(neu.between).toBe('larger');
    const issues = (g: unknown) => {
      const r = gradingSchema.safeParse(g);
      return r.success ? '' : formatIssues(r.error);
    };
    expect(issues({ generalMaxVolume: 50, largerMinVolume: 40, gapGrade: 'larger', largerMinComments: 20 })).toBe('largerMinVolume: must be greater than generalMaxVolume');
    expect(issues({ generalMaxVolume: 50, largerMinVolume: 100, gapGrade: 'larger', majorMinVolume: 90, largerMinComments: 20 })).toBe('majorMinVolume: must be greater than largerMinVolume');
  });

  it('the measure bands are checked: the order of the bands, unknown keys, a mix with the old keys', () => {
    const issues = (g: unknown) => {
      const r = planSchema.safeParse({ ...planInputOf(county), grading: g });
      return r.success ? '' : formatIssues(r.error);
    };
    expect(issues(RULE_BOOK)).toBe('');
    expect(issues({ ...RULE_BOOK, larger: { min: 50, max: 500 } })).toBe('grading.larger.min: must be greater than general.max (50)');
    expect(issues({ ...RULE_BOOK, larger: { min: 100, max: 90 } })).toBe('grading.larger.max: must not be less than larger.min (100)');
    expect(issues({ ...RULE_BOOK, measures: { reads: { larger: { min: 20, max: 500 } } } })).toBe('grading.measures.reads.larger.min: must be greater than general.max (50) for reads');
    expect(issues({ ...RULE_BOOK, above: 'especiallyMajor' })).toMatch(/^grading\.above: /);
    expect(issues({ ...RULE_BOOK, genral: { max: 50 } })).toMatch(/^grading: .*genral/);
    const { between: _between, ...noBetween } = RULE_BOOK;
    expect(issues(noBetween)).toMatch(/^grading\.between: /);
    expect(issues({ ...RULE_BOOK, gapGrade: 'larger' })).toBe('grading: mixes the old keys (gapGrade) with the measure bands (general, larger, between, above, mixed): use one or the other');
    // a plan in the old shape (no reportLines) needs its grading block; a major-only plan may have none
    expect(issues(undefined)).toMatch(/^grading: is required when the plan has no reportLines/);
    // a grading issue does not hide the plan's own cross-field checks: all come together, as before
    const noOffice = planInputOf(county) as { people: { roles: string[] }[] };
    noOffice.people = noOffice.people.filter((x) => !x.roles.includes('office'));
    const both = planSchema.safeParse({ ...noOffice, grading: { ...RULE_BOOK, larger: { min: 40, max: 500 } } });
    expect(both.success ? '' : formatIssues(both.error).split('\n')).toEqual(expect.arrayContaining([
      'grading.larger.min: must be greater than general.max (50)',
      'people: the plan needs at least one person with role "office"',
    ]));
    const oldBoth = planSchema.safeParse({ ...noOffice, grading: { generalMaxVolume: 50, largerMinVolume: 40, gapGrade: 'larger', largerMinComments: 20 } });
    expect(oldBoth.success ? '' : formatIssues(oldBoth.error).split('\n')).toEqual(expect.arrayContaining([
      'grading.largerMinVolume: must be greater than generalMaxVolume',
      'people: the plan needs at least one person with role "office"',
    ]));
  });
});

describe('old-shape plans grade exactly as before (replay of recorded histories, 000 篇五 §五(三))', () => {
  const OLD: VolumeGradingInput = { generalMaxVolume: 50, largerMinVolume: 100, gapGrade: 'general', largerMinComments: 20 };
  const old = withGrading(OLD);

  it.each([
    [{}, 'general', ['posts=0≤50']],
    [{ posts: 50 }, 'general', ['posts=50≤50']],
    [{ posts: 100 }, 'larger', ['posts=100≥100']],
    [{ posts: 500 }, 'larger', ['posts=500≥100']],
    [{ posts: 75 }, 'general', ['posts=75 between 50 and 100 (plan gapGrade)']],
    [{ posts: 10, comments: 20 }, 'larger', ['comments=20≥20']],
    [{ posts: 10, comments: 19 }, 'general', ['posts=10≤50']],
    [{ posts: 10, reads: 100_000 }, 'general', ['posts=10≤50']],
    [{ posts: 10, mainstreamMedia: true }, 'major', ['mainstreamMedia']],
    [{ keySubject: true, rapidSpread: true }, 'major', ['keySubject+rapidSpread']],
    [{ casualties: 1 }, 'especiallyMajor', ['casualties=1']],
    [{ socialOrderDisrupted: true, mainstreamMedia: true }, 'especiallyMajor', ['socialOrderDisrupted']],
  ] as [Metrics, Grade, string[]][])('old keys: %j grades %s with the old reasons (000 篇五 §五(三))', (m, g, reasons) => {
    expect(gradeFromMetrics(old, m)).toEqual({ grade: g, reasons });
  });

  it('old keys: majorMinVolume and gapGrade still decide (000 篇五 §五(三))', () => {
    const p = withGrading({ ...OLD, gapGrade: 'larger', majorMinVolume: 500 });
    expect(gradeFromMetrics(p, { posts: 500 })).toEqual({ grade: 'major', reasons: ['posts=500≥500'] });
    expect(gradeFromMetrics(p, { posts: 75 }).grade).toBe('larger');
  });

  // The recorded histories carry the plan as it was parsed then (old keys, never parsed again on replay).
  type JsonHistory = { events: Array<Record<string, any>> };
  const decode = (payload: { data: string }) => JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8'));
  const dir = path.join(ROOT, 'test', 'histories');
  const files = fs.readdirSync(dir).flatMap((v) => fs.readdirSync(path.join(dir, v)).filter((f) => f.endsWith('.json')).map((f) => `${v}/${f}`));

  it('every recorded history\'s plan in the old shape keeps the old keys; where the final grade came from the metrics, they grade it again the same (000 篇五 §五(三))', () => {
    expect(files.length).toBeGreaterThan(0);
    let regraded = 0;
    for (const file of files) {
      const h = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as JsonHistory;
      const input = decode(h.events[0].workflowExecutionStartedEventAttributes.input.payloads[0]) as { plan: Plan };
      // the per-seed plans (v3 and later histories: report lines) grade by the measure bands, or have no thresholds at all
      if (input.plan.reportLines) {
        expect(/^v[3-9]\//.test(file), file).toBe(true);
        if (input.plan.grading) expect(gradingSchema.parse(input.plan.grading), file).toEqual(input.plan.grading);
        continue;
      }
      expect(isVolumeGrading(input.plan.grading!), file).toBe(true);
      // parsing it again keeps it as it was
      expect(gradingSchema.parse(input.plan.grading), file).toEqual(input.plan.grading);
      const done = h.events.at(-1)!.workflowExecutionCompletedEventAttributes;
      if (!done) continue;
      const status = decode(done.result.payloads[0]) as { grade: Grade; gradeReasons: string[]; metrics: Metrics };
      if (!status.gradeReasons.every((r) => /^(posts|comments)=/.test(r))) continue; // set by a person
      expect(gradeFromMetrics(input.plan, status.metrics), file).toEqual({ grade: status.grade, reasons: status.gradeReasons });
      regraded += 1;
    }
    expect(regraded).toBeGreaterThanOrEqual(3);
  });
});

/** A parsed plan back as plan input (the parsed values are valid input). */
function planInputOf(p: Plan): Record<string, unknown> {
  return JSON.parse(JSON.stringify(p));
}
