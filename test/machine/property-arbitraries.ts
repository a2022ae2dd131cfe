import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { initialTransition, transition } from 'xstate';
import {
  ACTIONS, CATEGORIES, FINDING_KINDS, GRADES, ROLES, gradeRank, isReportKind,
  type ActionName, type Grade, type ObligationKind, type Role,
} from '../../src/plan/codes';
import { parseDuration } from '../../src/plan/duration';
import { actionSchemas, type Metrics } from '../../src/plan/incident.schema';
import type { Plan, PlanInput, ReportLineDef } from '../../src/plan/plan.schema';
import { planHash } from '../../src/plan/plan.loader';
import type { CalendarSlice } from '../../src/plan/calendar';
import { acceptedActions, prepareAction, prepareMetrics, type Prepared } from '../../src/machines/commands';
import { incidentMachine, type IncidentSnapshot } from '../../src/machines/incident.machine';
import {
  ACCOUNTABILITY_NONE, allowedRoles, eventTypeOf,
  type ActionEvent, type IncidentContext, type IncidentEvent, type Obligation,
} from '../../src/machines/incident.rules';
import type { Finding } from '../../src/machines/effects';
import { makePlan } from './fixtures';
import { archives, borrowed, county } from './v3-plans';

/**
 * Random incidents for the property test of findings (test/machine/findings.property.test.ts): a run is a seed of
 * small numbers that an interpreter turns, step by step, into events the current snapshot makes sense of (actions
 * it accepts, payloads from the plan's people and roles, times moving forward, readings, timers at their due
 * times, endings). Shrinking works on the numbers, so a failing run shrinks to a short, readable event list.
 *
 * The oracle (checkFinding) is written from the rule book (../../../shared/domain/plan-rules.md), not from the
 * machine's code: it judges each finding against the plan file and what the run did.
 */

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

// ───────────────────────────── the seeds ─────────────────────────────

export interface StepSeed {
  /**
   * What kind of step: 0–29 the stage's way forward (PROGRESS), 30–59 and 96–98 an accepted action by weight, 60–71 a
   * deadline timer at or after its due time, 72–79 a metrics reading, 80–83 a reminder, 84–95 an action the stage
   * does not take (refused), 99 an operator's cancellation.
   */
  op: number;
  /** how far the clock moves first: minutes, hours or days */
  dt: number;
  /** the claimed time: now, backdated, or (rarely) in the future */
  back: number;
  a: number;
  b: number;
  c: number;
}

export interface RunSeed {
  /** discovery: minutes after Monday 2026-03-02 00:00 (Asia/Shanghai), any time of the week */
  discoveryMin: number;
  /** how late the incident was entered */
  lag: number;
  /** 0: no grade recorded at entry; else the discoverer's grade */
  entryGrade: number;
  /** 0: no 涉事主体 at entry; else one of the plan's departments */
  subject: number;
  discoverer: number;
  metrics: number;
  /** timers fire as the workflow fires them (every due time passed, in order) or only when a step picks one */
  faithfulTimers: boolean;
  steps: StepSeed[];
}

const stepArb: fc.Arbitrary<StepSeed> = fc.record({
  op: fc.nat(99), dt: fc.nat(999), back: fc.nat(99), a: fc.nat(9999), b: fc.nat(9999), c: fc.nat(9999),
});

export function runSeedArb(maxSteps: number): fc.Arbitrary<RunSeed> {
  return fc.record({
    discoveryMin: fc.nat(7 * 24 * 60 - 1),
    lag: fc.nat(9),
    entryGrade: fc.nat(6),
    subject: fc.nat(4),
    discoverer: fc.nat(99),
    metrics: fc.nat(METRIC_PRESETS.length - 1),
    faithfulTimers: fc.boolean(),
    steps: fc.array(stepArb, { maxLength: maxSteps, size: 'max' }),
  });
}

/** Monday 2026-03-02 00:00 in Asia/Shanghai. */
export const WEEK0 = Date.parse('2026-03-02T00:00:00+08:00');

const METRIC_PRESETS: Metrics[] = [
  {},
  { posts: 10 },
  { posts: 10, reads: 40, comments: 5 },
  { posts: 50, reads: 50, comments: 50 },
  { posts: 60, reads: 99 },
  { posts: 100, reads: 300, comments: 30, sites: 2 },
  { posts: 500, reads: 500, comments: 500 },
  { posts: 10, reads: 100_000 },
  { posts: 900, reads: 20_000, comments: 800 },
  { mainstreamMedia: true },
  { mainstreamMedia: true, keySubject: true },
  { rapidSpread: true, keySubject: true },
  { casualties: 2, socialOrderDisrupted: true },
];

const COUNTS = [0, 5, 10, 50, 51, 99, 100, 300, 500, 501, 5_000, 100_000];
function readingFrom(a: number, b: number): Metrics {
  const m: Metrics = {};
  if (a % 2 === 0) m.posts = COUNTS[(a >> 1) % COUNTS.length];
  if (a % 3 === 0) m.reads = COUNTS[(b >> 2) % COUNTS.length];
  if (a % 5 === 0) m.comments = COUNTS[(a >> 3) % COUNTS.length];
  if (b % 4 === 0) m.sites = (b >> 3) % 5;
  if (b % 7 === 0) m.mainstreamMedia = true;
  if (b % 11 === 0) m.keySubject = true;
  if (a % 13 === 0) m.rapidSpread = true;
  if (b % 17 === 0) m.casualties = (a % 3) + 1;
  if (a % 19 === 0) m.socialOrderDisrupted = true;
  if (Object.keys(m).length === 0) m.posts = COUNTS[a % COUNTS.length];
  return m;
}

// ───────────────────────────── the plan under test ─────────────────────────────

export interface PlanUnderTest {
  /** what the test title says (file or fixture) */
  name: string;
  plan: Plan;
  hash: string;
}

// The small v3 plans of the machine tests (test/machine/v3-plans.ts).

/** The small v3 plans of lines.test.ts and the legacy-shape fixture plan (makePlan()), run under rulesVersion 3. */
export function fixturePlans(): PlanUnderTest[] {
  const fixture = (plan: Plan, name: string): PlanUnderTest => ({ name, plan, hash: planHash(plan) });
  return [
    fixture(county, 'lines.test.ts county (000 篇五 lines)'),
    fixture(archives, 'lines.test.ts archives (major-only, relay)'),
    fixture(borrowed, 'lines.test.ts borrowed figures (major-only)'),
    fixture(makePlan(), 'fixtures.ts makePlan() (legacy shape)'),
  ];
}

/** The plan's line definitions as the rule book reads them: its own, or an old-shape plan's single line. */
export function lineDefsOf(plan: Plan): ReportLineDef[] {
  if (plan.reportLines) return plan.reportLines;
  const within = plan.deadlines.firstReport ?? {};
  return [{
    key: 'first', label: '首报', from: 'discoverer', to: plan.deadlines.firstReportTo ?? ['office'], perPerson: false, within,
    binding: !(plan.targets ?? []).includes('firstReport') && Object.keys(within).length > 0, basis: 'rule', source: '', outside: false,
    writtenAfterPhone: plan.deadlines.writtenReportAfterPhone,
  }];
}

