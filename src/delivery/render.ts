import { GRADE_LABELS, OBLIGATION_LABELS, ROLE_LABELS, gradeRank, label, type Grade, type Language, type Role } from '../plan/codes';
import { formatDue, formatLocal, formatRelative } from '../plan/time-format';
import type { NoticeParams } from '../machines/effects';

/**
 * A notice as a person reads it, rendered when it is sent (so "30 分钟后到期" is true when it arrives),
 * in the plan's language and time zone. Pure: the dispatcher passes the time of sending.
 */
export interface Rendered {
  subject: string;
  text: string;
  /** one line for SMS and voice calls */
  short?: string;
}

/** A v0 notification carried its text; it is sent as it was written. */
export interface LegacyText {
  legacy: { subject: string; text: string };
}

const t = (lang: Language, zh: string, en: string) => (lang === 'zh' ? zh : en);

/** How to record the obligation: the CLI today (a link once the console exists). */
function howTo(n: NoticeParams, lang: Language): string {
  const id = n.incidentId;
  const k = n.obligationKind;
  const act = k === 'firstReport' || k === 'writtenReport' || k === 'upgradeReport' ? 'report' : k === 'summaryReport' ? 'submitSummary' : 'show';
  const cmd = act === 'show' ? `npm run cli -- show ${id}` : `npm run cli -- act ${id} ${act} --data '{"by":"<你的编号>", …}'`;
  return t(lang, `办理后请登记：${cmd}`, `Record it when done: ${cmd.replace('<你的编号>', '<your id>')}`);
}

/** How to acknowledge (v4): stops the climb (or, for the owner, the reminders to them); it never meets the obligation. */
function ackHow(n: NoticeParams, lang: Language): string {
  if (!n.obligationId) return '';
  const cmd = `npm run cli -- act ${n.incidentId} acknowledge --data '{"by":"<你的编号>","obligation":"${n.obligationId}"}'`;
  return t(lang, `已知悉请确认（确认不代替报告）：${cmd}`, ` Acknowledge (it does not replace the report): ${cmd.replace('<你的编号>', '<your id>')}`);
}

/** Which line it is (who owes whom), for a report line; else the obligation's name. */
function what(n: NoticeParams, ob: string, lang: Language): string {
  if (!n.line) return ob;
  return t(lang, `${ob}（${n.line.label}：${n.owner?.name ?? ''} → ${n.line.toName}）`, `${ob} (${n.line.label}: ${n.owner?.name ?? ''} → ${n.line.toName})`);
}

/** One line for SMS and voice: unit, kind, incident, obligation, due as of now. */
function shortLine(n: NoticeParams, subject: string, lang: Language, now: number): string {
  if (n.dueAt === undefined) return subject;
  const rel = formatRelative(n.dueAt, now, lang);
  return t(lang, `${subject}，${n.incidentId}，${rel}`, `${subject}, ${n.incidentId}, ${rel}`);
}

export function renderNotice(n: NoticeParams & Partial<LegacyText>, now: number): Required<Rendered> {
  if (n.legacy) return { ...n.legacy, short: n.legacy.subject };
  const r = renderBody(n, now);
  return { ...r, short: r.short ?? shortLine(n, r.subject, n.incident.language, now) };
}

