import { loadPlanFile } from '../../src/plan/plan.loader';
import { calendarSlice } from '../../src/plan/holidays';
import { validateRoster, type Roster } from '../../src/roster/roster.schema';

export const county = loadPlanFile('plans/county.yaml');
export const school = loadPlanFile('plans/jinpenshan-school.yaml');
export const TZ = 'Asia/Shanghai';
export const at = (iso: string) => Date.parse(iso);
/** 2026 as the pinned holiday data has it (its notice reaches 2026-12-28). */
export const CAL_2026 = calendarSlice('2025-12-01', '2026-12-28');

/** A validated roster of the county plan (or throws with the issues). */
export function roster(data: Record<string, unknown>, plan = county.plan): Roster {
  const r = validateRoster({ plan: plan.id, version: 't1', effectiveFrom: '2026-01-01T00:00:00+08:00', ...data }, plan);
  if (!r.ok) throw new Error(r.issues.join('\n'));
  return r.roster;
}

/** The issues of invalid roster data for the county plan. */
export function issuesOf(data: Record<string, unknown>, plan = county.plan): string[] {
  const r = validateRoster({ plan: plan.id, version: 't1', effectiveFrom: '2026-01-01T00:00:00+08:00', ...data }, plan);
  if (r.ok) throw new Error('expected the roster to be invalid');
  return r.issues;
}
