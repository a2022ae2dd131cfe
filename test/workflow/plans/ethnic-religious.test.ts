import { describe, expect, it } from 'vitest';
import { actionUpdates } from '../../../src/workflows/incident.definitions';
import { HOUR, MIN, eventually, iso, noticesFor, obligation, persons, useHarness } from '../harness';

/**
 * plans/ethnic-religious.yaml (000 篇三) on the time-skipping server, with its real hours: the section → 领导小组办公室
 * line (≤ 2 h, binding), the written report after a phone report (30 min when 紧急), and the major-only scope.
 */
const hx = useHarness('plan-ethnic-religious');

const MONITOR = 'tao.yang';        // 宗教工作科舆情监控人员: not the plan's first monitor
const OFFICE = 'jing.zhou';
const DIRECTOR = 'jianhua.li';
const LINE = 'report/section-office';
/** The status's times: ISO in Asia/Shanghai with its offset, to the second (written independently of src/). */
const local = (ms: number) => `${new Date(Math.floor(ms / 1000) * 1000 + 8 * HOUR).toISOString().slice(0, 19)}+08:00`;

describe('000 篇三 §四(二) on the server: the section reports to the office within 2 h', () => {
  it('紧急: an urgent phone report at 20 min meets the line and owes the written report 30 min after it; flagged at 50 min; written at 70 min is 迟报 by 20 min (000 篇三 §四(二))', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'ethnic-religious', id: 'mz-urgent', by: MONITOR, current: true, grade: 'major' });
    expect(obligation(await hx.status(h), LINE)).toMatchObject({
      dueAt: local(t0 + 2 * HOUR), binding: 'binding', status: 'pending', owner: { personId: MONITOR, role: 'monitor' }, line: { to: '领导小组办公室' },
    });

    await hx.sleepUntil(t0 + 20 * MIN);
    const afterPhone = await h.executeUpdate(actionUpdates.report, { args: [{ by: MONITOR, to: 'office', mode: 'phone', urgent: true, at: iso(t0 + 20 * MIN) }] });
    expect(obligation(afterPhone, LINE)).toMatchObject({ status: 'met', metAt: local(t0 + 20 * MIN) });
    const written = afterPhone.obligations.find((o) => o.kind === 'writtenReport')!;
    expect(written).toMatchObject({ dueAt: local(t0 + 50 * MIN), binding: 'binding', status: 'pending', owner: { personId: MONITOR } });

    // the written report's timer fires at its due time: a flag and notices, no finding yet
    await hx.sleepUntil(t0 + 51 * MIN);
    await eventually(async () => expect(obligation(await hx.status(h), written.id)).toMatchObject({ overdue: true, status: 'pending' }));
    await eventually(async () => expect(noticesFor(await hx.notices(id), written.id, 'overdue')).toHaveLength(1));
    expect((await hx.outcomes(id)).filter((f) => f.kind !== 'onTime')).toEqual([]);

    await hx.sleepUntil(t0 + 70 * MIN);
    await h.executeUpdate(actionUpdates.report, { args: [{ by: MONITOR, to: 'office', mode: 'written', at: iso(t0 + 70 * MIN) }] });
    await hx.quiescent(h);
    const rows = await eventually(async () => {
      const all = await hx.outcomes(id);
      expect(all.filter((f) => f.kind === 'late')).toHaveLength(1);
      return all;
    });
    expect(rows.map((f) => [f.obligationId, f.kind, f.personId, f.delayMs]).sort()).toEqual([
      [LINE, 'onTime', MONITOR, undefined],
      [written.id, 'late', MONITOR, 20 * MIN],
    ].sort());
    expect(rows.find((f) => f.kind === 'late')!.accountabilityBasis).toMatch(/^000 篇三 §六/);
  });

  it('the binding 2 h line: flagged overdue at 2 h with the owner and the office told; a report at 2 h 30 min is 迟报 against the section\'s monitor (000 篇三 §四(二), §六)', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'ethnic-religious', id: 'mz-late', by: MONITOR, current: true, grade: 'major' });

    await hx.sleepUntil(t0 + 119 * MIN);
    await hx.quiescent(h);
    expect(obligation(await hx.status(h), LINE).overdue).toBe(false);

    await hx.sleepUntil(t0 + 121 * MIN);
    // the line and its 通报 (no department named yet: 同时向有关部门通报, due with the report)
    await eventually(async () => expect(await hx.status(h)).toMatchObject({ overdueCount: 2, bindingOverdueCount: 2 }));
    expect(obligation(await hx.status(h), `${LINE}/notify`)).toMatchObject({ overdue: true, line: { recipientsPending: true } });
    const [overdue] = await eventually(async () => {
      const rows = noticesFor(await hx.notices(id), LINE, 'overdue');
      expect(rows).toHaveLength(1);
      return rows;
    });
    // the owner and the monitor's escalation (the office and its director)
    expect(persons(overdue)).toEqual([`${DIRECTOR}:officeDirector`, `${OFFICE}:office`, `${MONITOR}:monitor`].sort());
    expect(await hx.outcomes(id)).toEqual([]);

    await hx.sleepUntil(t0 + 150 * MIN);
    const s = await h.executeUpdate(actionUpdates.report, { args: [{ by: MONITOR, to: DIRECTOR, mode: 'written', at: iso(t0 + 150 * MIN) }] });
    expect(obligation(s, LINE)).toMatchObject({ status: 'late', delay: '30m' });
    const [late] = await eventually(async () => {
      const rows = await hx.outcomes(id);
      expect(rows).toHaveLength(1);
      return rows;
    });
    expect(late).toMatchObject({ kind: 'late', obligationId: LINE, personId: MONITOR, role: 'monitor', delayMs: 30 * MIN, binding: 'binding' });
  });

  it('entered below 重大: nothing runs for 3 h; the office\'s assessment as 重大 meets the line to itself, nothing is late (rule book, Scope; 000 篇三 §一)', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'ethnic-religious', id: 'mz-scope', by: MONITOR, current: true });
    await hx.sleepUntil(t0 + 3 * HOUR);
    await hx.quiescent(h);
    const before = await hx.status(h);
    expect(before.obligations).toEqual([]);
    expect(before.scope).toMatchObject({ plan: 'majorOnly', inScope: false, majorAt: null });

    const s = await h.executeUpdate(actionUpdates.assess, { args: [{ by: OFFICE, grade: 'major', at: iso(t0 + 3 * HOUR) }] });
    expect(s.scope).toMatchObject({ inScope: true, majorAt: local(t0 + 3 * HOUR) });
    const line = s.obligations.find((o) => o.line?.key === 'section-office')!;
    expect(line).toMatchObject({ status: 'met', line: { metByAssessment: true }, owner: { personId: MONITOR } });
    // the 通报 of the related departments runs from the assessment too: the office names one, the section notifies it
    const notify = s.obligations.find((o) => o.line?.key === 'section-office/notify')!;
    expect(notify).toMatchObject({ status: 'pending', dueAt: local(t0 + 5 * HOUR), owner: { personId: MONITOR } });
    await h.executeUpdate(actionUpdates.nameDepartments, { args: [{ by: OFFICE, departments: ['fang.liu'], at: iso(t0 + 3 * HOUR) }] });
    await h.executeUpdate(actionUpdates.report, { args: [{ by: MONITOR, to: 'fang.liu', mode: 'message', at: iso(t0 + 3 * HOUR) }] });

    await hx.sleepUntil(t0 + 6 * HOUR);
    await hx.quiescent(h);
    expect((await hx.outcomes(id)).filter((f) => f.kind !== 'onTime')).toEqual([]);
    expect((await hx.notices(id)).filter((n) => n.kind === 'overdue')).toEqual([]);
  });
});
