import type { ActionName, Category, NoticeKind, ObligationKind, Role, Stage } from '../plan/codes';
import type { Binding } from './effects';

/**
 * The obligation kinds of the rule book (docs/rules.md §8; ../shared/domain/plan-rules.md, Time limits), each
 * declared once: what it is called, where it comes from, when it is due, what meets it, who owes it by default,
 * the stage it closes with and whether its limit binds. The rules (incident.rules.ts), the codes' labels
 * (codes.ts) and docs/rules.md read these facts from here; test/machine/obligations.test.ts holds them to what the
 * machine does.
 *
 * The due times themselves are computed by the rules (they depend on the plan, the grade and the incident); `due`
 * says in words how. Only types are imported here: codes.ts derives its obligation labels from this table.
 */
export interface ObligationDef {
  label: { zh: string; en: string };
  /** a rule of a seed (cited) or a product default */
  basis: 'rule' | 'default';
  /** the cited source, carried by every obligation of the kind and its findings */
  source: string;
  /** how its due time is set, in words (the rules compute it) */
  due: string;
  /** the actions that meet it */
  metBy: readonly ActionName[];
  /** on what condition those actions meet it, where there is one */
  metWhen?: string;
  /** the role answerable when the plan names none (plan.owners); a report line is owed by its line's reporter */
  defaultOwner: Role;
  /** entering any stage after this one settles it (a report line stays owed until met or the incident ends) */
  closesWith: Stage;
  /** binding (a breach is a finding) or a target (a miss is a target missed), unless the plan lists its targets */
  binding: Binding;
  /** a whole-day limit is counted in days by the plan's convention (v2, docs/rules.md §9) */
  dayCounted: boolean;
  /** a report (line): its lapse is 迟报/漏报 when binding, it is never moot, it is unmet at an ending */
  report: boolean;
  /** a late or missing duty named by the duty itself (回应超时, 未回应 …) rather than the kind's label */
  dutyWords?: { late: { zh: string; en: string }; missed: { zh: string; en: string } };
  /** owed in that category's handling only: a reclassification waives it */
  category?: Category;
  /** a duty of graded handling (plans without the four-way split): tracking waits for it */
  gradedHandling?: boolean;
  /** several may be pending at once, one per owner, from these rules on (rulesVersion) */
  perOwnerFrom?: number;
  /** a cadence: when its stage ends it is waived (unless already overdue), never missed */
  cadence?: boolean;
  /** the notice that assigns it under the v4 rules (else `assigned`) */
  assignedNotice?: NoticeKind;
}

