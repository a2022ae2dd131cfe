import { OBLIGATIONS, kindsWhere } from '../machines/obligations';

/**
 * Domain codes of the rule book (../shared/domain/plan-rules.md) with their display labels.
 * Pure data: shared by plans, the machine, the workflow and every interface. The obligation kinds' own facts
 * (labels, report lines, duty words) are declared once in src/machines/obligations.ts and derived here.
 */
export const ROLES = [
  'monitor', 'office', 'officeDirector', 'leaderInCharge', 'principalLeader',
  'leadingGroup', 'spokesperson', 'department', 'lawEnforcement', 'superior',
  // v3 (rule book, Who is involved): the reply's approver, and the outside bodies 000 篇五 names
  'approver', 'coordinator', 'cyberspaceOffice', 'policeStation',
] as const;
export type Role = (typeof ROLES)[number];

export const GRADES = ['general', 'larger', 'major', 'especiallyMajor'] as const;
export type Grade = (typeof GRADES)[number];
export const gradeRank = (g: Grade): number => GRADES.indexOf(g);

export const CATEGORIES = ['inquiry', 'hype', 'fabrication', 'constructive'] as const;
export type Category = (typeof CATEGORIES)[number];

export const STAGES = [
  'researchAndWarning', 'rapidResponse', 'categorizedHandling', 'dynamicTracking',
  'summaryEvaluation', 'dismissed', 'closed', 'withdrawn', 'cancelled',
] as const;
export type Stage = (typeof STAGES)[number];

/** The stages an incident ends in: closed (结案), dismissed (排除), withdrawn by a person (撤销), cancelled by an operator (取消). */
export const ENDINGS = ['closed', 'dismissed', 'withdrawn', 'cancelled'] as const;
/** terminated, timedOut and failed: ended outside the workflow's code; `reconcile` writes their findings */
export type Ending = (typeof ENDINGS)[number] | 'terminated' | 'timedOut' | 'failed';
export const isEnding = (s: Stage): boolean => (ENDINGS as readonly string[]).includes(s);

export const OBLIGATION_KINDS = [
  'firstReport', 'writtenReport', 'publicResponse', 'firstRelease', 'dispatch', 'explanation',
  'inquiryOpinion', 'inquiryResult', 'followUp', 'summaryReport',
  // v3: a report line the grade's rise created (rule book, Time limits: upgradeReport)
  'upgradeReport',
] as const;
export type ObligationKind = (typeof OBLIGATION_KINDS)[number];

/** unmet: a report line not yet due when the incident was cancelled, withdrawn or terminated (for the reviewer) */
export const OBLIGATION_STATUSES = ['pending', 'met', 'late', 'missed', 'waived', 'unmet'] as const;
export type ObligationStatus = (typeof OBLIGATION_STATUSES)[number];

/**
 * What the ledger records about an obligation or a person, in the rule book's words:
 * late/missed (迟报/漏报) only for binding report lines; lateDuty/missedDuty for a response, reply, dispatch or
 * explanation under its own name (回应超时/未回应 …); targetMissed for any target; unmetAtEnding for a report
 * line not yet due when the incident was cancelled or terminated; onTime is a record, not a finding.
 */
export const OUTCOME_KINDS = [
  'onTime', 'late', 'missed', 'lateDuty', 'missedDuty', 'targetMissed', 'unmetAtEnding',
  'falseReport', 'concealedReport', 'dereliction', 'commendation',
] as const;
export type OutcomeKind = (typeof OUTCOME_KINDS)[number];

/** Report obligations: the only ones whose lapse is 迟报/漏报 (when binding). From the obligation table. */
export const REPORT_KINDS: readonly ObligationKind[] = kindsWhere((d) => d.report);
export const isReportKind = (k: ObligationKind): boolean => (REPORT_KINDS as readonly string[]).includes(k);