function renderBody(n: NoticeParams, now: number): Rendered {
  const lang = n.incident.language;
  const tz = n.incident.timeZone;
  const unit = n.incident.unitName;
  const title = n.incident.title;
  const obName = n.obligationKind ? label(OBLIGATION_LABELS, n.obligationKind, lang) : '';
  const ob = what(n, obName, lang);
  const owner = n.owner ? `${n.owner.name}（${label(ROLE_LABELS, n.owner.role, lang)}）` : '';
  const due = n.dueAt !== undefined ? formatDue(tz, n.dueAt, now, lang) : '';
  switch (n.kind) {
    case 'assigned':
      return {
        subject: t(lang, `【${unit}】待办：${ob}（${due}）`, `[${unit}] To do: ${ob} by ${due}`),
        text: t(lang, `舆情事件「${title}」（${n.incidentId}）：${owner}请于 ${due} 前完成${ob}。${howTo(n, lang)}`,
          `Incident "${title}" (${n.incidentId}): ${owner} owes the ${ob}, due ${due}. ${howTo(n, lang)}`),
      };
    case 'reminder':
      return {
        subject: t(lang, `【${unit}】提醒：${ob}（${due}）`, `[${unit}] Reminder: ${ob} due ${due}`),
        text: t(lang, `舆情事件「${title}」（${n.incidentId}）：${owner}的${ob}将于 ${due} 到期。${howTo(n, lang)}`,
          `Incident "${title}" (${n.incidentId}): the ${ob} owed by ${owner} is due ${due}. ${howTo(n, lang)}`),
      };
    case 'overdue':
      return {
        subject: t(lang, `【${unit}】逾期：${ob}（${due}）`, `[${unit}] Overdue: ${ob} (${due})`),
        text: t(lang, `舆情事件「${title}」（${n.incidentId}）：${ob}应于 ${due} 完成，仍未完成。责任人：${owner}。${howTo(n, lang)}${ackHow(n, lang)}`,
          `Incident "${title}" (${n.incidentId}): the ${ob} was due ${due} and is not done. Answerable: ${owner}. ${howTo(n, lang)}${ackHow(n, lang)}`),
      };
    case 'regrade': {
      const from = n.facts.from as Grade;
      const to = n.facts.to as Grade;
      const a = label(GRADE_LABELS, from, lang);
      const b = label(GRADE_LABELS, to, lang);
      const up = gradeRank(to) > gradeRank(from);
      if (n.facts.proposal) {
        return {
          subject: t(lang, `【${unit}】等级建议：测算为${b}（待研判）`, `[${unit}] Proposed grade: ${b} (computed, not assessed)`),
          text: t(lang,
            `舆情事件「${title}」（${n.incidentId}）按舆情数据测算为${b}（${n.facts.reason}），仅为建议，尚未研判；本预案时限自研判为重大时起算。研判：npm run cli -- act ${n.incidentId} assess --data '{"by":"<你的编号>","grade":"<等级>"}'。发送时间 ${formatLocal(tz, now)}。`,
            `Incident "${title}" (${n.incidentId}) computes as ${b} from its readings (${n.facts.reason}): a proposal, not an assessment; this plan's limits run from the assessment as major. Assess: npm run cli -- act ${n.incidentId} assess --data '{"by":"<your id>","grade":"<grade>"}'. Sent ${formatLocal(tz, now)}.`),
        };
      }
      return {
        subject: t(lang, `【${unit}】舆情${up ? '升级' : '降级'}：${a} → ${b}`, `[${unit}] Regraded: ${a} → ${b}`),
        text: t(lang, `舆情事件「${title}」（${n.incidentId}）等级由${a}调整为${b}。原因：${n.facts.reason}。发送时间 ${formatLocal(tz, now)}。`,
          `Incident "${title}" (${n.incidentId}) regraded from ${a} to ${b}. Reason: ${n.facts.reason}. Sent ${formatLocal(tz, now)}.`),
      };
    }
    case 'referral': {
      const police = n.facts.to === 'police';
      return {
        subject: t(lang, `【${unit}】移交${police ? '公安机关' : '执纪执法部门'}：${title}`, `[${unit}] Referred to ${police ? 'the police' : 'discipline / law enforcement'}: ${title}`),
        text: t(lang, `舆情事件「${title}」（${n.incidentId}）已移交处理。理由：${n.facts.reason}`, `Incident "${title}" (${n.incidentId}) was referred. Reason: ${n.facts.reason}`),
      };
    }
    case 'findingReferral':
      return {
        subject: t(lang, `【${unit}】责任追究移送：${title}`, `[${unit}] Accountability referral: ${title}`),
        text: `${n.facts.finding} — ${n.facts.person}: ${n.facts.details}`,
      };
    case 'calendarMissing':
      return {
        subject: t(lang, `【${unit}】节假日数据缺失：${ob}无法计算时限`, `[${unit}] Holiday data missing: no due time for the ${ob}`),
        text: t(lang,
          `舆情事件「${title}」（${n.incidentId}）：${ob}按日计算的时限需要 ${n.facts.year} 年的节假日安排（自 ${n.facts.date} 起），系统中尚无该数据，未推算时限。请运维人员更新节假日数据包；责任人仍应尽快办理。`,
          `Incident "${title}" (${n.incidentId}): the ${ob}'s day limit needs the ${n.facts.year} holiday arrangement (from ${n.facts.date}), which the holiday data does not have yet; no due time was guessed. Operators: update the holiday data package; the owner should still act promptly.`),
      };
    case 'approval':
      return {
        subject: t(lang, `【${unit}】待审定：「${title}」答复稿`, `[${unit}] For approval: the reply to "${title}"`),
        text: t(lang,
          `舆情事件「${title}」（${n.incidentId}）的答复稿已由 ${n.facts.draftedBy} 起草，请审定后发布：${n.facts.text}。审定：npm run cli -- act ${n.incidentId} approve --data '{"by":"<你的编号>"}'`,
          `The reply to incident "${title}" (${n.incidentId}) was drafted by ${n.facts.draftedBy}; approve it before it is published: ${n.facts.text}. Approve: npm run cli -- act ${n.incidentId} approve --data '{"by":"<your id>"}'`),
      };
    case 'newIncident': {
      const g = label(GRADE_LABELS, n.facts.grade as Grade, lang);
      return {
        subject: t(lang, `【${unit}】新舆情：${title}（${g}）`, `[${unit}] New incident: ${title} (${g})`),
        text: t(lang,
          `新登记舆情事件「${title}」（${n.incidentId}），初判${g}，发现人 ${n.facts.discoveredBy}${n.facts.source ? `，来源 ${n.facts.source}` : ''}。请研判并督促按时报告：npm run cli -- show ${n.incidentId}。发送时间 ${formatLocal(tz, now)}。`,
          `New incident "${title}" (${n.incidentId}), computed as ${g}, discovered by ${n.facts.discoveredBy}${n.facts.source ? `, source ${n.facts.source}` : ''}. Assess it and see the reports are made on time: npm run cli -- show ${n.incidentId}. Sent ${formatLocal(tz, now)}.`),
      };
    }
    case 'escalation':
      return {
        subject: t(lang, `【${unit}】逾期升级（第 ${n.facts.step} 级）：${obName}（${due}）`, `[${unit}] Escalation ${n.facts.step}: ${obName} overdue (${due})`),
        text: t(lang,
          `舆情事件「${title}」（${n.incidentId}）：${ob}应于 ${due} 完成，至今未完成，也无上级确认。责任人：${owner}。请督促办理。${ackHow(n, lang)}`,
          `Incident "${title}" (${n.incidentId}): the ${ob} was due ${due}; it is still not done and nobody above its owner has acknowledged. Answerable: ${owner}. See that it is done.${ackHow(n, lang)}`),
      };
    case 'unacknowledged':
      return {
        subject: t(lang, `【${unit}】无人确认：${obName}逾期（${due}）`, `[${unit}] Nobody acknowledged: ${obName} overdue (${due})`),
        text: t(lang,
          `舆情事件「${title}」（${n.incidentId}）：${ob}应于 ${due} 完成，逾期提醒已按升级程序发完，无人确认。责任人：${owner}。请立即联系有关人员。${ackHow(n, lang)}`,
          `Incident "${title}" (${n.incidentId}): the ${ob} was due ${due}; every escalation step was sent and nobody acknowledged. Answerable: ${owner}. Reach the people concerned now.${ackHow(n, lang)}`),
      };
    case 'upgradeOwed':
      return {
        subject: t(lang, `【${unit}】舆情升级，须报告：${ob}（${due}）`, `[${unit}] Regraded: upgrade report owed (${due})`),
        text: t(lang, `舆情事件「${title}」（${n.incidentId}）等级上升：${owner}须于 ${due} 前就升级情况作出${ob}。${howTo(n, lang)}`,
          `Incident "${title}" (${n.incidentId}) was regraded up: ${owner} owes the ${ob} on the rise, due ${due}. ${howTo(n, lang)}`),
      };
    case 'summaryDue':
      return {
        subject: t(lang, `【${unit}】待报总结：${title}（${due}）`, `[${unit}] Summary due: ${title} (${due})`),
        text: t(lang, `舆情事件「${title}」（${n.incidentId}）已平息：${owner}请于 ${due} 前提交${ob}。${howTo(n, lang)}`,
          `Incident "${title}" (${n.incidentId}) has subsided: ${owner} owes the ${ob}, due ${due}. ${howTo(n, lang)}`),
      };
    case 'deliveryFailed':
      return {
        subject: t(lang, `【${unit}】通知未送达：${title}`, `[${unit}] Notice not delivered: ${title}`),
        text: t(lang,
          `舆情事件「${title}」（${n.incidentId}）的一条通知（${n.facts.noticeKind}）未能送达：${n.facts.reason}。请核实联系方式与通道配置，并电话通知有关人员。重新投递：npm run cli -- redrive ${n.facts.notice}`,
          `A notice (${n.facts.noticeKind}) of incident "${title}" (${n.incidentId}) could not be delivered: ${n.facts.reason}. Check the contacts and channel settings and phone the people concerned. Re-drive: npm run cli -- redrive ${n.facts.notice}`),
      };
    case 'alert':
      return {
        subject: t(lang, `【${unit}】监测预警：${title}`, `[${unit}] Monitoring alert: ${title}`),
        text: t(lang,
          `监测系统预警（${n.facts.source || '监测系统'}，${formatLocal(tz, Number(n.facts.at))}）：${n.facts.text}。请值班舆情信息员查看研判；构成舆情的，登记后即为发现人：npm run cli -- start --file <事件.json>（"discoveredBy":"<你的编号>"）。`,
          `Monitoring alert (${n.facts.source || 'monitoring system'}, ${formatLocal(tz, Number(n.facts.at))}): ${n.facts.text}. The monitor on duty reads it; if it is an incident, whoever records it is its discoverer: npm run cli -- start --file <incident.json> ("discoveredBy":"<your id>").`),
        short: t(lang, `【${unit}】监测预警：${title}，请值班信息员查看`, `[${unit}] Monitoring alert: ${title}; the monitor on duty reads it`),
      };
    default: {
      const never: never = n.kind;
      throw new Error(`no message for notice kind ${String(never)}`);
    }
  }
}

/** Role labels of who a notice addresses, for a listing. */
export function rolesText(roles: Role[], lang: Language): string {
  return roles.map((r) => label(ROLE_LABELS, r, lang)).join('、');
}
