import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acceptedActions, prepareAction } from '../../src/machines/commands';
import { refusals } from '../../src/machines/incident.rules';
import { calendarSlice, HOLIDAY_DATA_COVERS } from '../../src/plan/holidays';
import { loadPlanFile } from '../../src/plan/plan.loader';
import { DAY, HOUR, MIN, T0, act, actionEvent, deadlineDue, effectsOf, findingsOf, start } from './fixtures';

/**
 * The v5 rules (patch v5-fair-owners, docs/versioning.md): a finding is about a real person, so a duty several people
 * could owe and nobody was named for names nobody; a grade the discoverer enters is an assessment only where they may
 * assess; findings are recorded by the plan's reviewers, never about themselves; replies and adoptions are public
 * speech; a step owed by a body outside the unit never keeps it from closing. Each is also shown unchanged under v4.
 */
const calendar = calendarSlice('2026-03-02', HOLIDAY_DATA_COVERS.to);
const plan = (id: string) => loadPlanFile(path.resolve(__dirname, `../../plans/${id}.yaml`)).plan;
const ethnic = plan('ethnic-religious');
const county = plan('county');
const school = plan('jinpenshan-school');
const v = (rulesVersion: number, p = ethnic, by = 'min.wang') => ({ rulesVersion, calendar, plan: p, discoveredBy: by }) as const;
type Snap = ReturnType<typeof start>[0];
const pending = (s: Snap, kind: string) => s.context.obligations.find((o) => o.kind === kind && o.status === 'pending')!;

/** 000 篇三, entered as 重大, classified as an inquiry before any department was dispatched or named. */
function inquiryWithNoDepartment(rulesVersion: number): Snap {
  let [s] = start({ ...v(rulesVersion), grade: 'major' });
  [s] = act(s, 'report', { by: 'min.wang', to: 'office', mode: 'written' }, T0 + 10 * MIN);
  [s] = act(s, 'assess', { by: 'jing.zhou' }, T0 + 20 * MIN);
  [s] = act(s, 'classify', { by: 'jing.zhou', category: 'inquiry' }, T0 + 30 * MIN);
  return s;
}

describe('v5: a duty with several possible owners and nobody named names nobody', () => {
  it('the inquiry day with no department named: every department is told, the lapse names nobody and is marked for the reviewer', () => {
    let s = inquiryWithNoDepartment(5);
    const ob = pending(s, 'inquiryOpinion');
    expect(ob.ownerAmbiguous).toBe(true);
    expect(ethnic.people.filter((p) => p.roles.includes('department')).length).toBeGreaterThan(1);
    let actions;
    [s, actions] = deadlineDue(s, ob.id, ob.dueAt!);
    const overdue = effectsOf(actions, 'notify').find((n) => n.kind === 'overdue')!;
    for (const dep of ['lei.chen', 'fang.liu', 'yan.huang', 'li.xu']) expect(overdue.recipients.map((r) => r.personId)).toContain(dep);
    [s, actions] = act(s, 'withdraw', { by: 'jing.zhou', reason: '重复录入' }, ob.dueAt! + HOUR);
    const f = findingsOf(actions).find((x) => x.obligationId === ob.id)!;
    expect(f).toMatchObject({ kind: 'missedDuty', personId: undefined, personName: '职能科室（未确定具体人员）', marks: { ownerNotNamed: true } });
  });

  it('under v4 the same incident books the first department listed (the behaviour v5 corrects)', () => {
    const s = inquiryWithNoDepartment(4);
    const ob = pending(s, 'inquiryOpinion');
    expect(ob.ownerAmbiguous).toBeUndefined();
    expect(ob.ownerId).toBe(ethnic.people.find((p) => p.roles.includes('department'))!.id);
  });

  it('a department dispatched to later owns it, and is told; so does one who does it', () => {
    let s = inquiryWithNoDepartment(5);
    let actions;
    [s, actions] = act(s, 'dispatch', { by: 'jing.zhou', department: 'yan.huang' }, T0 + 40 * MIN);
    expect(pending(s, 'inquiryOpinion').ownerId).toBe('yan.huang');
    expect(pending(s, 'inquiryOpinion').ownerAmbiguous).toBeUndefined();
    expect(effectsOf(actions, 'notify').some((n) => n.kind === 'assigned' && n.obligationId === pending(s, 'inquiryOpinion').id && n.recipients[0].personId === 'yan.huang')).toBe(true);
    // the approval step, then a late reply: the finding names the department dispatched to
    [s] = act(s, 'draftReply', { by: 'yan.huang', text: '答复' }, T0 + 50 * MIN);
    [s] = act(s, 'approve', { by: 'lei.chen' }, T0 + HOUR);
    const due = pending(s, 'inquiryOpinion').dueAt!;
    [s, actions] = act(s, 'replyOpinion', { by: 'yan.huang', text: '答复' }, due + HOUR);
    expect(findingsOf(actions).find((f) => f.obligationKind === 'inquiryOpinion')).toMatchObject({ kind: 'lateDuty', personId: 'yan.huang' });
    expect(findingsOf(actions).find((f) => f.obligationKind === 'inquiryOpinion')?.marks?.ownerNotNamed).toBeUndefined();
  });
});

