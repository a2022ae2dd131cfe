import { describe, expect, it } from 'vitest';
import type { ListedIncident } from '../../src/api/incidents';
import { compareUrgency, formatList, paginate, sortByUrgency } from '../../src/cli/format-list';
import { formatStatus, timelineByClaimedTime } from '../../src/cli/format-status';
import { localeOf } from '../../src/cli/locale';
import { displayWidth } from '../../src/cli/text';
import type { IncidentStatus } from '../../src/machines/status';

const NOW = Date.parse('2026-11-22T12:00:00+08:00');
const at = (local: string) => new Date(Date.parse(`2026-11-22T${local}:00+08:00`)).toISOString();

/** The fields `show` prints; the rest of the view does not matter here. */
function status(over: Partial<IncidentStatus> & Record<string, unknown> = {}): IncidentStatus {
  return {
    id: 'county-1', title: '某镇一企业发生安全生产事故', unit: { id: 'county-office', name: '某县舆情办' },
    plan: { id: 'county-office', version: '2026.1', hash: 'h' }, stage: 'rapidResponse', stageLabel: '快速反应', open: true,
    grade: 'especiallyMajor', gradeLabel: '特别重大', gradeReasons: ['casualties=2'], category: null, categoryLabel: null,
    discoveredAt: at('08:45'), discoveredBy: 'liu.bo', startedAt: at('08:50'), metrics: {}, tracker: null,
    nextDeadlineAt: at('12:30'), overdueCount: 1,
    obligations: [
      { id: 'firstReport', kind: 'firstReport', label: '首报', owner: { personId: 'liu.bo', name: '刘波', role: 'monitor', roleLabel: '舆情监控人员' },
        dueAt: at('09:45'), status: 'late', statusLabel: '迟报', overdue: false, flaggedOverdue: true, metAt: at('10:05'), delay: '20m', source: '' },
      { id: 'publicResponse', kind: 'publicResponse', label: '首次公开回应', owner: { personId: 'xu.fang', name: '徐芳', role: 'spokesperson', roleLabel: '新闻发言人' },
        dueAt: at('08:48'), status: 'pending', statusLabel: '待办', overdue: true, flaggedOverdue: true, metAt: null, delay: null, source: '' },
      { id: 'writtenReport', kind: 'writtenReport', label: '书面报告', owner: { personId: 'liu.bo', name: '刘波', role: 'monitor', roleLabel: '舆情监控人员' },
        dueAt: at('12:30'), status: 'pending', statusLabel: '待办', overdue: false, flaggedOverdue: false, metAt: null, delay: null, source: '' },
    ],
    timeline: [
      { seq: 1, action: 'discover', by: 'liu.bo', at: at('08:45'), recordedAt: at('08:50'), backdated: false, gapMinutes: 5, stage: 'researchAndWarning', details: 'discovered' },
      { seq: 2, action: 'overdue', by: null, at: at('09:45'), recordedAt: at('09:45'), backdated: false, gapMinutes: 0, stage: 'researchAndWarning', details: 'firstReport was due' },
      { seq: 3, action: 'report', by: 'liu.bo', at: at('09:30'), recordedAt: at('11:42'), backdated: true, gapMinutes: 132, stage: 'researchAndWarning', details: 'initial phone report to office' },
    ],
    outcomes: [{ id: 'o1', kind: 'late', label: '首报迟报', personId: 'liu.bo', personName: '刘波', role: 'monitor', at: at('10:05'), delayMinutes: 20, details: 'late' }],
    ...over,
  } as unknown as IncidentStatus;
}