export const FINDING_KINDS = ['falseReport', 'concealedReport', 'dereliction'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export const ACTIONS = [
  'report', 'assess', 'dispatch', 'respond', 'release', 'classify', 'replyOpinion', 'replyResult',
  'finishHandling', 'publishFacts', 'refer', 'adopt', 'regrade', 'assignTracker', 'reopen', 'subside', 'submitSummary',
  'finding', 'commend', 'dismiss', 'withdraw',
  // v3: the 涉事主体 named per incident, the reply's approval, the grade's handling steps, corrections, graded handling
  'nameSubject', 'draftReply', 'approve', 'handlingStep', 'correctDiscovery', 'startHandling', 'nameDepartments',
  // v4: a person acknowledges an obligation's notices (never meets it)
  'acknowledge',
  // v3 rules: the office waives the summary line of a department named in error, or names one that owes a summary
  'waiveSummary', 'nameSummaryDepartment',
] as const;
export type ActionName = (typeof ACTIONS)[number];

/**
 * What a notice is about. v4 adds the new incident, the escalation steps and the end of the climb, the upgrade
 * report owed, the summary due and a notice that could not be delivered.
 */
export const NOTICE_KINDS = [
  'assigned', 'reminder', 'overdue', 'regrade', 'referral', 'findingReferral', 'calendarMissing', 'approval',
  'newIncident', 'escalation', 'unacknowledged', 'upgradeOwed', 'summaryDue', 'deliveryFailed',
  // a monitoring system's alert for the monitor on duty to read (not an incident yet: whoever records it discovers it)
  'alert',
] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

export const LANGUAGES = ['zh', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

type Labels<K extends string> = Record<K, { zh: string; en: string }>;

export const ROLE_LABELS: Labels<Role> = {
  monitor: { zh: '舆情监控人员', en: 'monitor' },
  office: { zh: '领导小组办公室', en: 'leading group office' },
  officeDirector: { zh: '办公室主任', en: 'office director' },
  leaderInCharge: { zh: '分管领导', en: 'leader in charge' },
  principalLeader: { zh: '主要领导', en: 'principal leader' },
  leadingGroup: { zh: '领导小组', en: 'leading group' },
  spokesperson: { zh: '新闻发言人', en: 'spokesperson' },
  department: { zh: '职能科室', en: 'department' },
  lawEnforcement: { zh: '执纪执法部门', en: 'discipline / law enforcement' },
  superior: { zh: '上级主管部门', en: 'superior authority' },
  approver: { zh: '审定负责人', en: 'approver' },
  coordinator: { zh: '县委党政办', en: 'party and government office' },
  cyberspaceOffice: { zh: '同级网信部门', en: 'cyberspace office' },
  policeStation: { zh: '派出所', en: 'police station' },
};

export const GRADE_LABELS: Labels<Grade> = {
  general: { zh: '一般', en: 'general' },
  larger: { zh: '较大', en: 'larger' },
  major: { zh: '重大', en: 'major' },
  especiallyMajor: { zh: '特别重大', en: 'especially major' },
};

export const CATEGORY_LABELS: Labels<Category> = {
  inquiry: { zh: '询问、置疑、诉求', en: 'inquiry' },
  hype: { zh: '恶意传播或炒作', en: 'malicious spreading / hype' },
  fabrication: { zh: '捏造、歪曲、诽谤', en: 'fabrication' },
  constructive: { zh: '积极建议', en: 'constructive' },
};

export const STAGE_LABELS: Labels<Stage> = {
  researchAndWarning: { zh: '研判预警', en: 'research and early warning' },
  rapidResponse: { zh: '快速反应', en: 'rapid response' },
  categorizedHandling: { zh: '分类处置', en: 'categorized handling' },
  dynamicTracking: { zh: '动态跟踪', en: 'dynamic tracking' },
  summaryEvaluation: { zh: '总结评估', en: 'summary evaluation' },
  dismissed: { zh: '不构成舆情', en: 'dismissed' },
  closed: { zh: '已结案', en: 'closed' },
  withdrawn: { zh: '已撤销', en: 'withdrawn' },
  cancelled: { zh: '已取消（操作员）', en: 'cancelled (operator)' },
};

/** From the obligation table (src/machines/obligations.ts). */
export const OBLIGATION_LABELS: Labels<ObligationKind> = Object.fromEntries(
  OBLIGATION_KINDS.map((k) => [k, OBLIGATIONS[k].label]),
) as Labels<ObligationKind>;

export const STATUS_LABELS: Labels<ObligationStatus> = {
  pending: { zh: '待办', en: 'pending' },
  met: { zh: '按时完成', en: 'met' },
  late: { zh: '迟报', en: 'late' },
  missed: { zh: '漏报', en: 'missed' },
  waived: { zh: '免除', en: 'waived' },
  unmet: { zh: '结束时未完成', en: 'unmet at the ending' },
};

export const OUTCOME_LABELS: Labels<OutcomeKind> = {
  onTime: { zh: '按时', en: 'on time' },
  late: { zh: '迟报', en: 'late report' },
  missed: { zh: '漏报', en: 'missed report' },
  lateDuty: { zh: '超时', en: 'done late' },
  missedDuty: { zh: '未完成', en: 'not done' },
  targetMissed: { zh: '未达目标', en: 'target missed' },
  unmetAtEnding: { zh: '结束时未完成', en: 'unmet at the ending' },
  falseReport: { zh: '谎报', en: 'false report' },
  concealedReport: { zh: '瞒报', en: 'concealed report' },
  dereliction: { zh: '失职渎职', en: 'dereliction of duty' },
  commendation: { zh: '表彰', en: 'commendation' },
};

/** A late or missing duty under its own name (回应超时 / 未回应 …), for the kinds that are not report lines (from the obligation table). */
export const DUTY_WORDS: Partial<Record<ObligationKind, { late: { zh: string; en: string }; missed: { zh: string; en: string } }>> = Object.fromEntries(
  kindsWhere((d) => d.dutyWords !== undefined).map((k) => [k, OBLIGATIONS[k].dutyWords]),
);

/** The words of a record about an obligation: 首报迟报, 回应超时, 首次新闻发布未达目标 … */
export function outcomeLabel(kind: OutcomeKind, obligation: ObligationKind | undefined, lang: Language): string {
  if (obligation) {
    const duty = DUTY_WORDS[obligation];
    if (duty && kind === 'lateDuty') return duty.late[lang];
    if (duty && kind === 'missedDuty') return duty.missed[lang];
    const ob = OBLIGATION_LABELS[obligation][lang];
    if (kind !== 'falseReport' && kind !== 'concealedReport' && kind !== 'dereliction' && kind !== 'commendation') {
      return lang === 'zh' ? `${ob}${OUTCOME_LABELS[kind].zh}` : `${ob}: ${OUTCOME_LABELS[kind].en}`;
    }
  }
  return OUTCOME_LABELS[kind][lang];
}

export function label<K extends string>(labels: Labels<K>, key: K, lang: Language): string {
  return labels[key][lang];
}

export function assertNever(x: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(x)}`);
}
