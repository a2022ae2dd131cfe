import { describe, expect, it } from 'vitest';
import type { DeliveryRow, NoticeRow } from '../../src/activities/ledger';
import { SA, actionUpdates } from '../../src/workflows/incident.definitions';
import { DAY, HOUR, MIN, endOfShanghaiDay, eventually, iso, linesOf, noticesFor, obligation, persons, useHarness } from './harness';

/**
 * Statutory deadlines as durable timers on the time-skipping server, with the shipped plans' values
 * (plans/county-office.yaml, plans/school.yaml): reminders, overdue escalation, late reports.
 * The workflow records structured notices in the ledger; the dispatcher (hx.deliver) renders them when it sends.
 */
const hx = useHarness('deadlines');

// ── written independently of src/: how the v1 status, ids and rendered subjects write a time ──
/** The status's times: ISO in Asia/Shanghai with its offset, to the second. */
const local = (ms: number) => `${new Date(Math.floor(ms / 1000) * 1000 + 8 * HOUR).toISOString().slice(0, 19)}+08:00`;
/** The compact UTC instant in v1 obligation and notice ids. */
const idt = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '');
/** A time as a notice shows it: `2026-12-01 10:00 +08:00`. */
const clock = (ms: number) => `${new Date(ms + 8 * HOUR).toISOString().slice(0, 16).replace('T', ' ')} +08:00`;
/** Time left or overdue as a notice says it, to the minute: 剩余 29 分 · 逾期 1 小时 2 分. */
function relative(due: number, now: number): string {
  let m = Math.floor(Math.abs(due - now) / MIN);
  const parts: string[] = [];
  if (m >= 1440) { parts.push(`${Math.floor(m / 1440)} 天`); m %= 1440; }
  if (m >= 60) { parts.push(`${Math.floor(m / 60)} 小时`); m %= 60; }
  if (m) parts.push(`${m} 分`);
  return `${due >= now ? '剩余' : '逾期'} ${parts.join(' ')}`;
}
const COUNTY = '【某县舆情应急处置领导小组办公室】';
const SCHOOL_UNIT = /^【[^】]+】/;

/** Wait until exactly `n` notices of a kind exist about an obligation, and return them. */
async function noticesNow(id: string, obligationId: string, kind: string, n: number): Promise<NoticeRow[]> {
  return eventually(async () => {
    const rows = noticesFor(await hx.notices(id), obligationId, kind);
    expect(rows).toHaveLength(n);
    return rows;
  });
}

/** Run the dispatcher now; return the deliveries of one notice (each delivered once, rendered at its send time). */
async function deliverNotice(noticeId: string): Promise<DeliveryRow[]> {
  await hx.deliver();
  const rows = await hx.ledger.listDeliveries({ noticeId });
  expect(rows.length).toBeGreaterThan(0);
  for (const d of rows) expect(d).toMatchObject({ status: 'delivered', attempts: 1, channel: 'log' });
  expect((await hx.ledger.getNotice(noticeId))?.status).toBe('delivered');
  return rows;
}

