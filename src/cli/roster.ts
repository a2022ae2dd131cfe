/**
 * `roster`: the duty rosters (值班表) beside the plans — check a roster file and its coverage, who is on
 * duty now or at a given time (name, id, A/B post, the shift in the plan's time zone with its UTC offset),
 * and a week's rota as a table. Reads files only (no Temporal, no ledger); the holiday data comes from
 * `calendarSlice` (src/plan/holidays.ts).
 *
 * One command with a subcommand, as the command line is parsed one command name at a time:
 *   roster check <file>
 *   roster now <plan> [--role R]
 *   roster at <plan> <time> [--role R]
 *   roster week <plan> [--from YYYY-MM-DD] [--role R]
 * Rosters are read from ROSTERS_DIR (default rosters/), plans from PLANS_DIR.
 */
import { LANGUAGES, ROLE_LABELS, ROLES, type Language, type Role } from '../plan/codes';
import { calendarSlice } from '../plan/holidays';
import { resolvePlan, type LoadedPlan } from '../plan/plan.loader';
import { isoLocal } from '../plan/time-format';
import { formatLocal, localDate, localOffsetMs } from '../plan/time-zone';
import { addDays, dayOf, DAY_LABELS, isDate, localInstant } from '../roster/days';
import {
  isOnDuty, isRestDay, needsCalendar, rosterHistoryTimeline, whoWasOnDuty, type DutySource, type HistoricDuty, type NoOneOnDuty, type OnDuty, type TimelineEntry,
} from '../roster/on-duty';
import { describeGap, type RosterCheck } from '../roster/roster.check';
import { loadRosterFile, RosterError, rosterVersions, rostersDirOf, type LoadedRoster } from '../roster/roster.loader';
import type { Roster } from '../roster/roster.schema';
import { oneOfValues, usageLine, type OptionSpec } from './args';
import type { Command, Context } from './commands';
import { UsageError } from './errors';
import { suggestion, table } from './text';

/** The command context, with the roster directory when the caller sets it (else ROSTERS_DIR, else rosters/). */
export interface RosterContext extends Context {
  rostersDir?: string;
}

const opt = (name: string, value: string, help: string): OptionSpec => ({ name, type: 'string', value, help });

export const ROSTER_SUBCOMMANDS = ['check', 'now', 'at', 'week'] as const;
export type RosterSubcommand = (typeof ROSTER_SUBCOMMANDS)[number];

const SUB = 'check|now|at|week';
const TARGET = 'file|plan';

