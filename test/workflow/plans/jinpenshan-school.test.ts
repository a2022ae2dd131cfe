import { describe, expect, it } from 'vitest';
import { calendarSlice, HOLIDAY_DATA_COVERS } from '../../../src/plan/holidays';
import { localDate } from '../../../src/plan/time-zone';
import { actionUpdates } from '../../../src/workflows/incident.definitions';
import { HOUR, MIN, eventually, iso, noticesFor, obligation, persons, refused, useHarness } from '../harness';

/**
 * plans/jinpenshan-school.yaml (001 school plan, 金盆山学校) on the time-skipping server, with its real hours: the
 * monitor → 网络舆情办公室 target line (§三2), the general tier's binding 2 h dispatch and 1 day explanation (§四(一)),
 * and the major tier's chain — monitor → 镇党委, 镇党委 → 县 (relay, outside), 党支部 → 镇 and 县 (§四(一)(二)).
 */
const hx = useHarness('plan-jinpenshan-school');

const MONITOR = 'wu.xiaolan';
const OFFICE = 'lin.fang';
const DIRECTOR = 'huang.wei';
const PARTY = 'luo.min';
const TOWN = 'cao.bin';
const COUNTY = 'pan.hui';
const SHANGHAI = 8 * HOUR;
/** The status's times: ISO in Asia/Shanghai with its offset, to the second (written independently of src/). */
const local = (ms: number) => `${new Date(Math.floor(ms / 1000) * 1000 + SHANGHAI).toISOString().slice(0, 19)}+08:00`;

describe('001 school plan §三2, §四(一) on the server: a general incident', () => {
  it('the monitor reports 第一时间 (target); the office\'s assessment starts the 2 h dispatch, flagged at 2 h and 转办超时 at 2 h 30 min; the explanation due by the 1 day rule and made in time', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'jinpenshan-school', id: 'jps-general', by: MONITOR, current: true, metrics: { posts: 12, reads: 430 } });
    let s = await hx.status(h);
    expect(s.obligations.map((o) => o.id)).toEqual(['report/monitor-office']);
    expect(obligation(s, 'report/monitor-office')).toMatchObject({ dueAt: local(t0 + 30 * MIN), binding: 'target', owner: { personId: MONITOR } });

    await hx.sleepUntil(t0 + 10 * MIN);
    await h.executeUpdate(actionUpdates.report, { args: [{ by: MONITOR, to: 'office', mode: 'phone', at: iso(t0 + 10 * MIN) }] });
    await hx.sleepUntil(t0 + 20 * MIN);
    s = await h.executeUpdate(actionUpdates.assess, { args: [{ by: OFFICE, grade: 'general', at: iso(t0 + 20 * MIN) }] });
    const dispatch = s.obligations.find((o) => o.kind === 'dispatch')!;
    expect(dispatch).toMatchObject({ dueAt: local(t0 + 140 * MIN), binding: 'binding', owner: { personId: OFFICE, role: 'office' } });
    // no line to 镇党委 or 县 for a general incident
    expect(s.obligations.filter((o) => o.line).map((o) => o.id)).toEqual(['report/monitor-office']);

    await hx.sleepUntil(t0 + 141 * MIN);
    await eventually(async () => expect(await hx.status(h)).toMatchObject({ bindingOverdueCount: 1 }));
    const [overdue] = await eventually(async () => {
      const rows = noticesFor(await hx.notices(id), dispatch.id, 'overdue');
      expect(rows).toHaveLength(1);
      return rows;
    });
    expect(persons(overdue)).toEqual([`${DIRECTOR}:officeDirector`, `${OFFICE}:office`, 'qian.li:leaderInCharge']);

    await hx.sleepUntil(t0 + 170 * MIN);
    s = await h.executeUpdate(actionUpdates.dispatch, { args: [{ by: OFFICE, department: 'tang.jun', at: iso(t0 + 170 * MIN) }] });
    const explanation = s.obligations.find((o) => o.kind === 'explanation')!;
    const expected = expectedDue(t0 + 170 * MIN, 1, calendarSlice(localDate('Asia/Shanghai', t0), HOLIDAY_DATA_COVERS.to));
    if (expected === 'missing') expect(explanation).toMatchObject({ dueAt: null, calendarMissing: expect.any(Object) });
    else expect(explanation).toMatchObject({ dueAt: local(expected), binding: 'binding', owner: { personId: 'tang.jun', role: 'department' } });

    // the department explains publicly (一般: the office and the department explain, §四(一)) before the day is out
    await hx.sleepUntil(t0 + 5 * HOUR);
    await h.executeUpdate(actionUpdates.respond, { args: [{ by: 'tang.jun', channel: 'forum', text: '关于课后服务收费依据的说明', inNameOf: 'unit' }] });
    await hx.quiescent(h);
    const rows = await eventually(async () => {
      const all = await hx.outcomes(id);
      expect(all).toHaveLength(3);
      return all;
    });
    expect(rows.map((f) => [f.obligationKind, f.kind, f.personId, f.delayMs ?? null])).toEqual([
      ['firstReport', 'onTime', MONITOR, null],
      ['dispatch', 'lateDuty', OFFICE, 30 * MIN],
      ['explanation', 'onTime', 'tang.jun', null],
    ]);
    for (const f of rows) expect(f.accountabilityBasis).toMatch(/现存文本未规定责任追究条款/);
  });
});

