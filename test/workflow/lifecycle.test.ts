import { describe, expect, it } from 'vitest';
import type { IncidentStatus } from '../../src/machines/status';
import type { ActionName } from '../../src/plan/codes';
import { actionUpdates } from '../../src/workflows/incident.definitions';
import {
  DAY, HOUR, MIN, UPDATE_EVENTS, EventType, endOfShanghaiDay, eventually, expectNoTrace, historyTypes, iso, linesOf, obligation, refused, rowsFor, useHarness,
} from './harness';

/**
 * Incidents from discovery to the end (closed or dismissed) through the five stages (000 篇一 §四),
 * with the shipped plans (plans/school.yaml, plans/city-archives.yaml, plans/county-office.yaml).
 */
const hx = useHarness('lifecycle');

describe('school, general inquiry: the whole path to closed', () => {
  it('runs research → response → handling → tracking → summary, meets every deadline once, and completes with stage closed', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'school', id: 'sch-full', by: 'zheng.hao', metrics: { posts: 12 } });
    const at = (ms: number) => iso(t0 + ms);
    /** Skip to `offset` after discovery and take the action then. */
    const act = async (name: ActionName, offset: number, payload: Record<string, unknown>): Promise<IncidentStatus> => {
      await hx.sleepUntil(t0 + offset);
      return h.executeUpdate(actionUpdates[name], { args: [{ ...payload, at: at(offset) }] });
    };

    // 研判预警: the monitor reports to the office; the office assesses (general).
    let s = await act('report', 20 * MIN, { by: 'zheng.hao', to: 'office', mode: 'written' });
    expect(obligation(s, 'firstReport').status).toBe('met');
    s = await act('assess', 40 * MIN, { by: 'liu.yang' });
    expect(s.stage).toBe('rapidResponse');
    const assessedAt = Date.parse(s.timeline.find((e) => e.action === 'assess')!.at);
    expect(obligation(s, 'dispatch').dueAt).toBe(iso(assessedAt + 2 * HOUR)); // 001 school plan §四(一)
    expect(obligation(s, 'followUp').dueAt).toBe(iso(assessedAt + 4 * HOUR)); // plan: followUpEvery 4h

    // 快速反应: dispatch to the department; the explanation is due a day later.
    s = await act('dispatch', 1 * HOUR, { by: 'liu.yang', department: 'li.ming' });
    expect(obligation(s, 'dispatch').status).toBe('met');
    expect(obligation(s, 'explanation')).toMatchObject({ dueAt: at(1 * HOUR + DAY), owner: { personId: 'li.ming' } });

    // 分类处置: an inquiry; the handling opinion is due by the end of the day of discovery (Asia/Shanghai).
    s = await act('classify', 1 * HOUR + 10 * MIN, { by: 'liu.yang', category: 'inquiry' });
    expect(s.stage).toBe('categorizedHandling');
    expect(obligation(s, 'inquiryOpinion')).toMatchObject({ dueAt: iso(endOfShanghaiDay(t0)), owner: { personId: 'li.ming' } });
    expect(obligation(s, 'inquiryOpinion').dueAt).toBe(at(15 * HOUR - 1)); // 09:00 → 23:59:59.999 local

    s = await act('respond', 2 * HOUR, { by: 'gao.yan', channel: 'weibo', inNameOf: 'spokesperson', text: '学校已关注，正在核实' });
    expect(obligation(s, 'publicResponse').status).toBe('met');
    expect(obligation(s, 'explanation').status).toBe('met');
    s = await act('replyOpinion', 3 * HOUR, { by: 'li.ming', text: '已转教务处办理，今日内答复' });
    expect(obligation(s, 'inquiryOpinion').status).toBe('met');
    expect(obligation(s, 'inquiryResult')).toMatchObject({ status: 'pending', dueAt: null });
    s = await act('report', 4 * HOUR, { by: 'liu.yang', to: 'leaderInCharge', mode: 'written', kind: 'followUp' });
    expect(obligation(s, 'followUp').status).toBe('met');
    expect(obligation(s, 'followUp-2').dueAt).toBe(at(8 * HOUR));

    // The result is due by the end of the day handling finishes.
    s = await act('finishHandling', 6 * HOUR, { by: 'li.ming' });
    expect(obligation(s, 'inquiryResult').dueAt).toBe(iso(endOfShanghaiDay(t0 + 6 * HOUR)));
    s = await act('replyResult', 7 * HOUR, { by: 'li.ming', text: '已调整课表并公布' });
    expect(obligation(s, 'inquiryResult').status).toBe('met');

    // 动态跟踪: a named tracker takes over the follow-up cadence.
    s = await act('assignTracker', 7 * HOUR + 30 * MIN, { by: 'liu.yang', tracker: 'sun.li' });
    expect(s.stage).toBe('dynamicTracking');
    expect(s.tracker).toBe('sun.li');
    expect(obligation(s, 'followUp-2').owner.personId).toBe('sun.li');
    s = await act('report', 7 * HOUR + 45 * MIN, { by: 'sun.li', to: 'officeDirector', mode: 'written', kind: 'followUp' });
    expect(obligation(s, 'followUp-2').status).toBe('met');
    expect(obligation(s, 'followUp-3')).toMatchObject({ status: 'pending', dueAt: at(11 * HOUR + 45 * MIN), owner: { personId: 'sun.li' } });

    // 总结评估: subsiding ends the cadence and owes a summary within 3 days (000 篇三 §四(五)).
    s = await act('subside', 9 * HOUR, { by: 'liu.yang', reason: '舆情已平息' });
    expect(s.stage).toBe('summaryEvaluation');
    expect(obligation(s, 'followUp-3').status).toBe('waived');
    expect(obligation(s, 'summaryReport')).toMatchObject({ status: 'pending', dueAt: at(9 * HOUR + 3 * DAY), owner: { personId: 'liu.yang', role: 'office' } });
    expect(s.nextDeadlineAt).toBe(at(9 * HOUR + 3 * DAY));

    // Two days later the summary goes in; the workflow completes.
    s = await act('submitSummary', 9 * HOUR + 2 * DAY, { by: 'liu.yang', text: '总结报告：已报市教育局' });
    expect(s.stage).toBe('closed');
    const result = await h.result();
    expect(result).toMatchObject({ stage: 'closed', open: false, nextDeadlineAt: null, overdueCount: 0 });
    expect((await h.describe()).status.name).toBe('COMPLETED');
    expect(result.obligations.filter((o) => o.status === 'pending')).toEqual([]);

    // The ledger holds each outcome once, all on time, exactly as the workflow reports them.
    const rows = await hx.outcomes(id);
    expect(rows.map((o) => o.id).sort()).toEqual(result.outcomes.map((o) => o.id).sort());
    expect(new Set(rows.map((o) => o.id)).size).toBe(rows.length);
    expect(rows.map((o) => `${o.obligationId}:${o.kind}`).sort()).toEqual([
      'dispatch:onTime', 'explanation:onTime', 'firstReport:onTime', 'followUp-2:onTime', 'followUp:onTime',
      'inquiryOpinion:onTime', 'inquiryResult:onTime', 'publicResponse:onTime', 'summaryReport:onTime',
    ]);

    // Each notification went to each person once, and was delivered once.
    const outbox = await hx.outbox(id);
    expect(new Set(outbox.map((r) => r.id)).size).toBe(outbox.length);
    expect(new Set(outbox.map((r) => `${r.notificationId}|${r.personId}`)).size).toBe(outbox.length);
    expect(outbox.every((r) => r.status === 'sent')).toBe(true);
    expect(linesOf(hx.lines, id)).toHaveLength(outbox.length);
    // Nothing went overdue on this path, and the summary's reminders never fired.
    expect(outbox.filter((r) => r.notificationId.includes('/overdue/'))).toEqual([]);
    expect(rowsFor(outbox, 'summaryReport', 'assigned').map((r) => r.personId)).toEqual(['liu.yang']);
    expect(rowsFor(outbox, 'summaryReport', 'reminder')).toEqual([]);
  });
});