const W = {
  zh: {
    roster: '值班表', since: (t: string) => `自 ${t} 起施行`, at: '时间', role: '角色', post: '岗位', name: '姓名', id: '编号', shift: '班次',
    from: '起', to: '止', source: '来源', postA: 'A岗', postB: 'B岗', date: '日期', rest: '休', work: '班', unknownDay: '?',
    sources: { weekly: '常规', working: '工作日', restDay: '休息日', override: '临时调整' } as Record<DutySource | 'working', string>,
    notRostered: (holders: string) => `未排班：按预案通知全部人员（${holders || '无'}）`,
    notInForce: '值班表尚未施行：按预案通知全部人员',
    gap: (next?: string) => `无人值班（空档）${next ? `，下一班 ${next}` : ''}`,
    missing: (date: string, year: number) => `缺少节假日数据（${date}，${year} 年放假安排未收录）：不作推测`,
    coverage: '覆盖', c24: '全天', partial: '部分', calendar: '节假日数据', needs: '需要', notNeeded: '不需要', shifts: '班次（工作日/休息日/临时）',
    gaps: '空档', none: '无', errors: '错误', warnings: '警告', ok: '检查通过', failed: (n: number) => `${n} 个错误`, warned: (n: number) => `${n} 个警告`,
    week: (a: string, b: string) => `${a} 至 ${b}`, tz: (z: string, off: string) => `时区 ${z}（UTC${off}）`, version: '版本',
  },
  en: {
    roster: 'roster', since: (t: string) => `in force from ${t}`, at: 'at', role: 'role', post: 'post', name: 'name', id: 'id', shift: 'shift',
    from: 'from', to: 'to', source: 'source', postA: 'A', postB: 'B', date: 'date', rest: 'rest', work: 'work', unknownDay: '?',
    sources: { weekly: 'weekly', working: 'working day', restDay: 'rest day', override: 'override' } as Record<DutySource | 'working', string>,
    notRostered: (holders: string) => `not rostered: every holder in the plan is told (${holders || 'none'})`,
    notInForce: 'no roster in force yet: every holder in the plan is told',
    gap: (next?: string) => `no one on duty (a gap)${next ? `; next shift ${next}` : ''}`,
    missing: (date: string, year: number) => `holiday data missing (${date}: the ${year} notice is not held): not guessed`,
    coverage: 'coverage', c24: '24h', partial: 'partial', calendar: 'holiday data', needs: 'needed', notNeeded: 'not needed', shifts: 'shifts (weekly/rest/override)',
    gaps: 'gaps', none: 'none', errors: 'errors', warnings: 'warnings', ok: 'check passed', failed: (n: number) => `${n} error${n === 1 ? '' : 's'}`, warned: (n: number) => `${n} warning${n === 1 ? '' : 's'}`,
    week: (a: string, b: string) => `${a} to ${b}`, tz: (z: string, off: string) => `time zone ${z} (UTC${off})`, version: 'version',
  },
};

function languageOf(ctx: Context, plan?: LoadedPlan): Language {
  return oneOfValues(rosterCommand, 'lang', ctx.inv.options.lang, LANGUAGES) ?? plan?.plan.language ?? 'zh';
}

function usage(message: string): never {
  throw new UsageError(message, usageLine(rosterCommand));
}

function roleOption(ctx: Context): Role | undefined {
  return oneOfValues(rosterCommand, 'role', ctx.inv.options.role, ROLES);
}

const paren = (lang: Language, text: string) => (lang === 'zh' ? `（${text}）` : ` (${text})`);

const rostersDir = (ctx: RosterContext) => ctx.rostersDir ?? rostersDirOf(process.env);

/** "+08:00" */
function offsetText(timeZone: string, at: number): string {
  const off = localOffsetMs(timeZone, at) / 60_000;
  const abs = Math.abs(off);
  return `${off >= 0 ? '+' : '-'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/**
 * A time on the command line: ISO 8601 with an offset (or Z), or a local time in the plan's zone —
 * "2026-10-01T03:00", "2026-10-01 03:00", or a date alone (its 00:00).
 */
export function parseRosterTime(text: string, timeZone: string): number {
  if (/(Z|[+-]\d{2}:\d{2})$/i.test(text) && /^\d{4}-\d{2}-\d{2}T/.test(text)) {
    const t = Date.parse(text);
    if (Number.isFinite(t)) return t;
  }
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
  if (m && isDate(m[1]) && (m[2] === undefined || (Number(m[2]) < 24 && Number(m[3]) < 60 && Number(m[4] ?? 0) < 60))) {
    return localInstant(timeZone, m[1], Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) + Number(m[4] ?? 0) * 1000;
  }
  return usage(`<time> must be an ISO time with offset ("2026-10-01T03:00:00+08:00") or a local time in the plan's zone ("2026-10-01 03:00"), not "${text}"`);
}

/** The roles to show: --role, else every role some version rosters (in the rule book's order). */
function rolesShown(ctx: Context, versions: readonly LoadedRoster[]): Role[] {
  const chosen = roleOption(ctx);
  if (chosen) return [chosen];
  return ROLES.filter((r) => versions.some((v) => v.roster.roles[r]));
}

/** The slice of holiday data for a span of local dates (a few days either side for shifts reaching in). */
function sliceAround(fromDate: string, toDate: string) {
  return calendarSlice(addDays(fromDate, -3), addDays(toDate, 3));
}

