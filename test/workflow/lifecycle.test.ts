import { describe, expect, it } from 'vitest';
import type { IncidentStatus } from '../../src/machines/status';
import type { ActionName } from '../../src/plan/codes';
import { actionUpdates } from '../../src/workflows/incident.definitions';
import {
  DAY, HOUR, MIN, UPDATE_EVENTS, EventType, endOfShanghaiDay, eventually, expectNoTrace, historyTypes, iso, linesOf, noticesFor, obligation, persons, refused,
  useHarness,
} from './harness';

/**
 * Incidents from discovery to the end (closed or dismissed) through the five stages (000 篇一 §四),
 * with the shipped plans (plans/school.yaml, plans/city-archives.yaml, plans/county-office.yaml).
 */
const hx = useHarness('lifecycle');

// ── written independently of src/ ──
/** The status's times: ISO in Asia/Shanghai with its offset, to the second. */
const local = (ms: number) => `${new Date(Math.floor(ms / 1000) * 1000 + 8 * HOUR).toISOString().slice(0, 19)}+08:00`;
/** The compact UTC instant in v1 ids. */
const idt = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '');
/** The timeline is ordered by when things happened (claimed), not by when they were recorded. */
function expectClaimedOrder(s: IncidentStatus) {
  const at = s.timeline.map((e) => Date.parse(e.at));
  expect(at).toEqual([...at].sort((a, b) => a - b));
}