describe('county office, especially major (casualties): first report within 1h (000 篇五 §五(二))', () => {
  it('reminds 30 and 10 minutes before, escalates at 1h, and records a report at 1h30m as 迟报 by 30 minutes', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'county-office', id: 'cty-late', by: 'liu.bo', metrics: { casualties: 1 } });
    const due = t0 + HOUR;

    const s0 = await hx.status(h);
    expect(s0.grade).toBe('especiallyMajor');
    expect(obligation(s0, 'firstReport')).toMatchObject({ dueAt: local(due), status: 'pending', binding: 'binding', owner: { personId: 'liu.bo', role: 'monitor' } });
    expect(obligation(s0, 'publicResponse')).toMatchObject({ dueAt: local(t0 + 3 * HOUR), binding: 'binding', owner: { personId: 'xu.fang', role: 'spokesperson' } });
    // 力争 (000 篇五 §四(一)1): the golden 24 hours are a target.
    expect(obligation(s0, 'firstRelease')).toMatchObject({ dueAt: local(t0 + 24 * HOUR), binding: 'target', owner: { personId: 'xu.fang', role: 'spokesperson' } });
    expect(s0.nextDeadlineAt).toBe(local(due));
    expect(s0.earliestDueAt).toBe(local(due));
    const assigned = await noticesNow(id, 'firstReport', 'assigned', 1);
    expect(persons(assigned[0])).toEqual(['liu.bo:monitor']);
    expect(assigned[0].id).toMatch(new RegExp(`^${id}/assigned/firstReport/due=${idt(due).replace('.', '\\.')},set=\\d{8}T\\d{6}\\.\\d{3}Z$`));
    expect(assigned[0].notice).toMatchObject({ kind: 'assigned', about: 'firstReport', obligationKind: 'firstReport', dueAt: due, owner: { personId: 'liu.bo', role: 'monitor' } });

    // 29 minutes in: nothing to remind yet.
    await hx.sleepUntil(t0 + 29 * MIN);
    await hx.quiescent(h);
    expect(noticesFor(await hx.notices(id), 'firstReport', 'reminder')).toHaveLength(0);

    // 30 minutes before the deadline: a reminder to the owner, "30m before" in its id whenever the timer ran.
    await hx.sleepUntil(t0 + 31 * MIN);
    const [r1] = await noticesNow(id, 'firstReport', 'reminder', 1);
    expect(r1.id).toBe(`${id}/reminder/firstReport/before=30m,due=${idt(due)}`);
    expect(r1.notice.trigger).toBe(`before=30m,due=${idt(due)}`);
    expect(persons(r1)).toEqual(['liu.bo:monitor']);
    // Rendered when it is sent: the time left is true at the moment of sending.
    const [d1] = await deliverNotice(r1.id);
    expect(d1).toMatchObject({ personId: 'liu.bo', personName: '刘波' });
    expect(d1.subject).toBe(`${COUNTY}提醒：首报（${clock(due)}（${relative(due, d1.deliveredAt!)}））`);
    expect(linesOf(hx.lines, id)).toContain(`[notify] ${id} → 刘波 via log: ${d1.subject}`);

    // 10 minutes before the deadline; still not overdue.
    await hx.sleepUntil(t0 + 51 * MIN);
    const reminders = await noticesNow(id, 'firstReport', 'reminder', 2);
    expect(reminders.map((r) => r.id)).toEqual([
      `${id}/reminder/firstReport/before=30m,due=${idt(due)}`, `${id}/reminder/firstReport/before=10m,due=${idt(due)}`,
    ]);
    const [d2] = await deliverNotice(reminders[1].id);
    expect(d2.subject).toBe(`${COUNTY}提醒：首报（${clock(due)}（${relative(due, d2.deliveredAt!)}））`);
    expect(d2.deliveredAt! - due).toBeGreaterThan(-10 * MIN);
    expect(d2.deliveredAt! - due).toBeLessThan(-8 * MIN);
    expect(noticesFor(await hx.notices(id), 'firstReport', 'overdue')).toHaveLength(0);
    expect((await hx.status(h)).overdueCount).toBe(0);

    // At 1h the owner and the monitor's escalation chain (office, officeDirector) are told: one notice, three people.
    await hx.sleepUntil(t0 + 61 * MIN);
    const [overdue] = await noticesNow(id, 'firstReport', 'overdue', 1);
    expect(overdue.id).toBe(`${id}/overdue/firstReport/due=${idt(due)}`);
    expect(persons(overdue)).toEqual(['liu.bo:monitor', 'wang.jiazhi:officeDirector', 'zhao.min:office']);
    expect(overdue.notice.roles).toEqual(['monitor', 'office', 'officeDirector']);
    const sent = await deliverNotice(overdue.id);
    expect(sent.map((d) => d.personName).sort()).toEqual(['刘波', '王加志', '赵敏'].sort());
    for (const d of sent) {
      expect(d.subject).toBe(`${COUNTY}逾期：首报（${clock(due)}（${relative(due, d.deliveredAt!)}））`);
      expect(d.text).toContain('责任人：刘波（舆情监控人员）');
    }
    const overdueLines = linesOf(hx.lines, id).filter((l) => l.includes('逾期：首报'));
    expect(overdueLines).toHaveLength(3);
    for (const who of ['刘波', '赵敏', '王加志']) {
      expect(overdueLines.filter((l) => l.startsWith(`[notify] ${id} → ${who} via log: ${COUNTY}逾期：首报（${clock(due)}（逾期 `))).toHaveLength(1);
    }
    const s1 = await hx.status(h);
    expect(s1).toMatchObject({ overdueCount: 1, bindingOverdueCount: 1, targetOverdueCount: 0 });
    expect(obligation(s1, 'firstReport')).toMatchObject({ status: 'pending', overdue: true });
    const overdueEntry = s1.timeline.find((t) => t.action === 'overdue')!;
    expect(Date.parse(overdueEntry.at) - due).toBeGreaterThanOrEqual(0);
    expect(Date.parse(overdueEntry.at) - due).toBeLessThan(MIN);
    expect(s1.nextDeadlineAt).toBe(local(t0 + 3 * HOUR));
    // The earliest unmet due is the one already passed.
    expect(s1.earliestDueAt).toBe(local(due));
    expect(await hx.outcomes(id)).toHaveLength(0); // overdue is a flag and a notice, not yet a finding

    // The report comes in at 1h30m: late by 30 minutes, one 迟报 finding about the monitor, open for review.
    await hx.sleepUntil(t0 + 90 * MIN);
    const after = await h.executeUpdate(actionUpdates.report, { args: [{ by: 'liu.bo', to: 'office', mode: 'written', at: iso(t0 + 90 * MIN) }] });
    expect(obligation(after, 'firstReport')).toMatchObject({ status: 'late', overdue: false, flaggedOverdue: true, delay: '30m', metAt: local(t0 + 90 * MIN) });
    expect(after).toMatchObject({ overdueCount: 0, bindingOverdueCount: 0, earliestDueAt: local(t0 + 3 * HOUR) });
    const rows = await hx.outcomes(id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: `${id}/firstReport/timers`, source: 'timers', kind: 'late', obligationId: 'firstReport', obligationKind: 'firstReport',
      personId: 'liu.bo', role: 'monitor', delayMs: 30 * MIN, dueAt: due, at: t0 + 90 * MIN, claimedAt: t0 + 90 * MIN,
      binding: 'binding', gradeBasis: 'computed', grade: 'especiallyMajor', reviewState: 'open', recordedBy: 'liu.bo',
    });
    expect(rows[0].recordedAt! - (t0 + 90 * MIN)).toBeGreaterThanOrEqual(0);
    expect(rows[0].recordedAt! - (t0 + 90 * MIN)).toBeLessThan(MIN);
    expect(rows[0].details).toContain('首报迟报：迟30m');
  });

  it('a phone report meets the first report and opens a written report due 30 minutes later (000 篇三 §四(二)), which the written report meets', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'county-office', id: 'cty-phone', by: 'liu.bo', metrics: { casualties: 2 } });
    await hx.sleepUntil(t0 + 20 * MIN);
    const written = `writtenReport/liu.bo@${idt(t0 + 20 * MIN)}`;
    const s1 = await h.executeUpdate(actionUpdates.report, { args: [{ by: 'liu.bo', to: 'office', mode: 'phone', at: iso(t0 + 20 * MIN) }] });
    expect(obligation(s1, 'firstReport')).toMatchObject({ status: 'met', metAt: local(t0 + 20 * MIN) });
    expect(obligation(s1, written)).toMatchObject({
      kind: 'writtenReport', status: 'pending', dueAt: local(t0 + 50 * MIN), owner: { personId: 'liu.bo', role: 'monitor' },
    });
    expect(s1.nextDeadlineAt).toBe(local(t0 + 50 * MIN));
    const [assigned] = await noticesNow(id, written, 'assigned', 1);
    expect(persons(assigned)).toEqual(['liu.bo:monitor']);
    expect(assigned.id.startsWith(`${id}/assigned/${written}/due=${idt(t0 + 50 * MIN)},set=`)).toBe(true);
    // The first report was met before its assignment notice went out: it is withdrawn, not sent.
    const frAssigned = await noticesNow(id, 'firstReport', 'assigned', 1);
    expect(frAssigned[0]).toMatchObject({ status: 'superseded', settledReason: 'met' });

    // The 30-minute reminder would fall on the phone call itself; only the 10-minute one is sent.
    await hx.sleepUntil(t0 + 41 * MIN);
    const [reminder] = await noticesNow(id, written, 'reminder', 1);
    expect(reminder.id).toBe(`${id}/reminder/${written}/before=10m,due=${idt(t0 + 50 * MIN)}`);
    const [d] = await deliverNotice(reminder.id);
    expect(d.subject).toBe(`${COUNTY}提醒：书面报告（${clock(t0 + 50 * MIN)}（${relative(t0 + 50 * MIN, d.deliveredAt!)}））`);
    expect(linesOf(hx.lines, id)).toContain(`[notify] ${id} → 刘波 via log: ${d.subject}`);
    // The first report's reminders never came: its timer stopped when it was met.
    expect(noticesFor(await hx.notices(id), 'firstReport', 'reminder')).toEqual([]);
    expect(linesOf(hx.lines, id).filter((l) => l.includes('首报'))).toEqual([]);

    await hx.sleepUntil(t0 + 45 * MIN);
    const s2 = await h.executeUpdate(actionUpdates.report, { args: [{ by: 'liu.bo', to: 'office', mode: 'written', at: iso(t0 + 45 * MIN) }] });
    expect(obligation(s2, written)).toMatchObject({ status: 'met', metAt: local(t0 + 45 * MIN), delay: null });

    // The written report's timer was cancelled: nothing is overdue at 50 minutes.
    await hx.sleepUntil(t0 + 55 * MIN);
    await hx.quiescent(h);
    expect(noticesFor(await hx.notices(id), written, 'overdue')).toHaveLength(0);
    const rows = await hx.outcomes(id);
    expect(rows.map((o) => [o.id, o.obligationId, o.kind, o.personId, o.reviewState]).sort()).toEqual([
      [`${id}/firstReport/timers`, 'firstReport', 'onTime', 'liu.bo', 'notReviewed'],
      [`${id}/${written}/timers`, written, 'onTime', 'liu.bo', 'notReviewed'],
    ]);
  });
});