/** Declared in the order of OBLIGATION_KINDS (codes.ts); a missing or unknown kind does not compile. */
export const OBLIGATIONS: Readonly<Record<ObligationKind, ObligationDef>> = {
  firstReport: {
    label: { zh: '首报', en: 'first report' },
    basis: 'rule', source: '000 篇三 §四(二); 000 篇五 §五(二)',
    due: 'from discovery (a major-only plan: from the assessment as 重大), the grade\'s limit (deadlines.firstReport, or each report line\'s own); none: owed, never late',
    metBy: ['report'],
    metWhen: 'an initial report to the line\'s recipient; v3: a line to the assessor is met by the assessment as 重大',
    defaultOwner: 'monitor', closesWith: 'rapidResponse', binding: 'binding', dayCounted: false, report: true,
  },
  writtenReport: {
    label: { zh: '书面报告', en: 'written report' },
    basis: 'rule', source: '000 篇三 §四(二)',
    due: 'from a phone report: deadlines.writtenReportAfterPhone (default 30m); v3 line: 30 min when urgent, else the later of that and the line\'s own limit',
    metBy: ['report'],
    metWhen: 'a written or message report by the one who phoned; v3: to the same recipient',
    defaultOwner: 'monitor', closesWith: 'rapidResponse', binding: 'binding', dayCounted: false, report: true, perOwnerFrom: 0,
  },
  publicResponse: {
    label: { zh: '首次公开回应', en: 'first public response' },
    basis: 'rule', source: '000 篇一/篇二 §四(二); 001 篇1 §四(二)',
    due: 'from discovery (v3: from the plan\'s start), deadlines.publicResponse.within, for its grades only',
    metBy: ['respond', 'release', 'replyOpinion', 'publishFacts', 'adopt'],
    defaultOwner: 'spokesperson', closesWith: 'categorizedHandling', binding: 'binding', dayCounted: false, report: false,
    dutyWords: { late: { zh: '回应超时', en: 'response late' }, missed: { zh: '未回应', en: 'no response' } },
    gradedHandling: true,
  },
  firstRelease: {
    label: { zh: '首次新闻发布', en: 'first news release' },
    basis: 'rule', source: '000 篇五 §四(一)1',
    due: 'from discovery (v3: from the plan\'s start), deadlines.firstRelease.within, for its grades only',
    metBy: ['release'],
    defaultOwner: 'spokesperson', closesWith: 'categorizedHandling', binding: 'target', dayCounted: false, report: false,
  },
  dispatch: {
    label: { zh: '转办职能科室', en: 'dispatch to department' },
    basis: 'rule', source: '001 school plan §四(一)',
    due: 'from the assessment, deadlines.dispatch.within, for its grades only',
    metBy: ['dispatch'],
    defaultOwner: 'office', closesWith: 'rapidResponse', binding: 'binding', dayCounted: false, report: false,
    dutyWords: { late: { zh: '转办超时', en: 'dispatch late' }, missed: { zh: '未转办', en: 'not dispatched' } },
  },
  explanation: {
    label: { zh: '正面解释或解决', en: 'explanation or solution' },
    basis: 'rule', source: '001 school plan §四(一)',
    due: 'from the dispatch, deadlines.explanation.within (default 1d), for its grades only',
    metBy: ['respond', 'replyOpinion', 'replyResult', 'publishFacts', 'adopt'],
    defaultOwner: 'department', closesWith: 'categorizedHandling', binding: 'binding', dayCounted: true, report: false,
    dutyWords: { late: { zh: '解释超时', en: 'explanation late' }, missed: { zh: '未作解释', en: 'no explanation' } },
    gradedHandling: true,
  },
  inquiryOpinion: {
    label: { zh: '答复处理意见', en: 'reply with handling opinion' },
    basis: 'rule', source: '000 篇一 §四(三)1',
    due: 'the end of the local day of discovery (v3: of the plan\'s start), once classified as an inquiry',
    metBy: ['replyOpinion'],
    defaultOwner: 'department', closesWith: 'categorizedHandling', binding: 'binding', dayCounted: false, report: false,
    dutyWords: { late: { zh: '答复处理意见超时', en: 'opinion reply late' }, missed: { zh: '未答复处理意见', en: 'no opinion reply' } },
    category: 'inquiry',
  },
  inquiryResult: {
    label: { zh: '答复处理结果', en: 'reply with result' },
    basis: 'rule', source: '000 篇一 §四(三)1',
    due: 'owed from the handling opinion, with no limit until handling is finished; then the end of that local day',
    metBy: ['replyResult', 'replyOpinion'],
    metWhen: 'replyOpinion only as an immediate reply with the result',
    defaultOwner: 'department', closesWith: 'categorizedHandling', binding: 'binding', dayCounted: false, report: false,
    dutyWords: { late: { zh: '答复处理结果超时', en: 'result reply late' }, missed: { zh: '未答复处理结果', en: 'no result reply' } },
    category: 'inquiry',
  },
  followUp: {
    label: { zh: '续报', en: 'follow-up report' },
    // "及时": the cadence is a plan default
    basis: 'default', source: '000 篇一/篇三 §四(二) (cadence: plan default)',
    due: 'every deadlines.followUpEvery (default 4h) from the assessment, then from each follow-up report',
    metBy: ['report'],
    metWhen: 'a follow-up report',
    defaultOwner: 'office', closesWith: 'dynamicTracking', binding: 'target', dayCounted: false, report: false, cadence: true,
  },
  summaryReport: {
    label: { zh: '总结报告', en: 'summary report' },
    basis: 'rule', source: '000 篇三 §四(五)',
    due: 'from subsiding, deadlines.summaryReport (default 3d; v3: none when the plan sets none)',
    metBy: ['submitSummary'],
    metWhen: 'v3: each department submits its own line',
    defaultOwner: 'department', closesWith: 'summaryEvaluation', binding: 'binding', dayCounted: true, report: true, perOwnerFrom: 3,
    assignedNotice: 'summaryDue',
  },
  upgradeReport: {
    label: { zh: '升级报告', en: 'upgrade report' },
    basis: 'default', source: 'rule book upgradeReport (product default, from 000 篇五 §五(二))',
    due: 'from a rise into a band with a new or shorter limit, the new limit; an open line keeps the earlier of its due time and that',
    metBy: ['report'],
    metWhen: 'an initial report to the line\'s recipient',
    defaultOwner: 'monitor', closesWith: 'rapidResponse', binding: 'binding', dayCounted: false, report: true,
    assignedNotice: 'upgradeOwed',
  },
};

