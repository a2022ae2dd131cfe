import { describe, expect, it } from 'vitest';
import { actionUpdates } from '../../../src/workflows/incident.definitions';
import { HOUR, MIN, eventually, iso, noticesFor, obligation, persons, refused, useHarness } from '../harness';

/**
 * plans/county.yaml (000 篇五, __县) on the time-skipping server, with its real hours: the 涉事主体's three lines to
 * 党政办, 上级业务部门 and 同级网信部门 (特别重大 1 h, 重大 2 h, binding; 较大/一般 酌情适时上报, no limit), the monitor's
 * default target line to the office, the 重大 handling steps, and the plan's "no accountability clause" on every finding.
 */
const hx = useHarness('plan-county');

const MONITOR = 'liu.bo';
const OFFICE = 'zhao.min';
const DIRECTOR = 'wang.jiazhi';
const LINES = ['report/subject-coordinator', 'report/subject-superior', 'report/subject-cyberspace'];
/** The status's times: ISO in Asia/Shanghai with its offset, to the second (written independently of src/). */
const local = (ms: number) => `${new Date(Math.floor(ms / 1000) * 1000 + 8 * HOUR).toISOString().slice(0, 19)}+08:00`;

describe('000 篇五 §五(二) on the server: the 涉事主体 reports to three bodies', () => {
  it('特别重大 (casualties, computed): 1 h from discovery on each line; one made in time, one flagged at 1 h and 迟报 at 1 h 30 min against the 涉事主体, marked "grade not assessed"; the monitor\'s line a target', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'county', id: 'cty5-em', by: MONITOR, current: true, subject: 'chen.lei', metrics: { casualties: 2, posts: 40 } });
    const s0 = await hx.status(h);
    expect(s0.grade).toBe('especiallyMajor');
    for (const l of LINES) expect(obligation(s0, l)).toMatchObject({ dueAt: local(t0 + HOUR), binding: 'binding', status: 'pending', owner: { personId: 'chen.lei', role: 'department' } });
    expect(obligation(s0, 'report/monitor-office')).toMatchObject({ dueAt: local(t0 + 30 * MIN), binding: 'target', owner: { personId: MONITOR } });
    expect(obligation(s0, 'firstRelease')).toMatchObject({ dueAt: local(t0 + 24 * HOUR), binding: 'target', owner: { personId: 'xu.fang' } });
    expect(s0.obligations.map((o) => o.kind)).not.toContain('publicResponse');

    await hx.sleepUntil(t0 + 20 * MIN);
    await h.executeUpdate(actionUpdates.report, { args: [{ by: MONITOR, to: 'office', mode: 'written', at: iso(t0 + 20 * MIN) }] });
    await hx.sleepUntil(t0 + 30 * MIN);
    let s = await h.executeUpdate(actionUpdates.report, { args: [{ by: 'chen.lei', to: 'coordinator', mode: 'phone', at: iso(t0 + 30 * MIN) }] });
    expect(obligation(s, LINES[0])).toMatchObject({ status: 'met', metAt: local(t0 + 30 * MIN) });
    expect(obligation(s, LINES[1]).status).toBe('pending');

    // 1 h: the two open lines are flagged; the 涉事主体 and the office are told; no finding before it is final
    await hx.sleepUntil(t0 + HOUR + MIN);
    await eventually(async () => expect(await hx.status(h)).toMatchObject({ bindingOverdueCount: 2, targetOverdueCount: 0 }));
    const [overdue] = await eventually(async () => {
      const rows = noticesFor(await hx.notices(id), LINES[1], 'overdue');
      expect(rows).toHaveLength(1);
      return rows;
    });
    // (v4: a 特别重大 overdue line reaches the principal leader too, whoever acknowledges)
    expect(persons(overdue)).toEqual(['chen.lei:department', `${DIRECTOR}:officeDirector`, 'zhang.weidong:principalLeader', `${OFFICE}:office`]);
    expect((await hx.outcomes(id)).filter((f) => f.kind !== 'onTime')).toEqual([]);

    await hx.sleepUntil(t0 + 90 * MIN);
    s = await h.executeUpdate(actionUpdates.report, { args: [{ by: 'chen.lei', to: 'gao.feng', mode: 'written', at: iso(t0 + 90 * MIN) }] });
    expect(obligation(s, LINES[1])).toMatchObject({ status: 'late', flaggedOverdue: true });
    expect(obligation(s, LINES[2])).toMatchObject({ status: 'pending', overdue: true });
    await hx.quiescent(h);
    const rows = await eventually(async () => {
      const all = await hx.outcomes(id);
      expect(all).toHaveLength(3);
      return all;
    });
    expect(rows.map((f) => [f.obligationId, f.kind, f.personId, f.delayMs ?? null]).sort()).toEqual([
      ['report/monitor-office', 'onTime', MONITOR, null],
      [LINES[0], 'onTime', 'chen.lei', null],
      [LINES[1], 'late', 'chen.lei', 30 * MIN],
    ].sort());
    const late = rows.find((f) => f.kind === 'late')!;
    expect(late).toMatchObject({ binding: 'binding', gradeBasis: 'computed', marks: { gradeNotAssessed: true, line: { toName: '上级业务部门' } } });
    for (const f of rows) expect(f.accountabilityBasis).toMatch(/000 篇五未规定责任追究条款/);
  });

  it('一般: 酌情适时上报 — the 涉事主体\'s lines are never overdue; assessed 重大 by the 涉事主体 they run 2 h from the assessment; handling waits for the 派出所 and the leading group (§五(三)3)', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'county', id: 'cty5-gen', by: 'tian.xin', current: true, metrics: { posts: 12, reads: 45, comments: 3 } });
    let s = await hx.status(h);
    expect(s.grade).toBe('general');
    for (const l of LINES) expect(obligation(s, l)).toMatchObject({ dueAt: null, status: 'pending', line: { ownerNotNamed: true } });

    // six hours on, nothing of the 涉事主体's is overdue; the monitor's target line is (a target, no finding yet)
    await hx.sleepUntil(t0 + 6 * HOUR);
    await hx.quiescent(h);
    s = await hx.status(h);
    expect(s).toMatchObject({ bindingOverdueCount: 0, targetOverdueCount: 1 });
    expect(obligation(s, 'report/monitor-office')).toMatchObject({ overdue: true, owner: { personId: 'tian.xin' } });

    await h.executeUpdate(actionUpdates.nameSubject, { args: [{ by: OFFICE, department: 'sun.li', at: iso(t0 + 6 * HOUR) }] });
    const A = t0 + 6 * HOUR;
    s = await h.executeUpdate(actionUpdates.assess, { args: [{ by: 'sun.li', grade: 'major', note: '主流媒体介入，可能造成重大影响', at: iso(A) }] });
    for (const l of LINES) expect(obligation(s, l)).toMatchObject({ dueAt: local(A + 2 * HOUR), binding: 'binding', owner: { personId: 'sun.li' } });

    // handling: not before the 派出所 asked and the leading group drew up the 处置方案
    await h.executeUpdate(actionUpdates.startHandling, { args: [{ by: OFFICE }] });
    const waits = await refused(h.executeUpdate(actionUpdates.assignTracker, { args: [{ by: OFFICE, tracker: OFFICE }] }));
    expect(waits.message).toContain('police-request');
    const notTheirs = await refused(h.executeUpdate(actionUpdates.handlingStep, { args: [{ by: OFFICE, step: 'police-request' }] }));
    expect(notTheirs.message).toContain('policeStation');
    await h.executeUpdate(actionUpdates.handlingStep, { args: [{ by: 'ma.li', step: 'police-request' }] });
    await h.executeUpdate(actionUpdates.handlingStep, { args: [{ by: 'zhang.weidong', step: 'handling-plan' }] });

    // 2 h after the assessment the three lines are flagged; one made at 2 h 30 min is 迟报 by 30 min, the grade assessed
    await hx.sleepUntil(A + 2 * HOUR + MIN);
    await eventually(async () => expect((await hx.status(h)).bindingOverdueCount).toBe(3));
    await hx.sleepUntil(A + 150 * MIN);
    await h.executeUpdate(actionUpdates.report, { args: [{ by: 'sun.li', to: 'cyberspaceOffice', mode: 'written', at: iso(A + 150 * MIN) }] });
    await hx.quiescent(h);
    const late = await eventually(async () => {
      const found = (await hx.outcomes(id)).filter((f) => f.kind === 'late');
      expect(found).toHaveLength(1);
      return found[0];
    });
    expect(late).toMatchObject({ obligationId: LINES[2], personId: 'sun.li', delayMs: 30 * MIN, gradeBasis: 'assessed' });
    expect(late.marks?.gradeNotAssessed).toBeUndefined();
    // the monitor's target line was never made: still open, no finding while the incident runs
    expect((await hx.outcomes(id)).filter((f) => f.personId === 'tian.xin')).toEqual([]);
  });

  it('§四(三)1 and §四(三)4 on the server: the facts verified owe 县委党政办 again (2 h, a target), an untrue post owes the office at once (30 min); each its own line, from its moment', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'county', id: 'cty5-facts', by: MONITOR, current: true, subject: 'chen.lei', metrics: { posts: 120, reads: 3000 } });
    await hx.sleepUntil(t0 + 10 * MIN);
    let s = await h.executeUpdate(actionUpdates.assess, { args: [{ by: 'chen.lei', grade: 'larger', at: iso(t0 + 10 * MIN) }] });
    expect(s.obligations.map((o) => o.id).filter((x) => /facts|untrue/.test(x))).toEqual([]);
    await h.executeUpdate(actionUpdates.startHandling, { args: [{ by: OFFICE }] });
    const F = t0 + HOUR;
    await hx.sleepUntil(F);
    s = await h.executeUpdate(actionUpdates.handlingStep, { args: [{ by: 'chen.lei', step: 'facts-verified', note: '已核查：帖文所述与事实不符', at: iso(F) }] });
    const facts = s.obligations.find((o) => o.id.startsWith('report/subject-coordinator-facts@'))!;
    expect(facts).toMatchObject({ dueAt: local(F + 2 * HOUR), binding: 'target', status: 'pending', owner: { personId: 'chen.lei' } });
    await hx.sleepUntil(F + 5 * MIN);
    s = await h.executeUpdate(actionUpdates.classify, { args: [{ by: OFFICE, category: 'fabrication', at: iso(F + 5 * MIN) }] });
    const untrue = s.obligations.find((o) => o.id.startsWith('report/subject-office-untrue@'))!;
    expect(untrue).toMatchObject({ dueAt: local(F + 35 * MIN), binding: 'target', owner: { personId: 'chen.lei' } });
    // the untrue post reported to the office in 20 min; the facts line falls due unmet and its owner is told
    await hx.sleepUntil(F + 25 * MIN);
    await h.executeUpdate(actionUpdates.report, { args: [{ by: 'chen.lei', to: 'office', mode: 'phone', at: iso(F + 25 * MIN) }] });
    await hx.sleepUntil(F + 2 * HOUR + MIN);
    await eventually(async () => expect((await hx.status(h)).targetOverdueCount).toBeGreaterThanOrEqual(1));
    await eventually(async () => expect(noticesFor(await hx.notices(id), facts.id, 'overdue')).toHaveLength(1));
    await hx.sleepUntil(F + 3 * HOUR);
    await h.executeUpdate(actionUpdates.report, { args: [{ by: 'chen.lei', to: 'coordinator', mode: 'written', at: iso(F + 3 * HOUR) }] });
    await hx.quiescent(h);
    const rows = await eventually(async () => {
      const all = (await hx.outcomes(id)).filter((f) => f.obligationId === facts.id || f.obligationId === untrue.id);
      expect(all).toHaveLength(2);
      return all;
    });
    expect(rows.map((f) => [f.obligationId, f.kind, f.personId, f.delayMs ?? null]).sort()).toEqual([
      [facts.id, 'targetMissed', 'chen.lei', HOUR],
      [untrue.id, 'onTime', 'chen.lei', null],
    ].sort());
  });
});