describe('deadlines count from discovery, not from entry (plan-rules: statutory deadlines)', () => {
  it('an especially major incident entered 1h30m after discovery is overdue at once, with no reminders for points already past', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'county-office', id: 'cty-entered-late', by: 'liu.bo', metrics: { casualties: 3 }, enteredAfter: 90 * MIN });
    const s = await eventually(async () => {
      const st = await hx.status(h);
      expect(st.overdueCount).toBe(1);
      return st;
    });
    expect(s).toMatchObject({ bindingOverdueCount: 1, targetOverdueCount: 0, earliestDueAt: local(t0 + HOUR), nextDeadlineAt: local(t0 + 3 * HOUR) });
    expect(obligation(s, 'firstReport')).toMatchObject({ dueAt: local(t0 + HOUR), status: 'pending', overdue: true });
    await hx.quiescent(h);
    const rows = await hx.notices(id);
    const [overdue] = noticesFor(rows, 'firstReport', 'overdue');
    expect(noticesFor(rows, 'firstReport', 'overdue')).toHaveLength(1);
    expect(persons(overdue)).toEqual(['liu.bo:monitor', 'wang.jiazhi:officeDirector', 'zhao.min:office']);
    expect(noticesFor(rows, 'firstReport', 'reminder')).toEqual([]);
    // The public response (3h) is still ahead: its reminders come at 2h30m and 2h50m.
    await hx.sleepUntil(t0 + 2 * HOUR + 51 * MIN);
    const prReminders = await noticesNow(id, 'publicResponse', 'reminder', 2);
    expect(prReminders.map((r) => r.notice.trigger)).toEqual([`before=30m,due=${idt(t0 + 3 * HOUR)}`, `before=10m,due=${idt(t0 + 3 * HOUR)}`]);
    expect(prReminders.map((r) => persons(r))).toEqual([['xu.fang:spokesperson'], ['xu.fang:spokesperson']]);
    const late = await h.executeUpdate(actionUpdates.report, { args: [{ by: 'liu.bo', to: 'office', mode: 'written', at: iso(t0 + 2 * HOUR) }] });
    expect(obligation(late, 'firstReport')).toMatchObject({ status: 'late', delay: '1h' });
    expect(late.timeline.at(-1)).toMatchObject({ action: 'report', at: local(t0 + 2 * HOUR), backdated: false, gapMinutes: 51 });
    expect((await hx.outcomes(id)).map((o) => [o.obligationId, o.kind, o.delayMs])).toEqual([['firstReport', 'late', HOUR]]);
  });
});

