import { ACTIONS, STAGE_LABELS, type ActionName } from '../plan/codes';
import { actionSchemas, incidentInputSchema, metricsUpdateSchema, type IncidentInput } from '../plan/incident.schema';
import type { Plan } from '../plan/plan.schema';
import { formatIssues } from '../plan/plan.values';
import { incidentMachine, type IncidentSnapshot } from './incident.machine';
import { CLOCK_SKEW_MS, categoryAllows, eventTypeOf, planAllows, refusals, type ActionEvent, type IncidentEvent } from './incident.rules';

/**
 * Turning what a person sends into a machine event, or into every reason it is refused.
 * Pure: the caller passes the current time. Shared by update validators and handlers.
 */
export type Prepared<E> = { ok: true; event: E } | { ok: false; kind: RefusalKind; errors: string[] };
export type RefusalKind = 'InvalidPayload' | 'NotAllowed';

export function isActionName(name: string): name is ActionName {
  return (ACTIONS as readonly string[]).includes(name);
}

export function prepareAction(snapshot: IncidentSnapshot, name: string, payload: unknown, now: number): Prepared<ActionEvent> {
  if (!isActionName(name)) return { ok: false, kind: 'InvalidPayload', errors: [`action: "${name}" is not one of ${ACTIONS.join(', ')}`] };
  const parsed = actionSchemas[name].safeParse(payload);
  if (!parsed.success) return { ok: false, kind: 'InvalidPayload', errors: formatIssues(parsed.error).split('\n') };
  const data = parsed.data as { at?: string };
  const at = data.at ? Date.parse(data.at) : now;
  const event = { type: eventTypeOf(name), action: name, payload: parsed.data, at, recordedAt: now } as ActionEvent;
  return check(snapshot, event);
}

export function prepareMetrics(snapshot: IncidentSnapshot, payload: unknown, now: number): Prepared<Extract<IncidentEvent, { type: 'METRICS' }>> {
  const parsed = metricsUpdateSchema.safeParse(payload);
  if (!parsed.success) return { ok: false, kind: 'InvalidPayload', errors: formatIssues(parsed.error).split('\n') };
  const at = parsed.data.at ? Date.parse(parsed.data.at) : now;
  return check(snapshot, { type: 'METRICS', metrics: parsed.data.metrics, by: parsed.data.by, at, recordedAt: now });
}

function check<E extends IncidentEvent>(snapshot: IncidentSnapshot, event: E): Prepared<E> {
  const reasons = refusals(snapshot.context, event);
  if (reasons.length) return { ok: false, kind: 'NotAllowed', errors: reasons };
  if (!snapshot.can(event)) {
    const stage = snapshot.context.stage;
    const accepted = acceptedActions(snapshot);
    return {
      ok: false, kind: 'NotAllowed',
      errors: [`${'action' in event ? event.action : 'metrics'} is not allowed in stage ${stage} (${STAGE_LABELS[stage].zh}); allowed now: ${accepted.join(', ') || 'none (the incident is over)'}`],
    };
  }
  return { ok: true, event };
}

/** The actions the current stage accepts, read from the machine definition. */
export function acceptedActions(snapshot: IncidentSnapshot): ActionName[] {
  if (snapshot.status === 'done') return [];
  const node = incidentMachine.states[snapshot.context.stage as keyof typeof incidentMachine.states];
  const events = new Set<string>([...(node?.ownEvents ?? []), ...incidentMachine.root.ownEvents]);
  // "Allowed now" respects the category: an inquiry's reply is not offered for a hype incident.
  // and the incident's rules and plan: v3 actions, an approval step, handling steps, optional categories
  return ACTIONS.filter((a) => events.has(eventTypeOf(a)) && categoryAllows(a, snapshot.context.category) && planAllows(snapshot.context, a));
}

/** Check a new incident against its plan before anything starts. */
export function prepareStart(raw: unknown, plan: Plan, now: number): { ok: true; incident: IncidentInput } | { ok: false; errors: string[] } {
  const parsed = incidentInputSchema.safeParse(raw);
  const errors = parsed.success ? [] : formatIssues(parsed.error).split('\n');
  // The plan's checks run on whatever fields are well-formed, so one answer lists every problem.
  const fields = (raw ?? {}) as { discoveredBy?: unknown; discoveredAt?: unknown };
  if (typeof fields.discoveredBy === 'string' && fields.discoveredBy !== '' && !plan.people.some((p) => p.id === fields.discoveredBy)) {
    errors.push(`discoveredBy: "${fields.discoveredBy}" is not a person in plan ${plan.id}`);
  }
  if (typeof fields.discoveredAt === 'string' && Date.parse(fields.discoveredAt) > now + CLOCK_SKEW_MS) errors.push('discoveredAt: is in the future');
  const subject = (raw as { subject?: unknown } | undefined)?.subject;
  if (typeof subject === 'string' && subject !== '') {
    const p = plan.people.find((x) => x.id === subject);
    if (!p) errors.push(`subject: "${subject}" is not a person in plan ${plan.id}`);
    else if (!p.roles.includes('department')) errors.push(`subject: ${subject} does not hold role department (the 涉事主体 is a department)`);
  }
  return parsed.success && errors.length === 0 ? { ok: true, incident: parsed.data } : { ok: false, errors };
}
