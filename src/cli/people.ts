/**
 * `people`: who is in a plan, the roles they hold and which contacts the plan has for them (which
 * kinds, never the addresses themselves). Pure.
 */
import { ROLE_LABELS, type Language, type Role } from '../plan/codes';
import type { LoadedPlan } from '../plan/plan.loader';
import { table } from './text';

export interface PlanPeople {
  plan: string;
  version: string;
  file: string;
  unit: { id: string; name: string };
  people: Array<{ id: string; name: string; roles: Array<{ role: Role; label: string }>; contacts: string[] }>;
}

export function planPeople(loaded: LoadedPlan, lang: Language): PlanPeople {
  const { plan } = loaded;
  return {
    plan: plan.id,
    version: plan.version,
    file: loaded.file,
    unit: { id: plan.unit.id, name: plan.unit.name },
    people: plan.people.map((p) => ({
      id: p.id,
      name: p.name,
      roles: p.roles.map((role) => ({ role, label: ROLE_LABELS[role][lang] })),
      contacts: Object.entries(p.contacts ?? {}).filter(([, v]) => typeof v === 'string' && v.trim() !== '').map(([k]) => k),
    })),
  };
}

const WORDS = {
  zh: { id: '编号', name: '姓名', roles: '角色', contacts: '联系方式', none: '无', count: (n: number) => `${n} 人` },
  en: { id: 'id', name: 'name', roles: 'roles', contacts: 'contacts', none: 'none', count: (n: number) => `${n} ${n === 1 ? 'person' : 'people'}` },
} as const;

export function formatPeople(plans: readonly PlanPeople[], lang: Language): string {
  const w = WORDS[lang];
  const sep = lang === 'zh' ? '、' : ', ';
  return plans
    .map((p) => [
      `${p.plan}@${p.version}  ${p.unit.name} (${p.unit.id}) · ${w.count(p.people.length)}`,
      ...table([
        [w.id, w.name, w.roles, w.contacts],
        ...p.people.map((x) => [x.id, x.name, x.roles.map((r) => r.label).join(sep), x.contacts.length ? x.contacts.join(', ') : w.none]),
      ], { indent: '  ' }),
    ].join('\n'))
    .join('\n\n');
}