describe('school, general inquiry: the whole path to closed', () => {
  it('runs research → response → handling → tracking → summary, meets every deadline once, and completes with stage closed', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'school', id: 'sch-full', by: 'zheng.hao', metrics: { posts: 12 } });
    const at = (ms: number) => local(t0 + ms);
    /** Skip to `offset` after discovery, deliver what fell due on the way, and take the action then. */
    const act = async (name: ActionName, offset: number, payload: Record<string, unknown>): Promise<IncidentStatus> => {
      await hx.sleepUntil(t0 + offset);
      await hx.quiescent(h);
      await hx.deliver();
      return h.executeUpdate(actionUpdates[name], { args: [{ ...payload, at: iso(t0 + offset) }] });
    };
    // v1 ids: the kind alone when anchored at discovery, else the kind and the moment that created it.
    const dispatch = `dispatch@${idt(t0 + 40 * MIN)}`;
    const explanation = `explanation@${idt(t0 + HOUR)}`;
    const followUp1 = `followUp@${idt(t0 + 40 * MIN)}`;
    const followUp2 = `followUp@${idt(t0 + 4 * HOUR)}`;
    const followUp3 = `followUp@${idt(t0 + 7 * HOUR + 45 * MIN)}`;
    const result = `inquiryResult@${idt(t0 + 3 * HOUR)}`;
    const summary = `summaryReport@${idt(t0 + 9 * HOUR)}`;

    // 研判预警: the monitor reports to the office; the office assesses (general).
    let s = await act('report', 20 * MIN, { by: 'zheng.hao', to: 'office', mode: 'written' });
    expect(obligation(s, 'firstReport').status).toBe('met');
    s = await act('assess', 40 * MIN, { by: 'liu.yang' });
    expect(s.stage).toBe('rapidResponse');
    const assessedAt = Date.parse(s.timeline.find((e) => e.action === 'assess')!.at);
    expect(assessedAt).toBe(t0 + 40 * MIN);
    expect(obligation(s, dispatch).dueAt).toBe(local(assessedAt + 2 * HOUR)); // 001 school plan §四(一)
    expect(obligation(s, followUp1).dueAt).toBe(local(assessedAt + 4 * HOUR)); // plan: followUpEvery 4h

    // 快速反应: dispatch to the department; the explanation is due a day later.
    s = await act('dispatch', 1 * HOUR, { by: 'liu.yang', department: 'li.ming' });
    expect(obligation(s, dispatch).status).toBe('met');
    expect(obligation(s, explanation)).toMatchObject({ dueAt: at(1 * HOUR + DAY), owner: { personId: 'li.ming' } });

    // 分类处置: an inquiry; the handling opinion is due by the end of the day of discovery (Asia/Shanghai).
    s = await act('classify', 1 * HOUR + 10 * MIN, { by: 'liu.yang', category: 'inquiry' });
    expect(s.stage).toBe('categorizedHandling');
    expect(obligation(s, 'inquiryOpinion')).toMatchObject({ dueAt: local(endOfShanghaiDay(t0)), owner: { personId: 'li.ming' } });
    expect(obligation(s, 'inquiryOpinion').dueAt).toBe(at(15 * HOUR - 1)); // 09:00 → 23:59:59 local
    expect(obligation(s, 'inquiryOpinion').dueAt).toMatch(/T23:59:59\+08:00$/);

    s = await act('respond', 2 * HOUR, { by: 'gao.yan', channel: 'weibo', inNameOf: 'spokesperson', text: '学校已关注，正在核实' });
    expect(obligation(s, 'publicResponse').status).toBe('met');
    expect(obligation(s, explanation).status).toBe('met');
    s = await act('replyOpinion', 3 * HOUR, { by: 'li.ming', text: '已转教务处办理，今日内答复' });
    expect(obligation(s, 'inquiryOpinion').status).toBe('met');
    expect(obligation(s, result)).toMatchObject({ status: 'pending', dueAt: null });
    s = await act('report', 4 * HOUR, { by: 'liu.yang', to: 'leaderInCharge', mode: 'written', kind: 'followUp' });
    expect(obligation(s, followUp1).status).toBe('met');
    expect(obligation(s, followUp2).dueAt).toBe(at(8 * HOUR));

    // The result is due by the end of the day handling finishes.
    s = await act('finishHandling', 6 * HOUR, { by: 'li.ming' });
    expect(obligation(s, result).dueAt).toBe(local(endOfShanghaiDay(t0 + 6 * HOUR)));
    s = await act('replyResult', 7 * HOUR, { by: 'li.ming', text: '已调整课表并公布' });
    expect(obligation(s, result).status).toBe('met');

    // 动态跟踪: a named tracker takes over the follow-up cadence.
    s = await act('assignTracker', 7 * HOUR + 30 * MIN, { by: 'liu.yang', tracker: 'sun.li' });
    expect(s.stage).toBe('dynamicTracking');
    expect(s.tracker).toBe('sun.li');
    expect(obligation(s, followUp2).owner.personId).toBe('sun.li');
    s = await act('report', 7 * HOUR + 45 * MIN, { by: 'sun.li', to: 'officeDirector', mode: 'written', kind: 'followUp' });
    expect(obligation(s, followUp2).status).toBe('met');
    expect(obligation(s, followUp3)).toMatchObject({ status: 'pending', dueAt: at(11 * HOUR + 45 * MIN), owner: { personId: 'sun.li' } });

    // 总结评估: subsiding ends the cadence and owes a summary within 3 days (000 篇三 §四(五)).
    s = await act('subside', 9 * HOUR, { by: 'liu.yang', reason: '舆情已平息' });
    expect(s.stage).toBe('summaryEvaluation');
    expect(obligation(s, followUp3)).toMatchObject({ status: 'waived', metAt: null, waivedReason: 'follow-up reports end when the incident subsides' });
    expect(obligation(s, summary)).toMatchObject({ status: 'pending', dueAt: at(9 * HOUR + 3 * DAY), owner: { personId: 'liu.yang', role: 'office' } });
    expect(s.nextDeadlineAt).toBe(at(9 * HOUR + 3 * DAY));
    expect(s.earliestDueAt).toBe(at(9 * HOUR + 3 * DAY));

    // Two days later the summary goes in; the workflow completes.
    s = await act('submitSummary', 9 * HOUR + 2 * DAY, { by: 'liu.yang', text: '总结报告：已报市教育局' });
    expect(s.stage).toBe('closed');
    const closed = await h.result();
    expect(closed).toMatchObject({
      stage: 'closed', open: false, nextDeadlineAt: null, earliestDueAt: null, overdueCount: 0, bindingOverdueCount: 0, targetOverdueCount: 0,
      ending: { kind: 'closed', by: 'liu.yang', reason: null },
    });
    expect(Date.parse(closed.ending!.at) - (t0 + 9 * HOUR + 2 * DAY)).toBeLessThan(MIN);
    expect((await h.describe()).status.name).toBe('COMPLETED');
    expect(closed.obligations.filter((o) => o.status === 'pending')).toEqual([]);
    expectClaimedOrder(closed);
    // The ending is recorded once in the ledger.
    expect((await hx.ledger.listEndings({ incidentId: id })).map((e) => [e.ending, e.by])).toEqual([['closed', 'liu.yang']]);

    // The ledger holds each finding once, all on time, exactly as the workflow reports them.
    const rows = await hx.outcomes(id);
    expect(rows.map((o) => o.id).sort()).toEqual(closed.outcomes.map((o) => o.id).sort());
    expect(new Set(rows.map((o) => o.id)).size).toBe(rows.length);
    expect(rows.map((o) => `${o.obligationId}:${o.kind}:${o.reviewState}`).sort()).toEqual([
      dispatch, explanation, 'firstReport', followUp2, followUp1, 'inquiryOpinion', result, 'publicResponse', summary,
    ].map((o) => `${o}:onTime:notReviewed`).sort());
    for (const o of rows) expect(o.id).toBe(`${id}/${o.obligationId}/timers`);

    // Each notice was recorded once and delivered once to each of its people: one log line per delivery.
    await hx.deliver();
    const notices = await hx.notices(id);
    expect(new Set(notices.map((n) => n.id)).size).toBe(notices.length);
    expect(notices.map((n) => `${n.id}:${n.status}`)).toEqual(notices.map((n) => `${n.id}:delivered`));
    const deliveries = await hx.ledger.listDeliveries({ incidentId: id });
    expect(new Set(deliveries.map((d) => `${d.noticeId}|${d.personId}`)).size).toBe(deliveries.length);
    expect(deliveries.length).toBe(notices.reduce((n, r) => n + new Set(r.notice.recipients.map((p) => p.personId)).size, 0));
    expect(deliveries.every((d) => d.status === 'delivered' && d.attempts === 1)).toBe(true);
    expect(linesOf(hx.lines, id)).toHaveLength(deliveries.length);
    // Nothing went overdue on this path, and the summary's reminders never fired.
    expect(notices.filter((n) => n.kind === 'overdue')).toEqual([]);
    expect(noticesFor(notices, summary, 'assigned').map((n) => persons(n))).toEqual([['liu.yang:office']]);
    expect(noticesFor(notices, summary, 'reminder')).toEqual([]);
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
    const summary = subsided.obligations.find((o) => o.kind === 'summaryReport')!;
    expect(summary).toMatchObject({ status: 'pending', owner: { personId: 'jiang.tao', role: 'department' } });
    expect(summary.id).toMatch(/^summaryReport@\d{8}T\d{6}\.\d{3}Z$/);

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
    const [referral] = await eventually(async () => {
      const rows = (await hx.notices(id)).filter((r) => r.kind === 'referral');
      expect(rows).toHaveLength(1);
      return rows;
    });
    expect(referral.notice).toMatchObject({ about: 'police', facts: { to: 'police', reason: '捏造事实、恶意诽谤' } });
    expect(persons(referral)).toEqual(['fang.xiaoyu:office', 'pan.wei:lawEnforcement']);
    await hx.deliver();
    const referLines = linesOf(hx.lines, id).filter((l) => l.includes('移交公安机关'));
    expect(referLines.map((l) => l.split(' via ')[0]).sort()).toEqual(['[notify] arc-fab → 方晓雨', '[notify] arc-fab → 潘伟'].sort());

    const closed = await h.executeUpdate(actionUpdates.submitSummary, { args: [{ by: 'jiang.tao', text: '总结报告' }] });
    expect(closed.stage).toBe('closed');
    expect((await h.result()).stage).toBe('closed');
    const types = await historyTypes(h);
    expect(types.filter((t) => t === EventType[EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED])).toHaveLength(
      historyBefore.filter((t) => t === EventType[EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED]).length + 2,
    );
    const updateEvents = UPDATE_EVENTS.map((e) => EventType[e]);
    expect(types.filter((t) => updateEvents.includes(t)).length - historyBefore.filter((t) => updateEvents.includes(t)).length).toBe(4); // two accepted + completed
    expect((await hx.outcomes(id)).find((o) => o.obligationId === summary.id)).toMatchObject({ kind: 'onTime', personId: 'jiang.tao' });
  });
});

