import { describe, expect, it } from 'vitest';
import { STAGES, STAGE_LABELS, label } from '../../src/plan/codes';
import { isOpen, nextDeadline, publicStage, toMarkdown, toStatus } from '../../src/machines/status';
import {
  DAY, HOUR, MIN, T0, act, assessed, deadlineDue, local, makePlan, start, tracking,
} from './fixtures';

describe('the public status view (house style: one public status)', () => {
  it('a zh plan shows stage, grade and obligation labels in Chinese (处置程序, 000 篇一 §四)', () => {
    const [s] = start({ metrics: { mainstreamMedia: true } });
    const v = toStatus(s.context);
    expect(v).toMatchObject({
      id: 'inc-1', stage: 'researchAndWarning', stageLabel: '研判预警', open: true, grade: 'major', gradeLabel: '重大',
      gradeReasons: ['mainstreamMedia'], category: null, categoryLabel: null, discoveredAt: '2026-03-02T09:00:00+08:00', discoveredBy: 'mon',
      timeZone: 'Asia/Shanghai', language: 'zh', ending: null,
      unit: { id: 'test-unit', name: '测试单位' }, plan: { id: 'test-unit-plan', version: '2026.1', hash: 'test-hash' },
    });
    expect(v.obligations.map((o) => [o.id, o.label, o.statusLabel, o.owner.roleLabel])).toEqual([
      ['firstReport', '首报', '待办', '舆情监控人员'],
      ['publicResponse', '首次公开回应', '待办', '新闻发言人'],
      ['firstRelease', '首次新闻发布', '待办', '新闻发言人'],
    ]);
    expect(toStatus(assessed().context).stageLabel).toBe('快速反应');
    expect(toStatus(tracking().context)).toMatchObject({ stageLabel: '动态跟踪', category: 'hype', categoryLabel: '恶意传播或炒作', tracker: 'off' });
  });

  it('an en plan shows them in English (处置程序, 000 篇一 §四)', () => {
    const en = makePlan((p) => { p.language = 'en'; });
    let [s] = start({ plan: en, metrics: { casualties: 1 } });
    let v = toStatus(s.context);
    expect(v).toMatchObject({ stageLabel: 'research and early warning', gradeLabel: 'especially major' });
    expect(v.obligations[0]).toMatchObject({ label: 'first report', statusLabel: 'pending', owner: { roleLabel: 'monitor' } });
    [s] = act(s, 'report', { by: 'mon', to: 'office', mode: 'written' }, T0 + 10 * MIN);
    [s] = act(s, 'assess', { by: 'off' }, T0 + 20 * MIN);
    v = toStatus(s.context);
    expect(v.stageLabel).toBe('rapid response');
    expect(v.obligations[0].statusLabel).toBe('met');
  });

  it('nextDeadlineAt is the earliest pending, not yet overdue due time; overdueCount counts the overdue (000 篇三 §四(二); 000 篇三 §六)', () => {
    let [s] = start({ metrics: { mainstreamMedia: true } });
    expect(toStatus(s.context)).toMatchObject({ nextDeadlineAt: local(T0 + 2 * HOUR), overdueCount: 0 });
    [s] = deadlineDue(s, 'firstReport', T0 + 2 * HOUR);
    expect(toStatus(s.context)).toMatchObject({ nextDeadlineAt: local(T0 + 3 * HOUR), overdueCount: 1 });
    [s] = deadlineDue(s, 'publicResponse', T0 + 3 * HOUR);
    expect(toStatus(s.context)).toMatchObject({ nextDeadlineAt: local(T0 + DAY), overdueCount: 2 });
    expect(toStatus(s.context).obligations.filter((o) => o.overdue).map((o) => o.id)).toEqual(['firstReport', 'publicResponse']);
    // met late: no longer overdue, the delay is shown in minutes
    [s] = act(s, 'report', { by: 'mon', to: 'office', mode: 'written' }, T0 + 3 * HOUR + 30 * MIN);
    const v = toStatus(s.context);
    expect(v.overdueCount).toBe(1);
    expect(v.obligations[0]).toMatchObject({ status: 'late', statusLabel: '迟报', delay: '1h30m', metAt: local(T0 + 3 * HOUR + 30 * MIN) });
    expect(v.outcomes).toEqual([expect.objectContaining({
      kind: 'late', label: '首报迟报', delayMinutes: 90, personId: 'mon', role: 'monitor', binding: 'binding', gradeBasis: 'computed', reviewState: 'open',
    })]);
  });

  it('a closed or dismissed incident has no next deadline and is not open (000 篇一 §四(一), (五))', () => {
    let [s] = start();
    [s] = act(s, 'dismiss', { by: 'off', reason: '不构成舆情' }, T0 + HOUR);
    const v = toStatus(s.context);
    expect(v).toMatchObject({ stage: 'dismissed', stageLabel: '不构成舆情', open: false, nextDeadlineAt: null, overdueCount: 0 });
    expect(nextDeadline(s.context)).toBeNull();
  });

  it('"as appropriate" obligations have no due time in the view (000 篇五 §五(二))', () => {
    const p = makePlan((x) => { x.deadlines.firstReport = { major: '2h' }; });
    const [s] = start({ plan: p });
    const v = toStatus(s.context);
    expect(v.obligations.find((o) => o.id === 'firstReport')).toMatchObject({ dueAt: null, status: 'pending' });
    expect(v.nextDeadlineAt).toBe(local(T0 + 3 * HOUR));
    expect(v.earliestDueAt).toBe(local(T0 + 3 * HOUR));
  });

  it('every stage maps to itself and a label in both languages (处置程序, 000 篇一 §四)', () => {
    for (const stage of STAGES) {
      expect(publicStage(stage)).toBe(stage);
      // the endings (closed, dismissed, withdrawn, cancelled) are the stages that are not open
      expect(isOpen(stage)).toBe(!['dismissed', 'closed', 'withdrawn', 'cancelled'].includes(stage));
      // a label may qualify itself in parentheses: 已取消（操作员） · cancelled (operator)
      expect(label(STAGE_LABELS, stage, 'zh')).toMatch(/^[\u4e00-\u9fff（）]+$/);
      expect(label(STAGE_LABELS, stage, 'en')).toMatch(/^[a-z ()]+$/);
    }
    expect(STAGES.map((st) => STAGE_LABELS[st].zh).slice(0, 5)).toEqual(['研判预警', '快速反应', '分类处置', '动态跟踪', '总结评估']);
    expect(STAGES.filter((st) => !isOpen(st)).map((st) => STAGE_LABELS[st].zh)).toEqual(['不构成舆情', '已结案', '已撤销', '已取消（操作员）']);
  });

  it('the markdown shows stage, grade and each obligation with its owner (处置程序, 000 篇一 §四)', () => {
    const [s] = start({ metrics: { mainstreamMedia: true } });
    const md = toMarkdown(s.context);
    expect(md).toContain('阶段 stage: **研判预警** · 等级 grade: **重大**');
    // due times in the plan's zone with the offset, and the time left as of the moment it is written
    expect(md).toContain('| 首报 (firstReport) | 舆情信息员甲 · 舆情监控人员 | 2026-03-02 11:00 +08:00 (剩余 2 小时) | 待办 |');
    expect(md).toContain('最早时限 earliest due: 2026-03-02 11:00 +08:00 (剩余 2 小时) · 逾期 overdue: 0 binding, 0 target');
  });
});

describe('an obligation met by a backdated action after it was flagged overdue (000 篇三 §四(二); 000 篇三 §六)', () => {
  it('is no longer overdue but stays marked as flagged, so a reviewer sees the late entry', () => {
    let [s] = start({ metrics: { casualties: 1 } });
    [s] = deadlineDue(s, 'firstReport', T0 + HOUR);
    expect(toStatus(s.context).obligations.find((o) => o.id === 'firstReport')).toMatchObject({ overdue: true, flaggedOverdue: true });
    // recorded at 1h30m, claiming the phone call was made at 50m
    [s] = act(s, 'report', { by: 'mon', to: 'office', mode: 'phone', at: new Date(T0 + 50 * MIN).toISOString() }, T0 + 50 * MIN, T0 + 90 * MIN);
    const v = toStatus(s.context);
    expect(v.obligations.find((o) => o.id === 'firstReport')).toMatchObject({ status: 'met', overdue: false, flaggedOverdue: true });
    expect(toMarkdown(s.context)).toContain('逾期后补录');
    expect(v.timeline.find((t) => t.action === 'report')).toMatchObject({ backdated: false, gapMinutes: 40 });
  });
});
