/**
 * What a valid roster covers, and where it does not: for each rostered role, the hours of a day no shift
 * holds, for every kind of day and every kind of day before it (a Friday night shift covers Saturday
 * morning whether Saturday is a rest day or a make-up working day). Pure.
 *
 * Errors: a gap in a role rostered round the clock (`coverage: 24h`, the monitor's default — the plans
 * promise 24-hour monitoring), and two shifts of a role starting at the same time on the same day (which one
 * holds would depend on the order of the file). Warnings: overlaps (the later start holds), overrides that
 * overlap or never apply, weekend days a pattern can never use, a grant to someone who already holds the role.
 * Gaps in a `partial` role are listed, neither error nor warning (office hours are meant to end).
 *
 * The check reasons in local wall-clock minutes (a day of 24 hours); a clock change moves instants, not the
 * pattern.
 */
import type { Role } from '../plan/codes';
import type { Plan } from '../plan/plan.schema';
import { DAYS, hhmm, MINUTES_PER_DAY, shiftSpan, type Day } from './days';
import { needsCalendar, overrideRange } from './on-duty';
import { coverageOf, type RoleRoster, type Roster } from './roster.schema';

export type DayKind = 'every' | 'working' | 'rest';

export interface CoverageGap {
  /** the kind of day the gap is on: every day (a role without a rest-day pattern), a working day, a rest day */
  dayKind: DayKind;
  /** the days of the week it falls on, Monday first */
  days: Day[];
  /** only after a day of this kind (absent: whatever the day before) */
  after?: 'working' | 'rest';
  /** local times, "HH:MM" (to may be "24:00") */
  from: string;
  to: string;
}

export interface RoleCoverage {
  role: Role;
  coverage: '24h' | 'partial';
  needsCalendar: boolean;
  shifts: { weekly: number; restDays: number; overrides: number };
  gaps: CoverageGap[];
}

export interface RosterCheck {
  ok: boolean;
  errors: string[];
  warnings: string[];
  roles: RoleCoverage[];
}

const WEEK_ORDER: Day[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const DAY_NAMES: Record<Day, string> = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };

interface Piece {
  start: number;
  end: number;
  ref: string;
}

function kindsOf(entry: RoleRoster): DayKind[] {
  return needsCalendar(entry) ? ['working', 'rest'] : ['every'];
}

/** The shifts a day of this kind starts, in minutes after its midnight. */
function piecesOf(roster: Roster, entry: RoleRoster, day: Day, kind: DayKind): Piece[] {
  const out: Piece[] = [];
  if (kind === 'rest') {
    (entry.restDays ?? []).forEach((s, i) => {
      if (!s.days || s.days.includes(day)) out.push({ ...shiftSpan(s.start, s.end), ref: `restDays[${i}]` });
    });
    return out;
  }
  const asDay = kind === 'working' && (day === 'sat' || day === 'sun') ? roster.makeUpWorkdayAs : day;
  entry.weekly.forEach((s, i) => {
    if (s.days.includes(asDay)) out.push({ ...shiftSpan(s.start, s.end), ref: `weekly[${i}]` });
  });
  return out;
}

/** Runs of the week: "Mon–Fri", "Sat, Sun"; every day: "". */
export function formatDays(days: readonly Day[]): string {
  const set = new Set(days);
  if (set.size === 7) return '';
  const parts: string[] = [];
  let run: Day[] = [];
  const flush = () => {
    if (run.length >= 3) parts.push(`${DAY_NAMES[run[0]]}–${DAY_NAMES[run[run.length - 1]]}`);
    else parts.push(...run.map((d) => DAY_NAMES[d]));
    run = [];
  };
  for (const d of WEEK_ORDER) {
    if (set.has(d)) run.push(d);
    else flush();
  }
  flush();
  return parts.join(', ');
}

const KIND_WORDS: Record<DayKind, string> = { every: 'days', working: 'working days', rest: 'rest days' };
const KIND_WORDS_ZH: Record<DayKind, string> = { every: '每天', working: '工作日', rest: '休息日' };
const DAY_NAMES_ZH: Record<Day, string> = { mon: '周一', tue: '周二', wed: '周三', thu: '周四', fri: '周五', sat: '周六', sun: '周日' };

