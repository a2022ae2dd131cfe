import { describe, expect, it } from 'vitest';
import { actionUpdates, metricsSignal, SA } from '../../src/workflows/incident.definitions';
import { DAY, HOUR, MIN, eventually, iso, linesOf, obligation, rowsFor, useHarness, type IncidentHandle } from './harness';

/**
 * Grading on the workflow (000 篇五 §五(三)): new metrics arrive as a signal and may raise the grade,
 * which re-times the grade's deadlines; a person may lower it. The search attributes follow.
 */
const hx = useHarness('grading');
const persons = (rows: { personId: string; role: string }[]) => rows.map((r) => `${r.personId}:${r.role}`).sort();

describe('county office: regrading re-times the grade deadlines', () => {
  it('mainstream media (metrics signal) makes a general incident major: first report due in 2h, first release in 24h; a manual regrade down waives the release', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'county-office', id: 'cty-regrade', by: 'liu.bo', metrics: { posts: 10 } });
    const s0 = await hx.status(h);
    expect(s0.grade).toBe('general');
    expect(obligation(s0, 'firstReport').dueAt).toBe(iso(t0 + DAY)); // plan: general "as appropriate" = 1d
    expect(s0.obligations.map((o) => o.kind)).not.toContain('firstRelease');

    // A malformed reading is ignored: signals cannot be refused, and it changes nothing.
    await h.signal(metricsSignal, { metrics: { posts: -3 } });
    await hx.quiescent(h);
    expect(await hx.status(h)).toEqual(s0);

    await hx.sleepUntil(t0 + 30 * MIN);
    await h.signal(metricsSignal, { by: 'liu.bo', metrics: { mainstreamMedia: true } });
    const major = await eventually(async () => {
      const s = await hx.status(h);
      expect(s.grade).toBe('major');
      return s;
    });
    expect(major.gradeReasons).toEqual(['mainstreamMedia']);
    expect(major.metrics).toEqual({ posts: 10, mainstreamMedia: true });
    expect(obligation(major, 'firstReport')).toMatchObject({ status: 'pending', dueAt: iso(t0 + 2 * HOUR) }); // 000 篇五 §五(二)
    expect(obligation(major, 'firstRelease')).toMatchObject({ status: 'pending', dueAt: iso(t0 + 24 * HOUR), owner: { personId: 'xu.fang', role: 'spokesperson' } }); // 000 篇五 §四(一)1
    expect(obligation(major, 'publicResponse').dueAt).toBe(iso(t0 + 3 * HOUR));
    expect(major.timeline.find((e) => e.action === 'regrade')?.details).toBe('general → major: mainstreamMedia');

    const notices = await eventually(async () => {
      const rows = await hx.outbox(id);
      const regrade = rows.filter((r) => r.notificationId.startsWith('regrade-'));
      expect(regrade).toHaveLength(4);
      expect(rowsFor(rows, 'firstReport', 'assigned').map((r) => r.notificationId)).toContain(`firstReport/assigned/${t0 + 2 * HOUR}`);
      expect(rowsFor(rows, 'firstRelease', 'assigned').map((r) => r.personId)).toEqual(['xu.fang']);
      return regrade;
    });
    // Major: the office, its director, the leader in charge and the principal leader are told.
    expect(persons(notices)).toEqual(['li.guoqiang:leaderInCharge', 'wang.jiazhi:officeDirector', 'zhang.weidong:principalLeader', 'zhao.min:office']);
    expect(notices[0].subject).toContain('舆情升级：一般 → 重大');

    // The re-timed first report runs out at 2h, not at 1d.
    await hx.sleepUntil(t0 + 2 * HOUR + MIN);
    const overdue = await eventually(async () => {
      const rows = rowsFor(await hx.outbox(id), 'firstReport', 'overdue');
      expect(rows).toHaveLength(3);
      return rows;
    });
    expect(overdue[0].notificationId).toBe(`firstReport/overdue/${t0 + 2 * HOUR}`);

    // The leader in charge lowers it back: the release is waived and the first report is due in 1d again.
    await hx.sleepUntil(t0 + 2 * HOUR + 30 * MIN);
    const lowered = await h.executeUpdate(actionUpdates.regrade, { args: [{ by: 'li.guoqiang', grade: 'general', reason: '媒体报道已更正，影响有限' }] });
    expect(lowered.grade).toBe('general');
    expect(obligation(lowered, 'firstRelease').status).toBe('waived');
    expect(obligation(lowered, 'firstReport')).toMatchObject({ status: 'pending', overdue: false, dueAt: iso(t0 + DAY) });
    expect(lowered.overdueCount).toBe(0);
    const down = await eventually(async () => {
      const rows = (await hx.outbox(id)).filter((r) => r.notificationId.startsWith('regrade-') && !notices.some((n) => n.id === r.id));
      expect(rows).toHaveLength(3);
      return rows;
    });
    // General: no principal leader; and the notice says the grade went down.
    expect(persons(down)).toEqual(['li.guoqiang:leaderInCharge', 'wang.jiazhi:officeDirector', 'zhao.min:office']);
    expect(down[0].subject).toContain('重大 → 一般');
    expect(down[0].subject).not.toContain('升级');
    // The monitor was last told "by 11:00"; the deadline is back at 09:00 tomorrow and they are told again.
    const reassigned = await eventually(async () => {
      const rows = rowsFor(await hx.outbox(id), 'firstReport', 'assigned');
      expect(rows.map((r) => r.notificationId)).toEqual([
        `firstReport/assigned/${t0 + DAY}`, `firstReport/assigned/${t0 + 2 * HOUR}`, `firstReport/assigned/${t0 + DAY}/2`,
      ]);
      return rows;
    });
    expect(reassigned.map((r) => r.personId)).toEqual(['liu.bo', 'liu.bo', 'liu.bo']);
    expect(reassigned[2].subject).toBe(reassigned[0].subject);
    expect(linesOf(hx.lines, id).filter((l) => l.includes('→ 刘波(monitor) via log: 【某县舆情应急处置领导小组办公室】待办：首报'))).toHaveLength(3);

    // A day on: the first report runs out at 1d; the waived release never does.
    await hx.sleepUntil(t0 + DAY + 30 * MIN);
    await eventually(async () => {
      const rows = rowsFor(await hx.outbox(id), 'firstReport', 'overdue');
      expect(new Set(rows.map((r) => r.notificationId))).toEqual(new Set([`firstReport/overdue/${t0 + 2 * HOUR}`, `firstReport/overdue/${t0 + DAY}/2`]));
    });
    await hx.quiescent(h);
    const outbox = await hx.outbox(id);
    expect(rowsFor(outbox, 'firstRelease', 'overdue')).toEqual([]);
    expect(rowsFor(outbox, 'firstRelease', 'reminder')).toEqual([]);
    expect(await hx.outcomes(id)).toEqual([]);
  });

  it('metrics never lower a grade; a reading that does not raise it only joins the timeline', async () => {
    const { h, t0 } = await hx.start({ planId: 'county-office', id: 'cty-steady', by: 'liu.bo', metrics: { posts: 600 } });
    const s0 = await hx.status(h);
    expect(s0.grade).toBe('major'); // plan: majorMinVolume 500
    await hx.sleepUntil(t0 + 10 * MIN);
    await h.signal(metricsSignal, { by: 'liu.bo', metrics: { posts: 20 } });
    const s1 = await eventually(async () => {
      const s = await hx.status(h);
      expect(s.timeline.at(-1)?.action).toBe('metrics');
      return s;
    });
    expect(s1.grade).toBe('major');
    expect(s1.metrics).toEqual({ posts: 20 });
    expect(s1.obligations).toEqual(s0.obligations);
  });
});

