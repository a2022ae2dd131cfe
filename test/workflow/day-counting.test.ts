import { describe, expect, it } from 'vitest';
import { calendarSlice, HOLIDAY_DATA_COVERS } from '../../src/plan/holidays';
import { localDate } from '../../src/plan/time-zone';
import { actionUpdates, statusQuery, workflowIdFor } from '../../src/workflows/incident.definitions';
import { incidentWorkflow } from '../../src/workflows/incident.workflow';
import { plan } from '../helpers/temporal';
import { HOUR, MIN, eventually, historyTypes, useHarness } from './harness';

/**
 * v2 on the time-skipping server: the start fixes the holiday data into the workflow input (as the client
 * module does), the patch marker is recorded, and the summary report's 三日内 (000 篇三 §四(五)) is counted by the
 * civil-law rule (民法典 §201, §203 by analogy) — ending at 24:00 of the third day, in the plan's time zone.
 */
const hx = useHarness('day-counting');
const SHANGHAI = 8 * HOUR;

describe('day limits counted with the incident\'s holiday data (v2)', () => {
  it('the summary report is due at 24:00 (Asia/Shanghai) of the last of three days after it subsided, or later past a rest period', async () => {
    const t0 = await hx.advanceToLocalHour(9);
    const county = plan('county-office');
    const id = 'days-summary';
    const calendar = calendarSlice(localDate('Asia/Shanghai', t0), HOLIDAY_DATA_COVERS.to);
    const h = await hx.env.client.workflow.start(incidentWorkflow, {
      workflowId: workflowIdFor(id), taskQueue: hx.taskQueue,
      args: [{ incident: { id, title: '按日计算的时限', discoveredAt: new Date(t0).toISOString(), discoveredBy: 'liu.bo', metrics: { posts: 20 } }, plan: county.plan, planHash: county.hash, calendar }],
    });
    try {
      await h.query(statusQuery);
      const u = (name: keyof typeof actionUpdates, payload: Record<string, unknown>) => h.executeUpdate(actionUpdates[name], { args: [payload] });
      await u('report', { by: 'liu.bo', to: 'office', mode: 'written' });
      await u('assess', { by: 'zhao.min' });
      await u('dispatch', { by: 'zhao.min', department: 'chen.lei' });
      await u('respond', { by: 'xu.fang', channel: 'weibo', text: '已关注', inNameOf: 'spokesperson' });
      await u('classify', { by: 'zhao.min', category: 'hype' });
      await u('publishFacts', { by: 'xu.fang', channel: 'website', text: '事实通报' });
      await u('assignTracker', { by: 'zhao.min', tracker: 'zhao.min' });
      await hx.sleepUntil(t0 + 30 * MIN);
      const s = await u('subside', { by: 'wang.jiazhi', reason: '平息' });
      const summary = s.obligations.find((o) => o.kind === 'summaryReport')!;
      const subsided = Date.parse(s.timeline.find((t) => t.action === 'subside')!.at);
      // the civil-law count, done independently here: three days after the subside day, weekends and holidays moving the last one
      const expected = expectedDue(subsided, 3, calendar);
      if (expected === 'missing') {
        expect(summary).toMatchObject({ dueAt: null, calendarMissing: expect.objectContaining({ year: expect.any(Number) }) });
      } else {
        expect(Date.parse(summary.dueAt!)).toBe(Math.floor(expected / 1000) * 1000); // the view shows it to the second
        expect(summary.dueAt!.endsWith('T23:59:59+08:00')).toBe(true);
      }
      const types = await historyTypes(h);
      expect(types).toContain('EVENT_TYPE_MARKER_RECORDED');
      await eventually(async () => expect((await hx.status(h)).stage).toBe('summaryEvaluation'));
    } finally {
      await h.terminate('test finished').catch(() => undefined);
    }
  });
});

/** 民法典 §201/§203 by analogy, counted independently of src/: returns the last millisecond of the last day. */
function expectedDue(trigger: number, days: number, cal: { covers: { from: string; to: string }; restDays: string[]; workdays: string[] }): number | 'missing' {
  const dayOf = (ms: number) => new Date(ms + SHANGHAI).toISOString().slice(0, 10);
  const next = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const rest = (d: string) => {
    if (cal.workdays.includes(d)) return false;
    if (cal.restDays.includes(d)) return true;
    const wd = new Date(`${d}T00:00:00Z`).getUTCDay();
    return wd === 0 || wd === 6;
  };
  let last = dayOf(trigger);
  for (let i = 0; i < days; i++) last = next(last);
  while (true) {
    if (last > cal.covers.to) return 'missing';
    if (!rest(last)) break;
    last = next(last);
  }
  return Date.parse(`${last}T00:00:00Z`) + 86_400_000 - SHANGHAI - 1;
}