describe('stages ending with obligations unmet (漏报, 000 篇三 §六; a missed target is not 漏报, docs/rules.md §10.3)', () => {
  it('a stage move never books a report line: the first report stays owed, falls due, is flagged, and is 迟报 when made late; a target not yet due is waived, never missed early', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'county-office', id: 'cty-missed', by: 'liu.bo', metrics: { casualties: 1 } });
    await hx.sleepUntil(t0 + 30 * MIN);
    await h.executeUpdate(actionUpdates.assess, { args: [{ by: 'zhao.min' }] });
    await hx.sleepUntil(t0 + 40 * MIN);
    // classified 20 minutes before the first report (1 h) is due: nobody is blamed for a colleague moving on
    const classified = await h.executeUpdate(actionUpdates.classify, { args: [{ by: 'zhao.min', category: 'hype' }] });
    expect(classified.stage).toBe('categorizedHandling');
    expect(obligation(classified, 'firstReport')).toMatchObject({ status: 'pending', overdue: false });
    expect(await hx.outcomes(id)).toEqual([]);

    // Its timer still runs: at 1 h it is flagged overdue and the chain is told.
    await hx.sleepUntil(t0 + 70 * MIN);
    await eventually(async () => expect((await hx.status(h)).bindingOverdueCount).toBe(1));
    const notices = await hx.notices(id);
    expect(noticesFor(notices, 'firstReport', 'overdue').map((n) => [n.id, persons(n)])).toEqual([
      [`${id}/overdue/firstReport/due=${idt(t0 + HOUR)}`, ['liu.bo:monitor', 'wang.jiazhi:officeDirector', 'zhao.min:office']],
    ]);
    // made at 80 min: 迟报 by 20 min, written now that it is final
    await hx.sleepUntil(t0 + 80 * MIN);
    const reported = await h.executeUpdate(actionUpdates.report, { args: [{ by: 'liu.bo', to: 'office', mode: 'written', at: iso(t0 + 80 * MIN) }] });
    expect(obligation(reported, 'firstReport')).toMatchObject({ status: 'late' });
    const firstRows = await hx.outcomes(id);
    expect(firstRows).toHaveLength(1);
    expect(firstRows[0]).toMatchObject({
      id: `${id}/firstReport/timers`, source: 'timers', kind: 'late', obligationId: 'firstReport', personId: 'liu.bo', role: 'monitor', dueAt: t0 + HOUR,
      delayMs: 20 * MIN, binding: 'binding', reviewState: 'open',
    });
    expect(firstRows[0].details).toContain('首报迟报');

    await hx.sleepUntil(t0 + 2 * HOUR);
    await h.executeUpdate(actionUpdates.publishFacts, { args: [{ by: 'xu.fang', channel: 'weibo', text: '事实与处置情况通报' }] });
    await hx.sleepUntil(t0 + 3 * HOUR);
    const tracking = await h.executeUpdate(actionUpdates.assignTracker, { args: [{ by: 'zhao.min', tracker: 'zhao.min' }] });
    expect(tracking.stage).toBe('dynamicTracking');
    expect(obligation(tracking, 'publicResponse').status).toBe('met');
    // the 24 h first release (a target) was not yet due when handling ended: waived with the reason, no finding
    expect(obligation(tracking, 'firstRelease')).toMatchObject({ status: 'waived', binding: 'target', metAt: null, waivedReason: expect.stringContaining('before it was due') });

    const rows = await hx.outcomes(id);
    expect(rows.map((o) => `${o.obligationId}:${o.kind}:${o.personId}`).sort()).toEqual(['firstReport:late:liu.bo', 'publicResponse:onTime:xu.fang']);
    // The 24h release timer is gone.
    await hx.sleepUntil(t0 + 25 * HOUR);
    await hx.quiescent(h);
    expect(noticesFor(await hx.notices(id), 'firstRelease', 'overdue')).toEqual([]);
    expect(noticesFor(await hx.notices(id), 'firstRelease', 'reminder')).toEqual([]);
  });
});

