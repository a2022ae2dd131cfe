import {
  CATEGORY_LABELS, GRADE_LABELS, OBLIGATION_LABELS, ROLE_LABELS, STAGE_LABELS, STATUS_LABELS,
  assertNever, isEnding, label, outcomeLabel,
  type Category, type Grade, type Language, type ObligationKind, type ObligationStatus, type OutcomeKind, type Role, type Stage,
} from '../plan/codes';
import { formatLocal } from '../plan/time-zone';
import { formatRelative, isoLocal } from '../plan/time-format';
import type { Binding, Finding } from './effects';
import { bindingOfObligation, inScope, type IncidentContext, type Obligation } from './incident.rules';

/**
 * The one public view of an incident (the `status` query, `show`, the API). Stable and documented:
 * times are ISO strings, every code comes with its label in the plan's language.
 */
export interface IncidentStatus {
  id: string;
  title: string;
  unit: { id: string; name: string };
  plan: { id: string; version: string; hash: string };
  /** the plan's time zone and language: every time below is ISO 8601 with this zone's offset */
  timeZone: string;
  language: Language;
  stage: Stage;
  stageLabel: string;
  open: boolean;
  /** how it ended, when it did: the ending's recorded time */
  ending: { kind: string; at: string; reason: string | null; by: string | null } | null;
  grade: Grade;
  gradeLabel: string;
  gradeReasons: string[];
  category: Category | null;
  categoryLabel: string | null;
  discoveredAt: string;
  discoveredBy: string;
  startedAt: string;
  metrics: IncidentContext['metrics'];
  tracker: string | null;
  nextDeadlineAt: string | null;
  /** the earliest due time of an unmet obligation, passed or not */
  earliestDueAt: string | null;
  overdueCount: number;
  /** pending obligations past a binding limit, and past a target, counted apart */
  bindingOverdueCount: number;
  targetOverdueCount: number;
  /** readings a feed sent that the workflow could not take (in the future, before discovery) */
  ignoredReadings: { count: number; lastAt: string | null; lastReason: string | null };
  /** notices the dispatcher gave up on, until re-driven (`client.ts redrive`) */
  undelivered: Array<{ noticeId: string; kind: string; obligationId: string | null; reason: string; at: string }>;
  /** v3: the plan's scope, and for a major-only plan whether its limits run (assessed as 重大) and from when */
  scope: { plan: 'all' | 'majorOnly'; inScope: boolean; majorAt: string | null; gradeAssessed: boolean };
  obligations: Array<{
    id: string;
    kind: ObligationKind;
    label: string;
    owner: { personId: string; name: string; role: Role; roleLabel: string };
    line: {
      key: string; to: string; toPerson: string | null; from: string; createdBy: string; relayOf: string | null;
      outside: boolean; ownerNotNamed: boolean; metByAssessment: boolean; receipt: string | null;
      /** a 通报 whose departments are not named yet (flagged, never dropped) */
      recipientsPending: boolean;
    } | null;
    dueAt: string | null;
    binding: Binding;
    status: ObligationStatus;
    statusLabel: string;
    /** pending and past its deadline */
    overdue: boolean;
    /** the deadline passed while it was still open, even if a later backdated action met it in time */
    flaggedOverdue: boolean;
    metAt: string | null;
    /** when the act that met it was recorded, where it differs from metAt */
    metRecordedAt: string | null;
    /** met after it had been flagged overdue, and recorded after that flag (逾期后补录) */
    recordedAfterFlag: boolean;
    waivedAt: string | null;
    waivedReason: string | null;
    /** a day limit the holiday data could not settle: no due time was guessed (raised to the office) */
    calendarMissing: { year: number; date: string } | null;
    delay: string | null;
    source: string;
  }>;
  timeline: Array<{
    seq: number;
    action: string;
    by: string | null;
    at: string;
    recordedAt: string;
    backdated: boolean;
    gapMinutes: number;
    stage: Stage;
    details: string;
  }>;
  outcomes: Array<{
    id: string; kind: OutcomeKind; label: string; obligationId?: string; personId?: string; personName?: string; role: Role;
    at: string; dueAt: string | null; delayMinutes: number | null; binding: Binding | null; gradeBasis: string | null;
    reviewState: string; details: string;
    /** v3: what the reviewer must know (effects.ts FindingMarks), and the same in words */
    marks: Finding['marks'] | null; marksText: string[];
  }>;
}

