import { describe, expect, it } from 'vitest';
import { actionUpdates } from '../../../src/workflows/incident.definitions';
import { HOUR, MIN, eventually, iso, noticesFor, obligation, persons, useHarness } from '../harness';

/**
 * plans/xuchang-school.yaml (000 篇二, 许昌实验中学) on the time-skipping server, with its real hours: the one line
 * discoverer → 学校宣传科 (规定时限: 2 h, a target), the binding 3 h public response, no relay, no approval step, the
 * major-only scope, and the accountability clause every finding carries (000 篇二 §三(五)).
 */
const hx = useHarness('plan-xuchang-school');

const MONITOR = 'hao.sun';
const NETWORK_CENTRE = 'lei.huang';   // 电教网络中心 (000 篇二 §二(一)): technical support, here the discoverer
const OFFICE = 'li.chen';
const DIRECTOR = 'qiang.zhang';
const SPOKESPERSON = 'fang.zhou';
const LINE = 'report/discoverer-office';
/** The status's times: ISO in Asia/Shanghai with its offset, to the second (written independently of src/). */
const local = (ms: number) => `${new Date(Math.floor(ms / 1000) * 1000 + 8 * HOUR).toISOString().slice(0, 19)}+08:00`;

describe('000 篇二 §三(二) on the server: discoverer → 学校宣传科; three hours to respond', () => {
  it('recorded as 重大 at entry by 电教网络中心: the line made in time, no relay; the 3 h response flagged at 3 h and 回应超时 at 3 h 30 min', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'xuchang-school', id: 'xc-entry', by: NETWORK_CENTRE, current: true, grade: 'major' });
    const s0 = await hx.status(h);
    expect(obligation(s0, LINE)).toMatchObject({ dueAt: local(t0 + 2 * HOUR), binding: 'target', owner: { personId: NETWORK_CENTRE, role: 'monitor' }, line: { to: '学校宣传科' } });
    expect(obligation(s0, 'publicResponse')).toMatchObject({ dueAt: local(t0 + 3 * HOUR), binding: 'binding', owner: { personId: SPOKESPERSON } });

    // reported in person to the head of 宣传科 at 1 h: met; the plan has no relay, so no other line starts
    await hx.sleepUntil(t0 + HOUR);
    let s = await h.executeUpdate(actionUpdates.report, { args: [{ by: NETWORK_CENTRE, to: DIRECTOR, mode: 'inPerson', at: iso(t0 + HOUR) }] });
    expect(obligation(s, LINE)).toMatchObject({ status: 'met', metAt: local(t0 + HOUR) });
    expect(s.obligations.filter((o) => o.line).map((o) => o.id)).toEqual([LINE]);
    s = await h.executeUpdate(actionUpdates.assess, { args: [{ by: OFFICE }] });
    expect(s.stage).toBe('rapidResponse');

    // 3 h: the binding response is flagged; the spokesperson and the escalation are told; no finding yet
    await hx.sleepUntil(t0 + 3 * HOUR + MIN);
    await eventually(async () => expect(await hx.status(h)).toMatchObject({ bindingOverdueCount: 1, targetOverdueCount: 0 }));
    const [overdue] = await eventually(async () => {
      const rows = noticesFor(await hx.notices(id), 'publicResponse', 'overdue');
      expect(rows).toHaveLength(1);
      return rows;
    });
    expect(persons(overdue)).toEqual([`${DIRECTOR}:officeDirector`, `${SPOKESPERSON}:spokesperson`, 'jun.wang:principalLeader', 'wei.liu:leaderInCharge'].sort());
    expect((await hx.outcomes(id)).filter((f) => f.kind !== 'onTime')).toEqual([]);

    await hx.sleepUntil(t0 + 210 * MIN);
    await h.executeUpdate(actionUpdates.respond, { args: [{ by: SPOKESPERSON, channel: 'wechat', text: '学校已关注，正在核实。', inNameOf: 'unit', at: iso(t0 + 210 * MIN) }] });
    await hx.quiescent(h);
    const rows = await eventually(async () => {
      const all = await hx.outcomes(id);
      expect(all).toHaveLength(2);
      return all;
    });
    expect(rows.map((f) => [f.obligationId, f.kind, f.personId, f.delayMs ?? null]).sort()).toEqual([
      [LINE, 'onTime', NETWORK_CENTRE, null],
      ['publicResponse', 'lateDuty', SPOKESPERSON, 30 * MIN],
    ].sort());
    for (const f of rows) expect(f.accountabilityBasis).toMatch(/^000 篇二 §三\(五\)/);
  });

  it('entered below 重大 nothing runs; assessed as 重大 by the 校长, the line to 宣传科 runs from the assessment; made late it is a target missed, never 迟报 (rule book, Scope)', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'xuchang-school', id: 'xc-assessed', by: MONITOR, current: true });
    await hx.sleepUntil(t0 + 4 * HOUR);
    await hx.quiescent(h);
    expect((await hx.status(h)).obligations).toEqual([]);
    expect(await hx.outcomes(id)).toEqual([]);

    // the 校长 records it as 重大: he is not 宣传科, so the line to 宣传科 is not met by his assessment; it runs from it
    const A = t0 + 4 * HOUR;
    let s = await h.executeUpdate(actionUpdates.assess, { args: [{ by: 'jun.wang', grade: 'major', at: iso(A) }] });
    expect(s.scope).toMatchObject({ inScope: true, majorAt: local(A) });
    const line = s.obligations.find((o) => o.line?.key === 'discoverer-office')!;
    expect(line).toMatchObject({ status: 'pending', dueAt: local(A + 2 * HOUR), binding: 'target', owner: { personId: MONITOR } });
    const response = s.obligations.find((o) => o.kind === 'publicResponse')!;
    expect(response).toMatchObject({ dueAt: local(A + 3 * HOUR), binding: 'binding' });

    // the monitor's line is flagged at 2 h after the assessment and, made at 2 h 15 min, a target missed
    await hx.sleepUntil(A + 2 * HOUR + MIN);
    await eventually(async () => expect(obligation(await hx.status(h), line.id).overdue).toBe(true));
    await hx.sleepUntil(A + 135 * MIN);
    s = await h.executeUpdate(actionUpdates.report, { args: [{ by: MONITOR, to: 'office', mode: 'written', at: iso(A + 135 * MIN) }] });
    expect(obligation(s, line.id)).toMatchObject({ status: 'late', delay: '15m' });
    await h.executeUpdate(actionUpdates.respond, { args: [{ by: SPOKESPERSON, channel: 'website', text: '学校已关注，正在核实。', inNameOf: 'spokesperson' }] });
    await hx.quiescent(h);
    const rows = await eventually(async () => {
      const all = await hx.outcomes(id);
      expect(all).toHaveLength(2);
      return all;
    });
    expect(rows.map((f) => [f.obligationId, f.kind, f.personId, f.binding]).sort()).toEqual([
      [line.id, 'targetMissed', MONITOR, 'target'],
      [response.id, 'onTime', SPOKESPERSON, 'binding'],
    ].sort());
    expect(rows.find((f) => f.kind === 'targetMissed')).toMatchObject({ delayMs: 15 * MIN, marks: { line: { key: 'discoverer-office', toName: '学校宣传科' } } });
  });
});