// ───────────────────────────── now / at ─────────────────────────────

export interface DutyView {
  role: Role;
  label: string;
  version?: string;
  people: Array<{ personId: string; name: string; post: 'A' | 'B'; order: number }>;
  shift?: { label: string; from: string; to: string; scheduledFrom: string; scheduledTo: string; date: string; ref: string };
  source?: DutySource;
  reason?: NoOneOnDuty['reason'];
  date?: string;
  year?: number;
  next?: string;
  /** where the roster does not say: the plan's holders of the role, who are told instead */
  planHolders?: Array<{ personId: string; name: string }>;
}

export interface OnDutyView {
  plan: { id: string; version: string; unit: { id: string; name: string }; timeZone: string };
  at: string;
  roster: { version: string; effectiveFrom: string; file: string; hash: string } | null;
  roles: DutyView[];
}

function dutyView(loaded: LoadedPlan, role: Role, r: HistoricDuty, lang: Language): DutyView {
  const tz = loaded.plan.timeZone;
  const name = (id: string) => loaded.plan.people.find((p) => p.id === id)?.name ?? id;
  const base = { role, label: ROLE_LABELS[role][lang], ...(r.version ? { version: r.version } : {}) };
  if (isOnDuty(r)) {
    const s = r.shift;
    return {
      ...base,
      people: r.people.map((p) => ({ ...p, name: name(p.personId) })),
      shift: { label: s.label, from: isoLocal(tz, s.from), to: isoLocal(tz, s.to), scheduledFrom: isoLocal(tz, s.scheduledFrom), scheduledTo: isoLocal(tz, s.scheduledTo), date: s.date, ref: s.ref },
      source: r.source,
    };
  }
  const n = r as NoOneOnDuty & { version?: string };
  return {
    ...base, people: [], reason: n.reason,
    ...(n.date ? { date: n.date } : {}), ...(n.year ? { year: n.year } : {}), ...(n.next !== undefined ? { next: isoLocal(tz, n.next) } : {}),
    planHolders: loaded.plan.people.filter((p) => p.roles.includes(role)).map((p) => ({ personId: p.id, name: p.name })),
  };
}

function sourceLabel(v: DutyView | { source?: DutySource }, roster: Roster | undefined, role: Role, lang: Language): string {
  if (!v.source) return '';
  const w = W[lang].sources;
  const entry = roster?.roles[role];
  if (v.source === 'weekly' && entry && needsCalendar(entry)) return w.working;
  return w[v.source];
}

function reasonText(v: DutyView, timeZone: string, lang: Language): string {
  const w = W[lang];
  switch (v.reason) {
    case 'notRostered': return w.notRostered((v.planHolders ?? []).map((p) => `${p.name} (${p.personId})`).join(lang === 'zh' ? '、' : ', '));
    case 'notInForce': return w.notInForce;
    case 'gap': return w.gap(v.next ? formatLocal(timeZone, Date.parse(v.next)) : undefined);
    case 'calendarDataMissing': return w.missing(v.date ?? '?', v.year ?? 0);
    default: return '';
  }
}

export function formatOnDuty(view: OnDutyView, versions: readonly LoadedRoster[], lang: Language): string {
  const w = W[lang];
  const tz = view.plan.timeZone;
  const head = view.roster
    ? `${w.roster} ${view.plan.id} ${view.roster.version}${paren(lang, w.since(formatLocal(tz, Date.parse(view.roster.effectiveFrom))))} · ${view.plan.unit.name}`
    : `${w.roster} ${view.plan.id} · ${view.plan.unit.name}`;
  const rows: string[][] = [[w.role, w.post, w.name, w.id, w.shift, w.from, w.to, w.source]];
  for (const v of view.roles) {
    const roster = versions.find((x) => x.roster.version === v.version)?.roster;
    if (!v.shift) {
      rows.push([v.label, '—', reasonText(v, tz, lang)]);
      continue;
    }
    v.people.forEach((p, i) => {
      const first = i === 0;
      rows.push([
        first ? v.label : '', p.post === 'A' ? w.postA : w.postB, p.name, p.personId,
        first ? v.shift!.label : '', first ? formatLocal(tz, Date.parse(v.shift!.from)) : '', first ? formatLocal(tz, Date.parse(v.shift!.to)) : '',
        first ? sourceLabel(v, roster, v.role, lang) : '',
      ]);
    });
  }
  return [head, `${w.at}${lang === 'zh' ? '：' : ': '}${formatLocal(tz, Date.parse(view.at))}`, ...table(rows, { indent: '  ', header: true })].join('\n');
}