/** Stage names are mapped exhaustively: a new state cannot slip into the public view unlabelled. */
export function publicStage(stage: Stage): Stage {
  switch (stage) {
    case 'researchAndWarning': case 'rapidResponse': case 'categorizedHandling': case 'dynamicTracking':
    case 'summaryEvaluation': case 'dismissed': case 'closed': case 'withdrawn': case 'cancelled':
      return stage;
    default:
      return assertNever(stage);
  }
}

export function isOpen(stage: Stage): boolean {
  return !isEnding(stage);
}

/** The earliest due time of an unmet obligation, passed or not: what the documented queries sort and filter by. */
export function earliestDue(ctx: IncidentContext): number | null {
  const due = ctx.obligations.filter((o) => o.status === 'pending' && o.dueAt !== null).map((o) => o.dueAt as number);
  return due.length ? Math.min(...due) : null;
}

export function overdueBy(ctx: IncidentContext, binding: Binding): number {
  return ctx.obligations.filter((o) => o.status === 'pending' && o.overdue && bindingOfObligation(ctx.plan, o) === binding).length;
}

/** Met after the overdue flag, by an act recorded after the flag (a backdated record made in time is not 补录). */
export function recordedAfterFlag(o: Obligation): boolean {
  return o.flaggedAt !== undefined && o.metAt !== undefined && (o.metRecordedAt ?? o.metAt) > o.flaggedAt;
}

export function nextDeadline(ctx: IncidentContext): number | null {
  const due = ctx.obligations.filter((o) => o.status === 'pending' && o.dueAt !== null && !o.overdue).map((o) => o.dueAt as number);
  return due.length ? Math.min(...due) : null;
}

export function overdueCount(ctx: IncidentContext): number {
  return ctx.obligations.filter((o) => o.status === 'pending' && o.overdue).length;
}