const defOf = (plan: Plan, key: string) => lineDefsOf(plan).find((d) => d.key === key);
const holders = (plan: Plan, role: Role) => plan.people.filter((p) => p.roles.includes(role)).map((p) => p.id);
const person = (plan: Plan, id: string) => plan.people.find((p) => p.id === id);
const pick = <T>(xs: readonly T[], i: number): T => xs[i % xs.length];
const isMajor = (g: Grade) => gradeRank(g) >= gradeRank('major');

// ───────────────────────────── invariants ─────────────────────────────

export const INVARIANTS = {
  'I1-words': '迟报/漏报 only for binding report lines; lateDuty/missedDuty only for binding non-report duties; a target limit gives targetMissed',
  'I2-due': 'a lapse has a due time and is real: a late act claimed after it, a missed one final no earlier than it; the limit starts no earlier than discovery',
  'I2c-dueAfterStart': 'a limit never ends before it starts (no lapse that nobody could have avoided, e.g. a line re-dated by a backdated rise)',
  'I2b-lapseReal': 'no lapse on a report line when its owner recorded a report to that recipient after the line\'s start and by its due time',
  'I3-owner': 'a finding names the obligation\'s owner at that time — for a role line or a relay, the holder who made the report — or nobody, marked, for a 涉事主体 not named or a duty several holders share; and that owner is the one the plan makes answer for it (never the discoverer for a relay)',
  'I3c-writtenReportOwner': 'the written report owed after a phone report names the person who phoned (000 篇三 §四(二)), never someone else',
  'I3b-ownerAtDue': 'a 涉事主体 named only after a line fell due is not named by its lapse without the "owner not named" mark',
  'I4a-scopeMajorAt': 'a major-only plan: no finding about an obligation created before the incident was assessed as 重大 (majorAt)',
  'I4b-scopeFromAssessment': 'a major-only plan: a limit runs from the assessment as 重大, never from before it',
  'I4c-scopeGrade': 'a major-only plan: no finding about an obligation created while the incident was assessed below 重大',
  'I5-computed': 'marks.gradeNotAssessed exactly when the obligation\'s grade was only computed (plans of every grade); never in a major-only plan',
  'I6-outside': 'no finding for a line owed by a body outside the unit',
  'I7-record': 'a finding id is emitted once per run; every finding carries source, rule, plan id/version/hash and the plan\'s accountability basis',
  'I7b-recordOnce': 'no record is written twice: the incident\'s findings (reviewers\' included) have distinct ids',
  'I8-refusal': 'a refused action (prepareAction/prepareMetrics not ok) changes nothing',
  'I9-ending': 'unmetAtEnding only for a report line not yet due at a cancellation or withdrawal, at the ending\'s recorded time',
  'I10-annulled': 'a finding is annulled by default exactly when the incident was dismissed as not within the plan\'s scope',
  'I11-gradeLowered': 'a lapse already flagged when the grade was lowered, that the lower grade would not have given, is marked gradeLowered for the reviewer',
  'I12-ownerNamed': 'v5: a duty that is not a report line names a person only if the incident named them for it (the department dispatched to, the 涉事主体, the tracker), they did it, or they are the only holder of its role; otherwise nobody, marked',
  'I13-gradeEntered': 'v5, a plan of every grade: a grade the discoverer entered without holding an assessing role is never "assessed"',
} as const;
export type InvariantId = keyof typeof INVARIANTS;
export const ALL_INVARIANTS = Object.keys(INVARIANTS) as InvariantId[];

export interface Violation {
  invariant: InvariantId;
  message: string;
  finding?: Finding;
  obligation?: Obligation;
}

const LAPSES = ['late', 'missed', 'lateDuty', 'missedDuty', 'targetMissed'] as const;
const LATE_KINDS = ['late', 'lateDuty'];
const MISSED_KINDS = ['missed', 'missedDuty'];
const DEFAULT_TARGETS: ObligationKind[] = ['firstRelease', 'followUp'];
const DEFAULT_OWNER: Record<ObligationKind, Role> = {
  firstReport: 'monitor', writtenReport: 'monitor', upgradeReport: 'monitor', publicResponse: 'spokesperson', firstRelease: 'spokesperson',
  dispatch: 'office', explanation: 'department', inquiryOpinion: 'department', inquiryResult: 'department', followUp: 'office',
  summaryReport: 'department',
};

/** What the run has done so far, as the oracle needs it. */
interface RunState {
  seen: Set<string>;
  /** accepted reports: who, to whom (roles, person), how, claimed and recorded time */
  reports: Array<{ by: string; to: string; roles: Role[]; personId?: string; at: number; recordedAt: number; mode: string; kind: string }>;
  /** each obligation when it first appeared: majorAt and grade then */
  created: Map<string, { majorAt?: number; grade: Grade; step: number }>;
  /** reassessments down: the grade they set, and the obligations flagged overdue just before */
  falls: Array<{ step: number; to: Grade; overdue: Set<string> }>;
  trackers: Set<string>;
  dispatchedTo: Set<string>;
  /** every 涉事主体 named (at entry or later) */
  subjects: Set<string>;
  /** who set a grade by an accepted assess or regrade (and the discoverer, where they may assess, at entry) */
  assessedBy: Set<string>;
}

function recipientOf(plan: Plan, to: string): { roles: Role[]; personId?: string } {
  if ((ROLES as readonly string[]).includes(to)) return { roles: [to as Role] };
  const p = person(plan, to);
  return p ? { roles: p.roles, personId: p.id } : { roles: [] };
}

function reachesLine(line: NonNullable<Obligation['line']>, r: { roles: Role[]; personId?: string }): boolean {
  if (line.toPerson) return r.personId === line.toPerson;
  return r.roles.some((x) => line.to.includes(x));
}

/** Binding or target, read from the plan file (its line's `binding`, else its `targets`). */
function expectedBinding(plan: Plan, ob: Obligation): 'binding' | 'target' | undefined {
  if (ob.line) {
    // a 通报 (key …/notify) is binding as the plan's notify says
    if (ob.line.key.endsWith('/notify')) {
      const n = defOf(plan, ob.line.key.slice(0, -'/notify'.length))?.notify;
      return n ? (n.binding ? 'binding' : 'target') : undefined;
    }
    const def = defOf(plan, ob.line.key);
    return def ? (def.binding ? 'binding' : 'target') : undefined;
  }
  return (plan.targets ?? DEFAULT_TARGETS).includes(ob.kind) ? 'target' : 'binding';
}

/** The roles whose holders owe a role line or a relay (the relayed line's recipient roles); none for other lines. */
function sharedRoles(plan: Plan, from: string): Role[] {
  if (from.startsWith('role:')) return [from.slice(5) as Role];
  if (from.startsWith('relay:')) return defOf(plan, from.slice(6))?.to ?? [];
  return [];
}

/** People who count as the line's owner when they report (the owner, any holder of a role line or a relay, any department while the 涉事主体 is unnamed). */
function ownerEquivalent(plan: Plan, ob: Obligation, by: string): boolean {
  if (ob.ownerId === by) return true;
  if (ob.kind === 'writtenReport') return false;
  const from = ob.line?.from ?? '';
  const roles = person(plan, by)?.roles ?? [];
  if (from === 'subject' && ob.ownerId === '') return roles.includes('department');
  return roles.some((r) => sharedRoles(plan, from).includes(r));
}