/** Who holds each role at `at`, by the roster version in force then. */
export function onDutyView(versions: readonly LoadedRoster[], plan: LoadedPlan, roles: readonly Role[], at: number, lang: Language): OnDutyView {
  const tz = plan.plan.timeZone;
  const day = localDate(tz, at);
  const calendar = sliceAround(day, day);
  const rosters = versions.map((v) => v.roster);
  const inForce = [...versions].reverse().find((v) => Date.parse(v.roster.effectiveFrom) <= at);
  return {
    plan: { id: plan.plan.id, version: plan.plan.version, unit: plan.plan.unit, timeZone: tz },
    at: isoLocal(tz, at),
    roster: inForce ? { version: inForce.roster.version, effectiveFrom: inForce.roster.effectiveFrom, file: inForce.file, hash: inForce.hash } : null,
    roles: roles.map((role) => dutyView(plan, role, whoWasOnDuty(rosters, role, at, calendar), lang)),
  };
}

async function showAt(ctx: RosterContext, planRef: string, at: number): Promise<void> {
  const versions = rosterVersions(planRef, rostersDir(ctx), ctx.plansDir);
  const plan = versions[0].plan;
  const lang = languageOf(ctx, plan);
  const view = onDutyView(versions, plan, rolesShown(ctx, versions), at, lang);
  await ctx.print(view, () => formatOnDuty(view, versions, lang));
}

// ───────────────────────────── week ─────────────────────────────

export interface WeekView {
  plan: { id: string; version: string; unit: { id: string; name: string }; timeZone: string };
  from: string;
  to: string;
  roles: Array<{ role: Role; label: string; entries: Array<Omit<DutyView, 'role' | 'label'> & { from: string; to: string }> }>;
}

export function weekView(versions: readonly LoadedRoster[], plan: LoadedPlan, roles: readonly Role[], fromDate: string, lang: Language): WeekView {
  const tz = plan.plan.timeZone;
  const toDate = addDays(fromDate, 7);
  const a = localInstant(tz, fromDate, 0);
  const b = localInstant(tz, toDate, 0);
  const calendar = sliceAround(fromDate, toDate);
  const rosters = versions.map((v) => v.roster);
  return {
    plan: { id: plan.plan.id, version: plan.plan.version, unit: plan.plan.unit, timeZone: tz },
    from: isoLocal(tz, a),
    to: isoLocal(tz, b),
    roles: roles.map((role) => ({
      role,
      label: ROLE_LABELS[role][lang],
      entries: rosterHistoryTimeline(rosters, role, a, b, calendar).map((e: TimelineEntry & { version?: string }) => {
        const { role: _r, label: _l, ...v } = dutyView(plan, role, e, lang);
        return { ...v, from: isoLocal(tz, e.from), to: isoLocal(tz, e.to) };
      }),
    })),
  };
}