describe('dismissal (不构成舆情; docs/rules.md §10.4)', () => {
  it('waives every obligation not yet due, report lines included: no 漏报 for them; the workflow completes', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'county-office', id: 'cty-dismiss', by: 'liu.bo', metrics: { posts: 5 } });
    await hx.sleepUntil(t0 + 10 * MIN);
    await h.executeUpdate(actionUpdates.report, { args: [{ by: 'liu.bo', to: 'office', mode: 'phone', at: iso(t0 + 10 * MIN) }] });
    const written = `writtenReport/liu.bo@${idt(t0 + 10 * MIN)}`;
    const before = await hx.status(h);
    expect(before.obligations.filter((o) => o.status === 'pending').map((o) => o.id).sort()).toEqual(['publicResponse', written]);

    await hx.sleepUntil(t0 + 20 * MIN);
    const dismissed = await h.executeUpdate(actionUpdates.dismiss, { args: [{ by: 'zhao.min', reason: '经核实为正常咨询，不构成舆情' }] });
    expect(dismissed).toMatchObject({
      stage: 'dismissed', open: false, nextDeadlineAt: null, earliestDueAt: null, overdueCount: 0,
      ending: { kind: 'dismissed', reason: '经核实为正常咨询，不构成舆情', by: 'zhao.min' },
    });
    expect(dismissed.obligations.map((o) => `${o.kind}:${o.status}`).sort()).toEqual(['firstReport:met', 'publicResponse:waived', 'writtenReport:waived']);
    for (const o of dismissed.obligations.filter((x) => x.status === 'waived')) {
      expect(o).toMatchObject({ metAt: null, waivedReason: 'incident dismissed before it was due' });
      expect(Date.parse(o.waivedAt!) - (t0 + 20 * MIN)).toBeLessThan(MIN);
    }
    expect(dismissed.timeline.filter((e) => e.action === 'waive').map((e) => e.details).sort()).toEqual([
      'publicResponse: incident dismissed before it was due', `${written}: incident dismissed before it was due`,
    ].sort());

    const result = await h.result();
    expect(result.stage).toBe('dismissed');
    expect((await h.describe()).status.name).toBe('COMPLETED');
    const rows = await hx.outcomes(id);
    expect(rows.map((o) => `${o.obligationId}:${o.kind}`)).toEqual(['firstReport:onTime']);
    expect((await hx.ledger.listEndings({ incidentId: id })).map((e) => [e.ending, e.reason, e.by])).toEqual([['dismissed', '经核实为正常咨询，不构成舆情', 'zhao.min']]);
    const notices = await hx.notices(id);
    expect(notices.filter((r) => r.kind === 'reminder' || r.kind === 'overdue')).toEqual([]);
    // What was queued about the waived obligations is withdrawn, not sent.
    const queued = notices.filter((r) => r.obligationId === written || r.obligationId === 'publicResponse');
    expect(queued.map((n) => `${n.obligationId}:${n.kind}:${n.status}:${n.settledReason}`).sort()).toEqual(
      [`publicResponse:assigned:superseded:waived`, `${written}:assigned:superseded:waived`].sort(),
    );
    await hx.deliver();
    expect(linesOf(hx.lines, id).filter((l) => l.includes('书面报告') || l.includes('首次公开回应'))).toEqual([]);
  });

  it('keeps the finding of what was due before the dismissal was recorded, even when its `at` is backdated before that due time', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'county-office', id: 'cty-dismiss-late', by: 'liu.bo', metrics: { posts: 5 } });
    await hx.sleepUntil(t0 + 10 * MIN);
    await h.executeUpdate(actionUpdates.report, { args: [{ by: 'liu.bo', to: 'office', mode: 'phone', at: iso(t0 + 10 * MIN) }] });
    const written = `writtenReport/liu.bo@${idt(t0 + 10 * MIN)}`;

    // The written report (30 min after the phone call) runs out at 40 minutes.
    await hx.sleepUntil(t0 + 41 * MIN);
    const overdue = await eventually(async () => {
      const s = await hx.status(h);
      expect(obligation(s, written)).toMatchObject({ status: 'pending', overdue: true });
      return s;
    });
    expect(overdue).toMatchObject({ overdueCount: 1, bindingOverdueCount: 1, earliestDueAt: local(t0 + 40 * MIN) });

    // Dismissed at 50 minutes, claimed to have been decided at 20 minutes — before the written report was due.
    await hx.sleepUntil(t0 + 50 * MIN);
    const reason = '经核实系他县旧闻，不构成本单位舆情';
    const dismissed = await h.executeUpdate(actionUpdates.dismiss, { args: [{ by: 'zhao.min', reason, at: iso(t0 + 20 * MIN) }] });
    // Judged at the moment it was recorded: the overdue written report is missed (漏报), not waived.
    expect(dismissed).toMatchObject({ stage: 'dismissed', open: false, overdueCount: 0, bindingOverdueCount: 0, nextDeadlineAt: null, earliestDueAt: null });
    expect(dismissed.obligations.map((o) => `${o.id}:${o.status}`).sort()).toEqual(['firstReport:met', 'publicResponse:waived', `${written}:missed`].sort());
    expect(obligation(dismissed, written)).toMatchObject({ waivedAt: null, waivedReason: null, flaggedOverdue: true });
    expect(obligation(dismissed, 'publicResponse')).toMatchObject({ waivedReason: 'incident dismissed before it was due' });
    // The ending carries its recorded time; the timeline keeps the claimed one, in claimed order.
    const endedAt = Date.parse(dismissed.ending!.at);
    expect(dismissed.ending).toMatchObject({ kind: 'dismissed', reason, by: 'zhao.min' });
    expect(endedAt - (t0 + 50 * MIN)).toBeGreaterThanOrEqual(0);
    expect(endedAt - (t0 + 50 * MIN)).toBeLessThan(MIN);
    const entry = dismissed.timeline.find((e) => e.action === 'dismiss')!;
    expect(entry).toMatchObject({ at: local(t0 + 20 * MIN), gapMinutes: 30, backdated: false });
    expectClaimedOrder(dismissed);
    expect(dismissed.timeline.map((e) => e.action).indexOf('dismiss')).toBeLessThan(dismissed.timeline.map((e) => e.action).indexOf('overdue'));
    expect(dismissed.timeline.filter((e) => e.action === 'waive').map((e) => e.details)).toEqual(['publicResponse: incident dismissed before it was due']);

    expect((await h.result()).stage).toBe('dismissed');
    const rows = await hx.outcomes(id);
    expect(rows.map((o) => `${o.obligationId}:${o.kind}`).sort()).toEqual(['firstReport:onTime', `${written}:missed`].sort());
    const missed = rows.find((o) => o.obligationId === written)!;
    expect(missed).toMatchObject({
      id: `${id}/${written}/timers`, source: 'timers', kind: 'missed', obligationKind: 'writtenReport', personId: 'liu.bo', role: 'monitor',
      dueAt: t0 + 40 * MIN, binding: 'binding', ending: 'dismissed', reviewState: 'open',
    });
    expect(Math.floor(missed.at / 1000) * 1000).toBe(endedAt); // written at the ending's recorded time (the status shows it to the second)
    expect(missed.at - (t0 + 50 * MIN)).toBeLessThan(MIN);
    expect(missed.details).toContain('书面报告漏报');
    expect(missed.details).toContain('事件排除（不构成舆情）时已逾期');
    expect((await hx.ledger.listEndings({ incidentId: id })).map((e) => [e.ending, e.at, e.reason, e.by])).toEqual([['dismissed', missed.at, reason, 'zhao.min']]);
    // The overdue notice was recorded when the line ran out; the written report's owner and chain were told.
    const [note] = noticesFor(await hx.notices(id), written, 'overdue');
    expect(persons(note)).toEqual(['liu.bo:monitor', 'wang.jiazhi:officeDirector', 'zhao.min:office']);
  });
});
