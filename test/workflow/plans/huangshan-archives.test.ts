import { describe, expect, it } from 'vitest';
import { actionUpdates } from '../../../src/workflows/incident.definitions';
import { HOUR, MIN, eventually, iso, noticesFor, obligation, persons, useHarness } from '../harness';

/**
 * plans/huangshan-archives.yaml (000 篇一, 黄山市档案局) on the time-skipping server, with its real hours: the discoverer →
 * 科教编研科 line (规定时限: 2 h, a target), 科教编研科's relays to 分管领导 and 主要领导 (1 h each, targets), the binding 3 h
 * public response, and the major-only scope.
 */
const hx = useHarness('plan-huangshan-archives');

const MONITOR = 'jun.hu';
const OFFICE = 'xiaoyu.fang';
const DIRECTOR = 'jianguo.wang';
const SPOKESPERSON = 'qing.ye';
const LINE = 'report/discoverer-office';
/** The status's times: ISO in Asia/Shanghai with its offset, to the second (written independently of src/). */
const local = (ms: number) => `${new Date(Math.floor(ms / 1000) * 1000 + 8 * HOUR).toISOString().slice(0, 19)}+08:00`;
/** the compact UTC instant in line ids */
const idt = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '');
const relayLic = (t: number) => `report/office-leader-in-charge@${idt(t)}`;
const relayPri = (t: number) => `report/office-principal-leader@${idt(t)}`;
type Row = { obligationId?: string; kind: string; personId?: string; delayMs?: number };
const rowsOf = (rows: Row[]) => rows.map((f) => [f.obligationId, f.kind, f.personId, f.delayMs ?? null]).sort();