describe('school, general incident (001 school plan §四(一))', () => {
  it('dispatch is due 2h after assessment and escalates when missed; the explanation is due 1 day after dispatch', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'school', id: 'sch-dispatch', by: 'zheng.hao', metrics: { posts: 10 } });
    const s0 = await hx.status(h);
    expect(s0.grade).toBe('general');
    expect(obligation(s0, 'firstReport').dueAt).toBe(local(t0 + 2 * HOUR));
    expect(s0.obligations.map((o) => o.kind)).not.toContain('firstRelease');

    await hx.sleepUntil(t0 + 10 * MIN);
    await h.executeUpdate(actionUpdates.report, { args: [{ by: 'zheng.hao', to: 'office', mode: 'written', at: iso(t0 + 10 * MIN) }] });
    await hx.sleepUntil(t0 + 30 * MIN);
    const assessed = await h.executeUpdate(actionUpdates.assess, { args: [{ by: 'liu.yang', at: iso(t0 + 30 * MIN) }] });
    expect(assessed.stage).toBe('rapidResponse');
    // Anchored at the assessment, not at discovery: its id names that moment.
    const dispatch = `dispatch@${idt(t0 + 30 * MIN)}`;
    expect(obligation(assessed, dispatch)).toMatchObject({ kind: 'dispatch', dueAt: local(t0 + 30 * MIN + 2 * HOUR), binding: 'binding', owner: { personId: 'liu.yang', role: 'office' } });

    // 2h after the assessment: the office is overdue; its chain (officeDirector, leaderInCharge) is told.
    await hx.sleepUntil(t0 + 2 * HOUR + 31 * MIN);
    const [overdue] = await noticesNow(id, dispatch, 'overdue', 1);
    expect(overdue.id).toBe(`${id}/overdue/${dispatch}/due=${idt(t0 + 2 * HOUR + 30 * MIN)}`);
    expect(persons(overdue)).toEqual(['chen.jing:leaderInCharge', 'liu.yang:office', 'ma.jun:officeDirector']);
    const sent = await deliverNotice(overdue.id);
    expect(sent).toHaveLength(3);
    for (const d of sent) expect(d.subject).toMatch(SCHOOL_UNIT);
    for (const d of sent) expect(d.subject).toContain(`逾期：转办职能科室（${clock(t0 + 2 * HOUR + 30 * MIN)}（逾期 `);
    expect(linesOf(hx.lines, id).filter((l) => l.includes('逾期：转办职能科室')).map((l) => l.split(' via ')[0]).sort()).toEqual(
      ['马骏', '陈静', '刘洋'].map((n) => `[notify] ${id} → ${n}`).sort(),
    );

    await hx.sleepUntil(t0 + 2 * HOUR + 40 * MIN);
    const dispatchedAt = t0 + 2 * HOUR + 40 * MIN;
    const explanation = `explanation@${idt(dispatchedAt)}`;
    const dispatched = await h.executeUpdate(actionUpdates.dispatch, { args: [{ by: 'liu.yang', department: 'li.ming', at: iso(dispatchedAt) }] });
    expect(obligation(dispatched, dispatch)).toMatchObject({ status: 'late', delay: '10m' });
    expect(obligation(dispatched, explanation)).toMatchObject({
      kind: 'explanation', status: 'pending', dueAt: local(dispatchedAt + DAY), owner: { personId: 'li.ming', role: 'department' },
    });
    // A dispatch is a duty, not a report line: late under its own name (转办超时), never 迟报.
    const late = (await hx.outcomes(id)).find((o) => o.obligationId === dispatch)!;
    expect(late).toMatchObject({ id: `${id}/${dispatch}/timers`, kind: 'lateDuty', personId: 'liu.yang', delayMs: 10 * MIN, binding: 'binding', reviewState: 'open' });
    expect(late.details).toContain('转办超时');
    expect(late.details).not.toContain('迟报');

    // One day later the department is overdue; its chain (office, leaderInCharge) is told.
    await hx.sleepUntil(dispatchedAt + DAY + MIN);
    const [explOverdue] = await noticesNow(id, explanation, 'overdue', 1);
    expect(persons(explOverdue)).toEqual(['chen.jing:leaderInCharge', 'li.ming:department', 'liu.yang:office', 'sun.li:office']);
    expect(explOverdue.id).toBe(`${id}/overdue/${explanation}/due=${idt(dispatchedAt + DAY)}`);
  });

  it('follow-up reports (续报) every 4h from the assessment: a timely one meets it and sets the next; a missed one escalates and misses its target', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'school', id: 'sch-followup', by: 'zheng.hao', metrics: { posts: 3 } });
    await h.executeUpdate(actionUpdates.report, { args: [{ by: 'zheng.hao', to: 'office', mode: 'written' }] });
    await hx.sleepUntil(t0 + 30 * MIN);
    const assessed = await h.executeUpdate(actionUpdates.assess, { args: [{ by: 'liu.yang', at: iso(t0 + 30 * MIN) }] });
    const fu1 = `followUp@${idt(t0 + 30 * MIN)}`;
    // 及时 with no figure: the cadence is a target (docs/rules.md §8).
    expect(obligation(assessed, fu1)).toMatchObject({ kind: 'followUp', binding: 'target', dueAt: local(t0 + 4 * HOUR + 30 * MIN), owner: { personId: 'liu.yang', role: 'office' } });

    await hx.sleepUntil(t0 + 2 * HOUR);
    const fu2 = `followUp@${idt(t0 + 2 * HOUR)}`;
    const s1 = await h.executeUpdate(actionUpdates.report, { args: [{ by: 'liu.yang', to: 'leaderInCharge', mode: 'written', kind: 'followUp', at: iso(t0 + 2 * HOUR) }] });
    expect(obligation(s1, fu1)).toMatchObject({ status: 'met', metAt: local(t0 + 2 * HOUR) });
    expect(obligation(s1, fu2)).toMatchObject({ status: 'pending', dueAt: local(t0 + 6 * HOUR) });

    // The old cadence timer (4h30m) was replaced: nothing is overdue at 4h31m.
    await hx.sleepUntil(t0 + 4 * HOUR + 31 * MIN);
    await hx.quiescent(h);
    expect(noticesFor(await hx.notices(id), fu1, 'overdue')).toHaveLength(0);

    await hx.sleepUntil(t0 + 6 * HOUR + MIN);
    const [overdue] = await noticesNow(id, fu2, 'overdue', 1);
    expect(persons(overdue)).toEqual(['chen.jing:leaderInCharge', 'liu.yang:office', 'ma.jun:officeDirector']);
    const sent = await deliverNotice(overdue.id);
    for (const d of sent) expect(d.subject).toContain(`逾期：续报（${clock(t0 + 6 * HOUR)}（逾期 `);
    // A target past its time is counted apart from binding limits, in the status and the search attributes.
    // (Nothing else was done here: the dispatch, due 2h after the assessment, and the 3h public response are binding and overdue too.)
    const s2a = await hx.status(h);
    expect(s2a.obligations.filter((o) => o.overdue).map((o) => `${o.id}:${o.binding}`).sort()).toEqual(
      [`${fu2}:target`, `dispatch@${idt(t0 + 30 * MIN)}:binding`, 'publicResponse:binding'].sort(),
    );
    expect(s2a).toMatchObject({ overdueCount: 3, bindingOverdueCount: 2, targetOverdueCount: 1, earliestDueAt: local(t0 + 2 * HOUR + 30 * MIN) });
    await eventually(async () => {
      const sa = (await h.describe()).typedSearchAttributes;
      expect([sa.get(SA.overdueCount), sa.get(SA.bindingOverdueCount), sa.get(SA.targetOverdueCount), sa.get(SA.earliestDueAt)?.toISOString()])
        .toEqual([3, 2, 1, iso(t0 + 2 * HOUR + 30 * MIN)]);
    });

    await hx.sleepUntil(t0 + 6 * HOUR + 30 * MIN);
    const fu3 = `followUp@${idt(t0 + 6 * HOUR + 30 * MIN)}`;
    const s2 = await h.executeUpdate(actionUpdates.report, { args: [{ by: 'liu.yang', to: 'leaderInCharge', mode: 'written', kind: 'followUp', at: iso(t0 + 6 * HOUR + 30 * MIN) }] });
    expect(obligation(s2, fu2)).toMatchObject({ status: 'late', delay: '30m' });
    expect(obligation(s2, fu3)).toMatchObject({ status: 'pending', dueAt: local(t0 + 10 * HOUR + 30 * MIN) });
    const rows = (await hx.outcomes(id)).filter((o) => o.obligationKind === 'followUp');
    expect(rows.map((o) => [o.obligationId, o.kind, o.binding, o.delayMs ?? null]).sort()).toEqual([
      [fu1, 'onTime', 'target', null],
      [fu2, 'targetMissed', 'target', 30 * MIN],
    ].sort());
    expect(rows.find((o) => o.kind === 'targetMissed')!.details).not.toMatch(/迟报|漏报/);
  });

  it('an inquiry found at 22:00 owes its handling opinion by local midnight (Asia/Shanghai), and its result by the end of the day handling finishes (000 篇一 §四(三)1)', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'school', id: 'sch-night', by: 'zheng.hao', metrics: { posts: 2 }, atLocalHour: 22 });
    const midnight = endOfShanghaiDay(t0);
    expect(midnight - t0).toBe(2 * HOUR - 1); // 22:00 → 23:59:59.999 local, not the end of the UTC day
    expect(local(midnight)).toMatch(/T23:59:59\+08:00$/);
    // each update is sent once the workflow is idle: under load the time-skipping server has refused a task that
    // completed an update next to the start's activity ("invalid history builder state"), and then never retried it
    await hx.quiescent(h);
    await h.executeUpdate(actionUpdates.report, { args: [{ by: 'zheng.hao', to: 'office', mode: 'written' }] });
    await hx.sleepUntil(t0 + 10 * MIN);
    await hx.quiescent(h);
    await h.executeUpdate(actionUpdates.assess, { args: [{ by: 'liu.yang' }] });
    await h.executeUpdate(actionUpdates.dispatch, { args: [{ by: 'liu.yang', department: 'li.ming' }] });
    const classified = await h.executeUpdate(actionUpdates.classify, { args: [{ by: 'liu.yang', category: 'inquiry' }] });
    expect(classified.stage).toBe('categorizedHandling');
    expect(obligation(classified, 'inquiryOpinion')).toMatchObject({ dueAt: local(midnight), owner: { personId: 'li.ming', role: 'department' } });

    // Midnight passes without a reply: the department and its chain are told.
    await hx.sleepUntil(midnight + MIN);
    const [overdue] = await noticesNow(id, 'inquiryOpinion', 'overdue', 1);
    expect(persons(overdue)).toEqual(['chen.jing:leaderInCharge', 'li.ming:department', 'liu.yang:office', 'sun.li:office']);
    expect(overdue.id).toBe(`${id}/overdue/inquiryOpinion/due=${idt(midnight)}`);

    await hx.sleepUntil(t0 + 2 * HOUR + 30 * MIN);
    const replied = await h.executeUpdate(actionUpdates.replyOpinion, { args: [{ by: 'li.ming', text: '已受理，正在核查', at: iso(t0 + 2 * HOUR + 30 * MIN) }] });
    const result = `inquiryResult@${idt(t0 + 2 * HOUR + 30 * MIN)}`;
    expect(obligation(replied, 'inquiryOpinion')).toMatchObject({ status: 'late', delay: '30m' });
    expect(obligation(replied, result)).toMatchObject({ kind: 'inquiryResult', status: 'pending', dueAt: null });

    // Handling finishes the next day at 10:00 local: the result is due by that day's end, and its owner is told.
    const finished = t0 + 12 * HOUR;
    await hx.sleepUntil(finished);
    const s = await h.executeUpdate(actionUpdates.finishHandling, { args: [{ by: 'li.ming', at: iso(finished) }] });
    expect(obligation(s, result).dueAt).toBe(local(endOfShanghaiDay(finished)));
    expect(endOfShanghaiDay(finished)).toBe(midnight + DAY);
    const [resultAssigned] = await noticesNow(id, result, 'assigned', 1);
    expect(persons(resultAssigned)).toEqual(['li.ming:department']);
    expect(resultAssigned.notice.trigger.startsWith(`due=${idt(midnight + DAY)},set=`)).toBe(true);
    await hx.sleepUntil(t0 + 25 * HOUR);
    const done = await h.executeUpdate(actionUpdates.replyResult, { args: [{ by: 'li.ming', text: '核查结果已公布', at: iso(t0 + 25 * HOUR) }] });
    expect(obligation(done, result)).toMatchObject({ status: 'met', delay: null });
    const rows = await hx.outcomes(id);
    // A late reply is named by the duty (答复处理意见超时), not 迟报.
    const opinion = rows.find((o) => o.obligationId === 'inquiryOpinion')!;
    expect(opinion).toMatchObject({ kind: 'lateDuty', personId: 'li.ming', dueAt: midnight, delayMs: 30 * MIN + 1 });
    expect(opinion.details).toContain('答复处理意见超时');
    expect(rows.find((o) => o.obligationId === result)).toMatchObject({ kind: 'onTime', personId: 'li.ming' });
  });
});