/** "on working days (Mon–Fri) between 02:00 and 08:00 after a rest day" · "工作日（周一–周五）02:00–08:00（前一天为休息日）" */
export function describeGap(g: CoverageGap, lang: 'zh' | 'en' = 'en'): string {
  const days = formatDays(g.days);
  if (lang === 'zh') {
    const zhDays = days.replace(/Mon|Tue|Wed|Thu|Fri|Sat|Sun/g, (d) => DAY_NAMES_ZH[d.toLowerCase() as Day]).replace(/, /g, '、');
    const on = g.dayKind === 'every' ? (zhDays || '每天') : `${KIND_WORDS_ZH[g.dayKind]}${zhDays ? `（${zhDays}）` : ''}`;
    const after = g.after ? `（前一天为${g.after === 'working' ? '工作日' : '休息日'}）` : '';
    return `${on} ${g.from}–${g.to}${after}`;
  }
  const on = g.dayKind === 'every' ? (days ? `on ${days}` : 'on every day') : days ? `on ${KIND_WORDS[g.dayKind]} (${days})` : `on every ${KIND_WORDS[g.dayKind].replace(/s$/, '')}`;
  const after = g.after ? ` after a ${g.after === 'working' ? 'working day' : 'rest day'}` : '';
  return `${on} between ${g.from} and ${g.to}${after}`;
}

function coverageGaps(roster: Roster, role: Role, entry: RoleRoster, errors: Set<string>, warnings: Set<string>): CoverageGap[] {
  const kinds = kindsOf(entry);
  const at = `roles.${role}`;
  // (day kind, from, to) → day → kinds of the day before with that gap
  const found = new Map<string, { kind: DayKind; from: number; to: number; days: Map<Day, Set<DayKind>> }>();
  for (const day of WEEK_ORDER) {
    const prevDay = DAYS[(DAYS.indexOf(day) + 6) % 7];
    for (const pk of kinds) {
      for (const ck of kinds) {
        const spill = piecesOf(roster, entry, prevDay, pk).filter((p) => p.end > MINUTES_PER_DAY)
          .map((p) => ({ start: p.start - MINUTES_PER_DAY, end: p.end - MINUTES_PER_DAY, ref: p.ref, prev: true }));
        const own = piecesOf(roster, entry, day, ck).map((p) => ({ ...p, prev: false }));
        const all = [...spill, ...own];
        // overlaps: the later start holds; equal starts on one day depend on the file's order
        for (let i = 0; i < all.length; i++) {
          for (let j = i + 1; j < all.length; j++) {
            const [x, y] = [all[i], all[j]];
            if (x.prev && y.prev) continue;
            const lo = Math.max(x.start, y.start, 0);
            const hi = Math.min(x.end, y.end, MINUTES_PER_DAY);
            if (hi <= lo) continue;
            const where = `${ck === 'every' ? DAY_NAMES[day] : `a ${ck === 'working' ? 'working' : 'rest'} day (${DAY_NAMES[day]})`}`;
            if (x.start === y.start && x.prev === y.prev) {
              errors.add(`${at}: ${x.ref} and ${y.ref} both start at ${hhmm(x.start)} on ${where}: one shift per hand-over (which one holds would depend on their order)`);
            } else {
              const [early, late] = x.start < y.start ? [x, y] : [y, x];
              warnings.add(`${at}: ${late.ref} takes over from ${early.ref} at ${hhmm(Math.max(late.start, 0))} on ${where}, before ${early.ref} ends at ${hhmm(Math.min(early.end, MINUTES_PER_DAY))}${early.prev ? ` (${early.ref} started the day before)` : ''}`);
            }
          }
        }
        // the stretches of [0, 24:00) none of them holds
        const spans = all.map((p) => [Math.max(p.start, 0), Math.min(p.end, MINUTES_PER_DAY)] as const).filter(([s, e]) => e > s).sort((p, q) => p[0] - q[0]);
        let t = 0;
        const gaps: Array<[number, number]> = [];
        for (const [s, e] of spans) {
          if (s > t) gaps.push([t, s]);
          t = Math.max(t, e);
        }
        if (t < MINUTES_PER_DAY) gaps.push([t, MINUTES_PER_DAY]);
        for (const [from, to] of gaps) {
          const key = `${ck}|${from}|${to}`;
          const g = found.get(key) ?? { kind: ck, from, to, days: new Map() };
          found.set(key, g);
          const before = g.days.get(day) ?? new Set<DayKind>();
          before.add(pk);
          g.days.set(day, before);
        }
      }
    }
  }
  const out: CoverageGap[] = [];
  for (const g of found.values()) {
    // days with the gap whatever came before, then days with it only after one kind
    const groups = new Map<string, Day[]>();
    for (const [day, before] of g.days) {
      const sig = before.size === kinds.length ? '' : [...before][0];
      groups.set(sig, [...(groups.get(sig) ?? []), day]);
    }
    for (const [sig, days] of groups) {
      out.push({
        dayKind: g.kind, days: WEEK_ORDER.filter((d) => days.includes(d)), ...(sig ? { after: sig as 'working' | 'rest' } : {}),
        from: hhmm(g.from), to: hhmm(g.to),
      });
    }
  }
  const kindRank: Record<DayKind, number> = { every: 0, working: 1, rest: 2 };
  const firstDay = (g: CoverageGap) => WEEK_ORDER.indexOf(g.days[0]);
  return out.sort((a, b) => kindRank[a.dayKind] - kindRank[b.dayKind] || firstDay(a) - firstDay(b) || a.from.localeCompare(b.from) || (a.after ?? '').localeCompare(b.after ?? ''));
}