describe('school: a rise in grade while tracking reopens handling (000 篇一 §四(四); 001 school plan §四(一))', () => {
  it('mainstream media during dynamic tracking sends the incident back to categorized handling, owing a first release', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'school', id: 'sch-reopen', by: 'zheng.hao', metrics: { posts: 8 } });
    await h.executeUpdate(actionUpdates.report, { args: [{ by: 'zheng.hao', to: 'office', mode: 'written' }] });
    await hx.sleepUntil(t0 + 30 * MIN);
    await h.executeUpdate(actionUpdates.assess, { args: [{ by: 'liu.yang' }] });
    await h.executeUpdate(actionUpdates.dispatch, { args: [{ by: 'liu.yang', department: 'li.ming' }] });
    await h.executeUpdate(actionUpdates.classify, { args: [{ by: 'liu.yang', category: 'constructive' }] });
    await h.executeUpdate(actionUpdates.adopt, { args: [{ by: 'li.ming', text: '建议已采纳，食堂延长开放时间' }] });
    await h.executeUpdate(actionUpdates.respond, { args: [{ by: 'gao.yan', channel: 'wechat', inNameOf: 'unit', text: '感谢建议，已采纳' }] });
    const tracking = await h.executeUpdate(actionUpdates.assignTracker, { args: [{ by: 'liu.yang', tracker: 'liu.yang' }] });
    expect(tracking.stage).toBe('dynamicTracking');

    // A reading dated in the future is ignored.
    const now = await hx.now();
    await h.signal(metricsSignal, { by: 'zheng.hao', at: iso(now + HOUR), metrics: { mainstreamMedia: true } });
    await hx.quiescent(h);
    expect(await hx.status(h)).toEqual(tracking);

    await hx.sleepUntil(t0 + 2 * HOUR);
    await h.signal(metricsSignal, { by: 'zheng.hao', metrics: { mainstreamMedia: true } });
    const reopened = await eventually(async () => {
      const s = await hx.status(h);
      expect(s.stage).toBe('categorizedHandling');
      return s;
    });
    expect(reopened.grade).toBe('major');
    expect(obligation(reopened, 'firstRelease')).toMatchObject({ status: 'pending', dueAt: iso(t0 + 24 * HOUR), owner: { personId: 'gao.yan' } });
    expect(reopened.timeline.filter((e) => e.action === 'stage').at(-1)?.details).toContain('动态跟踪 → 分类处置');
    await eventually(async () => {
      const sa = (await h.describe()).typedSearchAttributes;
      expect([sa.get(SA.stage), sa.get(SA.grade), sa.get(SA.nextDeadlineAt)?.toISOString()]).toEqual(['categorizedHandling', 'major', obligation(reopened, 'followUp').dueAt]);
    });
    const notices = await eventually(async () => {
      const rows = (await hx.outbox(id)).filter((r) => r.notificationId.startsWith('regrade-'));
      expect(rows).toHaveLength(5);
      return rows;
    });
    expect(persons(notices)).toEqual(['chen.jing:leaderInCharge', 'liu.yang:office', 'ma.jun:officeDirector', 'sun.li:office', 'zhang.jianhua:principalLeader']);
    // Handling is already done for a constructive incident: tracking may start again.
    const again = await h.executeUpdate(actionUpdates.assignTracker, { args: [{ by: 'liu.yang', tracker: 'liu.yang' }] });
    expect(again.stage).toBe('dynamicTracking');
  });
});

