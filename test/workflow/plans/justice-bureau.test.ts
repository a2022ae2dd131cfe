import { describe, expect, it } from 'vitest';
import { actionUpdates } from '../../../src/workflows/incident.definitions';
import { HOUR, MIN, eventually, iso, noticesFor, obligation, useHarness } from '../harness';

/**
 * plans/justice-bureau.yaml (001 篇1) on the time-skipping server, with its real hours: the discoverer's lines straight
 * to the 分管领导 and to each of the two 组长 (2 h targets: 规定时限 has no number), and the binding 3 h public response.
 */
const hx = useHarness('plan-justice-bureau');

const MONITOR = 'peng.luo';
const LEADER = 'hui.he';
const SECRETARY = 'zhiyuan.gao';
const DIRECTOR = 'wenjun.lin';
const SPOKESPERSON = 'ying.song';
const TO_LEADER = 'report/discoverer-leader-in-charge';
const TO_SECRETARY = `report/discoverer-principal-leader/to=${SECRETARY}`;
const TO_DIRECTOR = `report/discoverer-principal-leader/to=${DIRECTOR}`;
/** The status's times: ISO in Asia/Shanghai with its offset, to the second (written independently of src/). */
const local = (ms: number) => `${new Date(Math.floor(ms / 1000) * 1000 + 8 * HOUR).toISOString().slice(0, 19)}+08:00`;

describe('001 篇1 §四(二) on the server: straight to the 分管领导 and both 主要领导', () => {
  it('recorded as 重大 at entry: three 2 h target lines; a report to one 组长 meets only his line; the other is flagged at 2 h and a target missed when late, never 迟报; the response after 3 h is 回应超时 (001 篇1 §三, §四(二))', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'justice-bureau', id: 'sfj-entry', by: MONITOR, current: true, grade: 'major' });
    const s0 = await hx.status(h);
    for (const [ob, toPerson] of [[TO_LEADER, null], [TO_SECRETARY, SECRETARY], [TO_DIRECTOR, DIRECTOR]] as const) {
      expect(obligation(s0, ob)).toMatchObject({ dueAt: local(t0 + 2 * HOUR), binding: 'target', status: 'pending', owner: { personId: MONITOR }, line: { toPerson } });
    }
    expect(s0.obligations.find((o) => o.kind === 'publicResponse')).toMatchObject({ dueAt: local(t0 + 3 * HOUR), binding: 'binding', owner: { personId: SPOKESPERSON } });

    await hx.sleepUntil(t0 + 30 * MIN);
    await h.executeUpdate(actionUpdates.report, { args: [{ by: MONITOR, to: LEADER, mode: 'phone', at: iso(t0 + 30 * MIN) }] });
    const s1 = await h.executeUpdate(actionUpdates.report, { args: [{ by: MONITOR, to: SECRETARY, mode: 'phone', at: iso(t0 + 30 * MIN) }] });
    expect([TO_LEADER, TO_SECRETARY, TO_DIRECTOR].map((o) => obligation(s1, o).status)).toEqual(['met', 'met', 'pending']);
    // a phone report owes no written report under this plan
    expect(s1.obligations.filter((o) => o.kind === 'writtenReport')).toEqual([]);
    await hx.sleepUntil(t0 + 40 * MIN);
    await h.executeUpdate(actionUpdates.assess, { args: [{ by: LEADER, at: iso(t0 + 40 * MIN) }] });

    // the 局长's line is flagged at 2 h: a target overdue, not a binding one
    await hx.sleepUntil(t0 + 121 * MIN);
    await eventually(async () => expect(await hx.status(h)).toMatchObject({ overdueCount: 1, targetOverdueCount: 1, bindingOverdueCount: 0 }));
    await eventually(async () => expect(noticesFor(await hx.notices(id), TO_DIRECTOR, 'overdue')).toHaveLength(1));
    await hx.sleepUntil(t0 + 150 * MIN);
    await h.executeUpdate(actionUpdates.report, { args: [{ by: MONITOR, to: DIRECTOR, mode: 'written', at: iso(t0 + 150 * MIN) }] });

    // the 3 h response is flagged at 3 h and answered at 3 h 20 min
    await hx.sleepUntil(t0 + 181 * MIN);
    await eventually(async () => expect(await hx.status(h)).toMatchObject({ bindingOverdueCount: 1 }));
    await hx.sleepUntil(t0 + 200 * MIN);
    await h.executeUpdate(actionUpdates.respond, { args: [{ by: SPOKESPERSON, channel: 'weibo', text: '我局已关注，正在核查。', inNameOf: 'spokesperson', at: iso(t0 + 200 * MIN) }] });
    await hx.quiescent(h);

    const rows = await eventually(async () => {
      const all = (await hx.outcomes(id)).filter((f) => f.kind !== 'onTime');
      expect(all).toHaveLength(2);
      return all;
    });
    expect(rows.map((f) => [f.obligationId, f.kind, f.personId, f.binding, f.delayMs]).sort()).toEqual([
      [TO_DIRECTOR, 'targetMissed', MONITOR, 'target', 30 * MIN],
      [s0.obligations.find((o) => o.kind === 'publicResponse')!.id, 'lateDuty', SPOKESPERSON, 'binding', 20 * MIN],
    ].sort());
    expect((await hx.outcomes(id)).some((f) => f.kind === 'late' || f.kind === 'missed')).toBe(false);
    for (const f of rows) expect(f.accountabilityBasis).toMatch(/^none in the surviving text/);
  });

  it('entered below 重大, assessed as 重大 by the 分管领导 at 1 h: his line is met by the assessment; the 组长 lines and the 3 h response run from it (rule book, Scope; 001 篇1 §四(二))', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'justice-bureau', id: 'sfj-assessed', by: MONITOR, current: true });
    await hx.sleepUntil(t0 + HOUR);
    await hx.quiescent(h);
    expect((await hx.status(h)).obligations).toEqual([]);

    const s = await h.executeUpdate(actionUpdates.assess, { args: [{ by: LEADER, grade: 'major', at: iso(t0 + HOUR) }] });
    expect(s.scope).toMatchObject({ inScope: true, majorAt: local(t0 + HOUR) });
    const lines = s.obligations.filter((o) => o.line);
    expect(lines.map((o) => [o.line!.key, o.line!.toPerson, o.status, o.line!.metByAssessment, o.dueAt])).toEqual([
      ['discoverer-leader-in-charge', null, 'met', true, local(t0 + 3 * HOUR)],
      ['discoverer-principal-leader', SECRETARY, 'pending', false, local(t0 + 3 * HOUR)],
      ['discoverer-principal-leader', DIRECTOR, 'pending', false, local(t0 + 3 * HOUR)],
    ]);
    expect(s.obligations.find((o) => o.kind === 'publicResponse')).toMatchObject({ dueAt: local(t0 + 4 * HOUR), status: 'pending' });

    await hx.sleepUntil(t0 + 2 * HOUR);
    await h.executeUpdate(actionUpdates.report, { args: [{ by: MONITOR, to: SECRETARY, mode: 'inPerson', at: iso(t0 + 2 * HOUR) }] });
    const done = await h.executeUpdate(actionUpdates.report, { args: [{ by: MONITOR, to: DIRECTOR, mode: 'message', at: iso(t0 + 2 * HOUR) }] });
    expect(done.obligations.filter((o) => o.line).map((o) => o.status)).toEqual(['met', 'met', 'met']);
    await hx.quiescent(h);
    expect((await hx.outcomes(id)).filter((f) => f.kind !== 'onTime')).toEqual([]);
  });
});
