import { describe, expect, it } from 'vitest';
import { gradeFromMetrics, mergeMetrics } from '../../src/plan/grading';
import { refusals } from '../../src/machines/incident.rules';
import type { Metrics } from '../../src/plan/incident.schema';
import type { MeasureGradingInput, VolumeGradingInput } from '../../src/plan/plan.schema';
import {
  DAY, HOUR, MIN, T0, act, actionEvent, assessed, effectsOf, makePlan, metrics, obligation, obligationsOf, oid, plan, start,
} from './fixtures';

/** A variant of the fixture plan, which keeps the old volume keys (recorded plans grade as before). */
const legacy = (change: (g: VolumeGradingInput) => void) => makePlan((p) => change(p.grading as VolumeGradingInput));

describe('grading from metrics, a plan with the old volume keys: as before (000 篇五 §五(三))', () => {
  it.each([
    [{}, 'general'],
    [{ posts: 50 }, 'general'],
    [{ posts: 100 }, 'larger'],
    [{ posts: 500 }, 'larger'],
    [{ posts: 10, comments: 20 }, 'larger'],
    [{ posts: 10, comments: 19 }, 'general'],
    [{ posts: 10, mainstreamMedia: true }, 'major'],
    [{ keySubject: true, rapidSpread: true }, 'major'],
    [{ keySubject: true }, 'general'],
    [{ casualties: 1 }, 'especiallyMajor'],
    [{ socialOrderDisrupted: true, mainstreamMedia: true }, 'especiallyMajor'],
  ] as const)('metrics %j grade the incident %s at discovery (000 篇五 §五(三))', (m, grade) => {
    expect(gradeFromMetrics(plan, m).grade).toBe(grade);
    const [s] = start({ metrics: m });
    expect(s.context.grade).toBe(grade);
    expect(s.context.gradeSource).toBe('metrics');
    expect(s.context.gradeReasons.length).toBeGreaterThan(0);
  });

  it('the 50–100 gap the source leaves open is decided by the plan setting gapGrade (000 篇五 §五(三))', () => {
    const asGeneral = legacy((g) => { g.gapGrade = 'general'; });
    const asLarger = legacy((g) => { g.gapGrade = 'larger'; });
    for (const posts of [51, 75, 99]) {
      expect(start({ plan: asGeneral, metrics: { posts } })[0].context.grade).toBe('general');
      const [s] = start({ plan: asLarger, metrics: { posts } });
      expect(s.context.grade).toBe('larger');
      expect(s.context.gradeReasons[0]).toContain('gapGrade');
    }
    // the edges are not in the gap
    expect(start({ plan: asLarger, metrics: { posts: 50 } })[0].context.grade).toBe('general');
    expect(start({ plan: asGeneral, metrics: { posts: 100 } })[0].context.grade).toBe('larger');
  });

  it('"tens of comments" make an incident larger from the plan threshold largerMinComments (000 篇五 §五(三))', () => {
    const [s] = start({ metrics: { posts: 5, comments: 20 } });
    expect(s.context.grade).toBe('larger');
    expect(s.context.gradeReasons).toEqual(['comments=20≥20']);
    const strict = legacy((g) => { g.largerMinComments = 40; });
    expect(start({ plan: strict, metrics: { posts: 5, comments: 20 } })[0].context.grade).toBe('general');
  });

  it('mainstream media (TV, newspapers) reporting makes it major whatever the volume (000 篇五 §五(三))', () => {
    const [s] = start({ metrics: { posts: 3, mainstreamMedia: true } });
    expect(s.context.grade).toBe('major');
    expect(s.context.gradeReasons).toEqual(['mainstreamMedia']);
  });

  it('casualties make it especially major, above every other reason (000 篇五 §五(三))', () => {
    const [s] = start({ metrics: { posts: 3000, mainstreamMedia: true, casualties: 2 } });
    expect(s.context.grade).toBe('especiallyMajor');
    expect(s.context.gradeReasons).toEqual(['casualties=2']);
  });

  it('a plan may set a volume from which an incident is major without media (majorMinVolume) (000 篇五 §五(三))', () => {
    const p = legacy((g) => { g.majorMinVolume = 501; });
    expect(start({ plan: p, metrics: { posts: 500 } })[0].context.grade).toBe('larger');
    expect(start({ plan: p, metrics: { posts: 501 } })[0].context.grade).toBe('major');
  });

  it('a new reading replaces the fields it names and keeps the rest (grading is redone on new metrics, 000 篇五 §五(三))', () => {
    expect(mergeMetrics({ posts: 10, comments: 30 }, { posts: 60, comments: undefined })).toEqual({ posts: 60, comments: 30 });
    let [s] = start({ metrics: { posts: 10 } });
    [s] = metrics(s, { comments: 25 }, T0 + 30 * MIN);
    expect(s.context.metrics).toEqual({ posts: 10, comments: 25 });
    expect(s.context.grade).toBe('larger');
  });

  it('metrics only escalate: a lower reading leaves the grade (lowering is a person\'s decision) (000 篇五 §五(三))', () => {
    let [s] = start({ metrics: { posts: 150 } });
    expect(s.context.grade).toBe('larger');
    const before = s.context.obligations;
    let actions;
    [s, actions] = metrics(s, { posts: 10 }, T0 + HOUR);
    expect(s.context.grade).toBe('larger');
    expect(s.context.metrics.posts).toBe(10);
    expect(s.context.obligations).toEqual(before);
    expect(effectsOf(actions, 'scheduleDeadline')).toEqual([]);
    expect(effectsOf(actions, 'notify')).toEqual([]);
    // the reading is still on the timeline
    expect(s.context.timeline.at(-1)).toMatchObject({ action: 'metrics', at: T0 + HOUR });
  });

  it('a general incident that expands is escalated and handled by the major process (001 school plan §四(一))', () => {
    let s = assessed();
    [s] = act(s, 'dispatch', { by: 'off', department: 'dep' }, T0 + 30 * MIN);
    expect(s.context.grade).toBe('general');
    const explanation = oid('explanation', T0 + 30 * MIN);
    expect(obligation(s, explanation).status).toBe('pending');
    let actions;
    [s, actions] = metrics(s, { posts: 80, mainstreamMedia: true }, T0 + 2 * HOUR);
    expect(s.value).toBe('rapidResponse');
    expect(s.context.grade).toBe('major');
    expect(s.context.gradeSource).toBe('metrics');
    // the major process: first news release within 24 h; the general-only explanation no longer applies
    expect(obligation(s, 'firstRelease')).toMatchObject({ status: 'pending', dueAt: T0 + 24 * HOUR });
    expect(obligation(s, explanation)).toMatchObject({ status: 'waived', waivedAt: T0 + 2 * HOUR, waivedReason: 'not required for grade major' });
    expect(effectsOf(actions, 'scheduleDeadline').map((e) => [e.obligationId, e.dueAt])).toEqual([['firstRelease', T0 + 24 * HOUR]]);
    expect(effectsOf(actions, 'cancelDeadline')).toEqual([{ obligationId: explanation }]);
    // notices still queued about the waived explanation are withdrawn
    expect(effectsOf(actions, 'settleNotices')).toEqual([{ incidentId: 'inc-1', obligationId: explanation, reason: 'waived' }]);
    // the chain up to the principal leader hears of the escalation (逐级报告)
    const escalation = effectsOf(actions, 'notify').find((n) => n.kind === 'regrade')!;
    expect(escalation).toMatchObject({
      noticeId: 'inc-1/regrade/general->major/at=20260302T030000.000Z', about: 'general->major', trigger: 'at=20260302T030000.000Z',
      facts: { from: 'general', to: 'major', reason: 'mainstreamMedia' },
    });
    expect(escalation.recipients.map((r) => r.role)).toEqual(['office', 'officeDirector', 'leaderInCharge', 'principalLeader']);
    expect(s.context.timeline.some((t) => t.action === 'regrade' && t.details.startsWith('general → major'))).toBe(true);
  });

  it('regrading by hand upwards moves the first report from 12 h to 1 h and creates the first release (000 篇五 §五(二), §四(一)1)', () => {
    let [s, actions] = start();
    expect(effectsOf(actions, 'scheduleDeadline').find((e) => e.obligationId === 'firstReport')!.dueAt).toBe(T0 + 12 * HOUR);
    [s, actions] = act(s, 'regrade', { by: 'dir', grade: 'especiallyMajor', reason: '出现人员伤亡' }, T0 + 20 * MIN);
    expect(s.context.grade).toBe('especiallyMajor');
    expect(s.context.gradeSource).toBe('manual');
    expect(s.context.gradeReasons).toEqual(['出现人员伤亡']);
    expect(obligation(s, 'firstReport').dueAt).toBe(T0 + HOUR);
    expect(obligation(s, 'firstRelease').dueAt).toBe(T0 + DAY);
    const scheduled = Object.fromEntries(effectsOf(actions, 'scheduleDeadline').map((e) => [e.obligationId, e.dueAt]));
    expect(scheduled).toEqual({ firstReport: T0 + HOUR, firstRelease: T0 + DAY });
    // the owner is told of the new, earlier due time
    expect(effectsOf(actions, 'notify').filter((n) => n.kind === 'assigned').map((n) => n.noticeId)).toEqual([
      'inc-1/assigned/firstReport/due=20260302T020000.000Z,set=20260302T012000.000Z',
      'inc-1/assigned/firstRelease/due=20260303T010000.000Z,set=20260302T012000.000Z',
    ]);
  });

  it('regrading by hand downwards waives the first release and relaxes the first report (000 篇五 §五(二), §四(一)1)', () => {
    let [s, actions] = start({ metrics: { mainstreamMedia: true } });
    expect(obligation(s, 'firstRelease').dueAt).toBe(T0 + DAY);
    expect(obligation(s, 'firstReport').dueAt).toBe(T0 + 2 * HOUR);
    [s, actions] = act(s, 'regrade', { by: 'lic', grade: 'larger', reason: '媒体报道系误传' }, T0 + 30 * MIN);
    expect(s.context.grade).toBe('larger');
    expect(obligation(s, 'firstRelease').status).toBe('waived');
    expect(obligation(s, 'firstReport')).toMatchObject({ status: 'pending', dueAt: T0 + 4 * HOUR });
    expect(effectsOf(actions, 'cancelDeadline')).toEqual([{ obligationId: 'firstRelease' }]);
    expect(effectsOf(actions, 'scheduleDeadline').map((e) => [e.obligationId, e.dueAt])).toEqual([['firstReport', T0 + 4 * HOUR]]);
    // a waived obligation is not an accountability outcome
    expect(effectsOf(actions, 'recordOutcome')).toEqual([]);
    // major needs the principal leader told; larger does not
    expect(effectsOf(actions, 'notify').find((n) => n.kind === 'regrade')!.recipients.map((r) => r.role))
      .toEqual(['office', 'officeDirector', 'leaderInCharge']);
  });

  it('regrading recomputes only unmet obligations: a first report already made stays met (000 篇五 §五(二))', () => {
    let s = assessed();
    expect(obligation(s, 'firstReport').status).toBe('met');
    let actions;
    [s, actions] = act(s, 'regrade', { by: 'dir', grade: 'especiallyMajor', reason: '伤亡' }, T0 + 30 * MIN);
    expect(obligation(s, 'firstReport')).toMatchObject({ status: 'met', dueAt: T0 + 12 * HOUR });
    expect(effectsOf(actions, 'scheduleDeadline').map((e) => e.obligationId)).toEqual(['firstRelease']);
    // the general-only dispatch waits no more
    expect(obligation(s, oid('dispatch', T0 + 20 * MIN)).status).toBe('waived');
  });

  it('a grade that comes back brings its obligations back: major → larger → major owes the first release again (000 篇五 §四(一)1)', () => {
    let [s] = start({ metrics: { mainstreamMedia: true } });
    [s] = act(s, 'regrade', { by: 'lic', grade: 'larger', reason: '误传' }, T0 + 10 * MIN);
    expect(obligation(s, 'firstRelease').status).toBe('waived');
    let actions;
    [s, actions] = act(s, 'regrade', { by: 'lic', grade: 'major', reason: '央视报道' }, T0 + 20 * MIN);
    expect(obligationsOf(s, 'firstRelease').map((o) => [o.id, o.status, o.dueAt])).toEqual([
      ['firstRelease', 'waived', T0 + DAY],
      // anchored at discovery like the first: the creating step's recording time tells them apart
      ['firstRelease/recorded@20260302T012000.000Z', 'pending', T0 + DAY],
    ]);
    expect(effectsOf(actions, 'scheduleDeadline').map((e) => e.obligationId)).toContain('firstRelease/recorded@20260302T012000.000Z');
    // and a release meets the new one
    [s] = act(s, 'regrade', { by: 'lic', grade: 'especiallyMajor', reason: '伤亡' }, T0 + 30 * MIN);
    expect(obligationsOf(s, 'firstRelease').map((o) => o.status)).toEqual(['waived', 'pending']);
  });

  it('general → major → general owes the dispatch again, still 2 h from the assessment (001 school plan §四(一))', () => {
    let s = assessed({ assessAt: T0 + 20 * MIN });
    [s] = act(s, 'regrade', { by: 'dir', grade: 'major', reason: '扩散' }, T0 + 30 * MIN);
    const first = oid('dispatch', T0 + 20 * MIN);
    expect(obligation(s, first).status).toBe('waived');
    [s] = act(s, 'regrade', { by: 'dir', grade: 'general', reason: '降温' }, T0 + 40 * MIN);
    const again = `${first}/recorded@20260302T014000.000Z`;
    expect(obligation(s, again)).toMatchObject({ status: 'pending', anchorAt: T0 + 20 * MIN, dueAt: T0 + 140 * MIN });
    [s] = act(s, 'dispatch', { by: 'off', department: 'dep' }, T0 + HOUR);
    expect(obligation(s, again).status).toBe('met');
    expect(obligation(s, oid('explanation', T0 + HOUR)).dueAt).toBe(T0 + HOUR + DAY);
  });

  it('regrading to the same grade, or by a role the plan does not allow, is refused (000 篇五 §五(三))', () => {
    const [s] = start({ metrics: { posts: 150 } });
    const same = actionEvent('regrade', { by: 'dir', grade: 'larger', reason: 'x' }, T0 + MIN);
    expect(refusals(s.context, same)).toEqual(['grade: the incident is already larger']);
    expect(s.can(same)).toBe(false);
    const byMonitor = actionEvent('regrade', { by: 'mon', grade: 'major', reason: 'x' }, T0 + MIN);
    expect(refusals(s.context, byMonitor)[0]).toMatch(/needs one of: officeDirector .*leaderInCharge .*principalLeader .*leadingGroup/);
    expect(s.can(byMonitor)).toBe(false);
  });

  it('an assessment may set the grade by hand, which re-times the grade obligations (000 篇一 §四(一))', () => {
    const s = assessed({ grade: 'major' });
    expect(s.context.grade).toBe('major');
    expect(s.context.gradeSource).toBe('manual');
    expect(obligation(s, 'firstRelease').dueAt).toBe(T0 + DAY);
    expect(obligationsOf(s, 'dispatch')).toEqual([]);
  });
});