describe('000 篇一 §四(二) on the server: discoverer → 科教编研科 → 分管领导、主要领导; three hours to respond', () => {
  it('recorded as 重大 at entry: the 2 h target line is flagged and, made late, a target missed; the relays are 科教编研科\'s; the 3 h response is 回应超时', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'huangshan-archives', id: 'hs-entry', by: MONITOR, current: true, grade: 'major' });
    const s0 = await hx.status(h);
    expect(s0.scope).toMatchObject({ plan: 'majorOnly', inScope: true, majorAt: local(t0) });
    expect(obligation(s0, LINE)).toMatchObject({ dueAt: local(t0 + 2 * HOUR), binding: 'target', owner: { personId: MONITOR, role: 'monitor' }, line: { to: '市局科教编研科' } });
    expect(obligation(s0, 'publicResponse')).toMatchObject({ dueAt: local(t0 + 3 * HOUR), binding: 'binding', owner: { personId: SPOKESPERSON } });

    // 2 h: the target line is flagged; the owner and the monitor's escalation are told; no finding yet
    await hx.sleepUntil(t0 + 2 * HOUR + MIN);
    await eventually(async () => expect(await hx.status(h)).toMatchObject({ targetOverdueCount: 1, bindingOverdueCount: 0 }));
    const [overdue] = await eventually(async () => {
      const rows = noticesFor(await hx.notices(id), LINE, 'overdue');
      expect(rows).toHaveLength(1);
      return rows;
    });
    expect(persons(overdue)).toEqual([`${DIRECTOR}:officeDirector`, `${MONITOR}:monitor`, `${OFFICE}:office`].sort());
    expect((await hx.outcomes(id)).filter((f) => f.kind !== 'onTime')).toEqual([]);

    // 2 h 30 min: reported to 科教编研科 — a target missed by 30 min, never 迟报; the relays start from it, owed by its receiver
    const R = t0 + 150 * MIN;
    await hx.sleepUntil(R);
    let s = await h.executeUpdate(actionUpdates.report, { args: [{ by: MONITOR, to: 'office', mode: 'phone', at: iso(R) }] });
    expect(obligation(s, LINE)).toMatchObject({ status: 'late', delay: '30m' });
    for (const relay of [relayLic(R), relayPri(R)]) {
      expect(obligation(s, relay)).toMatchObject({ dueAt: local(R + HOUR), binding: 'target', owner: { personId: OFFICE }, line: { relayOf: LINE, createdBy: 'relay' } });
    }
    await h.executeUpdate(actionUpdates.assess, { args: [{ by: OFFICE, at: iso(R) }] });
    s = await h.executeUpdate(actionUpdates.report, { args: [{ by: OFFICE, to: 'leaderInCharge', mode: 'phone', at: iso(R) }] });
    expect(obligation(s, relayLic(R)).status).toBe('met');
    expect(obligation(s, relayPri(R)).status).toBe('pending');

    // 3 h: the response is flagged (binding); made at 3 h 20 min it is 回应超时 against the spokesperson
    await hx.sleepUntil(t0 + 3 * HOUR + MIN);
    await eventually(async () => expect(obligation(await hx.status(h), 'publicResponse')).toMatchObject({ overdue: true, binding: 'binding' }));
    await hx.sleepUntil(t0 + 200 * MIN);
    await h.executeUpdate(actionUpdates.respond, { args: [{ by: SPOKESPERSON, channel: 'website', text: '市档案局已关注，正在核实。', inNameOf: 'spokesperson', at: iso(t0 + 200 * MIN) }] });

    // 3 h 30 min: the 主要领导's line is flagged; reported at 4 h it is 科教编研科's target missed, not the discoverer's
    await hx.sleepUntil(R + HOUR + MIN);
    await eventually(async () => expect(obligation(await hx.status(h), relayPri(R)).overdue).toBe(true));
    await hx.sleepUntil(t0 + 4 * HOUR);
    await h.executeUpdate(actionUpdates.report, { args: [{ by: OFFICE, to: 'dongsheng.wu', mode: 'written', at: iso(t0 + 4 * HOUR) }] });
    await hx.quiescent(h);
    const rows = await eventually(async () => {
      const all = await hx.outcomes(id);
      expect(all).toHaveLength(4);
      return all;
    });
    expect(rowsOf(rows)).toEqual(rowsOf([
      { obligationId: LINE, kind: 'targetMissed', personId: MONITOR, delayMs: 30 * MIN },
      { obligationId: relayLic(R), kind: 'onTime', personId: OFFICE },
      { obligationId: 'publicResponse', kind: 'lateDuty', personId: SPOKESPERSON, delayMs: 20 * MIN },
      { obligationId: relayPri(R), kind: 'targetMissed', personId: OFFICE, delayMs: 30 * MIN },
    ]));
    // no 迟报/漏报 in this plan's report lines; each finding says the plan has no accountability clause
    for (const f of rows) {
      expect(f.kind === 'late' || f.kind === 'missed').toBe(false);
      expect(f.accountabilityBasis).toContain('000 篇一 has no accountability clause');
    }
  });

  it('entered below 重大 nothing runs; the office\'s assessment as 重大 meets the line to it and starts the relays and the 3 h response from its claimed time (rule book, Scope)', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'huangshan-archives', id: 'hs-assessed', by: 'min.huang', current: true, metrics: { mainstreamMedia: true } });
    expect((await hx.status(h)).obligations).toEqual([]);

    // hours pass with no limit running: no timer, no notice, no finding
    await hx.sleepUntil(t0 + 5 * HOUR);
    await hx.quiescent(h);
    expect((await hx.status(h)).scope).toMatchObject({ plan: 'majorOnly', inScope: false, majorAt: null });
    expect((await hx.notices(id)).filter((n) => n.kind === 'overdue' || n.kind === 'assigned')).toEqual([]);
    expect(await hx.outcomes(id)).toEqual([]);

    // assessed as 重大 at 4 h 30 min (recorded at 5 h): every limit runs from the claimed assessment
    const A = t0 + 270 * MIN;
    let s = await h.executeUpdate(actionUpdates.assess, { args: [{ by: DIRECTOR, grade: 'major', at: iso(A), note: '主流媒体转载，可能造成重大影响' }] });
    expect(s.scope).toMatchObject({ inScope: true, majorAt: local(A) });
    const toOffice = s.obligations.find((o) => o.line?.key === 'discoverer-office')!;
    expect(toOffice).toMatchObject({ status: 'met', owner: { personId: 'min.huang' }, line: { metByAssessment: true } });
    expect(obligation(s, relayLic(A))).toMatchObject({ dueAt: local(A + HOUR), owner: { personId: DIRECTOR }, status: 'pending' });
    expect(obligation(s, relayPri(A))).toMatchObject({ dueAt: local(A + HOUR), owner: { personId: DIRECTOR }, status: 'pending' });
    const response = s.obligations.find((o) => o.kind === 'publicResponse')!;
    expect(response).toMatchObject({ dueAt: local(A + 3 * HOUR), binding: 'binding' });

    // the assessor reports to both leaders at once; the spokesperson responds in time
    await hx.sleepUntil(t0 + 5 * HOUR + 10 * MIN);
    await h.executeUpdate(actionUpdates.report, { args: [{ by: DIRECTOR, to: 'hua.cheng', mode: 'phone' }] });
    s = await h.executeUpdate(actionUpdates.report, { args: [{ by: DIRECTOR, to: 'dongsheng.wu', mode: 'phone' }] });
    expect([obligation(s, relayLic(A)).status, obligation(s, relayPri(A)).status]).toEqual(['met', 'met']);
    await hx.sleepUntil(t0 + 6 * HOUR);
    s = await h.executeUpdate(actionUpdates.respond, { args: [{ by: SPOKESPERSON, channel: 'weibo', text: '市档案局已关注，正在核实。', inNameOf: 'unit' }] });
    expect(obligation(s, response.id).status).toBe('met');

    // past every due time: nothing was late, so the ledger holds on-time records only
    await hx.sleepUntil(A + 3 * HOUR + MIN);
    await hx.quiescent(h);
    const rows = await hx.outcomes(id);
    expect(rows.map((f) => f.kind).sort()).toEqual(['onTime', 'onTime', 'onTime', 'onTime']);
    expect((await hx.status(h)).overdueCount).toBe(0);
  });
});