describe('001 school plan §四(二), §二 on the server: a major incident', () => {
  it('the monitor → 镇党委 in time; 镇党委 → 县 runs from that report, owed by the 镇党委\'s liaison, flagged and made late with no finding; no 党支部 lines (major from the start); only the spokesperson speaks', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'jinpenshan-school', id: 'jps-major', by: MONITOR, current: true, grade: 'major' });
    let s = await hx.status(h);
    expect(obligation(s, 'report/monitor-town/to=cao.bin')).toMatchObject({ dueAt: local(t0 + 30 * MIN), binding: 'target', owner: { personId: MONITOR }, line: { to: '镇党委（曹斌）' } });
    // the 党支部 reports a general incident that spreads (§四(一)); this one was major from the start
    expect(s.obligations.filter((o) => o.id.includes('party-branch-up'))).toEqual([]);
    expect(s.obligations.map((o) => o.kind)).not.toContain('dispatch');

    await hx.sleepUntil(t0 + 5 * MIN);
    await h.executeUpdate(actionUpdates.report, { args: [{ by: MONITOR, to: 'office', mode: 'phone', at: iso(t0 + 5 * MIN) }] });
    await hx.sleepUntil(t0 + 10 * MIN);
    s = await h.executeUpdate(actionUpdates.report, { args: [{ by: MONITOR, to: TOWN, mode: 'phone', at: iso(t0 + 10 * MIN) }] });
    const relay = s.obligations.find((o) => o.line?.key === 'town-county')!;
    expect(relay).toMatchObject({ dueAt: local(t0 + 40 * MIN), status: 'pending', owner: { personId: TOWN }, line: { outside: true, createdBy: 'relay', to: '县舆情应对领导小组（潘辉）' } });

    // the 新闻发布组 is the only voice: the office may not publish on its own
    await h.executeUpdate(actionUpdates.assess, { args: [{ by: OFFICE, grade: 'major' }] });
    const own = await refused(h.executeUpdate(actionUpdates.respond, { args: [{ by: OFFICE, channel: 'weibo', text: '情况说明', inNameOf: 'unit' }] }));
    expect(own.message).toContain('only spokesperson');
    await h.executeUpdate(actionUpdates.respond, { args: [{ by: 'xie.ning', channel: 'weibo', text: '学校已关注，正在核实。', inNameOf: 'spokesperson' }] });

    // 40 min: the relay is flagged and the school's office told; no finding against anyone
    await hx.sleepUntil(t0 + 41 * MIN);
    await eventually(async () => expect(obligation(await hx.status(h), relay.id).overdue).toBe(true));
    const [overdue] = await eventually(async () => {
      const rows = noticesFor(await hx.notices(id), relay.id, 'overdue');
      expect(rows).toHaveLength(1);
      return rows;
    });
    expect(persons(overdue)).toEqual([`${TOWN}:superior`, `${DIRECTOR}:officeDirector`, `${OFFICE}:office`]);
    await hx.sleepUntil(t0 + 70 * MIN);
    s = await h.executeUpdate(actionUpdates.report, { args: [{ by: TOWN, to: COUNTY, mode: 'phone', at: iso(t0 + 70 * MIN) }] });
    expect(obligation(s, relay.id)).toMatchObject({ status: 'late', flaggedOverdue: true });

    await hx.quiescent(h);
    const rows = await eventually(async () => {
      const all = await hx.outcomes(id);
      expect(all).toHaveLength(2);
      return all;
    });
    expect(rows.map((f) => [f.obligationId, f.kind, f.personId, f.delayMs ?? null])).toEqual([
      ['report/monitor-office', 'onTime', MONITOR, null],
      ['report/monitor-town/to=cao.bin', 'onTime', MONITOR, null],
    ]);
    expect(rows.some((f) => f.obligationId === relay.id || f.personId === TOWN)).toBe(false);
  });

  it('a general incident that spreads (§四(一)): regraded 重大, the 党支部 owes the 镇 and 县 groups one line each from the rise (targets); the 镇 in time, the 县 30 min late — a target missed, never 迟报', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'jinpenshan-school', id: 'jps-spread', by: MONITOR, current: true });
    await hx.sleepUntil(t0 + 10 * MIN);
    await h.executeUpdate(actionUpdates.report, { args: [{ by: MONITOR, to: 'office', mode: 'written', at: iso(t0 + 10 * MIN) }] });
    let s = await h.executeUpdate(actionUpdates.assess, { args: [{ by: OFFICE, grade: 'general', at: iso(t0 + 10 * MIN) }] });
    expect(s.obligations.filter((o) => o.id.includes('party-branch-up'))).toEqual([]);
    const R = t0 + HOUR;
    await hx.sleepUntil(R);
    s = await h.executeUpdate(actionUpdates.regrade, { args: [{ by: DIRECTOR, grade: 'major', reason: '舆情不能消除，还有扩大迹象', at: iso(R) }] });
    const party = s.obligations.filter((o) => o.id.startsWith('report/party-branch-up/'));
    expect(party.map((o) => [o.line?.toPerson, o.dueAt, o.binding, o.owner.personId])).toEqual([
      [TOWN, local(R + 2 * HOUR), 'target', PARTY],
      [COUNTY, local(R + 2 * HOUR), 'target', PARTY],
    ]);
    await hx.sleepUntil(R + 90 * MIN);
    await h.executeUpdate(actionUpdates.report, { args: [{ by: PARTY, to: TOWN, mode: 'written', at: iso(R + 90 * MIN) }] });
    await hx.sleepUntil(R + 150 * MIN);
    await h.executeUpdate(actionUpdates.report, { args: [{ by: PARTY, to: COUNTY, mode: 'written', at: iso(R + 150 * MIN) }] });
    await hx.quiescent(h);
    const rows = await eventually(async () => {
      const all = (await hx.outcomes(id)).filter((f) => f.personId === PARTY);
      expect(all).toHaveLength(2);
      return all;
    });
    expect(rows.map((f) => [f.obligationId, f.kind, f.delayMs ?? null])).toEqual([
      [party[0].id, 'onTime', null],
      [party[1].id, 'targetMissed', 30 * MIN],
    ]);
  });
});

/** 1天内 by the civil-law rule by analogy (民法典 §201, §203), counted independently of src/: the last millisecond of the last day. */
function expectedDue(trigger: number, days: number, cal: { covers: { from: string; to: string }; restDays: string[]; workdays: string[] }): number | 'missing' {
  const dayOf = (ms: number) => new Date(ms + SHANGHAI).toISOString().slice(0, 10);
  const next = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const rest = (d: string) => {
    if (cal.workdays.includes(d)) return false;
    if (cal.restDays.includes(d)) return true;
    const wd = new Date(`${d}T00:00:00Z`).getUTCDay();
    return wd === 0 || wd === 6;
  };
  let last = dayOf(trigger);
  for (let i = 0; i < days; i++) last = next(last);
  while (rest(last)) {
    if (last > cal.covers.to) return 'missing';
    last = next(last);
  }
  if (last > cal.covers.to) return 'missing';
  return Date.parse(`${last}T00:00:00Z`) + 86_400_000 - SHANGHAI - 1;
}