/** Coverage, overlaps and other doubts about a valid roster; `plan` adds the checks that need its people. */
export function checkRoster(roster: Roster, plan?: Plan): RosterCheck {
  const errors = new Set<string>();
  const warnings = new Set<string>();
  const roles: RoleCoverage[] = [];
  const effectiveFrom = Date.parse(roster.effectiveFrom);
  for (const [key, entry] of Object.entries(roster.roles) as Array<[Role, RoleRoster]>) {
    const at = `roles.${key}`;
    const coverage = coverageOf(key, entry);
    const gaps = coverageGaps(roster, key, entry, errors, warnings);
    if (coverage === '24h') for (const g of gaps) errors.add(`${at}: 24h not covered ${describeGap(g)}`);
    roles.push({
      role: key, coverage, needsCalendar: needsCalendar(entry),
      shifts: { weekly: entry.weekly.length, restDays: entry.restDays?.length ?? 0, overrides: entry.overrides.length },
      gaps,
    });
    if (needsCalendar(entry)) {
      entry.weekly.forEach((s, i) => {
        const weekend = s.days.filter((d) => d === 'sat' || d === 'sun');
        if (weekend.length) {
          warnings.add(`${at}.weekly[${i}].days: ${weekend.join(', ')} never apply: with a restDays pattern a Saturday or Sunday is a rest day, or a make-up working day rostered as ${roster.makeUpWorkdayAs}`);
        }
      });
    }
    const ranges = entry.overrides.map((o) => overrideRange(roster.timeZone, o));
    ranges.forEach((r, i) => {
      if (r.to <= effectiveFrom) warnings.add(`${at}.overrides[${i}]: ends before the roster takes effect (${roster.effectiveFrom}): it never applies`);
      for (let j = i + 1; j < ranges.length; j++) {
        const q = ranges[j];
        if (q.from >= r.to || r.from >= q.to) continue;
        if (q.from === r.from) errors.add(`${at}.overrides[${j}]: starts when overrides[${i}] starts: one override per hand-over (which one holds would depend on their order)`);
        else warnings.add(`${at}.overrides[${r.from < q.from ? j : i}]: overlaps overrides[${r.from < q.from ? i : j}]; the later start holds`);
      }
    });
    if (plan) {
      entry.grantedTo.forEach((id, i) => {
        if (plan.people.find((p) => p.id === id)?.roles.includes(key)) warnings.add(`${at}.grantedTo[${i}]: "${id}" already holds role "${key}" in the plan`);
      });
    }
  }
  return { ok: errors.size === 0, errors: [...errors], warnings: [...warnings], roles };
}