describe('city archives, fabrication: refer before closing (000 篇一 §四(三)3)', () => {
  it('refuses to close before the referral, changing nothing; after referring to the police it closes', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'city-archives', id: 'arc-fab', by: 'hu.jun', metrics: { posts: 30 } });
    await h.executeUpdate(actionUpdates.report, { args: [{ by: 'hu.jun', to: 'office', mode: 'written' }] });
    await hx.sleepUntil(t0 + 20 * MIN);
    await h.executeUpdate(actionUpdates.assess, { args: [{ by: 'fang.xiaoyu' }] });
    await h.executeUpdate(actionUpdates.dispatch, { args: [{ by: 'fang.xiaoyu', department: 'jiang.tao' }] });
    await h.executeUpdate(actionUpdates.classify, { args: [{ by: 'fang.xiaoyu', category: 'fabrication' }] });
    await h.executeUpdate(actionUpdates.publishFacts, { args: [{ by: 'ye.qing', channel: 'website', text: '经核查，网传档案被篡改一事不实' }] });
    await h.executeUpdate(actionUpdates.assignTracker, { args: [{ by: 'fang.xiaoyu', tracker: 'fang.xiaoyu' }] });
    await hx.sleepUntil(t0 + 2 * HOUR);
    const subsided = await h.executeUpdate(actionUpdates.subside, { args: [{ by: 'fang.xiaoyu', reason: '谣言已澄清' }] });
    expect(subsided.stage).toBe('summaryEvaluation');
    // The archives plan makes the department answerable for the summary.
    expect(subsided.obligations.find((o) => o.kind === 'summaryReport')).toMatchObject({ status: 'pending', owner: { personId: 'jiang.tao', role: 'department' } });

    await hx.quiescent(h);
    const before = await hx.status(h);
    const historyBefore = await historyTypes(h);
    const rowsBefore = await hx.outcomes(id);

    const failure = await refused(h.executeUpdate(actionUpdates.submitSummary, { args: [{ by: 'jiang.tao', text: '总结报告' }] }));
    expect(failure.type).toBe('NotAllowed');
    expect(failure.message).toMatch(/refer/);
    expect(failure.message).toContain('fabrication');

    expect(await hx.status(h)).toEqual(before);
    expectNoTrace(historyBefore, await historyTypes(h));
    expect(await hx.outcomes(id)).toEqual(rowsBefore);
    expect((await h.describe()).status.name).toBe('RUNNING');

    // Refer to the police: law enforcement and the office are told.
    const referred = await h.executeUpdate(actionUpdates.refer, { args: [{ by: 'fang.xiaoyu', to: 'police', reason: '捏造事实、恶意诽谤' }] });
    expect(referred.stage).toBe('summaryEvaluation');
    expect(referred.timeline.at(-1)).toMatchObject({ action: 'refer', by: 'fang.xiaoyu' });
    const referRows = await eventually(async () => {
      const rows = (await hx.outbox(id)).filter((r) => r.notificationId.startsWith('refer-'));
      expect(rows).toHaveLength(2);
      return rows;
    });
    expect(referRows.map((r) => `${r.personId}:${r.role}`).sort()).toEqual(['fang.xiaoyu:office', 'pan.wei:lawEnforcement']);
    expect(referRows[0].subject).toContain('移交公安机关');

    const closed = await h.executeUpdate(actionUpdates.submitSummary, { args: [{ by: 'jiang.tao', text: '总结报告' }] });
    expect(closed.stage).toBe('closed');
    expect((await h.result()).stage).toBe('closed');
    const types = await historyTypes(h);
    expect(types.filter((t) => t === EventType[EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED])).toHaveLength(
      historyBefore.filter((t) => t === EventType[EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED]).length + 2,
    );
    const updateEvents = UPDATE_EVENTS.map((e) => EventType[e]);
    expect(types.filter((t) => updateEvents.includes(t)).length - historyBefore.filter((t) => updateEvents.includes(t)).length).toBe(4); // two accepted + completed
    expect((await hx.outcomes(id)).find((o) => o.obligationId === 'summaryReport')).toMatchObject({ kind: 'onTime', personId: 'jiang.tao' });
  });
});