describe('search attributes', () => {
  const attrs = async (h: IncidentHandle) => {
    const sa = (await h.describe()).typedSearchAttributes;
    return {
      stage: sa.get(SA.stage), grade: sa.get(SA.grade), category: sa.get(SA.category), unit: sa.get(SA.unit),
      overdue: sa.get(SA.overdueCount), next: sa.get(SA.nextDeadlineAt)?.toISOString(),
    };
  };

  it('IncidentStage, IncidentGrade, IncidentCategory, IncidentUnit, OverdueCount and NextDeadlineAt follow the incident', async () => {
    const { h, t0 } = await hx.start({ planId: 'county-office', id: 'cty-sa', by: 'liu.bo', metrics: { casualties: 1 } });
    await eventually(async () => expect(await attrs(h)).toEqual({
      stage: 'researchAndWarning', grade: 'especiallyMajor', category: undefined, unit: 'county-office', overdue: 0, next: iso(t0 + HOUR),
    }));

    // The first report runs out: one overdue, the next deadline is the public response at 3h.
    await hx.sleepUntil(t0 + HOUR + MIN);
    await eventually(async () => expect(await attrs(h)).toMatchObject({ overdue: 1, next: iso(t0 + 3 * HOUR) }));

    await h.executeUpdate(actionUpdates.report, { args: [{ by: 'liu.bo', to: 'office', mode: 'written' }] });
    await eventually(async () => expect(await attrs(h)).toMatchObject({ stage: 'researchAndWarning', overdue: 0 }));

    await hx.sleepUntil(t0 + 2 * HOUR);
    await h.executeUpdate(actionUpdates.assess, { args: [{ by: 'zhao.min', at: iso(t0 + 2 * HOUR) }] });
    await eventually(async () => expect(await attrs(h)).toMatchObject({ stage: 'rapidResponse', next: iso(t0 + 3 * HOUR) }));
    await h.executeUpdate(actionUpdates.classify, { args: [{ by: 'zhao.min', category: 'fabrication' }] });
    await eventually(async () => expect(await attrs(h)).toMatchObject({ stage: 'categorizedHandling', category: 'fabrication' }));
    await h.executeUpdate(actionUpdates.publishFacts, { args: [{ by: 'xu.fang', channel: 'website', text: '澄清' }] });
    // Public response met at 2h: the next deadline is the county's 2-hourly follow-up, due 2h after the assessment.
    const s = await hx.status(h);
    await eventually(async () => expect(await attrs(h)).toMatchObject({ next: iso(t0 + 4 * HOUR), overdue: 0 }));
    expect(s.nextDeadlineAt).toBe(iso(t0 + 4 * HOUR));

    await h.executeUpdate(actionUpdates.regrade, { args: [{ by: 'zhang.weidong', grade: 'major', reason: '伤亡核实为零，按重大处置' }] });
    await eventually(async () => expect(await attrs(h)).toMatchObject({ grade: 'major', stage: 'categorizedHandling' }));

    await h.executeUpdate(actionUpdates.refer, { args: [{ by: 'zhao.min', to: 'police', reason: '造谣' }] });
    await h.executeUpdate(actionUpdates.assignTracker, { args: [{ by: 'zhao.min', tracker: 'zhao.min' }] });
    await h.executeUpdate(actionUpdates.subside, { args: [{ by: 'zhao.min', reason: '平息' }] });
    const summaryDue = Date.parse(obligation(await hx.status(h), 'summaryReport').dueAt!);
    await eventually(async () => expect(await attrs(h)).toMatchObject({ stage: 'summaryEvaluation', next: iso(summaryDue) }));
    await h.executeUpdate(actionUpdates.submitSummary, { args: [{ by: 'zhao.min', text: '总结' }] });
    await h.result();
    expect(await attrs(h)).toEqual({
      stage: 'closed', grade: 'major', category: 'fabrication', unit: 'county-office', overdue: 0, next: undefined,
    });
  });
});