/**
 * The obligation's due time had the grade been `grade` from its start: 'notOwed' (the grade does not owe it, or a
 * major-only plan below 重大), null (owed with no limit), or a time. Grade-independent limits keep their due time.
 */
function dueUnder(plan: Plan, ob: Obligation, grade: Grade): number | null | 'notOwed' {
  if (plan.scope === 'majorOnly' && !isMajor(grade)) return 'notOwed';
  if (ob.line && ob.kind !== 'writtenReport') {
    const def = defOf(plan, ob.line.key);
    if (!def) return ob.dueAt;
    if (def.grades && !def.grades.includes(grade)) return 'notOwed';
    const w = def.within === undefined ? undefined : typeof def.within === 'string' ? def.within : def.within[grade];
    const ms = w === undefined ? undefined : parseDuration(w);
    return ms === undefined ? null : ob.anchorAt + ms;
  }
  if (ob.kind === 'publicResponse' || ob.kind === 'firstRelease' || ob.kind === 'dispatch' || ob.kind === 'explanation') {
    const d = plan.deadlines[ob.kind];
    return d && d.grades.includes(grade) ? ob.dueAt : 'notOwed';
  }
  return ob.dueAt;
}
/** Whether the lower grade would have given the same lapse (owed, with a due time no later than the one passed). */
function lapsesUnder(plan: Plan, ob: Obligation, grade: Grade, due: number): boolean {
  const d = dueUnder(plan, ob, grade);
  return typeof d === 'number' && d <= due;
}
function describeUnder(plan: Plan, ob: Obligation, grade: Grade): string {
  const d = dueUnder(plan, ob, grade);
  return d === 'notOwed' ? 'does not owe it' : d === null ? 'has no time limit' : `ends at ${d}`;
}

interface StepView {
  step: number;
  plan: Plan;
  hash: string;
  pre: IncidentContext;
  post: IncidentContext;
  event: IncidentEvent | { type: 'START' };
  run: RunState;
}

/** Judge one finding a single step produced, outside a random run (the oracle's own tests). */
export function judgeFinding(put: PlanUnderTest, f: Finding, pre: IncidentContext, post: IncidentContext): InvariantId[] {
  const run: RunState = {
    seen: new Set(), reports: [], falls: [], trackers: new Set(), dispatchedTo: new Set(), subjects: new Set(), assessedBy: new Set(),
    created: new Map(post.obligations.map((o) => [o.id, { majorAt: post.majorAt, grade: post.grade, step: 0 }])),
  };
  return [...new Set(checkFinding(f, { step: 0, plan: put.plan, hash: put.hash, pre, post, event: { type: 'START' }, run }).map((v) => v.invariant))];
}