describe('stages ending with obligations unmet (漏报, 000 篇三 §六)', () => {
  it('records a missed first report when handling starts, and a missed first release when tracking starts; their timers stop', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'county-office', id: 'cty-missed', by: 'liu.bo', metrics: { casualties: 1 } });
    await hx.sleepUntil(t0 + 30 * MIN);
    await h.executeUpdate(actionUpdates.assess, { args: [{ by: 'zhao.min' }] });
    await hx.sleepUntil(t0 + 40 * MIN);
    const classified = await h.executeUpdate(actionUpdates.classify, { args: [{ by: 'zhao.min', category: 'hype' }] });
    expect(classified.stage).toBe('categorizedHandling');
    expect(obligation(classified, 'firstReport')).toMatchObject({ status: 'missed', overdue: false });
    const firstRows = await hx.outcomes(id);
    expect(firstRows).toHaveLength(1);
    expect(firstRows[0]).toMatchObject({
      id: `${id}/firstReport/missed`, kind: 'missed', obligationId: 'firstReport', personId: 'liu.bo', role: 'monitor', dueAt: t0 + HOUR,
    });
    expect(firstRows[0].details).toContain('首报漏报');

    // The first report's 1h timer was cancelled with it: no overdue notice, no reminder at 50 minutes.
    await hx.sleepUntil(t0 + 70 * MIN);
    await hx.quiescent(h);
    const outbox = await hx.outbox(id);
    expect(rowsFor(outbox, 'firstReport', 'overdue')).toEqual([]);
    expect(rowsFor(outbox, 'firstReport', 'reminder').map((r) => r.notificationId)).toEqual([`firstReport/reminder-1/${t0 + HOUR}`]);

    await hx.sleepUntil(t0 + 2 * HOUR);
    await h.executeUpdate(actionUpdates.publishFacts, { args: [{ by: 'xu.fang', channel: 'weibo', text: '事实与处置情况通报' }] });
    await hx.sleepUntil(t0 + 3 * HOUR);
    const tracking = await h.executeUpdate(actionUpdates.assignTracker, { args: [{ by: 'zhao.min', tracker: 'zhao.min' }] });
    expect(tracking.stage).toBe('dynamicTracking');
    expect(obligation(tracking, 'publicResponse').status).toBe('met');
    expect(obligation(tracking, 'firstRelease')).toMatchObject({ status: 'missed', owner: { personId: 'xu.fang', role: 'spokesperson' } });

    const rows = await hx.outcomes(id);
    expect(rows.map((o) => `${o.obligationId}:${o.kind}:${o.personId}`).sort()).toEqual([
      'firstRelease:missed:xu.fang', 'firstReport:missed:liu.bo', 'publicResponse:onTime:xu.fang',
    ]);
    // The 24h release timer is gone too.
    await hx.sleepUntil(t0 + 25 * HOUR);
    await hx.quiescent(h);
    expect(rowsFor(await hx.outbox(id), 'firstRelease', 'overdue')).toEqual([]);
    expect(rowsFor(await hx.outbox(id), 'firstRelease', 'reminder')).toEqual([]);
  });
});

