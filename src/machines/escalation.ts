import type { Grade, Role } from '../plan/codes';
import { parseDuration } from '../plan/duration';
import { peopleInRole } from '../plan/people';
import type { Plan } from '../plan/plan.schema';

/**
 * Escalation until someone acknowledges (v4). Pure: the plan's policy as a list of timed steps after an
 * obligation's due time. The rule book is silent on how notices climb; every value here is a plan setting
 * (`escalationPolicy`) or, without one, the product's default below.
 *
 * At the due time the overdue notice goes to the owner, the policy's steps set at "0m", and the roles the grade
 * requires. After it: each later step in turn, then the policy repeats (every role on it) at its interval up to its
 * limit, then whoever the policy names (the office; in a plan without one, the leaders) is told nobody acknowledged.
 */

export interface EscalationState {
  /** the next step of the climb (an index into {@link climb}), absent once it stopped or ran out */
  next?: number;
  /** how many climb steps were sent */
  sent: number;
  /** the owner acknowledged: the owner gets no more notices about it */
  ownerAckedAt?: number;
  /** someone above the owner acknowledged: the climb stopped */
  acked?: { personId: string; name: string; role: Role; at: number };
}

export interface ClimbStep {
  step: number;
  at: number;
  kind: 'step' | 'repeat' | 'unacknowledged';
  roles: Role[];
  /** "2/3" for a step, "1/2" for a repeat */
  label: string;
}

interface Policy {
  steps: Array<{ afterMs: number; roles: Role[] }>;
  repeatEveryMs?: number;
  repeatLimit: number;
  required: Partial<Record<Grade, Role[]>>;
  unacknowledgedTo: Role[];
  source: string;
}

/** The product's default (no policy in the plan): the owner's escalation chain at the due time, two hourly repeats. */
export const DEFAULT_POLICY = {
  repeatEvery: '1h',
  repeatLimit: 2,
  required: { especiallyMajor: ['principalLeader'] as Role[] },
  source: 'default: escalation until acknowledged (the seeds are silent); the owner\'s escalation chain at the due time, hourly twice, then the office',
};

const ms = (text: string): number => parseDuration(text) ?? 0;

/** Who hears that nobody acknowledged: the office, else (a plan without one) the leaders. */
function fallbackTo(plan: Plan): Role[] {
  const office: Role[] = ['office', 'officeDirector'];
  if (office.some((r) => peopleInRole(plan, r).length > 0)) return office;
  return ['principalLeader', 'leaderInCharge'];
}

export function policyOf(plan: Plan, ownerRole: Role): Policy {
  const p = plan.escalationPolicy;
  if (p) {
    return {
      steps: p.steps.map((s) => ({ afterMs: ms(s.after), roles: s.roles })),
      repeatEveryMs: p.repeatEvery ? ms(p.repeatEvery) : undefined,
      repeatLimit: p.repeatLimit,
      required: p.required ?? {},
      unacknowledgedTo: p.unacknowledgedTo ?? fallbackTo(plan),
      source: p.source,
    };
  }
  return {
    steps: [{ afterMs: 0, roles: plan.escalation[ownerRole] ?? [] }],
    repeatEveryMs: ms(DEFAULT_POLICY.repeatEvery),
    repeatLimit: DEFAULT_POLICY.repeatLimit,
    required: DEFAULT_POLICY.required,
    unacknowledgedTo: fallbackTo(plan),
    source: DEFAULT_POLICY.source,
  };
}

const uniq = (roles: Role[]): Role[] => [...new Set(roles)];

/** Roles told at the due time itself: the steps set at "0m" and what the grade requires. */
export function atDueRoles(plan: Plan, ownerRole: Role, grade: Grade): { climb: Role[]; required: Role[] } {
  const p = policyOf(plan, ownerRole);
  return { climb: uniq(p.steps.filter((s) => s.afterMs === 0).flatMap((s) => s.roles)), required: p.required[grade] ?? [] };
}

/** The timed steps after the due time, in order. */
export function climb(plan: Plan, ownerRole: Role, dueAt: number): ClimbStep[] {
  const p = policyOf(plan, ownerRole);
  const later = p.steps.filter((s) => s.afterMs > 0);
  const out: ClimbStep[] = [];
  later.forEach((s, i) => out.push({ step: out.length, at: dueAt + s.afterMs, kind: 'step', roles: s.roles, label: `${i + 1}/${later.length}` }));
  const everyone = uniq(p.steps.flatMap((s) => s.roles));
  const lastAt = dueAt + (later.at(-1)?.afterMs ?? 0);
  let at = lastAt;
  if (p.repeatEveryMs && everyone.length) {
    for (let r = 1; r <= p.repeatLimit; r++) {
      at = lastAt + r * p.repeatEveryMs;
      out.push({ step: out.length, at, kind: 'repeat', roles: everyone, label: `${r}/${p.repeatLimit}` });
    }
  }
  // nobody acknowledged: told one interval after the last notice (or 30 min when the policy does not repeat)
  out.push({ step: out.length, at: at + (p.repeatEveryMs ?? 30 * 60_000), kind: 'unacknowledged', roles: p.unacknowledgedTo, label: 'end' });
  return out;
}

/** Everyone above the owner on the policy: their acknowledgement stops the climb. */
export function rolesAbove(plan: Plan, ownerRole: Role): Role[] {
  const p = policyOf(plan, ownerRole);
  const all = uniq([...p.steps.flatMap((s) => s.roles), ...Object.values(p.required).flat() as Role[], ...p.unacknowledgedTo]);
  return all.filter((r) => r !== ownerRole);
}

export function policySource(plan: Plan, ownerRole: Role): string {
  return policyOf(plan, ownerRole).source;
}