describe('v5: a grade entered by a discoverer who does not assess is not an assessment (000 篇五 §五(二))', () => {
  it('the county monitor enters 重大: the lines run, their findings are marked "grade entered, not assessed"; the 涉事主体 assessing it makes it assessed', () => {
    let [s] = start({ ...v(5, county, 'liu.bo'), grade: 'major', subject: 'chen.lei' });
    expect(s.context.gradeSource).toBe('entered');
    const line = s.context.obligations.find((o) => o.line?.key === 'subject-coordinator')!;
    expect(line).toMatchObject({ dueAt: T0 + 2 * HOUR, gradeBasis: 'entered' });
    let actions;
    [s, actions] = act(s, 'report', { by: 'chen.lei', to: 'coordinator', mode: 'written' }, T0 + 3 * HOUR);
    expect(findingsOf(actions).find((f) => f.obligationId === line.id)).toMatchObject({ kind: 'late', personId: 'chen.lei', gradeBasis: 'entered', marks: { gradeNotAssessed: true, gradeEntered: true } });
    // the assessing party confirms the grade: from then on it is assessed
    [s] = act(s, 'regrade', { by: 'chen.lei', grade: 'major', reason: '经研判确认为重大' }, T0 + 4 * HOUR);
    expect(s.context.gradeSource).toBe('manual');
    expect(s.context.obligations.find((o) => o.line?.key === 'subject-superior')?.gradeBasis).toBe('assessed');
  });

  it('an assessor entering it, a major-only plan, and v4 keep the entry an assessment', () => {
    expect(start({ ...v(5, county, 'zhao.min'), grade: 'major' })[0].context.gradeSource).toBe('manual');
    expect(start({ ...v(5, ethnic, 'min.wang'), grade: 'major' })[0].context.gradeSource).toBe('manual');
    expect(start({ ...v(4, county, 'liu.bo'), grade: 'major' })[0].context.gradeSource).toBe('manual');
  });
});

describe('v5: findings are recorded by the plan\'s reviewers, never about themselves', () => {
  const finding = (by: string, person: string) => actionEvent('finding', { by, kind: 'concealedReport', person, details: '瞒报' }, T0 + HOUR);
  it('the county reviewers (office director, principal leader) record; a leader in charge or an outside body does not; nobody about themselves', () => {
    const [s] = start({ ...v(5, county, 'liu.bo') });
    expect(refusals(s.context, finding('wang.jiazhi', 'liu.bo'))).toEqual([]);
    expect(refusals(s.context, finding('li.guoqiang', 'liu.bo')).join()).toMatch(/needs one of: officeDirector.*principalLeader/);
    expect(refusals(s.context, finding('gao.feng', 'liu.bo')).join()).toMatch(/needs one of/);
    expect(refusals(s.context, finding('zhang.weidong', 'zhang.weidong')).join()).toMatch(/cannot record a finding about themselves/);
    // v4 kept the defaults (leaders, the leading group, the superior)
    const [old] = start({ ...v(4, county, 'liu.bo') });
    expect(refusals(old.context, finding('li.guoqiang', 'liu.bo'))).toEqual([]);
  });
});

describe('v5 in the 001 school plan', () => {
  it('for a major incident the reply is public speech: only the 新闻发布组 (spokesperson) publishes it', () => {
    let [s] = start({ ...v(5, school, 'wu.xiaolan'), grade: 'major' });
    [s] = act(s, 'assess', { by: 'lin.fang', grade: 'major' }, T0 + 10 * MIN);
    [s] = act(s, 'startHandling', { by: 'lin.fang' }, T0 + 20 * MIN);
    [s] = act(s, 'classify', { by: 'lin.fang', category: 'inquiry' }, T0 + 30 * MIN);
    const reply = (by: string) => prepareAction(s, 'replyOpinion', { by, text: '统一回复' }, T0 + HOUR);
    expect(reply('tang.jun')).toMatchObject({ ok: false, errors: [expect.stringMatching(/only spokesperson/)] });
    expect(reply('xie.ning')).toMatchObject({ ok: true });
    expect(acceptedActions(s)).toContain('replyOpinion');
  });

  it('closing is not held up by the 镇党委\'s own report to the county (an outside body\'s step): it is recorded unmet, no finding', () => {
    let [s] = start({ ...v(5, school, 'wu.xiaolan'), grade: 'major' });
    [s] = act(s, 'report', { by: 'wu.xiaolan', to: 'office', mode: 'phone' }, T0 + 5 * MIN);
    [s] = act(s, 'report', { by: 'wu.xiaolan', to: 'cao.bin', mode: 'phone' }, T0 + 10 * MIN);
    const relay = s.context.obligations.find((o) => o.line?.key === 'town-county')!;
    expect(relay).toMatchObject({ status: 'pending', line: { outside: true } });
    [s] = act(s, 'assess', { by: 'lin.fang', grade: 'major' }, T0 + 20 * MIN);
    [s] = act(s, 'respond', { by: 'xie.ning', channel: 'weibo', text: '学校已关注', inNameOf: 'spokesperson' }, T0 + 30 * MIN);
    [s] = act(s, 'startHandling', { by: 'lin.fang' }, T0 + 40 * MIN);
    [s] = act(s, 'assignTracker', { by: 'lin.fang', tracker: 'lin.fang' }, T0 + 50 * MIN);
    [s] = act(s, 'subside', { by: 'lin.fang', reason: '平息' }, T0 + DAY);
    let actions;
    [s, actions] = act(s, 'submitSummary', { by: 'lin.fang', text: '总结' }, T0 + DAY + HOUR);
    expect(s.value).toBe('closed');
    expect(s.context.obligations.find((o) => o.id === relay.id)?.status).toBe('unmet');
    expect(findingsOf(actions).filter((f) => f.obligationId === relay.id)).toEqual([]);
    expect(s.context.timeline.some((e) => e.action === 'outsideLine' && e.details.includes(relay.id))).toBe(true);
  });
});
