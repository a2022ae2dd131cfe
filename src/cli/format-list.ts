/**
 * `list` for people: the most urgent incident first, aligned columns (CJK counts double), one page at
 * a time, a footer with the count. Pure: the caller passes `now`.
 */
import type { ListedIncident } from '../api/incidents';
import { GRADE_LABELS, STAGE_LABELS, type Grade, type Language, type Stage } from '../plan/codes';
import { dueTime, localeOf } from './locale';
import { table, truncateCells } from './text';

export const DEFAULT_LIMIT = 50;
const TITLE_WIDTH = 32;

const time = (iso: string | undefined) => (iso ? Date.parse(iso) : undefined);

/** 0: has an overdue obligation; 1: has a coming deadline; 2: the rest. */
function urgencyClass(r: ListedIncident): number {
  if (r.overdueCount > 0) return 0;
  return r.nextDeadlineAt ? 1 : 2;
}

/**
 * Overdue first (more overdue obligations first), then the next deadline soonest, then the rest
 * (newest first); the incident id breaks ties so the order is stable.
 */
export function compareUrgency(a: ListedIncident, b: ListedIncident): number {
  const ca = urgencyClass(a);
  const cb = urgencyClass(b);
  if (ca !== cb) return ca - cb;
  if (ca === 0 && a.overdueCount !== b.overdueCount) return b.overdueCount - a.overdueCount;
  if (ca <= 1) {
    const na = time(a.nextDeadlineAt) ?? Infinity;
    const nb = time(b.nextDeadlineAt) ?? Infinity;
    if (na !== nb) return na - nb;
  } else {
    const sa = time(a.startTime) ?? 0;
    const sb = time(b.startTime) ?? 0;
    if (sa !== sb) return sb - sa;
  }
  return a.id.localeCompare(b.id);
}

export const sortByUrgency = (rows: readonly ListedIncident[]): ListedIncident[] => [...rows].sort(compareUrgency);

export interface Page<T> {
  rows: T[];
  /** 1-based */
  page: number;
  pages: number;
  limit: number;
  total: number;
  /** 1-based index of the first row shown (0 when none) */
  first: number;
}

export function paginate<T>(rows: readonly T[], limit: number, page: number): Page<T> {
  const pages = Math.max(1, Math.ceil(rows.length / limit));
  const start = (page - 1) * limit;
  const shown = rows.slice(start, start + limit);
  return { rows: shown, page, pages, limit, total: rows.length, first: shown.length ? start + 1 : 0 };
}

const WORDS = {
  zh: {
    id: '编号', title: '标题', stage: '阶段', grade: '等级', unit: '单位', next: '下一时限', overdue: '逾期', status: '状态',
    items: (n: number) => `${n} 项`,
    none: '没有符合条件的舆情事件',
    footer: (p: Page<unknown>) =>
      p.total === 0 ? '共 0 起'
        : p.pages === 1 && p.page === 1 ? `共 ${p.total} 起`
        : p.rows.length === 0 ? `共 ${p.total} 起；第 ${p.page} 页没有内容（共 ${p.pages} 页）`
          : `共 ${p.total} 起，显示第 ${p.first}–${p.first + p.rows.length - 1} 起（第 ${p.page}/${p.pages} 页）${p.page < p.pages ? `，下一页：--page ${p.page + 1}` : ''}`,
  },
  en: {
    id: 'id', title: 'title', stage: 'stage', grade: 'grade', unit: 'unit', next: 'next deadline', overdue: 'overdue', status: 'status',
    items: (n: number) => `${n}`,
    none: 'no incidents match',
    footer: (p: Page<unknown>) =>
      p.total === 0 ? '0 incidents'
        : p.pages === 1 && p.page === 1 ? `${p.total} incident${p.total === 1 ? '' : 's'}`
        : p.rows.length === 0 ? `${p.total} incident${p.total === 1 ? '' : 's'}; page ${p.page} is empty (${p.pages} page${p.pages === 1 ? '' : 's'})`
          : `${p.total} incident${p.total === 1 ? '' : 's'}, showing ${p.first}–${p.first + p.rows.length - 1} (page ${p.page} of ${p.pages})${p.page < p.pages ? `; next: --page ${p.page + 1}` : ''}`,
  },
} as const;

const stageLabel = (s: string | undefined, lang: Language) => (s ? (STAGE_LABELS[s as Stage]?.[lang] ?? s) : '—');
const gradeLabel = (g: string | undefined, lang: Language) => (g ? (GRADE_LABELS[g as Grade]?.[lang] ?? g) : '—');

/** One page of incidents as a table: header row, one line each, footer. Each row's times are in its plan's zone. */
export function formatList(page: Page<ListedIncident>, now: number, lang: Language, opts: { showStatus?: boolean } = {}): string {
  const w = WORDS[lang];
  if (page.total === 0) return `${w.none}\n${w.footer(page)}`;
  const rows = page.rows.map((r) => {
    const l = localeOf(r, lang);
    return [
      r.id,
      truncateCells(r.title ?? '—', TITLE_WIDTH),
      stageLabel(r.stage, lang),
      gradeLabel(r.grade, lang),
      r.unitName ?? r.unit ?? '—',
      r.nextDeadlineAt ? dueTime(l, r.nextDeadlineAt, now) : '—',
      r.overdueCount > 0 ? w.items(r.overdueCount) : '',
      ...(opts.showStatus ? [r.status] : []),
    ];
  });
  const header = [w.id, w.title, w.stage, w.grade, w.unit, w.next, w.overdue, ...(opts.showStatus ? [w.status] : [])];
  return [...table([header, ...rows]), w.footer(page)].join('\n');
}
