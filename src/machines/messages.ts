import { GRADE_LABELS, OBLIGATION_LABELS, ROLE_LABELS, STAGE_LABELS, gradeRank, label, type Grade, type Language, type ObligationKind, type Role, type Stage } from '../plan/codes';
import { formatDuration } from '../plan/duration';
import { formatLocal } from '../plan/time-zone';

/** Notification texts in the plan's language (zh by default, en available). Pure. */
export interface MessageContext {
  lang: Language;
  timeZone: string;
  unitName: string;
  title: string;
}

const t = (lang: Language, zh: string, en: string) => (lang === 'zh' ? zh : en);

export function assignedText(m: MessageContext, kind: ObligationKind, dueAt: number) {
  const ob = label(OBLIGATION_LABELS, kind, m.lang);
  const due = formatLocal(m.timeZone, dueAt);
  return {
    subject: t(m.lang, `【${m.unitName}】待办：${ob}（${due} 前）`, `[${m.unitName}] To do: ${ob} by ${due}`),
    text: t(m.lang, `舆情事件「${m.title}」：请于 ${due} 前完成${ob}。`, `Incident "${m.title}": ${ob} is due by ${due}.`),
  };
}

export function reminderText(m: MessageContext, kind: ObligationKind, dueAt: number, now: number) {
  const ob = label(OBLIGATION_LABELS, kind, m.lang);
  const due = formatLocal(m.timeZone, dueAt);
  const left = formatDuration(dueAt - now);
  return {
    subject: t(m.lang, `【${m.unitName}】提醒：${ob}还剩 ${left}`, `[${m.unitName}] Reminder: ${ob} due in ${left}`),
    text: t(m.lang, `舆情事件「${m.title}」：${ob}将于 ${due} 到期（剩余 ${left}）。`, `Incident "${m.title}": ${ob} is due at ${due} (${left} left).`),
  };
}

export function overdueText(m: MessageContext, kind: ObligationKind, dueAt: number, ownerName: string, ownerRole: Role) {
  const ob = label(OBLIGATION_LABELS, kind, m.lang);
  const due = formatLocal(m.timeZone, dueAt);
  const role = label(ROLE_LABELS, ownerRole, m.lang);
  return {
    subject: t(m.lang, `【${m.unitName}】逾期：${ob}`, `[${m.unitName}] Overdue: ${ob}`),
    text: t(
      m.lang,
      `舆情事件「${m.title}」：${ob}已于 ${due} 到期仍未完成。责任人：${ownerName}（${role}）。`,
      `Incident "${m.title}": ${ob} was due at ${due} and is not done. Answerable: ${ownerName} (${role}).`,
    ),
  };
}

export function regradedText(m: MessageContext, from: Grade, to: Grade, reason: string) {
  const a = label(GRADE_LABELS, from, m.lang);
  const b = label(GRADE_LABELS, to, m.lang);
  return {
    // A regrade goes either way: a lowered grade is not announced as an escalation (升级).
    subject: t(m.lang, `【${m.unitName}】舆情${gradeRank(to) > gradeRank(from) ? '升级' : '降级'}：${a} → ${b}`, `[${m.unitName}] Regraded: ${a} → ${b}`),
    text: t(m.lang, `舆情事件「${m.title}」等级由${a}调整为${b}。原因：${reason}`, `Incident "${m.title}" regraded from ${a} to ${b}. Reason: ${reason}`),
  };
}

export function stageText(m: MessageContext, stage: Stage) {
  const s = label(STAGE_LABELS, stage, m.lang);
  return t(m.lang, `进入${s}阶段`, `entered ${s}`);
}