export function checkFinding(f: Finding, v: StepView): Violation[] {
  const out: Violation[] = [];
  const { plan, pre, post, run } = v;
  const fail = (invariant: InvariantId, message: string, ob?: Obligation) => out.push({ invariant, message, finding: f, obligation: ob });

  // I7: one record per id, carrying what a reviewer needs
  if (run.seen.has(f.id)) fail('I7-record', `finding id ${f.id} written twice`);
  run.seen.add(f.id);
  if (f.plan?.id !== plan.id || f.plan.version !== plan.version || f.plan.hash !== v.hash) fail('I7-record', `plan ${JSON.stringify(f.plan)} is not ${plan.id}@${plan.version} #${v.hash}`);
  const basis = plan.accountability?.basis ?? ACCOUNTABILITY_NONE;
  if (!f.accountabilityBasis || f.accountabilityBasis !== basis) fail('I7-record', `accountabilityBasis "${f.accountabilityBasis}" is not the plan's "${basis}"`);
  if (f.source !== 'timers') {
    if (!f.source?.startsWith('review:')) fail('I7-record', `source "${f.source}"`);
    return out;
  }
  const ob = pre.obligations.find((o) => o.id === f.obligationId) ?? post.obligations.find((o) => o.id === f.obligationId);
  const obPost = post.obligations.find((o) => o.id === f.obligationId);
  if (!ob || !obPost) {
    fail('I7-record', `a timers finding about no obligation of the incident (${f.obligationId})`);
    return out;
  }
  if (!f.rule?.basis || !f.rule.source) fail('I7-record', `no rule (basis and source): ${JSON.stringify(f.rule)}`, ob);
  if (f.obligationKind !== ob.kind) fail('I7-record', `obligationKind ${f.obligationKind} is not the obligation's ${ob.kind}`, ob);

  const def = ob.line ? defOf(plan, ob.line.key) : undefined;
  // I6: an outside body's line is recorded with no finding against the unit's people
  if (ob.line?.outside || def?.outside) fail('I6-outside', `a ${f.kind} finding for the outside line ${ob.id}`, ob);

  const lapse = (LAPSES as readonly string[]).includes(f.kind);
  const expected = expectedBinding(plan, ob);

  // I1: the words
  if (lapse || f.kind === 'onTime') {
    if (f.binding !== expected) fail('I1-words', `binding "${f.binding}", the plan says "${expected}"`, ob);
  }
  if (lapse) {
    const report = isReportKind(ob.kind);
    if ((f.kind === 'late' || f.kind === 'missed') && !(report && expected === 'binding')) fail('I1-words', `${f.kind} (迟报/漏报) for a ${expected} ${ob.kind}`, ob);
    if ((f.kind === 'lateDuty' || f.kind === 'missedDuty') && !(!report && expected === 'binding')) fail('I1-words', `${f.kind} for a ${expected} ${ob.kind}`, ob);
    if (f.kind === 'targetMissed' && expected !== 'target') fail('I1-words', `targetMissed for a binding ${ob.kind}`, ob);
    if (expected === 'target' && f.kind !== 'targetMissed') fail('I1-words', `${f.kind} from a target limit`, ob);
  }

  // I2: a real lapse, after its due time
  if (lapse) {
    const due = f.dueAt;
    if (due === undefined) fail('I2-due', 'a lapse with no due time', ob);
    else {
      if (obPost.dueAt !== due) fail('I2-due', `finding due ${due} is not the obligation's ${obPost.dueAt}`, ob);
      const lateForm = LATE_KINDS.includes(f.kind) || (f.kind === 'targetMissed' && f.claimedAt !== undefined);
      if (lateForm) {
        if (f.claimedAt === undefined || !(f.claimedAt > due)) fail('I2-due', `late, but the act was claimed at ${f.claimedAt}, due ${due}`, ob);
        else if (f.delayMs !== f.claimedAt - due) fail('I2-due', `delayMs ${f.delayMs} is not claimed - due = ${f.claimedAt - due}`, ob);
      } else if (!(f.at >= due)) fail('I2-due', `missed at ${f.at}, before its due time ${due}`, ob);
      if (MISSED_KINDS.includes(f.kind) && f.claimedAt !== undefined) fail('I2-due', 'a missed finding claims an act', ob);
      if (ob.anchorAt > due) fail('I2c-dueAfterStart', `due ${due} before the limit's start ${ob.anchorAt}`, ob);
      if (ob.anchorAt < pre.incident.discoveredAt) fail('I2-due', `the limit starts ${ob.anchorAt}, before discovery ${pre.incident.discoveredAt}`, ob);
      // I2b: the owner's report to that recipient within the line's time meets it
      if (ob.line && due !== undefined) {
        const written = ob.kind === 'writtenReport';
        const made = run.reports.find((r) => r.at > ob.anchorAt && r.at <= due
          && reachesLine(ob.line!, r)
          && (written ? r.by === ob.ownerId && (r.mode === 'written' || r.mode === 'message') : r.kind === 'initial' && ownerEquivalent(plan, ob, r.by)));
        if (made) fail('I2b-lapseReal', `${f.kind}, but ${made.by} recorded a ${made.mode} report to ${made.to} claimed at ${made.at} (recorded ${made.recordedAt}), within ${ob.anchorAt}..${due}`, ob);
      }
    }
  }

  // I3: who it names (a lapse, or a line unmet at an ending; an onTime record accuses nobody)
  if (lapse || f.kind === 'unmetAtEnding') {
    const from = def?.from ?? '';
    const shared = ob.line !== undefined && ob.kind !== 'writtenReport' && (from.startsWith('role:') || from.startsWith('relay:'));
    // the roles whose holders owe a role line or a relay (the relayed line's recipient)
    const ownerRoles = sharedRoles(plan, from);
    if (f.personId === undefined) {
      // nobody named: a 涉事主体 not named, or a duty shared by several holders of a role (the reviewer decides), marked
      const unnamedSubject = ob.ownerId === '' && from === 'subject';
      const severalHolders = shared && new Set(ownerRoles.flatMap((r) => holders(plan, r))).size > 1;
      // or a 通报 whose departments were never named (marked, not booked)
      const noDepartments = ob.line?.recipientsPending === true && f.kind === 'unmetAtEnding' && f.marks?.recipientsNotNamed === true;
      // v5: a duty (not a line) with several holders of its role and nobody named for it
      const role = plan.owners[ob.kind] ?? DEFAULT_OWNER[ob.kind];
      const unownedDuty = !ob.line && (pre.rulesVersion ?? 0) >= 5 && ob.ownerAmbiguous === true && holders(plan, role).length > 1;
      if (!noDepartments && !((unnamedSubject || severalHolders || unownedDuty) && f.marks?.ownerNotNamed)) fail('I3-owner', `names nobody (owner "${ob.ownerId}", line from ${from || 'none'}, marks ${JSON.stringify(f.marks)})`, ob);
    } else {
      // a role line or a relay is answered for by the holder who made the report (obligation after the step)
      // (v5: so is a duty nobody owned among several holders, by the holder who did it)
      const maker = (shared || (!ob.line && ob.ownerAmbiguous === true)) && obPost.metBy === f.personId && obPost.ownerId === f.personId;
      // the 涉事主体 named in this step, whose report to that recipient was already recorded, met its line
      const namedNow = from === 'subject' && obPost.ownerId === f.personId && obPost.metBy === f.personId && post.facts.subject === f.personId && pre.facts.subject !== f.personId;
      if (f.personId !== ob.ownerId && !maker && !namedNow) fail('I3-owner', `names ${f.personId}; the obligation's owner was ${ob.ownerId}`, ob);
      const p = person(plan, f.personId);
      if (!p) fail('I3-owner', `names ${f.personId}, not a person of the plan`, ob);
      else {
        if (!p.roles.includes(f.role)) fail('I3-owner', `names ${p.id} as ${f.role}, a role they do not hold (${p.roles.join(', ')})`, ob);
        if (ob.line && ob.kind !== 'writtenReport' && def) {
          if (from === 'discoverer' && p.id !== pre.incident.discoveredBy) fail('I3-owner', `a discoverer line names ${p.id}; the discoverer is ${pre.incident.discoveredBy}`, ob);
          if (from === 'subject' && p.id !== pre.facts.subject) fail('I3-owner', `a 涉事主体 line names ${p.id}; the 涉事主体 is ${pre.facts.subject ?? 'not named'}`, ob);
          if (from.startsWith('role:') && !p.roles.includes(from.slice(5) as Role)) fail('I3-owner', `a ${from} line names ${p.id} (${p.roles.join(', ')})`, ob);
          if (from.startsWith('relay:')) {
            const relayed = defOf(plan, from.slice(6));
            const receives = relayed && p.roles.some((r) => relayed.to.includes(r));
            if (!receives) fail('I3-owner', `a relay of ${from.slice(6)} names ${p.id} (${p.roles.join(', ')}), who does not receive that line (${relayed?.to.join(', ')})${p.id === pre.incident.discoveredBy ? ' — the discoverer' : ''}`, ob);
          }
        } else if (ob.kind === 'writtenReport') {
          const phoned = run.reports.some((r) => r.by === p.id && r.mode === 'phone' && r.at === ob.anchorAt && ob.line && reachesLine(ob.line, r));
          if (!phoned) fail('I3c-writtenReportOwner', `a written report names ${p.id}, who made no phone report on that line at ${ob.anchorAt}`, ob);
        } else if (!ob.line) {
          const role = plan.owners[ob.kind] ?? DEFAULT_OWNER[ob.kind];
          // or the person the incident gave the work: the department dispatched to, the 涉事主体, the tracker
          const designated = ob.kind !== 'publicResponse' && ob.kind !== 'firstRelease' && ob.kind !== 'dispatch'
            && (run.dispatchedTo.has(p.id) || run.trackers.has(p.id) || run.subjects.has(p.id));
          if (!p.roles.includes(role) && !designated) fail('I3-owner', `a ${ob.kind} finding names ${p.id} (${p.roles.join(', ')}); the plan makes ${role} answer for it`, ob);
          // v5: named for it, did it, or the only holder of the role (never the first listed of several)
          const namedForIt = run.dispatchedTo.has(p.id) || run.trackers.has(p.id) || run.subjects.has(p.id) || obPost.metBy === p.id;
          if ((pre.rulesVersion ?? 0) >= 5 && !namedForIt && holders(plan, role).length > 1) {
            fail('I12-ownerNamed', `a ${ob.kind} finding names ${p.id}, one of ${holders(plan, role).length} holders of ${role}, whom the incident never named for it`, ob);
          }
        }
      }
    }
    // I3b: a lapse that happened before the 涉事主体 (this one) was named
    if (lapse && def?.from === 'subject' && f.personId !== undefined && f.dueAt !== undefined
      && pre.facts.subjectNamedAt !== undefined && pre.facts.subjectNamedAt > f.dueAt && !f.marks?.ownerNotNamed) {
      fail('I3b-ownerAtDue', `names ${f.personId}, named 涉事主体 at ${pre.facts.subjectNamedAt}, after the line fell due at ${f.dueAt}, without the owner-not-named mark`, ob);
    }
  }

  // I4: a major-only plan binds from the assessment as 重大
  if (plan.scope === 'majorOnly') {
    const made = run.created.get(ob.id);
    if (!made || made.majorAt === undefined) fail('I4a-scopeMajorAt', `a ${f.kind} finding about ${ob.id}, created (step ${made?.step}) before the incident was assessed as 重大`, ob);
    else if (!isMajor(made.grade)) fail('I4c-scopeGrade', `a ${f.kind} finding about ${ob.id}, created (step ${made.step}) while the incident was ${made.grade}`, ob);
    if (pre.majorAt !== undefined && ob.anchorAt < pre.majorAt) fail('I4b-scopeFromAssessment', `${ob.id} runs from ${ob.anchorAt}, before the assessment as 重大 at ${pre.majorAt} (due ${ob.dueAt})`, ob);
  }

  // I5: a computed grade marks the finding (plans of every grade)
  if (lapse || f.kind === 'unmetAtEnding') {
    const marked = f.marks?.gradeNotAssessed === true;
    if (plan.scope === 'majorOnly') {
      if (marked) fail('I5-computed', 'marked gradeNotAssessed in a major-only plan', ob);
    } else if (marked !== (ob.gradeBasis === 'computed' || ob.gradeBasis === 'entered')) {
      fail('I5-computed', `gradeNotAssessed ${marked}, the obligation's grade was ${ob.gradeBasis}`, ob);
    }
    if (f.gradeBasis !== ob.gradeBasis) fail('I5-computed', `gradeBasis ${f.gradeBasis}, the obligation's ${ob.gradeBasis}`, ob);
    // I13: an entry by a discoverer who does not assess (v5) is never the assessment behind a limit
    if ((pre.rulesVersion ?? 0) >= 5 && plan.scope !== 'majorOnly' && f.gradeBasis === 'assessed' && !run.assessedBy.size) {
      fail('I13-gradeEntered', `gradeBasis assessed, but nobody holding an assessing role set the grade (entered by ${pre.incident.discoveredBy})`, ob);
    }
  }

  // I9: unmet at an ending (a 通报 whose departments were never named is marked, not booked: it names nobody)
  if (f.kind === 'unmetAtEnding' && f.marks?.recipientsNotNamed) {
    if (f.personId !== undefined) fail('I9-ending', `a 通报 with no departments named is booked against ${f.personId}`, ob);
    if (!ob.line?.recipientsPending) fail('I9-ending', 'recipientsNotNamed on a line whose departments were named', ob);
  } else if (f.kind === 'unmetAtEnding') {
    const ending = post.facts.ending;
    if (!isReportKind(ob.kind)) fail('I9-ending', `unmetAtEnding for ${ob.kind}, not a report line`, ob);
    if (!ending || ending.kind === 'dismissed' || ending.kind === 'closed') fail('I9-ending', `unmetAtEnding at ending ${ending?.kind}`, ob);
    else {
      if (f.at !== ending.at) fail('I9-ending', `at ${f.at}, the ending was recorded at ${ending.at}`, ob);
      if (ob.dueAt !== null && ob.dueAt < ending.at) fail('I9-ending', `unmetAtEnding for a line already due (${ob.dueAt}) at the ending (${ending.at})`, ob);
    }
  }

  if (lapse || f.kind === 'unmetAtEnding') {
    // I10: annulled by default only by a dismissal as not within the plan's scope
    const annulled = f.marks?.annulledByDefault !== undefined;
    if (annulled !== (post.facts.dismissGround === 'outOfScope')) fail('I10-annulled', `annulledByDefault ${annulled}, dismissal ground ${post.facts.dismissGround}`, ob);
    // I11: a lapse flagged before a reassessment down, that the lower grade would not have given, is marked
    if (lapse && f.dueAt !== undefined) {
      const fell = run.falls.find((x) => x.overdue.has(ob.id) && !lapsesUnder(plan, ob, x.to, f.dueAt!));
      if (fell && !f.marks?.gradeLowered) fail('I11-gradeLowered', `flagged overdue (due ${f.dueAt}) when the grade was lowered to ${fell.to} (step ${fell.step}), whose limit ${describeUnder(plan, ob, fell.to)}; not marked gradeLowered`, ob);
    }
  }
  return out;
}