/** The kinds, in the table's order (the order of OBLIGATION_KINDS). */
const KINDS = Object.keys(OBLIGATIONS) as ObligationKind[];

/** The kinds a fact holds for, in the table's order. */
export const kindsWhere = (test: (def: ObligationDef) => boolean | undefined): ObligationKind[] => KINDS.filter((k) => test(OBLIGATIONS[k]));

/**
 * Where a kind comes from, as a finding records it: the plan's own citation of its seed (`sources`: 000 篇二 cites its
 * §三(二), not 000 篇一's §四(二)), else the table's.
 */
export const ruleOf = (kind: ObligationKind, sources?: Partial<Record<ObligationKind, { basis: 'rule' | 'default'; source: string }>>): { basis: 'rule' | 'default'; source: string } =>
  sources?.[kind] ?? { basis: OBLIGATIONS[kind].basis, source: OBLIGATIONS[kind].source };

/** Several of this kind may be pending at once, one per owner, under these rules. */
export const perOwner = (kind: ObligationKind, rulesVersion: number): boolean => {
  const from = OBLIGATIONS[kind].perOwnerFrom;
  return from !== undefined && rulesVersion >= from;
};

export const TABLE_BEGIN = '<!-- obligation-table:begin (generated by obligationTable() in src/machines/obligations.ts) -->';
export const TABLE_END = '<!-- obligation-table:end -->';

/** The table as Markdown, one row per kind: what docs/rules.md shows between the table markers. */
export function obligationTable(): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const rows = KINDS.map((k) => {
    const d = OBLIGATIONS[k];
    const met = `${d.metBy.map((a) => `\`${a}\``).join(', ')}${d.metWhen ? ` (${d.metWhen})` : ''}`;
    const facts = [
      d.report ? 'report line' : '',
      d.dayCounted ? 'day-counted' : '',
      d.category ? `${d.category} only` : '',
      d.gradedHandling ? 'graded handling' : '',
      d.cadence ? 'cadence' : '',
      d.perOwnerFrom !== undefined ? `one per owner${d.perOwnerFrom ? ` (v${d.perOwnerFrom})` : ''}` : '',
    ].filter(Boolean).join(', ');
    return `| \`${k}\` | ${d.label.zh} / ${d.label.en} | ${cell(d.due)} | ${cell(met)} | \`${d.defaultOwner}\` | \`${d.closesWith}\` | ${d.binding} | ${facts || '—'} | ${d.basis}: ${cell(d.source)} |`;
  });
  return [
    '| kind | label | due | met by | default owner | closes with | binding or target | facts | basis and source |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/**
 * docs/rules.md with the generated table between its markers. To write it:
 *   npx tsx -e "import { readFileSync as r, writeFileSync as w } from 'node:fs'; import { withObligationTable as t } from './src/machines/obligations.ts'; w('docs/rules.md', t(r('docs/rules.md', 'utf8')))"
 */
export function withObligationTable(doc: string): string {
  const start = doc.indexOf(TABLE_BEGIN);
  const end = doc.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`docs/rules.md needs the markers:\n${TABLE_BEGIN}\n${TABLE_END}`);
  return `${doc.slice(0, start + TABLE_BEGIN.length)}\n${obligationTable()}\n${doc.slice(end)}`;
}
