/**
 * `show` (and `act`) for people: an incident's status in the plan's time zone and language (the view's
 * labels are already in it), with time left or overdue on every open deadline. Pure: the caller passes `now`.
 */
import { ROLE_LABELS, type Role } from '../plan/codes';
import type { IncidentStatus } from '../machines/status';
import { bracket, dueTime, localeOf, localTime, pastTime, span, type Locale } from './locale';
import { table } from './text';

const WORDS = {
  zh: {
    unit: '单位', plan: '预案', stage: '阶段', over: '已结束', grade: '等级', category: '类别', discovered: '发现',
    next: '下一时限', overdue: '逾期', items: (n: number) => `${n} 项`, tracker: '跟踪人',
    obligations: '义务', obligation: '义务', status: '状态', due: '时限', met: '完成', owner: '责任人',
    overdueMark: '逾期', flaggedMark: '逾期后补录', late: (s: string) => `超时 ${s}`,
    timeline: '时间线', time: '时间', action: '动作', by: '人员', recorded: '录入', details: '内容',
    backdated: (at: string, gap: string) => `补录：${at} 录入，晚 ${gap}`,
    recordedAt: (at: string) => `${at} 录入`,
    outcomes: '责任追究', outcome: '结果', person: '人员', delay: '延误', none: '—',
  },
  en: {
    unit: 'unit', plan: 'plan', stage: 'stage', over: 'over', grade: 'grade', category: 'category', discovered: 'discovered',
    next: 'next deadline', overdue: 'overdue', items: (n: number) => `${n}`, tracker: 'tracker',
    obligations: 'obligations', obligation: 'obligation', status: 'status', due: 'due', met: 'done', owner: 'owner',
    overdueMark: 'overdue', flaggedMark: 'recorded after it was flagged overdue', late: (s: string) => `${s} late`,
    timeline: 'timeline', time: 'time', action: 'action', by: 'by', recorded: 'recorded', details: 'details',
    backdated: (at: string, gap: string) => `backdated: recorded ${at}, ${gap} later`,
    recordedAt: (at: string) => `recorded ${at}`,
    outcomes: 'accountability', outcome: 'outcome', person: 'person', delay: 'delay', none: '—',
  },
} as const;

type Obligation = IncidentStatus['obligations'][number];
type Entry = IncidentStatus['timeline'][number];

function obligationStatus(o: Obligation, l: Locale): string {
  const w = WORDS[l.language];
  const base = o.statusLabel;
  if (o.overdue) return `${base}${bracket(l, w.overdueMark)}`;
  // 逾期后补录 only when the act was really recorded after the overdue flag
  if (o.recordedAfterFlag) return `${base}${bracket(l, w.flaggedMark)}`;
  return base;
}

function obligationDone(o: Obligation, l: Locale): string {
  if (!o.metAt) return '';
  const late = o.dueAt && Date.parse(o.metAt) > Date.parse(o.dueAt) ? WORDS[l.language].late(span(l, Date.parse(o.metAt) - Date.parse(o.dueAt))) : '';
  return localTime(l, o.metAt) + (late ? bracket(l, late) : '');
}

/** The timeline in the order things happened (the claimed time `at`), recording order breaking ties. */
export function timelineByClaimedTime(timeline: readonly Entry[]): Entry[] {
  return [...timeline].sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.seq - b.seq);
}

/** Where the recording time differs from the claimed one (to the minute shown), say when it was recorded. */
function recordedNote(t: Entry, l: Locale): string {
  const at = localTime(l, t.at);
  const recorded = localTime(l, t.recordedAt);
  const w = WORDS[l.language];
  if (t.backdated) return w.backdated(recorded, span(l, Date.parse(t.recordedAt) - Date.parse(t.at)));
  return recorded === at ? '' : w.recordedAt(recorded);
}

export function formatStatus(s: IncidentStatus, now: number): string {
  const l = localeOf(s);
  const w = WORDS[l.language];
  const header = table([
    [w.unit, `${s.unit.name} (${s.unit.id}) · ${w.plan} ${s.plan.id}@${s.plan.version}`],
    [w.stage, `${s.stageLabel} (${s.stage})${s.open ? '' : ` — ${w.over}`}`],
    [w.grade, `${s.gradeLabel} (${s.grade})${s.gradeReasons.length ? ` ← ${s.gradeReasons.join(', ')}` : ''}`],
    [w.category, s.category ? `${s.categoryLabel ?? s.category} (${s.category})` : w.none],
    [w.discovered, `${pastTime(l, s.discoveredAt, now)} · ${s.discoveredBy}`],
    [w.next, s.open ? dueTime(l, s.nextDeadlineAt, now) : w.none],
    [w.overdue, s.overdueCount ? w.items(s.overdueCount) : '0'],
    ...(s.tracker ? [[w.tracker, s.tracker]] : []),
  ], { indent: '  ' });

  const obligations = table([
    [w.obligation, w.status, w.due, w.met, w.owner],
    ...s.obligations.map((o) => [
      // a report line says who owes whom
      `${o.label} ${o.id}${o.line ? ` → ${o.line.to}${o.line.outside ? (l.language === 'zh' ? '（外单位）' : ' (outside body)') : ''}` : ''}`,
      obligationStatus(o, l),
      o.status === 'pending' ? dueTime(l, o.dueAt, now) : localTime(l, o.dueAt),
      obligationDone(o, l),
      `${o.owner.name} · ${o.owner.roleLabel}`,
    ]),
  ], { indent: '    ', header: true });

  const timeline = table([
    [w.time, w.action, w.by, w.recorded, w.details],
    ...timelineByClaimedTime(s.timeline).map((t) => [localTime(l, t.at), t.action, t.by ?? '', recordedNote(t, l), t.details]),
  ], { indent: '    ', header: true });

  const outcomes = s.outcomes.length
    ? table([
      [w.outcome, w.person, w.time, w.delay, w.details],
      ...s.outcomes.map((o) => [
        o.label,
        [o.personName ?? o.personId, ROLE_LABELS[o.role as Role]?.[l.language] ?? o.role].filter(Boolean).join(' · '),
        localTime(l, o.at),
        o.delayMinutes ? span(l, o.delayMinutes * 60_000) : '',
        [o.details, ...(o.marksText ?? [])].join('；'),
      ]),
    ], { indent: '    ', header: true })
    : [`    ${w.none}`];

  return [
    `${s.id}  ${s.title}`,
    ...header,
    '',
    `  ${w.obligations}`,
    ...obligations,
    '',
    `  ${w.timeline}`,
    ...timeline,
    '',
    `  ${w.outcomes}`,
    ...outcomes,
  ].join('\n');
}