export function toStatus(ctx: IncidentContext): IncidentStatus {
  const lang = ctx.plan.language;
  const tz = ctx.plan.timeZone;
  const iso = (ms: number) => isoLocal(tz, ms);
  const opt = (ms: number | undefined) => (ms === undefined ? null : iso(ms));
  const stage = publicStage(ctx.stage);
  const next = nextDeadline(ctx);
  const earliest = earliestDue(ctx);
  const ending = ctx.facts.ending;
  return {
    id: ctx.incident.id,
    title: ctx.incident.title,
    unit: { id: ctx.plan.unit.id, name: ctx.plan.unit.name },
    plan: { id: ctx.plan.id, version: ctx.plan.version, hash: ctx.planHash },
    timeZone: tz,
    language: lang,
    stage,
    stageLabel: label(STAGE_LABELS, stage, lang),
    open: isOpen(stage),
    ending: ending ? { kind: ending.kind, at: iso(ending.at), reason: ending.reason ?? null, by: ending.by ?? null } : null,
    grade: ctx.grade,
    gradeLabel: label(GRADE_LABELS, ctx.grade, lang),
    gradeReasons: ctx.gradeReasons,
    category: ctx.category ?? null,
    categoryLabel: ctx.category ? label(CATEGORY_LABELS, ctx.category, lang) : null,
    discoveredAt: iso(ctx.incident.discoveredAt),
    discoveredBy: ctx.incident.discoveredBy,
    startedAt: iso(ctx.incident.startedAt),
    metrics: ctx.metrics,
    tracker: ctx.facts.tracker ?? null,
    nextDeadlineAt: next === null ? null : iso(next),
    earliestDueAt: earliest === null ? null : iso(earliest),
    overdueCount: overdueCount(ctx),
    bindingOverdueCount: overdueBy(ctx, 'binding'),
    targetOverdueCount: overdueBy(ctx, 'target'),
    ignoredReadings: {
      count: ctx.ignoredReadings?.count ?? 0,
      lastAt: opt(ctx.ignoredReadings?.last?.at),
      lastReason: ctx.ignoredReadings?.last?.reason ?? null,
    },
    undelivered: (ctx.undelivered ?? []).map((u) => ({ noticeId: u.noticeId, kind: u.kind, obligationId: u.obligationId ?? null, reason: u.reason, at: iso(u.at) })),
    scope: { plan: ctx.plan.scope ?? 'all', inScope: inScope(ctx), majorAt: opt(ctx.majorAt), gradeAssessed: ctx.gradeSource === 'manual' },
    obligations: ctx.obligations.map((o) => ({
      id: o.id,
      kind: o.kind,
      label: o.line ? o.line.label : label(OBLIGATION_LABELS, o.kind, lang),
      owner: { personId: o.ownerId, name: o.ownerName, role: o.ownerRole, roleLabel: label(ROLE_LABELS, o.ownerRole, lang) },
      // v3 report lines: who owes whom, and what the reviewer must know about the line
      line: o.line
        ? {
          key: o.line.key, to: o.line.toName, toPerson: o.line.toPerson ?? null, from: o.line.from, createdBy: o.line.createdBy,
          relayOf: o.line.relayOf ?? null, outside: o.line.outside, ownerNotNamed: o.ownerId === '' && !!o.line.ownerNotNamed,
          metByAssessment: !!o.line.metByAssessment, receipt: o.line.receipt ?? null, recipientsPending: !!o.line.recipientsPending,
        }
        : null,
      dueAt: o.dueAt === null ? null : iso(o.dueAt),
      binding: bindingOfObligation(ctx.plan, o),
      status: o.status,
      statusLabel: label(STATUS_LABELS, o.status, lang),
      overdue: o.status === 'pending' && o.overdue,
      flaggedOverdue: o.overdue,
      // A waived obligation was never met (v0 incidents stored the waiver's time as metAt).
      metAt: o.status === 'waived' ? null : opt(o.metAt),
      metRecordedAt: o.metRecordedAt !== undefined && o.metRecordedAt !== o.metAt ? iso(o.metRecordedAt) : null,
      recordedAfterFlag: o.flaggedAt === undefined ? o.overdue && (o.status === 'met' || o.status === 'late') : recordedAfterFlag(o),
      waivedAt: o.status === 'waived' ? opt(o.waivedAt ?? o.metAt) : null,
      waivedReason: o.waivedReason ?? null,
      calendarMissing: o.calendarMissing ?? null,
      delay: o.delayMs === undefined ? null : formatSpanShort(o.delayMs),
      source: o.source,
    })),
    // Ordered by when it happened (claimed), the recording time beside it where it differs.
    timeline: [...ctx.timeline].sort((a, b) => a.at - b.at || a.seq - b.seq).map((t) => ({
      seq: t.seq, action: t.action, by: t.by ?? null, at: iso(t.at), recordedAt: iso(t.recordedAt),
      backdated: t.backdated, gapMinutes: Math.round(t.gapMs / 60_000), stage: t.stage, details: t.details,
    })),
    outcomes: ctx.outcomes.map((o: Finding) => ({
      id: o.id, kind: o.kind, label: outcomeLabel(o.kind, o.obligationKind, lang), obligationId: o.obligationId,
      personId: o.personId, personName: o.personName, role: o.role, at: iso(o.at), dueAt: opt(o.dueAt),
      delayMinutes: o.delayMs === undefined ? null : Math.round(o.delayMs / 60_000),
      binding: o.binding ?? null, gradeBasis: o.gradeBasis ?? null, reviewState: o.reviewState ?? 'open', details: o.details,
      marks: o.marks ?? null, marksText: marksText(o, lang),
    })),
  };
}

/** "3h12m": the one way a span is written in the machine-readable view (people read formatSpan). */
function formatSpanShort(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m >= 60 ? `${Math.floor(m / 60)}h${m % 60 ? `${m % 60}m` : ''}` : `${m}m`;
}

/** Markdown for the Temporal UI's "current details": stage and obligations at a glance, in the plan's time zone. */
function overdueNote(o: Obligation, now: number, lang: Language): string {
  if (o.status === 'pending' && o.overdue && o.dueAt !== null) return ` ⚠ ${formatRelative(o.dueAt, now, lang)}`;
  const after = o.flaggedAt === undefined ? o.overdue && o.status !== 'pending' && o.status !== 'waived' : recordedAfterFlag(o);
  return after ? (lang === 'zh' ? '（逾期后补录）' : ' (recorded after it was flagged overdue)') : '';
}