describe('show', () => {
  const text = formatStatus(status(), NOW);
  const lines = text.split('\n');

  it('writes every time in the plan zone with its offset, and open deadlines with the time left or overdue', () => {
    expect(text).not.toMatch(/\d{4}-\d\d-\d\dT/); // no raw ISO strings for people
    expect(lines.find((l) => l.includes('下一时限'))).toContain('2026-11-22 12:30 +08:00（剩余 30 分）');
    expect(lines.find((l) => l.includes('publicResponse'))).toContain('2026-11-22 08:48 +08:00（逾期 3 小时 12 分）');
    expect(lines.find((l) => l.includes('publicResponse'))).toContain('待办（逾期）');
    expect(lines.find((l) => l.includes('firstReport'))).toContain('2026-11-22 10:05 +08:00（超时 20 分）');
    expect(lines.find((l) => l.includes('发现'))).toContain('2026-11-22 08:45 +08:00（3 小时 15 分前）');
  });

  it('orders the timeline by the claimed time and shows when a backdated entry was recorded', () => {
    const timeline = lines.slice(lines.findIndex((l) => l.trim() === '时间线') + 2, lines.findIndex((l) => l.trim() === '责任追究') - 1);
    expect(timeline.map((l) => l.trim().split(/\s+/)[3])).toEqual(['discover', 'report', 'overdue']);
    expect(timeline[1]).toContain('补录：2026-11-22 11:42 +08:00 录入，晚 2 小时 12 分');
    expect(timeline[0]).toContain('2026-11-22 08:50 +08:00 录入'); // recorded later than claimed, not backdated
    expect(timeline[2]).not.toContain('录入');
    expect(timelineByClaimedTime(status().timeline).map((t) => t.seq)).toEqual([1, 3, 2]);
  });

  it('aligns the obligations by display width', () => {
    const rows = lines.slice(lines.findIndex((l) => l.trim() === '义务') + 1).slice(0, 4);
    const col = (l: string, cell: string) => displayWidth(l.slice(0, l.indexOf(cell)));
    expect(col(rows[1], '迟报')).toBe(col(rows[0], '状态'));
    expect(col(rows[2], '待办')).toBe(col(rows[0], '状态'));
    expect(col(rows[3], '待办')).toBe(col(rows[0], '状态'));
  });

  it('uses the view\'s zone and language when it carries them (English, another zone)', () => {
    const en = formatStatus(status({ timeZone: 'Europe/Berlin', language: 'en' }), NOW);
    expect(en).toContain('next deadline');
    expect(en).toContain('2026-11-22 05:30 +01:00 (30m left)');
    expect(en).toContain('2026-11-22 01:48 +01:00 (overdue 3h12m)');
    expect(en).toContain('backdated: recorded 2026-11-22 04:42 +01:00, 2h12m later');
  });

  it('localeOf falls back to Asia/Shanghai and Chinese', () => {
    expect(localeOf({})).toEqual({ timeZone: 'Asia/Shanghai', language: 'zh' });
    expect(localeOf({ timeZone: 'Not/AZone', language: 'fr' })).toEqual({ timeZone: 'Asia/Shanghai', language: 'zh' });
    expect(localeOf({ timeZone: 'UTC', language: 'en' }, 'zh')).toEqual({ timeZone: 'UTC', language: 'zh' });
  });
});

const row = (id: string, over: Partial<ListedIncident> = {}): ListedIncident => ({
  id, workflowId: `incident-${id}`, status: 'RUNNING', stage: 'researchAndWarning', grade: 'general', unit: 'u',
  overdueCount: 0, startTime: '2026-11-22T00:00:00.000Z', ...over,
});