// ───────────────────────────── the interpreter ─────────────────────────────

export interface RunOptions {
  calendar: CalendarSlice;
  /** the rules the incidents run under (3 by default: the first with report lines; 5: today's) */
  rulesVersion?: number;
  /** invariants whose violation fails the run; the others are collected only */
  enforce: ReadonlySet<InvariantId>;
  /** every violation, enforced or not (exploration) */
  collect?: (v: Violation & { trace: string[] }) => void;
  /** what the runs reached, so a test can tell the property was not vacuous */
  stats?: RunStats;
  /** the run's events, when it ends */
  onTrace?: (trace: string[]) => void;
}

export interface RunStats {
  runs: number;
  /** stages entered, over all runs */
  stages: Map<string, number>;
  /** timers findings by kind (and obligation kind) */
  findings: Map<string, number>;
  refused: number;
}
export const newStats = (): RunStats => ({ runs: 0, stages: new Map(), findings: new Map(), refused: 0 });
const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

/** How often a step picks each accepted action: the stage's way forward often, endings and reviews rarely (runs get deep). */
const ACTION_WEIGHT: Partial<Record<ActionName, number>> = {
  report: 10, assess: 10, regrade: 2, dispatch: 6, respond: 6, release: 3, classify: 8, startHandling: 8, replyOpinion: 6,
  finishHandling: 4, replyResult: 6, publishFacts: 8, refer: 4, adopt: 6, assignTracker: 8, reopen: 1, subside: 8,
  submitSummary: 8, finding: 1, commend: 1, dismiss: 1, withdraw: 1, nameSubject: 3, draftReply: 6, approve: 6,
  handlingStep: 6, correctDiscovery: 1,
};

/** Each stage's way forward, in the order a step tries them (rotated by the seed). */
const PROGRESS: Partial<Record<string, ActionName[]>> = {
  researchAndWarning: ['assess', 'report', 'nameSubject'],
  rapidResponse: ['classify', 'startHandling', 'handlingStep', 'dispatch', 'respond', 'report'],
  categorizedHandling: ['handlingStep', 'draftReply', 'approve', 'replyOpinion', 'finishHandling', 'replyResult', 'publishFacts', 'refer', 'adopt', 'respond', 'assignTracker', 'report'],
  dynamicTracking: ['subside', 'report'],
  summaryEvaluation: ['report', 'submitSummary'],
};

/** Whether a step forward is still to be done (a reply published once is not published again). */
function stillNeeded(a: ActionName, c: IncidentContext): boolean {
  const f = c.facts;
  switch (a) {
    case 'classify': return c.category === undefined;
    case 'dispatch': return f.dispatchedAt === undefined;
    case 'respond': return f.respondedAt === undefined;
    case 'draftReply': return f.reply?.draftedAt === undefined;
    case 'approve': return f.reply?.approvedAt === undefined;
    case 'replyOpinion': return f.opinionRepliedAt === undefined;
    case 'finishHandling': return f.handlingFinishedAt === undefined;
    case 'replyResult': return f.resultRepliedAt === undefined;
    case 'publishFacts': return f.publicFactsAt === undefined;
    case 'refer': return f.referredAt === undefined;
    case 'adopt': return f.adoptedAt === undefined;
    case 'nameSubject': return f.subject === undefined;
    case 'report': return c.obligations.some((o) => o.status === 'pending' && o.line);
    default: return true;
  }
}

