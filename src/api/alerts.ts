import type { Ledger } from '../activities/ledger';
import type { NoticeParams } from '../machines/effects';
import { resolveRecipients } from '../plan/people';
import type { LoadedPlan } from '../plan/plan.loader';
import { IncidentError } from './incidents';

/**
 * A monitoring system's alert (监测预警), before anyone has judged it an incident: a notice for the plan's monitors,
 * which the dispatcher narrows to the monitor on duty by the roster when it sends it. The person who reads it and
 * records the incident is its discoverer (rule book, Who is involved), so the alert itself starts nothing.
 */
export interface AlertInput {
  /** the feed's own id for the alert (a repeat of it is the same notice) */
  id: string;
  text: string;
  source?: string;
  /** when the feed raised it (epoch ms) */
  at: number;
}

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export async function raiseAlert(ledger: Ledger, loaded: LoadedPlan, a: AlertInput, now = Date.now()): Promise<{ noticeId: string; inserted: boolean; monitors: number }> {
  const errors: string[] = [];
  if (!ID_RE.test(a.id)) errors.push('id: must be 1–64 letters, digits, ".", "_" or "-"');
  if (!a.text.trim()) errors.push('text: must say what the monitoring system saw');
  if (a.text.length > 1000) errors.push('text: at most 1000 characters');
  if (!Number.isFinite(a.at)) errors.push('at: not a time');
  else if (a.at > now + 60_000) errors.push('at: is in the future');
  const plan = loaded.plan;
  const recipients = resolveRecipients(plan, ['monitor']);
  if (!recipients.length) errors.push(`plan ${plan.id} has no monitor (舆情信息员) to read the alert`);
  if (errors.length) throw new IncidentError('InvalidPayload', errors.join('; '), errors);
  // scoped to the plan: two units' feeds may use the same alert id
  const incidentId = `alert-${plan.id}-${a.id}`;
  const notice: NoticeParams = {
    noticeId: `${incidentId}/alert/monitor/at=${new Date(a.at).toISOString()}`,
    incidentId, unitId: plan.unit.id, kind: 'alert', about: 'monitor', trigger: `at=${new Date(a.at).toISOString()}`,
    roles: ['monitor'], recipients,
    facts: { text: a.text.trim(), source: a.source ?? '', at: a.at },
    incident: { title: a.text.trim().slice(0, 40), unitName: plan.unit.name, timeZone: plan.timeZone, language: plan.language, planId: plan.id },
    createdAt: now,
    ...(plan.delivery ? { routes: plan.delivery.routes } : {}),
  };
  const { inserted } = await ledger.recordNotice(notice);
  return { noticeId: notice.noticeId, inserted, monitors: recipients.length };
}