describe('grading by every measure: a plan with the measure bands (000 篇五 §五(三))', () => {
  /** The rule book's bands: 一般 均在50, 较大 均在100-500 (both included); the rest plan settings. */
  const bands = (over: Partial<MeasureGradingInput> = {}) =>
    makePlan((p) => {
      p.grading = { general: { max: 50 }, larger: { min: 100, max: 500 }, between: 'larger', above: 'larger', mixed: 'highest', ...over };
    });
  const county = bands();
  const grade = (m: Metrics, p = county) => {
    const [s] = start({ plan: p, metrics: m });
    expect(s.context.gradeSource).toBe('metrics');
    return s.context;
  };

  it('10 posts with 100,000 reads is not 一般: reads count, not only posts (000 篇五 §五(三)1 均在50)', () => {
    const c = grade({ posts: 10, reads: 100_000 });
    expect(c.grade).toBe('larger');
    expect(c.gradeReasons[0]).toMatch(/^reads 100000 > 50: not 一般 \(000 篇五 §五\(三\)1\)/);
    // the fixture's old keys graded it by posts alone
    expect(start({ metrics: { posts: 10, reads: 100_000 } })[0].context.grade).toBe('general');
  });

  it('every measure within 50 is 一般, each named in the reasons (000 篇五 §五(三)1)', () => {
    const c = grade({ posts: 50, reads: 50, comments: 50 });
    expect(c.grade).toBe('general');
    expect(c.gradeReasons).toEqual([
      'posts 50 ≤ 50: within 一般 (000 篇五 §五(三)1)',
      'reads 50 ≤ 50: within 一般 (000 篇五 §五(三)1)',
      'comments 50 ≤ 50: within 一般 (000 篇五 §五(三)1)',
    ]);
  });

  it('500 belongs to 较大 (均在100-500, 000 篇五 §五(三)2); 501 follows the plan setting above', () => {
    for (const k of ['posts', 'reads', 'comments'] as const) {
      const c = grade({ [k]: 500 });
      expect(c.grade, k).toBe('larger');
      expect(c.gradeReasons, k).toEqual([`${k} 500 > 50: not 一般 (000 篇五 §五(三)1); in 100–500: 较大 (000 篇五 §五(三)2)`]);
      expect(grade({ [k]: 501 }).grade, k).toBe('larger');
      const high = grade({ [k]: 501 }, bands({ above: 'major' }));
      expect(high.grade, k).toBe('major');
      expect(high.gradeReasons[0], k).toContain(`${k} 501 > 50: not 一般 (000 篇五 §五(三)1); > 500, above 较大's 100–500 (000 篇五 §五(三)2), the seed is silent: plan above → 重大`);
    }
  });

  it('51–99 follows the plan setting between; 50 and 100 are not in the gap (000 篇五 §五(三))', () => {
    const asGeneral = bands({ between: 'general' });
    for (const v of [51, 75, 99]) {
      expect(grade({ reads: v }).grade).toBe('larger');
      expect(grade({ reads: v }).gradeReasons[0]).toContain('plan between → 较大');
      expect(grade({ reads: v }, asGeneral).grade).toBe('general');
    }
    expect(grade({ comments: 50 }).grade).toBe('general');
    expect(grade({ comments: 100 }, asGeneral).grade).toBe('larger');
  });

  it('measures in different bands take the highest band any reaches (plan mixed: highest; 000 篇五 §五(三))', () => {
    const c = grade({ posts: 10, reads: 75, comments: 300 }, bands({ between: 'general' }));
    expect(c.grade).toBe('larger');
    expect(c.gradeReasons).toEqual([
      'comments 300 > 50: not 一般 (000 篇五 §五(三)1); in 100–500: 较大 (000 篇五 §五(三)2)',
      'measures in different bands (posts 一般, reads 一般, comments 较大): the highest taken, plan mixed: highest (the seed is silent)',
    ]);
    expect(grade({ posts: 600, reads: 10 }, bands({ above: 'major' })).grade).toBe('major');
  });

  it('mainstream media alone computes 较大, not 重大 (可能造成重大影响 is the assessment\'s judgement); sites are never counted (000 篇五 §五(三))', () => {
    const c = grade({ posts: 3, mainstreamMedia: true });
    expect(c.grade).toBe('larger');
    expect(c.gradeReasons[0]).toMatch(/^mainstreamMedia: not 一般 .*可能造成重大影响/);
    expect(grade({ posts: 3, sites: 12 }).grade).toBe('general');
    expect(grade({ keySubject: true, rapidSpread: true, mainstreamMedia: true }).grade).toBe('major');
    expect(grade({ casualties: 1, reads: 10 }).grade).toBe('especiallyMajor');
    // an assessment may make it 重大 (000 篇五 §五(二)): the grade a person sets governs
    const s = assessed({ plan: county, metrics: { mainstreamMedia: true }, grade: 'major' });
    expect(s.context.grade).toBe('major');
  });

  it('a new reading of another measure raises the grade, naming the measure (000 篇五 §五(三))', () => {
    let [s] = start({ plan: county, metrics: { posts: 10 } });
    expect(s.context.grade).toBe('general');
    [s] = metrics(s, { reads: 100_000 }, T0 + 30 * MIN);
    expect(s.context.grade).toBe('larger');
    expect(s.context.gradeReasons[0]).toContain('reads 100000 > 50: not 一般 (000 篇五 §五(三)1)');
    expect(s.context.timeline.find((t) => t.action === 'regrade')?.details).toMatch(/^general → larger: reads 100000 > 50/);
  });
});
