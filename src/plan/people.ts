import type { Role } from './codes';
import type { Recipient } from '../machines/effects';
import type { Person, Plan } from './plan.schema';

/** Role → people, through the plan. Pure. */
export function peopleInRole(plan: Plan, role: Role): Person[] {
  return plan.people.filter((p) => p.roles.includes(role));
}

export function findPerson(plan: Plan, id: string): Person | undefined {
  return plan.people.find((p) => p.id === id);
}

export function toRecipient(p: Person, role: Role): Recipient {
  return { personId: p.id, name: p.name, role, contacts: { ...p.contacts } };
}

/** Recipients for a list of roles (plus named people), each person once, in the order given. */
export function resolveRecipients(plan: Plan, roles: Role[], people: Array<{ person: Person; role: Role }> = []): Recipient[] {
  const seen = new Set<string>();
  const out: Recipient[] = [];
  const add = (p: Person, role: Role) => {
    if (seen.has(p.id)) return;
    seen.add(p.id);
    out.push(toRecipient(p, role));
  };
  for (const { person, role } of people) add(person, role);
  for (const role of roles) for (const p of peopleInRole(plan, role)) add(p, role);
  return out;
}

/** The escalation chain for an obligation owned by `role`. */
export function escalationRoles(plan: Plan, role: Role): Role[] {
  return plan.escalation[role] ?? [];
}
