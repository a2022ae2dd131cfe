import { describe, expect, it } from 'vitest';
import { actionUpdates } from '../../src/workflows/incident.definitions';
import { DAY, HOUR, MIN, endOfShanghaiDay, eventually, iso, linesOf, obligation, rowsFor, useHarness } from './harness';

/**
 * Statutory deadlines as durable timers on the time-skipping server, with the shipped plans' values
 * (plans/county-office.yaml, plans/school.yaml): reminders, overdue escalation, late reports.
 */
const hx = useHarness('deadlines');
const persons = (rows: { personId: string; role: string }[]) => rows.map((r) => `${r.personId}:${r.role}`).sort();

describe('county office, especially major (casualties): first report within 1h (000 篇五 §五(二))', () => {
  it('reminds 30 and 10 minutes before, escalates at 1h, and records a report at 1h30m as 迟报 by 30 minutes', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'county-office', id: 'cty-late', by: 'liu.bo', metrics: { casualties: 1 } });
    const due = t0 + HOUR;

    const s0 = await hx.status(h);
    expect(s0.grade).toBe('especiallyMajor');
    expect(obligation(s0, 'firstReport')).toMatchObject({ dueAt: iso(due), status: 'pending', owner: { personId: 'liu.bo', role: 'monitor' } });
    expect(obligation(s0, 'publicResponse')).toMatchObject({ dueAt: iso(t0 + 3 * HOUR), owner: { personId: 'xu.fang', role: 'spokesperson' } });
    expect(obligation(s0, 'firstRelease')).toMatchObject({ dueAt: iso(t0 + 24 * HOUR), owner: { personId: 'xu.fang', role: 'spokesperson' } });
    expect(s0.nextDeadlineAt).toBe(iso(due));
    await eventually(async () => expect(persons(rowsFor(await hx.outbox(id), 'firstReport', 'assigned'))).toEqual(['liu.bo:monitor']));

    // 29 minutes in: nothing to remind yet.
    await hx.sleepUntil(t0 + 29 * MIN);
    await hx.quiescent(h);
    expect(rowsFor(await hx.outbox(id), 'firstReport', 'reminder')).toHaveLength(0);

    // 30 minutes before the deadline.
    await hx.sleepUntil(t0 + 31 * MIN);
    const r1 = await eventually(async () => {
      const rows = rowsFor(await hx.outbox(id), 'firstReport', 'reminder');
      expect(rows).toHaveLength(1);
      return rows[0];
    });
    expect(r1).toMatchObject({ notificationId: `firstReport/reminder-1/${due}`, personId: 'liu.bo', status: 'sent' });
    // "30m left", give or take the second the workflow task takes to start the timer.
    expect(r1.subject).toMatch(/提醒：首报还剩 (30m|29m5\ds)$/);

    // 10 minutes before the deadline; still not overdue.
    await hx.sleepUntil(t0 + 51 * MIN);
    const reminders = await eventually(async () => {
      const rows = rowsFor(await hx.outbox(id), 'firstReport', 'reminder');
      expect(rows).toHaveLength(2);
      return rows;
    });
    expect(reminders.map((r) => r.notificationId)).toContain(`firstReport/reminder-2/${due}`);
    expect(reminders.find((r) => r.notificationId.startsWith('firstReport/reminder-2'))!.subject).toMatch(/还剩 (10m|9m5\ds)$/);
    expect(rowsFor(await hx.outbox(id), 'firstReport', 'overdue')).toHaveLength(0);
    expect((await hx.status(h)).overdueCount).toBe(0);

    // At 1h the owner and the monitor's escalation chain (office, officeDirector) are told.
    await hx.sleepUntil(t0 + 61 * MIN);
    const overdue = await eventually(async () => {
      const rows = rowsFor(await hx.outbox(id), 'firstReport', 'overdue');
      expect(rows).toHaveLength(3);
      return rows;
    });
    expect(persons(overdue)).toEqual(['liu.bo:monitor', 'wang.jiazhi:officeDirector', 'zhao.min:office']);
    expect(new Set(overdue.map((r) => r.notificationId))).toEqual(new Set([`firstReport/overdue/${due}`]));
    expect(overdue.every((r) => r.status === 'sent' && r.subject.includes('逾期：首报'))).toBe(true);
    expect(overdue[0].text).toContain('刘波');
    const overdueLines = linesOf(hx.lines, id).filter((l) => l.includes('逾期：首报'));
    expect(overdueLines).toHaveLength(3);
    for (const who of ['刘波(monitor)', '赵敏(office)', '王加志(officeDirector)']) {
      expect(overdueLines.filter((l) => l.includes(`→ ${who} via log: 【某县舆情应急处置领导小组办公室】逾期：首报`))).toHaveLength(1);
    }
    const s1 = await hx.status(h);
    expect(s1.overdueCount).toBe(1);
    expect(obligation(s1, 'firstReport')).toMatchObject({ status: 'pending', overdue: true });
    const overdueEntry = s1.timeline.find((t) => t.action === 'overdue')!;
    expect(Date.parse(overdueEntry.at) - due).toBeGreaterThanOrEqual(0);
    expect(Date.parse(overdueEntry.at) - due).toBeLessThan(MIN);
    expect(s1.nextDeadlineAt).toBe(iso(t0 + 3 * HOUR));
    expect(await hx.outcomes(id)).toHaveLength(0); // overdue is a notice, not yet an outcome

    // The report comes in at 1h30m: late by 30 minutes, one 迟报 row for the monitor.
    await hx.sleepUntil(t0 + 90 * MIN);
    const after = await h.executeUpdate(actionUpdates.report, { args: [{ by: 'liu.bo', to: 'office', mode: 'written', at: iso(t0 + 90 * MIN) }] });
    expect(obligation(after, 'firstReport')).toMatchObject({ status: 'late', overdue: false, flaggedOverdue: true, delay: '30m', metAt: iso(t0 + 90 * MIN) });
    expect(after.overdueCount).toBe(0);
    const rows = await hx.outcomes(id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: `${id}/firstReport/late`, kind: 'late', obligationId: 'firstReport', personId: 'liu.bo', role: 'monitor',
      delayMs: 30 * MIN, dueAt: due, at: t0 + 90 * MIN, recordedBy: 'liu.bo',
    });
    expect(rows[0].details).toContain('首报迟30m');
  });

  it('a phone report meets the first report and opens a written report due 30 minutes later (000 篇三 §四(二)), which the written report meets', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'county-office', id: 'cty-phone', by: 'liu.bo', metrics: { casualties: 2 } });
    await hx.sleepUntil(t0 + 20 * MIN);
    const s1 = await h.executeUpdate(actionUpdates.report, { args: [{ by: 'liu.bo', to: 'office', mode: 'phone', at: iso(t0 + 20 * MIN) }] });
    expect(obligation(s1, 'firstReport')).toMatchObject({ status: 'met', metAt: iso(t0 + 20 * MIN) });
    expect(obligation(s1, 'writtenReport')).toMatchObject({
      status: 'pending', dueAt: iso(t0 + 50 * MIN), owner: { personId: 'liu.bo', role: 'monitor' },
    });
    expect(s1.nextDeadlineAt).toBe(iso(t0 + 50 * MIN));
    await eventually(async () => expect(persons(rowsFor(await hx.outbox(id), 'writtenReport', 'assigned'))).toEqual(['liu.bo:monitor']));

    // The 30-minute reminder would fall on the phone call itself; only the 10-minute one is sent.
    await hx.sleepUntil(t0 + 41 * MIN);
    const reminder = await eventually(async () => {
      const rows = rowsFor(await hx.outbox(id), 'writtenReport', 'reminder');
      expect(rows).toHaveLength(1);
      return rows[0];
    });
    expect(reminder.notificationId).toBe(`writtenReport/reminder-1/${t0 + 50 * MIN}`);
    expect(reminder.subject).toMatch(/书面报告还剩 (10m|9m5\ds)$/);

    await hx.sleepUntil(t0 + 45 * MIN);
    const s2 = await h.executeUpdate(actionUpdates.report, { args: [{ by: 'liu.bo', to: 'office', mode: 'written', at: iso(t0 + 45 * MIN) }] });
    expect(obligation(s2, 'writtenReport')).toMatchObject({ status: 'met', metAt: iso(t0 + 45 * MIN), delay: null });

    // The written report's timer was cancelled: nothing is overdue at 50 minutes.
    await hx.sleepUntil(t0 + 55 * MIN);
    await hx.quiescent(h);
    expect(rowsFor(await hx.outbox(id), 'writtenReport', 'overdue')).toHaveLength(0);
    const rows = await hx.outcomes(id);
    expect(rows.map((o) => [o.obligationId, o.kind, o.personId]).sort()).toEqual([
      ['firstReport', 'onTime', 'liu.bo'],
      ['writtenReport', 'onTime', 'liu.bo'],
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
    expect(obligation(s, 'firstReport')).toMatchObject({ dueAt: iso(t0 + HOUR), status: 'pending', overdue: true });
    expect(s.nextDeadlineAt).toBe(iso(t0 + 3 * HOUR));
    await hx.quiescent(h);
    const rows = await hx.outbox(id);
    expect(persons(rowsFor(rows, 'firstReport', 'overdue'))).toEqual(['liu.bo:monitor', 'wang.jiazhi:officeDirector', 'zhao.min:office']);
    expect(rowsFor(rows, 'firstReport', 'reminder')).toEqual([]);
    // The public response (3h) is still ahead: its reminders come at 2h30m and 2h50m.
    await hx.sleepUntil(t0 + 2 * HOUR + 51 * MIN);
    await eventually(async () => expect(rowsFor(await hx.outbox(id), 'publicResponse', 'reminder')).toHaveLength(2));
    const late = await h.executeUpdate(actionUpdates.report, { args: [{ by: 'liu.bo', to: 'office', mode: 'written', at: iso(t0 + 2 * HOUR) }] });
    expect(obligation(late, 'firstReport')).toMatchObject({ status: 'late', delay: '60m' });
    expect(late.timeline.at(-1)).toMatchObject({ action: 'report', backdated: false, gapMinutes: 51 });
  });
});

