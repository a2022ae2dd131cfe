import { describe, expect, it } from 'vitest';
import { STAGES, STAGE_LABELS, label } from '../../src/plan/codes';
import { isOpen, nextDeadline, publicStage, toMarkdown, toStatus } from '../../src/machines/status';
import {
  DAY, HOUR, MIN, T0, act, assessed, deadlineDue, local, makePlan, send, start, tracking,
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

describe('v1 status fields (house style: one public status; 000 篇三 §四(二); 000 篇三 §六)', () => {
  it('the timeline is ordered by when things happened: a backdated entry sits where it happened, its recording time beside it (000 篇三 §四(二))', () => {
    let [s] = start({ metrics: { mainstreamMedia: true } });
    [s] = act(s, 'assess', { by: 'off' }, T0 + 20 * MIN);
    // recorded three hours later, claiming the phone call was made at 10 min
    [s] = act(s, 'report', { by: 'mon', to: 'office', mode: 'phone', at: new Date(T0 + 10 * MIN).toISOString() }, T0 + 10 * MIN, T0 + 3 * HOUR);
    [s] = act(s, 'respond', { by: 'spk', channel: 'weibo', text: '回应', inNameOf: 'unit' }, T0 + 3 * HOUR + 5 * MIN);
    // the context keeps the order of recording …
    expect(s.context.timeline.map((t) => t.action)).toEqual(['discover', 'assess', 'stage', 'report', 'respond']);
    // … the view the order of happening
    const v = toStatus(s.context);
    expect(v.timeline.map((t) => [t.action, t.at, t.recordedAt, t.backdated])).toEqual([
      ['discover', '2026-03-02T09:00:00+08:00', '2026-03-02T09:00:00+08:00', false],
      ['report', '2026-03-02T09:10:00+08:00', '2026-03-02T12:00:00+08:00', true],
      ['assess', '2026-03-02T09:20:00+08:00', '2026-03-02T09:20:00+08:00', false],
      ['stage', '2026-03-02T09:20:00+08:00', '2026-03-02T09:20:00+08:00', false],
      ['respond', '2026-03-02T12:05:00+08:00', '2026-03-02T12:05:00+08:00', false],
    ]);
    expect(v.timeline.map((t) => t.seq)).toEqual([1, 4, 2, 3, 5]);
    expect(v.timeline[1].gapMinutes).toBe(170);
  });

  it('recordedAfterFlag is true only when the act was recorded after the overdue flag (逾期后补录) (000 篇三 §四(二); 000 篇三 §六)', () => {
    const view = (x: ReturnType<typeof start>[0]) => toStatus(x.context).obligations.find((o) => o.id === 'firstReport')!;
    // flagged at 1 h; the phone call claimed at 50 min was recorded at 90 min: met in time, entered after the flag
    let [a] = start({ metrics: { casualties: 1 } });
    [a] = deadlineDue(a, 'firstReport', T0 + HOUR);
    [a] = act(a, 'report', { by: 'mon', to: 'office', mode: 'phone', at: new Date(T0 + 50 * MIN).toISOString() }, T0 + 50 * MIN, T0 + 90 * MIN);
    expect(a.context.obligations[0]).toMatchObject({ status: 'met', metAt: T0 + 50 * MIN, metRecordedAt: T0 + 90 * MIN, flaggedAt: T0 + HOUR });
    expect(view(a)).toMatchObject({
      status: 'met', flaggedOverdue: true, recordedAfterFlag: true, metAt: local(T0 + 50 * MIN), metRecordedAt: local(T0 + 90 * MIN),
    });
    // met late after the flag, recorded when it happened: also after the flag
    let [b] = start({ metrics: { casualties: 1 } });
    [b] = deadlineDue(b, 'firstReport', T0 + HOUR);
    [b] = act(b, 'report', { by: 'mon', to: 'office', mode: 'phone' }, T0 + 70 * MIN);
    expect(view(b)).toMatchObject({ status: 'late', recordedAfterFlag: true, metRecordedAt: null });
    // met before the due time: never flagged
    let [c] = start({ metrics: { casualties: 1 } });
    [c] = act(c, 'report', { by: 'mon', to: 'office', mode: 'phone' }, T0 + 30 * MIN);
    [c] = deadlineDue(c, 'firstReport', T0 + HOUR);
    expect(view(c)).toMatchObject({ status: 'met', flaggedOverdue: false, recordedAfterFlag: false });
    // a backdated record entered before the timer was handled: late, but not entered after a flag
    let [d] = start({ metrics: { casualties: 1 } });
    [d] = act(d, 'report', { by: 'mon', to: 'office', mode: 'phone' }, T0 + 65 * MIN);
    expect(view(d)).toMatchObject({ status: 'late', flaggedOverdue: false, recordedAfterFlag: false });
    expect(toMarkdown(a.context)).toContain('逾期后补录');
    expect(toMarkdown(c.context)).not.toContain('逾期后补录');
  });

  it('earliestDueAt includes due times already passed; nextDeadlineAt does not (000 篇三 §四(二))', () => {
    let [s] = start({ metrics: { mainstreamMedia: true } });
    [s] = deadlineDue(s, 'firstReport', T0 + 2 * HOUR);
    expect(toStatus(s.context)).toMatchObject({ earliestDueAt: local(T0 + 2 * HOUR), nextDeadlineAt: local(T0 + 3 * HOUR) });
    [s] = act(s, 'report', { by: 'mon', to: 'office', mode: 'written' }, T0 + 150 * MIN);
    expect(toStatus(s.context)).toMatchObject({ earliestDueAt: local(T0 + 3 * HOUR), nextDeadlineAt: local(T0 + 3 * HOUR) });
  });

  it('overdue obligations are counted apart by binding limit and by target (责任追究: words of a finding)', () => {
    let [s] = start({ metrics: { mainstreamMedia: true } });
    expect(toStatus(s.context).obligations.map((o) => [o.id, o.binding])).toEqual([
      ['firstReport', 'binding'], ['publicResponse', 'binding'], ['firstRelease', 'target'],
    ]);
    [s] = deadlineDue(s, 'firstReport', T0 + 2 * HOUR);
    [s] = deadlineDue(s, 'publicResponse', T0 + 3 * HOUR);
    [s] = deadlineDue(s, 'firstRelease', T0 + DAY);
    expect(toStatus(s.context)).toMatchObject({ overdueCount: 3, bindingOverdueCount: 2, targetOverdueCount: 1 });
    expect(toMarkdown(s.context, T0 + DAY)).toContain('逾期 overdue: 2 binding, 1 target');
    [s] = act(s, 'report', { by: 'mon', to: 'office', mode: 'written' }, T0 + DAY + MIN);
    expect(toStatus(s.context)).toMatchObject({ overdueCount: 2, bindingOverdueCount: 1, targetOverdueCount: 1 });
  });

  it('every time carries the plan\'s offset: +08:00 in Asia/Shanghai, +00:00 in a UTC plan (Time limits, counting: every time a person reads is in the plan\'s zone with its offset)', () => {
    let [s] = start({ metrics: { mainstreamMedia: true } });
    [s] = act(s, 'report', { by: 'mon', to: 'office', mode: 'written' }, T0 + 3 * HOUR);
    const v = toStatus(s.context);
    const times = [
      v.discoveredAt, v.startedAt, v.nextDeadlineAt, v.earliestDueAt,
      ...v.obligations.flatMap((o) => [o.dueAt, o.metAt]), ...v.timeline.flatMap((t) => [t.at, t.recordedAt]), ...v.outcomes.flatMap((o) => [o.at, o.dueAt]),
    ].filter((t): t is string => t !== null);
    expect(times.length).toBeGreaterThan(10);
    for (const t of times) expect(t).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
    expect(v.outcomes[0]).toMatchObject({ at: '2026-03-02T12:00:00+08:00', dueAt: '2026-03-02T11:00:00+08:00', delayMinutes: 60 });
    const [u] = start({ plan: makePlan((p) => { p.timeZone = 'UTC'; }) });
    expect(toStatus(u.context)).toMatchObject({ timeZone: 'UTC', discoveredAt: '2026-03-02T01:00:00+00:00' });
  });

  it('shows the ending, waivers, readings ignored and notices not delivered (责任追究: Endings; house style)', () => {
    let [s] = start({ metrics: { mainstreamMedia: true } });
    expect(toStatus(s.context)).toMatchObject({ ending: null, ignoredReadings: { count: 0, lastAt: null, lastReason: null }, undelivered: [] });
    [s] = send(s, { type: 'READING_IGNORED', at: T0 + 5 * MIN, reason: 'at: is in the future' });
    [s] = send(s, { type: 'READING_IGNORED', at: T0 + 6 * MIN, reason: 'at: is before the incident was discovered' });
    const notice = 'inc-1/assigned/firstReport/due=20260302T030000.000Z,set=20260302T010000.000Z';
    [s] = send(s, { type: 'DELIVERY_FAILED', noticeId: notice, kind: 'assigned', obligationId: 'firstReport', reason: 'SMTP 550', at: T0 + 7 * MIN });
    let v = toStatus(s.context);
    expect(v.ignoredReadings).toEqual({ count: 2, lastAt: local(T0 + 6 * MIN), lastReason: 'at: is before the incident was discovered' });
    expect(v.undelivered).toEqual([{ noticeId: notice, kind: 'assigned', obligationId: 'firstReport', reason: 'SMTP 550', at: local(T0 + 7 * MIN) }]);
    expect(toMarkdown(s.context)).toContain(`未送达 undelivered: ${notice} — SMTP 550`);
    expect(s.context.timeline.at(-1)).toMatchObject({ action: 'undelivered', details: `notice ${notice} not delivered: SMTP 550` });
    [s] = send(s, { type: 'DELIVERY_RECOVERED', noticeId: notice, at: T0 + 8 * MIN });
    expect(toStatus(s.context).undelivered).toEqual([]);
    expect(s.context.timeline.at(-1)).toMatchObject({ action: 'delivered' });
    // a recovery for a notice never reported undelivered changes nothing
    const [same] = send(s, { type: 'DELIVERY_RECOVERED', noticeId: 'inc-1/other', at: T0 + 9 * MIN });
    expect(same.context.timeline).toHaveLength(s.context.timeline.length);
    [s] = act(s, 'withdraw', { by: 'lic', reason: '重复登记' }, T0 + HOUR);
    v = toStatus(s.context);
    expect(v.ending).toEqual({ kind: 'withdrawn', at: local(T0 + HOUR), reason: '重复登记', by: 'lic' });
    expect(v.obligations.map((o) => [o.id, o.status, o.waivedAt, o.waivedReason, o.metAt])).toEqual([
      ['firstReport', 'unmet', null, null, null],
      ['publicResponse', 'waived', local(T0 + HOUR), 'incident withdrawn before it was due', null],
      ['firstRelease', 'waived', local(T0 + HOUR), 'incident withdrawn before it was due', null],
    ]);
    expect(v.outcomes).toEqual([expect.objectContaining({ kind: 'unmetAtEnding', label: '首报结束时未完成', obligationId: 'firstReport', reviewState: 'open', binding: 'binding' })]);
  });
});