export function formatWeek(view: WeekView, versions: readonly LoadedRoster[], lang: Language): string {
  const w = W[lang];
  const tz = view.plan.timeZone;
  const a = Date.parse(view.from);
  const fromDate = localDate(tz, a);
  const calendar = sliceAround(fromDate, addDays(fromDate, 7));
  const short = (iso: string) => formatLocal(tz, Date.parse(iso)).slice(5, 16);
  const dayMark = (date: string) => {
    const known = calendar.covers.from <= date && date <= calendar.covers.to;
    return `${date.slice(5)} ${DAY_LABELS[dayOf(date)][lang]} ${known ? (isRestDay(date, calendar) ? w.rest : w.work) : w.unknownDay}`;
  };
  const out = [
    `${w.roster} ${view.plan.id} · ${view.plan.unit.name} · ${w.week(fromDate, addDays(fromDate, 6))} · ${w.tz(tz, offsetText(tz, a))}`,
  ];
  for (const r of view.roles) {
    out.push('', `${r.label} (${r.role})`);
    const rows: string[][] = [[w.date, w.shift, w.from, w.to, w.postA, w.postB, w.source, w.version]];
    for (const e of r.entries) {
      const roster = versions.find((x) => x.roster.version === e.version)?.roster;
      if (!e.shift) {
        rows.push([dayMark(localDate(tz, Date.parse(e.from))), '—', short(e.from), short(e.to), reasonText({ ...e, role: r.role, label: r.label }, tz, lang), '', '', e.version ?? '']);
        continue;
      }
      const a = e.people.find((p) => p.post === 'A')!;
      const bs = e.people.filter((p) => p.post === 'B').map((p) => p.name).join(lang === 'zh' ? '、' : ', ');
      rows.push([dayMark(e.shift.date), e.shift.label || '—', short(e.shift.from), short(e.shift.to), `${a.name} (${a.personId})`, bs, sourceLabel(e, roster, r.role, lang), e.version ?? '']);
    }
    out.push(...table(rows, { indent: '  ', header: true }));
  }
  return out.join('\n');
}

// ───────────────────────────── check ─────────────────────────────

export interface CheckView {
  file: string;
  plan: string;
  version: string;
  effectiveFrom: string;
  hash: string;
  check: RosterCheck;
}

export function formatCheck(view: CheckView, timeZone: string, lang: Language): string {
  const w = W[lang];
  const c = view.check;
  const verdict = c.ok ? w.ok : w.failed(c.errors.length);
  const out = [
    `${view.file}: ${w.roster} ${view.plan} ${view.version}${paren(lang, w.since(formatLocal(timeZone, Date.parse(view.effectiveFrom))))} — ${verdict}${c.warnings.length ? `, ${w.warned(c.warnings.length)}` : ''}`,
    `  sha256 ${view.hash}`,
  ];
  const rows = [[w.role, w.coverage, w.calendar, w.shifts, w.gaps]];
  for (const r of c.roles) {
    const gaps = r.gaps.map((g) => describeGap(g, lang));
    rows.push([
      `${ROLE_LABELS[r.role][lang]} (${r.role})`, r.coverage === '24h' ? w.c24 : w.partial, r.needsCalendar ? w.needs : w.notNeeded,
      `${r.shifts.weekly}/${r.shifts.restDays}/${r.shifts.overrides}`, gaps.length ? gaps.join(lang === 'zh' ? '；' : '; ') : w.none,
    ]);
  }
  out.push(...table(rows, { indent: '  ', header: true }));
  if (c.errors.length) out.push(`${w.errors}:`, ...c.errors.map((e) => `  ${e}`));
  if (c.warnings.length) out.push(`${w.warnings}:`, ...c.warnings.map((e) => `  ${e}`));
  return out.join('\n');
}

// ───────────────────────────── handlers ─────────────────────────────

/** roster check <file>: validate the file against its plan and show what it covers; exit 1 on errors. */
export async function rosterCheck(ctx: RosterContext, file: string): Promise<void> {
  const loaded = loadRosterFile(file, ctx.plansDir);
  const lang = languageOf(ctx, loaded.plan);
  const view: CheckView = { file: loaded.file, plan: loaded.roster.plan, version: loaded.roster.version, effectiveFrom: loaded.roster.effectiveFrom, hash: loaded.hash, check: loaded.check };
  await ctx.print(view, () => formatCheck(view, loaded.roster.timeZone, lang));
  if (!loaded.check.ok) {
    throw new RosterError(loaded.file, loaded.check.errors.map((e) => `${loaded.file}: ${e}`), `roster check failed (${loaded.check.errors.length} error${loaded.check.errors.length === 1 ? '' : 's'})`);
  }
}