/** `now` is the workflow's time of the task that publishes it: "time left" is true when it was written. */
export function toMarkdown(ctx: IncidentContext, now: number = ctx.incident.startedAt): string {
  const lang = ctx.plan.language;
  const tz = ctx.plan.timeZone;
  const earliest = earliestDue(ctx);
  const rows = ctx.obligations.map((o) => {
    const delay = o.delayMs === undefined ? '' : ` +${formatSpanShort(o.delayMs)}`;
    const owner = `${o.ownerName} · ${label(ROLE_LABELS, o.ownerRole, lang)}`;
    const due = o.dueAt === null ? (o.calendarMissing ? `⚠ 节假日数据缺失 calendar data missing (${o.calendarMissing.year})` : '—') : formatLocal(tz, o.dueAt);
    const left = o.status === 'pending' && !o.overdue && o.dueAt !== null ? ` (${formatRelative(o.dueAt, now, lang)})` : '';
    return `| ${label(OBLIGATION_LABELS, o.kind, lang)} (${o.id}) | ${owner} | ${due}${left} | ${label(STATUS_LABELS, o.status, lang)}${overdueNote(o, now, lang)}${delay} |`;
  });
  const undelivered = (ctx.undelivered ?? []).map((u) => `- ⚠ 未送达 undelivered: ${u.noticeId} — ${u.reason}`);
  const ignored = ctx.ignoredReadings?.count ? [`已忽略的监测数据 ignored readings: ${ctx.ignoredReadings.count} (${ctx.ignoredReadings.last?.reason ?? ''})`] : [];
  return [
    `**${ctx.incident.title}** — ${ctx.plan.unit.name}`,
    `阶段 stage: **${label(STAGE_LABELS, ctx.stage, lang)}** · 等级 grade: **${label(GRADE_LABELS, ctx.grade, lang)}** · 类别 category: ${ctx.category ? label(CATEGORY_LABELS, ctx.category, lang) : '—'}`,
    `最早时限 earliest due: ${earliest === null ? '—' : `${formatLocal(tz, earliest)} (${formatRelative(earliest, now, lang)})`} · 逾期 overdue: ${overdueBy(ctx, 'binding')} binding, ${overdueBy(ctx, 'target')} target`,
    '',
    '| 义务 obligation | 责任人 owner | 时限 due | 状态 status |',
    '|---|---|---|---|',
    ...rows,
    ...(undelivered.length ? ['', ...undelivered] : []),
    ...(ignored.length ? ['', ...ignored] : []),
  ].join('\n');
}

/** A finding's marks in words (v3): what the reviewer must weigh before it counts. */
export function marksText(f: Pick<Finding, 'marks' | 'pendingStep'>, lang: Language): string[] {
  const m = f.marks ?? {};
  const zh = lang === 'zh';
  const out: string[] = [];
  if (m.line) out.push(zh ? `报告线：${m.line.label}（报 ${m.line.toName}）` : `line: ${m.line.label} (to ${m.line.toName})`);
  if (m.gradeEntered) out.push(zh ? '等级为发现人录入、未经研判：经复核确认等级后方计入' : 'grade entered by the discoverer, not assessed: counts once the reviewer confirms the grade');
  else if (m.gradeNotAssessed) out.push(zh ? '等级仅为测算、未经研判：经复核确认等级后方计入' : 'grade computed, not assessed: counts once the reviewer confirms the grade');
  if (m.ownerNotNamed) out.push(zh ? '到期时涉事主体尚未明确：由复核人认定责任' : 'the 涉事主体 was not named when it fell due: the reviewer decides who answers');
  if (m.recipientsNotNamed) out.push(zh ? '通报对象（有关部门）始终未指定：不认定具体人员，由复核人处理' : 'the departments to notify were never named: nobody is booked, for the reviewer');
  if (m.gradeLowered) out.push(zh ? '逾期发生在原较高等级下，其后已降级' : 'lapsed under a higher grade since lowered');
  if (m.annulledByDefault) out.push(zh ? `默认撤销：${m.annulledByDefault}（复核人可恢复）` : `annulled by default: ${m.annulledByDefault} (a reviewer may reinstate it)`);
  if (f.pendingStep) out.push(zh ? `到期时待完成环节：${f.pendingStep}` : `step pending at the due time: ${f.pendingStep}`);
  return out;
}
