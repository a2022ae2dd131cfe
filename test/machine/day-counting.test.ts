import { describe, expect, it } from 'vitest';
import { calendarSlice } from '../../src/plan/holidays';
import { toStatus } from '../../src/machines/status';
import { formatIssues, planSchema } from '../../src/plan/plan.schema';
import { DAY, MIN, T0, act, assessed, effectsOf, makePlan, obligation, planInput, tracking, type Actions } from './fixtures';

/**
 * Day limits (1天内, 三日内) counted as the rule book's Counting says (v2): the civil-law rule for periods by
 * analogy (民法典 §201: the starting day is not counted; §203: the period ends at 24:00 of its last day, and a
 * last day that is a 法定休假日 moves to the day after the rest period), with the holiday data fixed into the
 * incident; a day the data does not cover is "calendar data missing", never guessed.
 */
const calendar = calendarSlice('2026-01-01', '2026-12-31');
const at = (iso: string) => Date.parse(iso);

function subsideAt(iso: string, o: { plan?: ReturnType<typeof makePlan>; rulesVersion?: number } = {}) {
  let s = tracking({ rulesVersion: o.rulesVersion ?? 2, calendar, ...(o.plan ? { plan: o.plan } : {}) });
  let actions: Actions;
  [s, actions] = act(s, 'subside', { by: 'off', reason: '平息' }, at(iso));
  const summary = s.context.obligations.find((x) => x.kind === 'summaryReport')!;
  return { s, actions, summary };
}

describe('day limits by the civil-law rule (民法典 §201, §203 by analogy; 000 篇三 §四(五) 三日内)', () => {
  it('三日内 from a Friday: Saturday, Sunday, Monday are counted; it ends at 24:00 of Monday, a working day', () => {
    const { summary } = subsideAt('2026-11-27T10:00:00+08:00');
    expect(summary.dueAt).toBe(at('2026-11-30T23:59:59.999+08:00'));
  });

  it('三日内 from 30 September: the last day (3 October) is inside the National Day holiday, so the day after the rest period (8 October) is the last day', () => {
    const { summary } = subsideAt('2026-09-30T10:00:00+08:00');
    expect(summary.dueAt).toBe(at('2026-10-08T23:59:59.999+08:00'));
  });

  it('v1 incidents keep counting 3 days round the clock (their histories replay unchanged)', () => {
    const { summary } = subsideAt('2026-09-30T10:00:00+08:00', { rulesVersion: 1 });
    expect(summary.dueAt).toBe(at('2026-09-30T10:00:00+08:00') + 3 * DAY);
  });

  it('a plan may count working days, and end the day when business stops (plan settings)', () => {
    const working = makePlan((p) => { p.dayCounting = { convention: 'workingDays' }; });
    expect(subsideAt('2026-11-27T10:00:00+08:00', { plan: working }).summary.dueAt).toBe(at('2026-12-02T23:59:59.999+08:00'));
    const office = makePlan((p) => { p.dayCounting = { convention: 'civilLaw', businessEndsAt: '17:30' }; });
    expect(subsideAt('2026-11-27T10:00:00+08:00', { plan: office }).summary.dueAt).toBe(at('2026-11-30T17:30:00+08:00'));
  });

  it('1天内 for the explanation (001 school plan §四(一)): the day after the dispatch, to 24:00 (v1: 24 h)', () => {
    // the fixture incident is general; dispatched on Monday 2026-03-02 at 09:30
    const dispatched = (rulesVersion: number) => {
      const [s] = act(assessed({ rulesVersion, calendar }), 'dispatch', { by: 'off', department: 'dep' }, T0 + 30 * MIN);
      return s.context.obligations.find((o) => o.kind === 'explanation')!;
    };
    expect(dispatched(2)).toMatchObject({ status: 'pending', anchorAt: T0 + 30 * MIN, dueAt: at('2026-03-03T23:59:59.999+08:00') });
    expect(dispatched(1).dueAt).toBe(T0 + 30 * MIN + DAY);
  });

  it('a last day the holiday data does not cover: no due time, the office is told "calendar data missing", never a refusal', () => {
    const { s, actions, summary } = subsideAt('2026-12-27T10:00:00+08:00');
    expect(summary).toMatchObject({ status: 'pending', dueAt: null, calendarMissing: { year: 2027, date: '2026-12-30' } });
    const notices = effectsOf(actions, 'notify').filter((n) => n.kind === 'calendarMissing');
    expect(notices.map((n) => [n.obligationId, n.roles])).toEqual([[summary.id, ['office', 'officeDirector']]]);
    expect(notices[0].noticeId).toBe(`inc-1/calendarMissing/${summary.id}/year=2027`);
    expect(toStatus(s.context).obligations.find((o) => o.id === summary.id)?.calendarMissing).toEqual({ year: 2027, date: '2026-12-30' });
    // the summary can still be made: the missing data never stands in a person's way
    const [closed] = act(s, 'submitSummary', { by: 'off', text: '总结报告' }, at('2026-12-28T10:00:00+08:00'));
    expect(closed.value).toBe('closed');
    expect(obligation(closed, summary.id).status).toBe('met');
  });

  it('a plan\'s counting setting is validated, naming the field and the reason', () => {
    const bad = makePlanInputWith({ convention: 'civilLaw', businessEndsAt: '25:00' });
    expect(bad.success).toBe(false);
    expect(bad.success ? '' : formatIssues(bad.error)).toContain('dayCounting.businessEndsAt: must be a local time "HH:MM"');
    const unknown = makePlanInputWith({ convention: 'lunar' });
    expect(unknown.success ? '' : formatIssues(unknown.error)).toContain('dayCounting.convention');
  });
});

function makePlanInputWith(dayCounting: unknown) {
  const input = planInput() as Record<string, unknown>;
  return planSchema.safeParse({ ...input, dayCounting });
}