describe('list', () => {
  const rows = [
    row('calm-old', { startTime: '2026-11-20T00:00:00.000Z' }),
    row('soon', { nextDeadlineAt: at('12:10') }),
    row('later', { nextDeadlineAt: at('15:00') }),
    row('overdue-1', { overdueCount: 1, nextDeadlineAt: at('13:00') }),
    row('overdue-2', { overdueCount: 2 }),
    row('calm-new', { startTime: '2026-11-22T01:00:00.000Z' }),
    row('overdue-1-sooner', { overdueCount: 1, nextDeadlineAt: at('12:20') }),
  ];

  it('sorts by urgency: overdue first, then the next deadline soonest, then the rest (newest first)', () => {
    expect(sortByUrgency(rows).map((r) => r.id)).toEqual(['overdue-2', 'overdue-1-sooner', 'overdue-1', 'soon', 'later', 'calm-new', 'calm-old']);
    expect(compareUrgency(rows[0], rows[0])).toBe(0);
  });

  it('pages', () => {
    const p = paginate(sortByUrgency(rows), 3, 2);
    expect(p).toMatchObject({ page: 2, pages: 3, total: 7, first: 4, limit: 3 });
    expect(p.rows.map((r) => r.id)).toEqual(['soon', 'later', 'calm-new']);
    expect(paginate(rows, 3, 9)).toMatchObject({ rows: [], first: 0, pages: 3 });
    expect(paginate([], 50, 1)).toMatchObject({ rows: [], pages: 1, total: 0 });
  });

  it('a header, the title, Chinese stage and grade labels, times in the plan zone, a footer with the count', () => {
    const listed = [
      row('county-1', { title: '某镇一企业发生安全生产事故致人员伤亡，现场视频在微博传播', stage: 'rapidResponse', grade: 'especiallyMajor', unitName: '某县舆情办', overdueCount: 1, nextDeadlineAt: at('12:30'), timeZone: 'Asia/Shanghai', language: 'zh' }),
      row('school-1', { title: 'Cafeteria prices', grade: 'general', nextDeadlineAt: at('14:00') }),
      row('old-1'), // started before titles were kept
    ];
    const lines = formatList(paginate(listed, 50, 1), NOW, 'zh').split('\n');
    expect(lines[0].split(/\s{2,}/)).toEqual(['编号', '标题', '阶段', '等级', '单位', '下一时限', '逾期']);
    expect(lines[1]).toMatch(/^county-1\s+某镇一企业发生安全生产事故致人…\s+快速反应\s+特别重大\s+某县舆情办\s+2026-11-22 12:30 \+08:00（剩余 30 分）\s+1 项$/);
    expect(lines[2]).toMatch(/^school-1\s+Cafeteria prices\s+研判预警\s+一般\s+u\s+2026-11-22 14:00 \+08:00（剩余 2 小时）$/);
    expect(lines[3]).toMatch(/^old-1\s+—\s+研判预警\s+一般\s+u\s+—$/);
    expect(lines[4]).toBe('共 3 起');
    const col = (l: string, cell: string) => displayWidth(l.slice(0, l.indexOf(cell)));
    expect(col(lines[1], '快速反应')).toBe(col(lines[0], '阶段'));
    expect(col(lines[2], '研判预警')).toBe(col(lines[0], '阶段'));
    expect(col(lines[1], '2026')).toBe(col(lines[0], '下一时限'));
    expect(col(lines[2], '2026')).toBe(col(lines[0], '下一时限'));
  });

  it('the footer tells the page and the next one; an empty result says so', () => {
    const many = Array.from({ length: 5 }, (_, i) => row(`r-${i}`));
    expect(formatList(paginate(many, 2, 1), NOW, 'zh').split('\n').pop()).toBe('共 5 起，显示第 1–2 起（第 1/3 页），下一页：--page 2');
    expect(formatList(paginate(many, 2, 3), NOW, 'en').split('\n').pop()).toBe('5 incidents, showing 5–5 (page 3 of 3)');
    expect(formatList(paginate(many, 2, 4), NOW, 'zh').split('\n').pop()).toBe('共 5 起；第 4 页没有内容（共 3 页）');
    expect(formatList(paginate([], 50, 1), NOW, 'zh')).toBe('没有符合条件的舆情事件\n共 0 起');
  });

  it('in English on request', () => {
    const lines = formatList(paginate([row('a', { stage: 'dynamicTracking', grade: 'major', overdueCount: 2 })], 50, 1), NOW, 'en').split('\n');
    expect(lines[0].split(/\s{2,}/)).toEqual(['id', 'title', 'stage', 'grade', 'unit', 'next deadline', 'overdue']);
    expect(lines[1]).toMatch(/^a\s+—\s+dynamic tracking\s+major\s+u\s+—\s+2$/);
  });
});