describe('dismissal (不构成舆情)', () => {
  it('waives every pending obligation, records no 漏报, and completes the workflow', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'county-office', id: 'cty-dismiss', by: 'liu.bo', metrics: { posts: 5 } });
    await hx.sleepUntil(t0 + 10 * MIN);
    await h.executeUpdate(actionUpdates.report, { args: [{ by: 'liu.bo', to: 'office', mode: 'phone' }] });
    const before = await hx.status(h);
    expect(before.obligations.filter((o) => o.status === 'pending').map((o) => o.kind).sort()).toEqual(['publicResponse', 'writtenReport']);

    await hx.sleepUntil(t0 + 20 * MIN);
    const dismissed = await h.executeUpdate(actionUpdates.dismiss, { args: [{ by: 'zhao.min', reason: '经核实为正常咨询，不构成舆情' }] });
    expect(dismissed).toMatchObject({ stage: 'dismissed', open: false, nextDeadlineAt: null, overdueCount: 0 });
    expect(dismissed.obligations.map((o) => `${o.kind}:${o.status}`).sort()).toEqual(['firstReport:met', 'publicResponse:waived', 'writtenReport:waived']);
    expect(dismissed.timeline.filter((e) => e.action === 'waive').map((e) => e.details).sort()).toEqual([
      'publicResponse: not an incident', 'writtenReport: not an incident',
    ]);

    const result = await h.result();
    expect(result.stage).toBe('dismissed');
    expect((await h.describe()).status.name).toBe('COMPLETED');
    const rows = await hx.outcomes(id);
    expect(rows.map((o) => `${o.obligationId}:${o.kind}`)).toEqual(['firstReport:onTime']);
    const outbox = await hx.outbox(id);
    expect(outbox.filter((r) => r.notificationId.includes('/reminder-') || r.notificationId.includes('/overdue/'))).toEqual([]);
  });
});
