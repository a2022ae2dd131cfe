import { describe, expect, it } from 'vitest';
import { actionUpdates, metricsSignal, SA } from '../../src/workflows/incident.definitions';
import type { NoticeRow } from '../../src/activities/ledger';
import { DAY, HOUR, MIN, eventually, iso, linesOf, noticesFor, obligation, persons, useHarness, type IncidentHandle } from './harness';

/**
 * Grading on the workflow (000 篇五 §五(三)): new metrics arrive as a signal and may raise the grade,
 * which re-times the grade's deadlines; a person may lower it. The search attributes follow.
 */
const hx = useHarness('grading');

// ── written independently of src/ ──
/** The status's times: ISO in Asia/Shanghai with its offset, to the second. */
const local = (ms: number) => `${new Date(Math.floor(ms / 1000) * 1000 + 8 * HOUR).toISOString().slice(0, 19)}+08:00`;
/** The compact UTC instant in v1 ids. */
const idt = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '');
/** A time as a notice shows it. */
const clock = (ms: number) => `${new Date(ms + 8 * HOUR).toISOString().slice(0, 16).replace('T', ' ')} +08:00`;
const COUNTY = '【某县舆情应急处置领导小组办公室】';
const regradeNotices = (rows: NoticeRow[]) => rows.filter((r) => r.kind === 'regrade');