const TEXT = '经核查，相关情况属实，正在处理。';

export class RunFailure extends Error {}

/** Run one random incident of `put` from `seed`; throws RunFailure on an enforced violation. */
export function runIncident(put: PlanUnderTest, seed: RunSeed, o: RunOptions): void {
  const { plan, hash } = put;
  const people = plan.people.map((p) => p.id);
  const departments = holders(plan, 'department');
  const monitors = holders(plan, 'monitor');
  const t0 = WEEK0 + seed.discoveryMin * MIN;
  const LAGS = [0, 0, 0, 0, 5 * MIN, 30 * MIN, HOUR, 3 * HOUR, 9 * HOUR, DAY];
  const startedAt = t0 + LAGS[seed.lag % LAGS.length];
  const entryGrade = seed.entryGrade >= 1 && seed.entryGrade <= 4 ? GRADES[seed.entryGrade - 1] : undefined;
  const subject = seed.subject > 0 && departments.length ? pick(departments, seed.subject - 1) : undefined;
  const discoverer = seed.discoverer < 70 && monitors.length ? pick(monitors, seed.discoverer) : pick(people, seed.discoverer);
  const metrics0 = METRIC_PRESETS[seed.metrics % METRIC_PRESETS.length];

  const rel = (ms: number) => {
    const d = ms - t0;
    const sign = d < 0 ? '-' : '+';
    const a = Math.abs(d);
    const days = Math.floor(a / DAY), h = Math.floor((a % DAY) / HOUR), m = Math.round((a % HOUR) / MIN);
    return `T${sign}${days ? `${days}d` : ''}${h ? `${h}h` : ''}${m || (!days && !h) ? `${m}m` : ''}`;
  };
  const trace: string[] = [
    `plan ${plan.id}@${plan.version} (${put.name}); discovered T=${new Date(t0).toISOString()} by ${discoverer}; entered ${rel(startedAt)}`
      + `${entryGrade ? `; grade at entry ${entryGrade}` : ''}${subject ? `; 涉事主体 ${subject}` : ''}; metrics ${JSON.stringify(metrics0)}; timers ${seed.faithfulTimers ? 'as the workflow fires them' : 'when a step fires one'}`,
  ];
  if (o.stats) o.stats.runs += 1;
  const discovererAssesses = entryGrade !== undefined && person(plan, discoverer)!.roles.some((r) => allowedRoles(plan, 'assess').includes(r));
  const run: RunState = {
    seen: new Set(), reports: [], created: new Map(), falls: [], trackers: new Set(), dispatchedTo: new Set(), subjects: new Set(subject ? [subject] : []),
    assessedBy: new Set(discovererAssesses ? [discoverer] : []),
  };

  const fail = (vs: Violation[]) => {
    for (const v of vs) o.collect?.({ ...v, trace: [...trace] });
    const hard = vs.filter((v) => o.enforce.has(v.invariant));
    if (hard.length) {
      const v = hard[0];
      throw new RunFailure([
        `${v.invariant}: ${INVARIANTS[v.invariant]}`,
        `  ${v.message}`,
        `  plan: ${plan.id} (${put.name})`,
        ...(v.finding ? [`  finding: ${JSON.stringify({ ...v.finding, details: undefined, plan: undefined, accountabilityBasis: undefined })}`] : []),
        ...(v.obligation ? [`  obligation before the step: ${JSON.stringify(v.obligation)}`] : []),
        '  events:', ...trace.map((t) => `    ${t}`),
      ].join('\n'));
    }
  };

  let step = 0;
  const observe = (pre: IncidentContext | undefined, event: IncidentEvent | { type: 'START' }, next: IncidentSnapshot, actions: readonly { type: string; params?: unknown }[]) => {
    const post = next.context;
    if (o.stats && post.stage !== pre?.stage) bump(o.stats.stages, post.stage);
    for (const ob of post.obligations) {
      if (!run.created.has(ob.id)) run.created.set(ob.id, { majorAt: post.majorAt, grade: post.grade, step });
    }
    const view: StepView = { step, plan, hash, pre: pre ?? post, post, event, run };
    const vs: Violation[] = [];
    for (const a of actions) {
      if (a.type !== 'recordOutcome') continue;
      const f = (a.params as { finding: Finding }).finding;
      if (o.stats && f.source === 'timers') bump(o.stats.findings, `${f.kind}:${f.obligationKind}`);
      vs.push(...checkFinding(f, view));
    }
    const ids = post.outcomes.map((x) => x.id);
    const dup = ids.find((id, i) => ids.indexOf(id) !== i);
    if (dup) vs.push({ invariant: 'I7b-recordOnce', message: `the incident's outcomes hold ${dup} twice: ${JSON.stringify(post.outcomes.filter((x) => x.id === dup).map((x) => ({ kind: x.kind, personId: x.personId, obligationId: x.obligationId, at: x.at })))}` });
    fail(vs);
  };

  const start = initialTransition(incidentMachine, {
    incident: {
      id: 'inc-prop', title: '网传某单位工作人员违规问题', summary: '论坛帖子', source: { platform: 'forum' },
      discoveredAt: new Date(t0).toISOString(), discoveredBy: discoverer, metrics: metrics0,
      ...(entryGrade ? { grade: entryGrade } : {}), ...(subject ? { subject } : {}),
    },
    plan, planHash: hash, startedAt, rulesVersion: o.rulesVersion ?? 3, calendar: o.calendar,
  });
  let s = start[0];
  observe(undefined, { type: 'START' }, s, start[1] as never);

  let now = startedAt;
  /** the workflow time of the last event sent: timers never fire before it */
  let lastEventAt = startedAt;
  const sendEvent = (event: IncidentEvent, desc: string) => {
    const pre = s.context;
    const wasOpen = s.status !== 'done';
    trace.push(`${step}. ${desc}`);
    const [next, actions] = transition(incidentMachine, s, event);
    if (gradeRank(next.context.grade) < gradeRank(pre.grade)) {
      run.falls.push({ step, to: next.context.grade, overdue: new Set(pre.obligations.filter((x) => x.status === 'pending' && x.overdue).map((x) => x.id)) });
    }
    s = next;
    lastEventAt = Math.max(lastEventAt, 'recordedAt' in event ? event.recordedAt : event.at);
    if (wasOpen) observe(pre, event, next, actions as never);
  };

  const fireDue = () => {
    // the workflow's timers: every due time passed fires, earliest first, at its time (or now, if it was set late)
    for (;;) {
      if (s.status === 'done') return;
      const due = s.context.obligations
        .filter((x) => x.status === 'pending' && x.dueAt !== null && !x.overdue && x.dueAt <= now)
        .sort((a, b) => (a.dueAt as number) - (b.dueAt as number))[0];
      if (!due) return;
      const at = Math.max(due.dueAt as number, lastEventAt);
      sendEvent({ type: 'DEADLINE_DUE', obligationId: due.id, at }, `deadlineDue(s, '${due.id}', ${rel(at)})`);
    }
  };

  const claimed = (st: StepSeed): number => {
    if (st.back < 72) return now;
    if (st.back < 96) return Math.max(t0, now - ((st.back % 12) + 1) * 10 * MIN * (st.back % 2 === 0 ? 1 : 6));
    return now + 5 * MIN; // in the future: refused
  };

  for (const st of seed.steps) {
    step += 1;
    const dt = st.dt < 600 ? (st.dt % 60) * MIN : st.dt < 930 ? ((st.dt % 12) + 1) * HOUR : ((st.dt % 3) + 1) * DAY;
    now += dt;
    if (seed.faithfulTimers) fireDue();
    const op = st.op;
    if (op < 60 || (op >= 84 && op < 99)) {
      const accepted = acceptedActions(s);
      const at = claimed(st);
      let name: ActionName | undefined;
      let payload: Record<string, unknown> = {};
      let prepared: Prepared<ActionEvent> | undefined;
      if (op < 30) {
        // the stage's way forward: the first of its next steps that the incident takes now
        const order = (PROGRESS[s.context.stage] ?? []).filter((a) => accepted.includes(a) && stillNeeded(a, s.context));
        const k = st.a % 4 === 0 ? st.a % Math.max(1, order.length) : 0;
        for (const cand of [...order.slice(k), ...order.slice(0, k)]) {
          const p = buildPayload(cand, s.context, st, at, now);
          const r = prepareAction(s, cand, p, now);
          if (r.ok) {
            name = cand; payload = p; prepared = r;
            break;
          }
        }
      }
      if (!name && (op < 60 || op >= 96) && accepted.length) {
        const total = accepted.reduce((n, a) => n + (ACTION_WEIGHT[a] ?? 1), 0);
        let k = st.a % total;
        name = accepted.find((a) => (k -= ACTION_WEIGHT[a] ?? 1) < 0) ?? accepted[0];
      } else if (!name) {
        // an action the stage does not take (refused), to see that it changes nothing
        const others = ACTIONS.filter((a) => !accepted.includes(a));
        name = pick(others.length ? others : ACTIONS, st.a);
      }
      if (!prepared) {
        payload = buildPayload(name, s.context, st, at, now);
        prepared = prepareAction(s, name, payload, now);
      }
      const desc = `act(s, '${name}', ${JSON.stringify(payload).replace(/"at":"[^"]*"/, `"at":"${rel(at)}"`).replace(/"discoveredAt":"[^"]*"/, (m) => `"discoveredAt":"${rel(Date.parse(m.slice(16, -1)))}"`)}, ${rel(at)}, recorded ${rel(now)})`;
      handlePrepared(prepared, name, payload, at, desc);
    } else if (op < 72) {
      const open = s.context.obligations.filter((x) => x.status === 'pending' && x.dueAt !== null && !x.overdue);
      if (open.length) {
        const ob = pick(open, st.a);
        now = Math.max(now, ob.dueAt as number) + (st.b % 3 === 0 ? (st.b % 90) * MIN : 0);
        if (seed.faithfulTimers) fireDue();
        else sendEvent({ type: 'DEADLINE_DUE', obligationId: ob.id, at: now }, `deadlineDue(s, '${ob.id}', ${rel(now)})`);
      }
    } else if (op < 80) {
      const at = claimed(st);
      const m = readingFrom(st.a, st.b);
      const by = monitors.length ? pick(monitors, st.c) : pick(people, st.c);
      const payload = { by, metrics: m, ...(at !== now ? { at: new Date(at).toISOString() } : {}) };
      const prepared = prepareMetrics(s, payload, now);
      const desc = `metrics(s, ${JSON.stringify(m)}, ${rel(at)}, recorded ${rel(now)}, '${by}')`;
      if (prepared.ok) {
        sendEvent(prepared.event, desc);
      } else {
        checkRefused({ type: 'METRICS', metrics: m, by, at, recordedAt: now }, `${desc} — refused: ${prepared.errors.join('; ')}`);
      }
    } else if (op < 84) {
      const open = s.context.obligations.filter((x) => x.status === 'pending' && x.dueAt !== null && !x.overdue && x.dueAt > now);
      if (open.length) {
        const ob = pick(open, st.a);
        sendEvent({ type: 'REMINDER_DUE', obligationId: ob.id, index: ob.remindersSent, at: now, remindAt: now }, `reminderDue(s, '${ob.id}', ${ob.remindersSent}, ${rel(now)})`);
      }
    } else {
      sendEvent({ type: 'CANCEL', at: now, reason: '操作员取消' }, `cancel(s, ${rel(now)})`);
    }
  }
  // the run ends with the incident as it is; timers still due fire (the workflow would fire them)
  if (seed.faithfulTimers) fireDue();
  o.onTrace?.(trace);

  function handlePrepared(prepared: Prepared<ActionEvent>, name: ActionName, payload: Record<string, unknown>, at: number, desc: string) {
    if (prepared.ok) {
      sendEvent(prepared.event, desc);
      noteAccepted(prepared.event);
      return;
    }
    if (prepared.kind === 'InvalidPayload') {
      trace.push(`${step}. ${desc} — invalid payload: ${prepared.errors.join('; ')}`);
      return;
    }
    const event = { type: eventTypeOf(name), action: name, payload: parsedPayload(name, payload), at, recordedAt: now } as ActionEvent;
    checkRefused(event, `${desc} — refused: ${prepared.errors[0]}`);
  }

  function checkRefused(event: IncidentEvent, desc: string) {
    const pre = s;
    if (o.stats) o.stats.refused += 1;
    trace.push(`${step}. ${desc}`);
    if (!o.enforce.has('I8-refusal') && !o.collect) return;
    const [next, actions] = transition(incidentMachine, s, event);
    const changed = !isDeepStrictEqual(next.context, pre.context) || next.value !== pre.value || next.status !== pre.status;
    const effects = (actions as readonly { type: string }[]).filter((a) => ['scheduleDeadline', 'cancelDeadline', 'notify', 'recordOutcome', 'settleNotices', 'recordEnding'].includes(a.type));
    if (changed || effects.length) {
      fail([{ invariant: 'I8-refusal', message: `a refused ${event.type} changed the incident (${changed ? 'context/stage' : ''}${effects.length ? ` effects ${effects.map((e) => e.type).join(', ')}` : ''})` }]);
    }
    // a refused action is not taken: the run goes on from the snapshot as it was
  }

  function noteAccepted(ev: ActionEvent) {
    if (ev.action === 'report') {
      const p = ev.payload;
      const r = recipientOf(plan, p.to);
      run.reports.push({ by: p.by, to: p.to, roles: r.roles, ...(r.personId ? { personId: r.personId } : {}), at: ev.at, recordedAt: ev.recordedAt, mode: p.mode, kind: p.kind });
    }
    if (ev.action === 'assignTracker') run.trackers.add(ev.payload.tracker);
    if (ev.action === 'dispatch') run.dispatchedTo.add(ev.payload.department);
    if (ev.action === 'nameSubject') run.subjects.add(ev.payload.department);
    if ((ev.action === 'assess' || ev.action === 'regrade') && ev.payload.grade !== undefined) run.assessedBy.add(ev.payload.by);
  }

  function buildPayload(name: ActionName, c: IncidentContext, st: StepSeed, at: number, nowMs: number): Record<string, unknown> {
    const allowed = new Set(allowedRoles(plan, name));
    const allowedPeople = plan.people.filter((p) => p.roles.some((r) => allowed.has(r))).map((p) => p.id);
    const anyone = st.b % 10 === 0;
    const by = (prefer: string[] = allowedPeople) => (anyone || prefer.length === 0 ? pick(people, st.c) : pick(prefer, st.c));
    const base = (who: string) => ({ by: who, ...(at !== nowMs ? { at: new Date(at).toISOString() } : {}) });
    const text = TEXT;
    switch (name) {
      case 'report': {
        const pending = c.obligations.filter((x) => x.status === 'pending' && x.line);
        const modes = ['phone', 'written', 'inPerson', 'message'] as const;
        const mode = pick(modes, st.b >> 2);
        const extra = { mode, ...(st.b % 3 === 0 ? { urgent: true } : {}), ...(st.c % 7 === 0 ? { kind: 'followUp' } : {}), ...(st.c % 11 === 0 ? { receipt: '已签收' } : {}) };
        if (pending.length && st.a % 10 < 7) {
          const ob = pick(pending, st.a >> 3);
          const l = ob.line!;
          let who = ob.ownerId;
          if (!who || st.b % 5 === 0) {
            const eq = plan.people.filter((p) => ownerEquivalent(plan, ob, p.id) || p.roles.includes(ob.ownerRole)).map((p) => p.id);
            who = eq.length ? pick(eq, st.c) : pick(people, st.c);
          }
          const to = l.toPerson ?? (st.c % 4 === 0 && l.to.some((r) => holders(plan, r).length) ? pick(l.to.flatMap((r) => holders(plan, r)), st.c >> 2) : pick(l.to, st.c >> 2));
          return { ...base(who), to, ...extra };
        }
        const tos = [...new Set([...lineDefsOf(plan).flatMap((d) => d.to), 'office', ...(plan.people.filter((p) => p.roles.includes('principalLeader')).map((p) => p.id))])];
        return { ...base(by([...allowedPeople, ...monitors])), to: pick(tos, st.a >> 3), ...extra };
      }
      case 'assess': {
        const grades = [undefined, 'general', 'larger', 'major', 'major', 'especiallyMajor'] as const;
        const g = pick(grades, st.a >> 3);
        return { ...base(by([...allowedPeople, c.incident.discoveredBy])), ...(g ? { grade: g } : {}), ...(st.a % 3 === 0 ? { note: '研判' } : {}) };
      }
      case 'regrade': return { ...base(by()), grade: pick(GRADES, st.a >> 3), reason: '重新研判' };
      case 'dispatch': return { ...base(by()), department: departments.length && !anyone ? pick(departments, st.a >> 3) : pick(people, st.a >> 3) };
      case 'respond': return { ...base(by()), channel: pick(['weibo', 'wechat', 'website', 'forum'], st.a >> 3), text, inNameOf: st.a % 2 ? 'unit' : 'spokesperson' };
      case 'release': return { ...base(by()), form: pick(['pressRelease', 'pressConference', 'briefing', 'interview', 'statement'], st.a >> 3), text };
      case 'classify': return { ...base(by()), category: pick(CATEGORIES, st.a >> 3) };
      case 'replyOpinion': return { ...base(by()), text, ...(st.a % 4 === 0 ? { immediate: true } : {}) };
      case 'finishHandling': return base(by());
      case 'replyResult': return { ...base(by()), text };
      case 'publishFacts': return { ...base(by()), text, channel: pick(['weibo', 'website'], st.a >> 3) };
      case 'refer': return { ...base(by()), to: st.a % 2 ? 'police' : 'discipline', reason: '涉嫌造谣' };
      case 'adopt': return { ...base(by()), text };
      case 'assignTracker': return { ...base(by()), tracker: pick(people, st.a >> 3) };
      case 'reopen': return { ...base(by()), reason: '舆情反弹' };
      case 'subside': return { ...base(by()), reason: '舆情平息' };
      case 'submitSummary': return { ...base(by()), text };
      case 'finding': {
        const obs = c.obligations.map((x) => x.id);
        return { ...base(by()), kind: pick(FINDING_KINDS, st.a >> 3), person: pick(people, st.a >> 5), details: '经核查', ...(obs.length && st.a % 2 ? { obligation: pick(obs, st.a >> 7) } : {}) };
      }
      case 'commend': return { ...base(by()), person: pick(people, st.a >> 3), reason: '处置得力' };
      case 'dismiss': {
        const grounds = [undefined, 'outOfScope', 'notOurs', 'notAnIncident'] as const;
        const g = pick(grounds, st.a >> 3);
        return { ...base(by()), reason: '经研判不构成本单位舆情', ...(g ? { ground: g } : {}) };
      }
      case 'withdraw': return { ...base(by()), reason: '误报，撤销' };
      case 'nameSubject': return { ...base(by()), department: departments.length && !anyone ? pick(departments, st.a >> 3) : pick(people, st.a >> 3) };
      case 'draftReply': return { ...base(by()), text };
      case 'approve': return base(by());
      case 'handlingStep': {
        const steps = (plan.handlingSteps ?? []);
        const key = steps.length && st.a % 8 ? pick(steps, st.a >> 3).key : 'no-such-step';
        const stepDef = steps.find((x) => x.key === key);
        const doers = stepDef ? plan.people.filter((p) => p.roles.some((r) => stepDef.roles.includes(r))).map((p) => p.id) : allowedPeople;
        return { ...base(by(doers)), step: key };
      }
      case 'correctDiscovery': {
        const shift = ((st.a % 7) - 3) * 20 * MIN;
        const who = st.a % 3 === 0 ? { discoveredBy: pick(people, st.a >> 3) } : {};
        const when = st.a % 3 !== 1 || !('discoveredBy' in who) ? { discoveredAt: new Date(c.incident.discoveredAt + shift).toISOString() } : {};
        return { ...base(by()), ...when, ...who, reason: '更正发现时间和发现人' };
      }
      case 'startHandling': return base(by());
      case 'nameDepartments': {
        return { ...base(by()), departments: departments.length ? [...new Set([pick(departments, st.a), pick(departments, st.a >> 2)])] : [pick(people, st.a)] };
      }
      case 'acknowledge': {
        const obs = c.obligations;
        return { ...base(by()), obligation: obs.length ? pick(obs, st.a).id : 'none' };
      }
      case 'nameSummaryDepartment': return { ...base(by()), department: departments.length && st.a % 4 ? pick(departments, st.a >> 2) : pick(people, st.a >> 3) };
      case 'waiveSummary': {
        // a summary line's owner most of the time, else anyone (refused)
        const owners = c.obligations.filter((o) => o.kind === 'summaryReport' && o.status === 'pending').map((o) => o.ownerId);
        return { ...base(by()), department: owners.length && st.a % 4 ? pick(owners, st.a >> 2) : pick(people, st.a >> 3), reason: '误列为总结单位' };
      }
      default: {
        const never: never = name;
        return never;
      }
    }
  }
}

/** The payload as the edge schema parses it (defaults applied), for sending a refused action to the machine. */
function parsedPayload(name: ActionName, payload: unknown): unknown {
  const r = actionSchemas[name].safeParse(payload);
  return r.success ? r.data : payload;
}
