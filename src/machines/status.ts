import {
  CATEGORY_LABELS, GRADE_LABELS, OBLIGATION_LABELS, OUTCOME_LABELS, ROLE_LABELS, STAGE_LABELS, STATUS_LABELS,
  assertNever, label,
  type Category, type Grade, type ObligationKind, type ObligationStatus, type OutcomeKind, type Role, type Stage,
} from '../plan/codes';
import type { IncidentContext } from './incident.rules';

/**
 * The one public view of an incident (the `status` query, `show`, the API). Stable and documented:
 * times are ISO strings, every code comes with its label in the plan's language.
 */
export interface IncidentStatus {
  id: string;
  title: string;
  unit: { id: string; name: string };
  plan: { id: string; version: string; hash: string };
  stage: Stage;
  stageLabel: string;
  open: boolean;
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
  overdueCount: number;
  obligations: Array<{
    id: string;
    kind: ObligationKind;
    label: string;
    owner: { personId: string; name: string; role: Role; roleLabel: string };
    dueAt: string | null;
    status: ObligationStatus;
    statusLabel: string;
    /** pending and past its deadline */
    overdue: boolean;
    /** the deadline passed while it was still open, even if a later backdated action met it in time */
    flaggedOverdue: boolean;
    metAt: string | null;
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
  outcomes: Array<{ id: string; kind: OutcomeKind; label: string; personId?: string; personName?: string; role: Role; at: string; delayMinutes: number | null; details: string }>;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Stage names are mapped exhaustively: a new state cannot slip into the public view unlabelled. */
export function publicStage(stage: Stage): Stage {
  switch (stage) {
    case 'researchAndWarning': case 'rapidResponse': case 'categorizedHandling': case 'dynamicTracking':
    case 'summaryEvaluation': case 'dismissed': case 'closed':
      return stage;
    default:
      return assertNever(stage);
  }
}

export function isOpen(stage: Stage): boolean {
  return stage !== 'dismissed' && stage !== 'closed';
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
  const stage = publicStage(ctx.stage);
  const next = nextDeadline(ctx);
  return {
    id: ctx.incident.id,
    title: ctx.incident.title,
    unit: { id: ctx.plan.unit.id, name: ctx.plan.unit.name },
    plan: { id: ctx.plan.id, version: ctx.plan.version, hash: ctx.planHash },
    stage,
    stageLabel: label(STAGE_LABELS, stage, lang),
    open: isOpen(stage),
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
    overdueCount: overdueCount(ctx),
    obligations: ctx.obligations.map((o) => ({
      id: o.id,
      kind: o.kind,
      label: label(OBLIGATION_LABELS, o.kind, lang),
      owner: { personId: o.ownerId, name: o.ownerName, role: o.ownerRole, roleLabel: label(ROLE_LABELS, o.ownerRole, lang) },
      dueAt: o.dueAt === null ? null : iso(o.dueAt),
      status: o.status,
      statusLabel: label(STATUS_LABELS, o.status, lang),
      overdue: o.status === 'pending' && o.overdue,
      flaggedOverdue: o.overdue,
      metAt: o.metAt === undefined ? null : iso(o.metAt),
      delay: o.delayMs === undefined ? null : `${Math.round(o.delayMs / 60_000)}m`,
      source: o.source,
    })),
    timeline: ctx.timeline.map((t) => ({
      seq: t.seq, action: t.action, by: t.by ?? null, at: iso(t.at), recordedAt: iso(t.recordedAt),
      backdated: t.backdated, gapMinutes: Math.round(t.gapMs / 60_000), stage: t.stage, details: t.details,
    })),
    outcomes: ctx.outcomes.map((o) => ({
      id: o.id, kind: o.kind, label: label(OUTCOME_LABELS, o.kind, lang), personId: o.personId, personName: o.personName,
      role: o.role, at: iso(o.at), delayMinutes: o.delayMs === undefined ? null : Math.round(o.delayMs / 60_000), details: o.details,
    })),
  };
}

/** Markdown for the Temporal UI's "current details": stage and obligations at a glance (no timeline: it stays cheap). */
function overdueNote(status: ObligationStatus, flagged: boolean): string {
  if (!flagged) return '';
  return status === 'pending' ? ' ⚠ 逾期/overdue' : ' (逾期后补录 / recorded after it was flagged overdue)';
}

export function toMarkdown(ctx: IncidentContext): string {
  const lang = ctx.plan.language;
  const next = nextDeadline(ctx);
  const rows = ctx.obligations.map((o) => {
    const delay = o.delayMs === undefined ? '' : ` +${Math.round(o.delayMs / 60_000)}m`;
    const owner = `${o.ownerName} · ${label(ROLE_LABELS, o.ownerRole, lang)}`;
    const due = o.dueAt === null ? '—' : iso(o.dueAt);
    return `| ${label(OBLIGATION_LABELS, o.kind, lang)} (${o.id}) | ${owner} | ${due} | ${label(STATUS_LABELS, o.status, lang)}${overdueNote(o.status, o.overdue)}${delay} |`;
  });
  return [
    `**${ctx.incident.title}** — ${ctx.plan.unit.name}`,
    `阶段 stage: **${label(STAGE_LABELS, ctx.stage, lang)}** · 等级 grade: **${label(GRADE_LABELS, ctx.grade, lang)}** · 类别 category: ${ctx.category ? label(CATEGORY_LABELS, ctx.category, lang) : '—'}`,
    `下一时限 next deadline: ${next === null ? '—' : iso(next)} · 逾期 overdue: ${overdueCount(ctx)}`,
    '',
    '| 义务 obligation | 责任人 owner | 时限 due | 状态 status |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}