describe('county office: regrading re-times the grade deadlines', () => {
  it('mainstream media (metrics signal) makes a general incident major: first report due in 2h, first release in 24h; a manual regrade down waives the release', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'county-office', id: 'cty-regrade', by: 'liu.bo', metrics: { posts: 10 } });
    const s0 = await hx.status(h);
    expect(s0.grade).toBe('general');
    expect(obligation(s0, 'firstReport').dueAt).toBe(local(t0 + DAY)); // plan: general "as appropriate" = 1d
    expect(s0.obligations.map((o) => o.kind)).not.toContain('firstRelease');
    expect(s0.ignoredReadings).toEqual({ count: 0, lastAt: null, lastReason: null });

    // A malformed reading is ignored: a signal cannot be refused; it changes nothing but is counted for the incident's people.
    await h.signal(metricsSignal, { metrics: { posts: -3 } });
    const ignored = await eventually(async () => {
      const s = await hx.status(h);
      expect(s.ignoredReadings.count).toBe(1);
      return s;
    });
    expect({ ...ignored, ignoredReadings: s0.ignoredReadings }).toEqual(s0);
    expect(ignored.ignoredReadings.lastReason).toContain('metrics.posts');
    expect(Date.parse(ignored.ignoredReadings.lastAt!)).toBeGreaterThanOrEqual(t0 - 1000);
    await hx.quiescent(h);
    expect(regradeNotices(await hx.notices(id))).toEqual([]);

    await hx.sleepUntil(t0 + 30 * MIN);
    await h.signal(metricsSignal, { by: 'liu.bo', metrics: { mainstreamMedia: true } });
    const major = await eventually(async () => {
      const s = await hx.status(h);
      expect(s.grade).toBe('major');
      return s;
    });
    expect(major.gradeReasons).toEqual(['mainstreamMedia']);
    expect(major.metrics).toEqual({ posts: 10, mainstreamMedia: true });
    expect(obligation(major, 'firstReport')).toMatchObject({ status: 'pending', dueAt: local(t0 + 2 * HOUR) }); // 000 篇五 §五(二)
    expect(obligation(major, 'firstRelease')).toMatchObject({ status: 'pending', binding: 'target', dueAt: local(t0 + 24 * HOUR), owner: { personId: 'xu.fang', role: 'spokesperson' } }); // 000 篇五 §四(一)1
    expect(obligation(major, 'publicResponse').dueAt).toBe(local(t0 + 3 * HOUR));
    expect(major.timeline.find((e) => e.action === 'regrade')?.details).toBe('general → major: mainstreamMedia');

    const [up] = await eventually(async () => {
      const rows = await hx.notices(id);
      const regrade = regradeNotices(rows);
      expect(regrade).toHaveLength(1);
      expect(noticesFor(rows, 'firstReport', 'assigned').map((r) => r.notice.trigger.split(',set=')[0])).toEqual([`due=${idt(t0 + DAY)}`, `due=${idt(t0 + 2 * HOUR)}`]);
      expect(noticesFor(rows, 'firstRelease', 'assigned').map((r) => persons(r))).toEqual([['xu.fang:spokesperson']]);
      return regrade;
    });
    // One notice, about the change of grade: the office, its director, the leader in charge and the principal leader (major).
    expect(up.notice).toMatchObject({ about: 'general->major', facts: { from: 'general', to: 'major', reason: 'mainstreamMedia' } });
    expect(up.id.startsWith(`${id}/regrade/general->major/at=`)).toBe(true);
    expect(persons(up)).toEqual(['li.guoqiang:leaderInCharge', 'wang.jiazhi:officeDirector', 'zhang.weidong:principalLeader', 'zhao.min:office']);
    await hx.deliver();
    const upLines = linesOf(hx.lines, id).filter((l) => l.includes('舆情升级'));
    expect(upLines.map((l) => l.split(' via ')[0]).sort()).toEqual(['张卫东', '李国强', '王加志', '赵敏'].map((n) => `[notify] ${id} → ${n}`).sort());
    for (const l of upLines) expect(l.endsWith(`via log: ${COUNTY}舆情升级：一般 → 重大`)).toBe(true);

    // The re-timed first report runs out at 2h, not at 1d.
    await hx.sleepUntil(t0 + 2 * HOUR + MIN);
    const overdue = await eventually(async () => {
      const rows = noticesFor(await hx.notices(id), 'firstReport', 'overdue');
      expect(rows).toHaveLength(1);
      return rows;
    });
    expect(overdue[0].id).toBe(`${id}/overdue/firstReport/due=${idt(t0 + 2 * HOUR)}`);
    expect(persons(overdue[0])).toEqual(['liu.bo:monitor', 'wang.jiazhi:officeDirector', 'zhao.min:office']);
    await hx.deliver();

    // The leader in charge lowers it back: the release is waived and the first report is due in 1d again.
    await hx.sleepUntil(t0 + 2 * HOUR + 30 * MIN);
    const lowered = await h.executeUpdate(actionUpdates.regrade, { args: [{ by: 'li.guoqiang', grade: 'general', reason: '媒体报道已更正，影响有限', at: iso(t0 + 2 * HOUR + 30 * MIN) }] });
    expect(lowered.grade).toBe('general');
    expect(obligation(lowered, 'firstRelease')).toMatchObject({ status: 'waived', metAt: null, waivedReason: 'not required for grade general' });
    expect(Date.parse(obligation(lowered, 'firstRelease').waivedAt!) - (t0 + 2 * HOUR + 30 * MIN)).toBeLessThan(MIN);
    expect(obligation(lowered, 'firstReport')).toMatchObject({ status: 'pending', overdue: false, dueAt: local(t0 + DAY) });
    expect(lowered).toMatchObject({ overdueCount: 0, bindingOverdueCount: 0, earliestDueAt: local(t0 + 3 * HOUR) });
    const down = await eventually(async () => {
      const rows = regradeNotices(await hx.notices(id)).filter((r) => r.id !== up.id);
      expect(rows).toHaveLength(1);
      return rows[0];
    });
    // General: no principal leader; and the notice says the grade went down.
    expect(down.id).toBe(`${id}/regrade/major->general/at=${idt(t0 + 2 * HOUR + 30 * MIN)}`);
    expect(persons(down)).toEqual(['li.guoqiang:leaderInCharge', 'wang.jiazhi:officeDirector', 'zhao.min:office']);
    // The monitor was last told "by 11:00"; the deadline is back at 09:00 tomorrow and they are told again.
    const reassigned = await eventually(async () => {
      const rows = noticesFor(await hx.notices(id), 'firstReport', 'assigned');
      expect(rows.map((r) => r.notice.trigger.split(',set=')[0])).toEqual([`due=${idt(t0 + DAY)}`, `due=${idt(t0 + 2 * HOUR)}`, `due=${idt(t0 + DAY)}`]);
      return rows;
    });
    expect(new Set(reassigned.map((r) => r.id)).size).toBe(3);
    // set= is when the deadline was set again (the regrade's recording time, a moment after its claimed time)
    expect(reassigned[2].notice.trigger.startsWith(`due=${idt(t0 + DAY)},set=${idt(t0 + 2 * HOUR + 30 * MIN).slice(0, 13)}`)).toBe(true);
    expect(reassigned.map((r) => persons(r))).toEqual([['liu.bo:monitor'], ['liu.bo:monitor'], ['liu.bo:monitor']]);
    await hx.deliver();
    const downLines = linesOf(hx.lines, id).filter((l) => l.includes('重大 → 一般'));
    expect(downLines).toHaveLength(3);
    for (const l of downLines) expect(l).toContain(`via log: ${COUNTY}舆情降级：重大 → 一般`);
    expect(downLines.filter((l) => l.includes('升级'))).toEqual([]);
    const todo = linesOf(hx.lines, id).filter((l) => l.startsWith(`[notify] ${id} → 刘波 via log: ${COUNTY}待办：首报（`));
    expect(todo).toHaveLength(3);
    expect(todo.filter((l) => l.includes(`首报（${clock(t0 + DAY)}`))).toHaveLength(2);
    expect(todo.filter((l) => l.includes(`首报（${clock(t0 + 2 * HOUR)}`))).toHaveLength(1);

    // A day on: the first report runs out at 1d; the waived release never does.
    await hx.sleepUntil(t0 + DAY + 30 * MIN);
    await eventually(async () => {
      const rows = noticesFor(await hx.notices(id), 'firstReport', 'overdue');
      expect(rows.map((r) => r.id)).toEqual([`${id}/overdue/firstReport/due=${idt(t0 + 2 * HOUR)}`, `${id}/overdue/firstReport/due=${idt(t0 + DAY)}`]);
    });
    await hx.quiescent(h);
    const notices = await hx.notices(id);
    expect(noticesFor(notices, 'firstRelease', 'overdue')).toEqual([]);
    expect(noticesFor(notices, 'firstRelease', 'reminder')).toEqual([]);
    // Overdue is a flag and a notice; no finding is written while the line is still open.
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
    await h.executeUpdate(actionUpdates.assess, { args: [{ by: 'liu.yang', at: iso(t0 + 30 * MIN) }] });
    await h.executeUpdate(actionUpdates.dispatch, { args: [{ by: 'liu.yang', department: 'li.ming' }] });
    await h.executeUpdate(actionUpdates.classify, { args: [{ by: 'liu.yang', category: 'constructive' }] });
    await h.executeUpdate(actionUpdates.adopt, { args: [{ by: 'li.ming', text: '建议已采纳，食堂延长开放时间' }] });
    await h.executeUpdate(actionUpdates.respond, { args: [{ by: 'gao.yan', channel: 'wechat', inNameOf: 'unit', text: '感谢建议，已采纳' }] });
    const tracking = await h.executeUpdate(actionUpdates.assignTracker, { args: [{ by: 'liu.yang', tracker: 'liu.yang' }] });
    expect(tracking.stage).toBe('dynamicTracking');

    // A reading dated in the future is ignored (and counted).
    const now = await hx.now();
    await h.signal(metricsSignal, { by: 'zheng.hao', at: iso(now + HOUR), metrics: { mainstreamMedia: true } });
    const ignored = await eventually(async () => {
      const s = await hx.status(h);
      expect(s.ignoredReadings.count).toBe(1);
      return s;
    });
    expect(ignored.ignoredReadings.lastReason).toBe('at: is in the future');
    expect({ ...ignored, ignoredReadings: tracking.ignoredReadings }).toEqual(tracking);

    await hx.sleepUntil(t0 + 2 * HOUR);
    await h.signal(metricsSignal, { by: 'zheng.hao', metrics: { mainstreamMedia: true } });
    const reopened = await eventually(async () => {
      const s = await hx.status(h);
      expect(s.stage).toBe('categorizedHandling');
      return s;
    });
    expect(reopened.grade).toBe('major');
    expect(obligation(reopened, 'firstRelease')).toMatchObject({ status: 'pending', dueAt: local(t0 + 24 * HOUR), owner: { personId: 'gao.yan' } });
    expect(reopened.timeline.filter((e) => e.action === 'stage').at(-1)?.details).toContain('动态跟踪 → 分类处置');
    // The follow-up cadence set by the assessment (4h) still runs, and is the next deadline.
    const followUp = obligation(reopened, `followUp@${idt(t0 + 30 * MIN)}`);
    expect(followUp).toMatchObject({ status: 'pending', dueAt: local(t0 + 4 * HOUR + 30 * MIN) });
    expect(reopened.nextDeadlineAt).toBe(followUp.dueAt);
    await eventually(async () => {
      const sa = (await h.describe()).typedSearchAttributes;
      expect([sa.get(SA.stage), sa.get(SA.grade), sa.get(SA.nextDeadlineAt)?.toISOString(), sa.get(SA.earliestDueAt)?.toISOString()])
        .toEqual(['categorizedHandling', 'major', iso(t0 + 4 * HOUR + 30 * MIN), iso(t0 + 4 * HOUR + 30 * MIN)]);
    });
    const [notice] = await eventually(async () => {
      const rows = regradeNotices(await hx.notices(id));
      expect(rows).toHaveLength(1);
      return rows;
    });
    expect(notice.notice.about).toBe('general->major');
    expect(persons(notice)).toEqual(['chen.jing:leaderInCharge', 'liu.yang:office', 'ma.jun:officeDirector', 'sun.li:office', 'zhang.jianhua:principalLeader']);
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
      earliest: sa.get(SA.earliestDueAt)?.toISOString(), binding: sa.get(SA.bindingOverdueCount), target: sa.get(SA.targetOverdueCount),
    };
  };

  it('IncidentStage, IncidentGrade, IncidentCategory, IncidentUnit, OverdueCount, NextDeadlineAt and (v1) EarliestDueAt, BindingOverdueCount, TargetOverdueCount follow the incident', async () => {
    const { h, t0 } = await hx.start({ planId: 'county-office', id: 'cty-sa', by: 'liu.bo', metrics: { casualties: 1 } });
    await eventually(async () => expect(await attrs(h)).toEqual({
      stage: 'researchAndWarning', grade: 'especiallyMajor', category: undefined, unit: 'county-office', overdue: 0, next: iso(t0 + HOUR),
      earliest: iso(t0 + HOUR), binding: 0, target: 0,
    }));

    // The first report runs out: one overdue (binding), the next deadline is the public response at 3h; the earliest unmet is still the first report.
    await hx.sleepUntil(t0 + HOUR + MIN);
    await eventually(async () => expect(await attrs(h)).toMatchObject({ overdue: 1, binding: 1, target: 0, next: iso(t0 + 3 * HOUR), earliest: iso(t0 + HOUR) }));

    await h.executeUpdate(actionUpdates.report, { args: [{ by: 'liu.bo', to: 'office', mode: 'written' }] });
    await eventually(async () => expect(await attrs(h)).toMatchObject({ stage: 'researchAndWarning', overdue: 0, binding: 0, earliest: iso(t0 + 3 * HOUR) }));

    await hx.sleepUntil(t0 + 2 * HOUR);
    await h.executeUpdate(actionUpdates.assess, { args: [{ by: 'zhao.min', at: iso(t0 + 2 * HOUR) }] });
    await eventually(async () => expect(await attrs(h)).toMatchObject({ stage: 'rapidResponse', next: iso(t0 + 3 * HOUR) }));
    await h.executeUpdate(actionUpdates.classify, { args: [{ by: 'zhao.min', category: 'fabrication' }] });
    await eventually(async () => expect(await attrs(h)).toMatchObject({ stage: 'categorizedHandling', category: 'fabrication' }));
    await h.executeUpdate(actionUpdates.publishFacts, { args: [{ by: 'xu.fang', channel: 'website', text: '澄清' }] });
    // Public response met at 2h: the next deadline is the county's 2-hourly follow-up, due 2h after the assessment.
    const s = await hx.status(h);
    await eventually(async () => expect(await attrs(h)).toMatchObject({ next: iso(t0 + 4 * HOUR), earliest: iso(t0 + 4 * HOUR), overdue: 0 }));
    expect(s.nextDeadlineAt).toBe(local(t0 + 4 * HOUR));

    await h.executeUpdate(actionUpdates.regrade, { args: [{ by: 'zhang.weidong', grade: 'major', reason: '伤亡核实为零，按重大处置' }] });
    await eventually(async () => expect(await attrs(h)).toMatchObject({ grade: 'major', stage: 'categorizedHandling' }));

    await h.executeUpdate(actionUpdates.refer, { args: [{ by: 'zhao.min', to: 'police', reason: '造谣' }] });
    await h.executeUpdate(actionUpdates.assignTracker, { args: [{ by: 'zhao.min', tracker: 'zhao.min' }] });
    await h.executeUpdate(actionUpdates.subside, { args: [{ by: 'zhao.min', reason: '平息' }] });
    const summary = (await hx.status(h)).obligations.find((o) => o.kind === 'summaryReport' && o.status === 'pending')!;
    await eventually(async () => {
      const a = await attrs(h);
      expect(a).toMatchObject({ stage: 'summaryEvaluation' });
      // (the status writes the due time to the second)
      expect(Math.floor(Date.parse(a.next!) / 1000) * 1000).toBe(Date.parse(summary.dueAt!));
      expect(a.earliest).toBe(a.next);
    });
    await h.executeUpdate(actionUpdates.submitSummary, { args: [{ by: 'zhao.min', text: '总结' }] });
    await h.result();
    expect(await attrs(h)).toEqual({
      stage: 'closed', grade: 'major', category: 'fabrication', unit: 'county-office', overdue: 0, next: undefined,
      earliest: undefined, binding: 0, target: 0,
    });
  });
});