describe('school, general incident (001 school plan §四(一))', () => {
  it('dispatch is due 2h after assessment and escalates when missed; the explanation is due 1 day after dispatch', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'school', id: 'sch-dispatch', by: 'zheng.hao', metrics: { posts: 10 } });
    const s0 = await hx.status(h);
    expect(s0.grade).toBe('general');
    expect(obligation(s0, 'firstReport').dueAt).toBe(iso(t0 + 2 * HOUR));
    expect(s0.obligations.map((o) => o.kind)).not.toContain('firstRelease');

    await hx.sleepUntil(t0 + 10 * MIN);
    await h.executeUpdate(actionUpdates.report, { args: [{ by: 'zheng.hao', to: 'office', mode: 'written', at: iso(t0 + 10 * MIN) }] });
    await hx.sleepUntil(t0 + 30 * MIN);
    const assessed = await h.executeUpdate(actionUpdates.assess, { args: [{ by: 'liu.yang', at: iso(t0 + 30 * MIN) }] });
    expect(assessed.stage).toBe('rapidResponse');
    expect(obligation(assessed, 'dispatch')).toMatchObject({ dueAt: iso(t0 + 30 * MIN + 2 * HOUR), owner: { personId: 'liu.yang', role: 'office' } });

    // 2h after the assessment: the office is overdue; its chain (officeDirector, leaderInCharge) is told.
    await hx.sleepUntil(t0 + 2 * HOUR + 31 * MIN);
    const overdue = await eventually(async () => {
      const rows = rowsFor(await hx.outbox(id), 'dispatch', 'overdue');
      expect(rows).toHaveLength(3);
      return rows;
    });
    expect(persons(overdue)).toEqual(['chen.jing:leaderInCharge', 'liu.yang:office', 'ma.jun:officeDirector']);
    expect(overdue[0].subject).toContain('逾期：转办职能科室');

    await hx.sleepUntil(t0 + 2 * HOUR + 40 * MIN);
    const dispatchedAt = t0 + 2 * HOUR + 40 * MIN;
    const dispatched = await h.executeUpdate(actionUpdates.dispatch, { args: [{ by: 'liu.yang', department: 'li.ming', at: iso(dispatchedAt) }] });
    expect(obligation(dispatched, 'dispatch')).toMatchObject({ status: 'late', delay: '10m' });
    expect(obligation(dispatched, 'explanation')).toMatchObject({
      status: 'pending', dueAt: iso(dispatchedAt + DAY), owner: { personId: 'li.ming', role: 'department' },
    });
    const late = (await hx.outcomes(id)).find((o) => o.obligationId === 'dispatch')!;
    expect(late).toMatchObject({ kind: 'late', personId: 'liu.yang', delayMs: 10 * MIN });

    // One day later the department is overdue; its chain (office, leaderInCharge) is told.
    await hx.sleepUntil(dispatchedAt + DAY + MIN);
    const explOverdue = await eventually(async () => {
      const rows = rowsFor(await hx.outbox(id), 'explanation', 'overdue');
      expect(rows).toHaveLength(4);
      return rows;
    });
    expect(persons(explOverdue)).toEqual(['chen.jing:leaderInCharge', 'li.ming:department', 'liu.yang:office', 'sun.li:office']);
    expect(explOverdue[0].notificationId).toBe(`explanation/overdue/${dispatchedAt + DAY}`);
  });

  it('follow-up reports (续报) every 4h from the assessment: a timely one meets it and sets the next; a missed one escalates and is late', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'school', id: 'sch-followup', by: 'zheng.hao', metrics: { posts: 3 } });
    await h.executeUpdate(actionUpdates.report, { args: [{ by: 'zheng.hao', to: 'office', mode: 'written' }] });
    await hx.sleepUntil(t0 + 30 * MIN);
    const assessed = await h.executeUpdate(actionUpdates.assess, { args: [{ by: 'liu.yang', at: iso(t0 + 30 * MIN) }] });
    expect(obligation(assessed, 'followUp')).toMatchObject({ dueAt: iso(t0 + 4 * HOUR + 30 * MIN), owner: { personId: 'liu.yang', role: 'office' } });

    await hx.sleepUntil(t0 + 2 * HOUR);
    const s1 = await h.executeUpdate(actionUpdates.report, { args: [{ by: 'liu.yang', to: 'leaderInCharge', mode: 'written', kind: 'followUp', at: iso(t0 + 2 * HOUR) }] });
    expect(obligation(s1, 'followUp')).toMatchObject({ status: 'met', metAt: iso(t0 + 2 * HOUR) });
    expect(obligation(s1, 'followUp-2')).toMatchObject({ status: 'pending', dueAt: iso(t0 + 6 * HOUR) });

    // The old cadence timer (4h30m) was replaced: nothing is overdue at 4h31m.
    await hx.sleepUntil(t0 + 4 * HOUR + 31 * MIN);
    await hx.quiescent(h);
    expect(rowsFor(await hx.outbox(id), 'followUp', 'overdue')).toHaveLength(0);

    await hx.sleepUntil(t0 + 6 * HOUR + MIN);
    const overdue = await eventually(async () => {
      const rows = rowsFor(await hx.outbox(id), 'followUp-2', 'overdue');
      expect(rows).toHaveLength(3);
      return rows;
    });
    expect(persons(overdue)).toEqual(['chen.jing:leaderInCharge', 'liu.yang:office', 'ma.jun:officeDirector']);
    expect(overdue[0].subject).toContain('逾期：续报');

    await hx.sleepUntil(t0 + 6 * HOUR + 30 * MIN);
    const s2 = await h.executeUpdate(actionUpdates.report, { args: [{ by: 'liu.yang', to: 'leaderInCharge', mode: 'written', kind: 'followUp', at: iso(t0 + 6 * HOUR + 30 * MIN) }] });
    expect(obligation(s2, 'followUp-2')).toMatchObject({ status: 'late', delay: '30m' });
    expect(obligation(s2, 'followUp-3')).toMatchObject({ status: 'pending', dueAt: iso(t0 + 10 * HOUR + 30 * MIN) });
    const rows = (await hx.outcomes(id)).filter((o) => o.obligationKind === 'followUp');
    expect(rows.map((o) => [o.obligationId, o.kind, o.delayMs ?? null]).sort()).toEqual([
      ['followUp', 'onTime', null],
      ['followUp-2', 'late', 30 * MIN],
    ]);
  });

  it('an inquiry found at 22:00 owes its handling opinion by local midnight (Asia/Shanghai), and its result by the end of the day handling finishes (000 篇一 §四(三)1)', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'school', id: 'sch-night', by: 'zheng.hao', metrics: { posts: 2 }, atLocalHour: 22 });
    const midnight = endOfShanghaiDay(t0);
    expect(midnight - t0).toBe(2 * HOUR - 1); // 22:00 → 23:59:59.999 local, not the end of the UTC day
    await h.executeUpdate(actionUpdates.report, { args: [{ by: 'zheng.hao', to: 'office', mode: 'written' }] });
    await hx.sleepUntil(t0 + 10 * MIN);
    await h.executeUpdate(actionUpdates.assess, { args: [{ by: 'liu.yang' }] });
    await h.executeUpdate(actionUpdates.dispatch, { args: [{ by: 'liu.yang', department: 'li.ming' }] });
    const classified = await h.executeUpdate(actionUpdates.classify, { args: [{ by: 'liu.yang', category: 'inquiry' }] });
    expect(classified.stage).toBe('categorizedHandling');
    expect(obligation(classified, 'inquiryOpinion')).toMatchObject({ dueAt: iso(midnight), owner: { personId: 'li.ming', role: 'department' } });

    // Midnight passes without a reply: the department and its chain are told.
    await hx.sleepUntil(midnight + MIN);
    const overdue = await eventually(async () => {
      const rows = rowsFor(await hx.outbox(id), 'inquiryOpinion', 'overdue');
      expect(rows).toHaveLength(4);
      return rows;
    });
    expect(persons(overdue)).toEqual(['chen.jing:leaderInCharge', 'li.ming:department', 'liu.yang:office', 'sun.li:office']);

    await hx.sleepUntil(t0 + 2 * HOUR + 30 * MIN);
    const replied = await h.executeUpdate(actionUpdates.replyOpinion, { args: [{ by: 'li.ming', text: '已受理，正在核查', at: iso(t0 + 2 * HOUR + 30 * MIN) }] });
    expect(obligation(replied, 'inquiryOpinion')).toMatchObject({ status: 'late', delay: '30m' });
    expect(obligation(replied, 'inquiryResult')).toMatchObject({ status: 'pending', dueAt: null });

    // Handling finishes the next day at 10:00 local: the result is due by that day's end.
    const finished = t0 + 12 * HOUR;
    await hx.sleepUntil(finished);
    const s = await h.executeUpdate(actionUpdates.finishHandling, { args: [{ by: 'li.ming', at: iso(finished) }] });
    expect(obligation(s, 'inquiryResult').dueAt).toBe(iso(endOfShanghaiDay(finished)));
    expect(endOfShanghaiDay(finished)).toBe(midnight + DAY);
    await hx.sleepUntil(t0 + 25 * HOUR);
    const done = await h.executeUpdate(actionUpdates.replyResult, { args: [{ by: 'li.ming', text: '核查结果已公布', at: iso(t0 + 25 * HOUR) }] });
    expect(obligation(done, 'inquiryResult')).toMatchObject({ status: 'met', delay: null });
    const rows = await hx.outcomes(id);
    expect(rows.find((o) => o.obligationId === 'inquiryOpinion')).toMatchObject({ kind: 'late', personId: 'li.ming', dueAt: midnight });
    expect(rows.find((o) => o.obligationId === 'inquiryResult')).toMatchObject({ kind: 'onTime', personId: 'li.ming' });
  });
});