/** roster now <plan> [--role R] */
export async function rosterNow(ctx: RosterContext, planRef: string): Promise<void> {
  await showAt(ctx, planRef, ctx.now);
}

/** roster at <plan> <time> [--role R] */
export async function rosterAt(ctx: RosterContext, planRef: string, time: string): Promise<void> {
  const plan = resolvePlan(planRef, ctx.plansDir);
  await showAt(ctx, planRef, parseRosterTime(time, plan.plan.timeZone));
}

/** roster week <plan> [--from YYYY-MM-DD] [--role R]: seven days from the date (default today in the plan's zone). */
export async function rosterWeek(ctx: RosterContext, planRef: string): Promise<void> {
  const versions = rosterVersions(planRef, rostersDir(ctx), ctx.plansDir);
  const plan = versions[0].plan;
  const lang = languageOf(ctx, plan);
  const given = ctx.inv.options.from;
  if (given !== undefined && (typeof given !== 'string' || !isDate(given))) usage(`--from must be a date YYYY-MM-DD, not "${String(given)}"`);
  const fromDate = (given as string | undefined) ?? localDate(plan.plan.timeZone, ctx.now);
  const view = weekView(versions, plan, rolesShown(ctx, versions), fromDate, lang);
  await ctx.print(view, () => formatWeek(view, versions, lang));
}

export const rosterCommand: Command = {
  name: 'roster',
  summary: 'duty rosters (值班表): check <file> (validate, coverage) · now <plan> · at <plan> <time> (who is on duty) · week <plan> (the rota)',
  args: [{ name: SUB }, { name: TARGET, optional: true }, { name: 'time', optional: true }],
  options: [
    opt('role', '<role>', 'only this role (now, at, week); default every rostered role'),
    opt('from', '<YYYY-MM-DD>', 'week: the first day (default today in the plan\'s time zone)'),
    opt('lang', '<zh|en>', 'language of labels and headers (default the plan\'s, Chinese)'),
  ],
  async run(ctx) {
    const sub = ctx.inv.args[SUB]!;
    const target = ctx.inv.args[TARGET];
    const time = ctx.inv.args.time;
    if (!(ROSTER_SUBCOMMANDS as readonly string[]).includes(sub)) {
      usage(`roster: unknown subcommand "${sub}".${suggestion(sub, ROSTER_SUBCOMMANDS) || ` Subcommands: ${ROSTER_SUBCOMMANDS.join(', ')}`}`);
    }
    const o = ctx.inv.options;
    const what = sub === 'check' ? '<file>' : '<plan>';
    if (target === undefined) usage(`roster ${sub}: missing ${what}`);
    if (sub === 'at' && time === undefined) usage('roster at: missing <time>');
    if (sub !== 'at' && time !== undefined) usage(`roster ${sub}: unexpected argument "${time}"`);
    if (sub === 'check' && o.role !== undefined) usage('roster check: --role is for now, at and week');
    if (sub !== 'week' && o.from !== undefined) usage(`roster ${sub}: --from is for week`);
    roleOption(ctx);
    oneOfValues(rosterCommand, 'lang', o.lang, LANGUAGES);
    const c = ctx as RosterContext;
    if (sub === 'check') return rosterCheck(c, target!);
    if (sub === 'now') return rosterNow(c, target!);
    if (sub === 'at') return rosterAt(c, target!, time!);
    return rosterWeek(c, target!);
  },
};

/** The commands this module adds to the command table (src/cli/commands.ts). */
export const rosterCommands: Command[] = [rosterCommand];
