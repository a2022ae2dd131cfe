/**
 * Review of findings (复核) and the named person's explanation (申辩), rules §10.5: a finding the timers (or a
 * person) recorded is open until the plan's reviewer confirms, corrects or annuls it, with a reason; a
 * correction is a new record, nothing is edited or deleted; nobody reviews a finding about themselves; the
 * person it names may add an explanation. Reviews happen mostly after an incident ended (its workflow is
 * closed), so they go straight to the ledger, never through the workflow.
 *
 * Every refusal is an IncidentError naming the field and the reason, and writes nothing.
 */
import { marksText } from '../machines/status';
import { z } from 'zod';
import {
  hasReviews, REVIEW_DECISIONS, ReviewOutOfDateError, UnknownFindingError,
  type FindingCorrection, type FindingReview, type FindingReviewRow, type FindingState, type FindingWithReviews, type Ledger,
  type ReviewDecision, type ReviewKind, type ReviewLedger,
} from '../activities/ledger';
import { LedgerConflictError } from '../activities/errors';
import type { Finding } from '../machines/effects';
import { idTime } from '../machines/incident.rules';
import {
  FINDING_KINDS, isReportKind, OBLIGATION_LABELS, OUTCOME_KINDS, outcomeLabel, ROLE_LABELS, type Language, type OutcomeKind, type Role,
} from '../plan/codes';
import { isoTime } from '../plan/incident.schema';
import type { LoadedPlan } from '../plan/plan.loader';
import type { Person, Plan } from '../plan/plan.schema';
import { findPerson, peopleInRole } from '../plan/people';
import { formatLocal, formatSpan, isoLocal } from '../plan/time-format';
import { IncidentError } from './incidents';

// ───────────────────────────── who reviews ─────────────────────────────

/**
 * default (rules §10.5): the plan's reviewer is the leading group's office director, else the principal
 * leader. A finding about the office director goes to the principal leader (nobody reviews themselves).
 */
export const REVIEWER_ROLES: readonly Role[] = ['officeDirector', 'principalLeader'];
const REVIEWER_BASIS = 'default, rules §10.5: the office director, else the principal leader';

/** The plans reviews are judged by: the current plan files (who holds which role now). */
export type PlanSource = LoadedPlan | Plan | readonly (LoadedPlan | Plan)[];

const planOf = (p: LoadedPlan | Plan): Plan => ('plan' in p && 'hash' in p ? p.plan : (p as Plan));

export function planFor(plans: PlanSource | undefined, id: string): Plan | undefined {
  if (!plans) return undefined;
  const all = Array.isArray(plans) ? (plans as readonly (LoadedPlan | Plan)[]) : [plans as LoadedPlan | Plan];
  return all.map(planOf).find((p) => p.id === id);
}

const allPlans = (plans: PlanSource | undefined): Plan[] =>
  !plans ? [] : (Array.isArray(plans) ? (plans as readonly (LoadedPlan | Plan)[]) : [plans as LoadedPlan | Plan]).map(planOf);

/** Who may review a finding of this plan: the first reviewer role someone other than the person named holds. */
export function reviewersFor(plan: Plan, finding?: Pick<Finding, 'personId'>): { role: Role; people: Person[] } | undefined {
  // the plan's own reviewers where it names them (rule book, Accountability), else the default
  for (const role of plan.reviewers ?? REVIEWER_ROLES) {
    const people = peopleInRole(plan, role).filter((p) => p.id !== finding?.personId);
    if (people.length > 0) return { role, people };
  }
  return undefined;
}

const who = (p: Person) => `${p.name} (${p.id})`;

// ───────────────────────────── views ─────────────────────────────

const STATE_LABELS: Record<FindingState, { zh: string; en: string }> = {
  open: { zh: '待复核', en: 'open' },
  confirmed: { zh: '已确认', en: 'confirmed' },
  corrected: { zh: '已更正', en: 'corrected' },
  annulled: { zh: '已撤销认定', en: 'annulled' },
  notReviewed: { zh: '无需复核', en: 'not reviewed' },
};

export const REVIEW_KIND_LABELS: Record<ReviewKind, { zh: string; en: string }> = {
  confirm: { zh: '确认', en: 'confirmed' },
  correct: { zh: '更正', en: 'corrected' },
  annul: { zh: '撤销认定', en: 'annulled' },
  reinstate: { zh: '恢复认定', en: 'reinstated' },
  explanation: { zh: '申辩', en: 'explanation' },
};

const BINDING_LABELS = { binding: { zh: '约束性时限', en: 'binding' }, target: { zh: '目标（力争）', en: 'target' } } as const;

const DEFAULT_ZONE = 'Asia/Shanghai';

export interface ReviewView {
  id: string;
  kind: ReviewKind;
  label: string;
  by: string;
  byName: string | null;
  byRole: Role;
  /** a decision's reason, an explanation's text */
  reason: string;
  correction: CorrectionView | null;
  /** in the plan's zone, with its offset */
  at: string;
  recordedAt: string;
}

export interface CorrectionView {
  kind: OutcomeKind;
  label: string;
  claimedAt: string | null;
  delayMs: number | null;
  was: { kind: OutcomeKind; label: string; claimedAt: string | null; delayMs: number | null };
}

/** A finding as people read it: its words (as corrected), whom it names, its times in the plan's zone, where its review stands. */
export interface FindingView {
  id: string;
  incidentId: string;
  unitId: string;
  /** the kind in effect: the latest correction's, else the recorded one */
  kind: OutcomeKind;
  /** its words: 首报迟报, 回应超时, 首次新闻发布未达目标 … */
  label: string;
  /** as the ledger recorded it (differs from kind after a correction) */
  recordedKind: OutcomeKind;
  recordedLabel: string;
  source: Finding['source'];
  obligationId: string | null;
  obligationKind: string | null;
  obligationLabel: string | null;
  person: { id: string | null; name: string | null; role: Role; roleLabel: string };
  dueAt: string | null;
  /** the act it is about, as claimed (corrected if a correction says so) and as recorded */
  claimedAt: string | null;
  actRecordedAt: string | null;
  delayMs: number | null;
  delay: string | null;
  binding: string | null;
  bindingLabel: string | null;
  rule: { basis: string; source: string } | null;
  accountabilityBasis: string;
  grade: string | null;
  ending: string | null;
  details: string;
  /** was the grade behind the limit assessed, or only computed (then it counts once the grade is confirmed) */
  gradeBasis: string | null;
  /** v3 marks (effects.ts FindingMarks) and the same in words */
  marks: Finding['marks'] | null;
  marksText: string[];
  /** when it became final */
  at: string;
  plan: { id: string; version: string };
  state: FindingState;
  stateLabel: string;
  /** the decision that set the state */
  decision: ReviewView | null;
  correction: CorrectionView | null;
  /** every record about it, in order: decisions and explanations */
  reviews: ReviewView[];
  explanations: number;
  /** who may review it (none for a record that is not reviewed, or a plan not at hand) */
  reviewers: Array<{ id: string; name: string; role: Role }>;
  timeZone: string;
  language: Language;
}

const isLateKind = (k: OutcomeKind) => k === 'late' || k === 'lateDuty' || k === 'targetMissed';

/** The values in effect: the latest correction's, else the finding's own. */
function effective(fw: Pick<FindingWithReviews, 'finding' | 'correction'>): { kind: OutcomeKind; claimedAt?: number; delayMs?: number } {
  const f = fw.finding;
  if (fw.correction) return { kind: fw.correction.kind, claimedAt: fw.correction.claimedAt, delayMs: fw.correction.delayMs };
  return { kind: f.kind, claimedAt: f.claimedAt, delayMs: f.delayMs };
}

export function findingView(fw: FindingWithReviews, plans?: PlanSource, lang?: Language): FindingView {
  const f = fw.finding;
  const plan = planFor(plans, f.plan.id);
  const zone = plan?.timeZone ?? DEFAULT_ZONE;
  const language: Language = lang ?? plan?.language ?? 'zh';
  const t = (ms: number | undefined) => (ms === undefined ? null : isoLocal(zone, ms));
  const words = (k: OutcomeKind) => outcomeLabel(k, f.obligationKind, language);
  const personName = (id: string) => (plan ? findPerson(plan, id)?.name ?? null : null);
  const correctionView = (c: FindingCorrection): CorrectionView => ({
    kind: c.kind, label: words(c.kind), claimedAt: t(c.claimedAt), delayMs: c.delayMs ?? null,
    was: { kind: c.was.kind, label: words(c.was.kind), claimedAt: t(c.was.claimedAt), delayMs: c.was.delayMs ?? null },
  });
  const reviewView = (r: FindingReviewRow): ReviewView => ({
    id: r.id, kind: r.kind, label: REVIEW_KIND_LABELS[r.kind][language], by: r.by, byName: personName(r.by), byRole: r.byRole,
    reason: r.reason, correction: r.correction ? correctionView(r.correction) : null, at: isoLocal(zone, r.at), recordedAt: isoLocal(zone, r.recordedAt),
  });
  const eff = effective(fw);
  const reviewers = fw.state === 'notReviewed' || !plan ? [] : (() => {
    const r = reviewersFor(plan, f);
    return r ? r.people.map((p) => ({ id: p.id, name: p.name, role: r.role })) : [];
  })();
  return {
    id: f.id, incidentId: f.incidentId, unitId: f.unitId,
    kind: eff.kind, label: words(eff.kind), recordedKind: f.kind, recordedLabel: words(f.kind), source: f.source,
    obligationId: f.obligationId ?? null, obligationKind: f.obligationKind ?? null,
    obligationLabel: f.obligationKind ? OBLIGATION_LABELS[f.obligationKind][language] : null,
    person: { id: f.personId ?? null, name: f.personName ?? null, role: f.role, roleLabel: ROLE_LABELS[f.role]?.[language] ?? f.role },
    dueAt: t(f.dueAt), claimedAt: t(eff.claimedAt), actRecordedAt: t(f.recordedAt),
    delayMs: eff.delayMs ?? null, delay: eff.delayMs !== undefined && eff.delayMs > 0 ? formatSpan(eff.delayMs, language) : null,
    binding: f.binding ?? null, bindingLabel: f.binding ? BINDING_LABELS[f.binding][language] : null,
    rule: f.rule ?? null, accountabilityBasis: f.accountabilityBasis, grade: f.grade ?? null, ending: f.ending ?? null, details: f.details,
    gradeBasis: f.gradeBasis ?? null, marks: f.marks ?? null, marksText: marksText(f, language),
    at: isoLocal(zone, f.at), plan: { id: f.plan.id, version: f.plan.version },
    state: fw.state, stateLabel: STATE_LABELS[fw.state][language],
    decision: fw.decision ? reviewView(fw.decision) : null,
    correction: fw.correction ? correctionView(fw.correction) : null,
    reviews: fw.reviews.map(reviewView), explanations: fw.reviews.filter((r) => r.kind === 'explanation').length,
    reviewers, timeZone: zone, language,
  };
}

// ───────────────────────────── listing ─────────────────────────────

function reviewLedger(ledger: Ledger): Ledger & ReviewLedger {
  if (!hasReviews(ledger)) throw new IncidentError('Unavailable', 'this ledger does not keep reviews of findings (upgrade it: migration 4, finding_reviews)');
  return ledger;
}

export interface FindingFilter {
  incidentId?: string;
  unitId?: string;
  /** only findings this person may review (needs the plans) */
  reviewer?: string;
  /** only open ones */
  open?: boolean;
}

/** Findings with their review state, optionally only those open, or those a reviewer may review. */
export async function listFindingViews(ledger: Ledger, filter: FindingFilter = {}, plans?: PlanSource, lang?: Language): Promise<FindingView[]> {
  const l = reviewLedger(ledger);
  if (filter.reviewer !== undefined) checkReviewer(filter.reviewer, plans);
  const rows = await l.findingStates({ incidentId: filter.incidentId, unitId: filter.unitId });
  const views = rows.map((fw) => findingView(fw, plans, lang));
  return views.filter((v) => (!filter.open || v.state === 'open') && (filter.reviewer === undefined || v.reviewers.some((r) => r.id === filter.reviewer)));
}

/** Open findings: all, of a unit or an incident, or those waiting for one reviewer. */
export async function openFindings(ledger: Ledger, filter: { reviewer?: string; unitId?: string; incidentId?: string } = {}, plans?: PlanSource, lang?: Language): Promise<FindingView[]> {
  return listFindingViews(ledger, { ...filter, open: true }, plans, lang);
}

/** Every finding of an incident with its review state, decisions and explanations. */
export async function findingsWithState(ledger: Ledger, incidentId: string, plans?: PlanSource, lang?: Language): Promise<FindingView[]> {
  return listFindingViews(ledger, { incidentId }, plans, lang);
}

/** A reviewer filter names a person of the plans who reviews findings in at least one of them. */
function checkReviewer(id: string, plans: PlanSource | undefined) {
  const all = allPlans(plans);
  if (all.length === 0) throw refused('findings', 'InvalidPayload', 'reviewer', 'the plans are needed to say who reviews (PLANS_DIR)');
  const inPlans = all.filter((p) => findPerson(p, id));
  if (inPlans.length === 0) throw refused('findings', 'InvalidPayload', 'reviewer', `no person "${id}" in the plans (${all.map((p) => p.id).join(', ')})`);
  // the principal leader reviews where the plan has no office director, and findings about the office director
  if (!inPlans.some((p) => findPerson(p, id)!.roles.some((r) => (p.reviewers ?? REVIEWER_ROLES).includes(r)))) {
    const named = all.map((p) => `${p.id}: ${reviewersFor(p)?.people.map(who).join(', ') ?? 'nobody'}`).join('; ');
    throw refused('findings', 'NotAllowed', 'reviewer', `${id} reviews no findings; the reviewers (${REVIEWER_BASIS}) are ${named}`);
  }
}

// ───────────────────────────── recording ─────────────────────────────

const REVIEW_WHAT = 'review';
const EXPLAIN_WHAT = 'explanation';

function refused(what: string, kind: 'InvalidPayload' | 'NotAllowed' | 'NotFound' | 'Conflict', field: string, reason: string): IncidentError {
  const line = `${field}: ${reason}`;
  return new IncidentError(kind, `${what} refused:\n${line}`, [line]);
}

/** Each failing field and its reason, under `field` (e.g. correction.claimedAt). */
function invalid(what: string, error: z.ZodError, field?: string): IncidentError {
  const errors = error.issues.map((i) => `${[field, ...i.path.map(String)].filter(Boolean).join('.') || '(root)'}: ${i.message}`);
  return new IncidentError('InvalidPayload', `${what} refused:\n${errors.join('\n')}`, errors);
}

const text = (what: string) => z.string({ error: `${what} is required` }).trim().min(1, `${what} is required (it must not be empty)`).max(4000);
const findingIdField = z.string({ error: 'name the finding (an id `findings` lists)' }).trim().min(1, 'name the finding (an id `findings` lists)');
const personField = (role: string) => z.string({ error: `name the ${role} (a person id of the finding's plan)` }).trim().min(1, `name the ${role} (a person id of the finding's plan)`);

export const CORRECTABLE_KINDS = OUTCOME_KINDS.filter((k) => k !== 'commendation');

const correctionSchema = z.object({
  /** when the act was really done (e.g. the report was phoned in then, and recorded later) */
  claimedAt: isoTime.optional(),
  /** the kind it really is (the words of rules §10.3 for its obligation) */
  kind: z.enum(CORRECTABLE_KINDS as [OutcomeKind, ...OutcomeKind[]], { error: `must be one of ${CORRECTABLE_KINDS.join(', ')}` }).optional(),
}).strict().refine((c) => c.claimedAt !== undefined || c.kind !== undefined, {
  message: 'give the corrected claimedAt (the act\'s time) and/or kind',
  when: (payload) => payload.issues.length === 0,
});

const reviewSchema = z.object({
  findingId: findingIdField,
  by: personField('reviewer'),
  decision: z.enum(REVIEW_DECISIONS, { error: `must be one of ${REVIEW_DECISIONS.join(', ')}` }),
  reason: text('a reason'),
  correction: z.unknown().optional(),
  /** when the decision was made (default now) */
  at: isoTime.optional(),
}).strict();

const explainSchema = z.object({ findingId: findingIdField, by: personField('person the finding names'), text: text('the text') }).strict();

export interface ReviewInput {
  findingId: string;
  by: string;
  decision: ReviewDecision | string;
  reason: string;
  /** for 'correct': { claimedAt?: ISO time, kind?: OutcomeKind } */
  correction?: unknown;
  /** ISO time with offset; default now */
  at?: string;
}

export interface ReviewResult {
  review: ReviewView;
  /** false when this very record was already in the ledger (a retry) */
  inserted: boolean;
  finding: FindingView;
}

/** The finding, its plan and the person acting, or the refusal naming the field. */
async function load(l: ReviewLedger, plans: PlanSource, what: string, findingId: string, by: string) {
  const [fw] = await l.findingStates({ findingId });
  if (!fw) throw refused(what, 'NotFound', 'findingId', `no finding "${findingId}" in the ledger (\`findings\` lists them)`);
  const plan = planFor(plans, fw.finding.plan.id);
  if (!plan) throw refused(what, 'NotFound', 'findingId', `the finding's plan "${fw.finding.plan.id}" is not among the plans (PLANS_DIR)`);
  const person = findPerson(plan, by);
  if (!person) throw refused(what, 'InvalidPayload', 'by', `no person "${by}" in plan ${plan.id} (people: ${plan.people.map((p) => p.id).join(', ')})`);
  return { fw, plan, person };
}

const UNREVIEWED_WHY = (f: Finding) => (f.kind === 'commendation' ? 'a commendation' : 'an on-time record');

/**
 * A reviewer's decision on a finding: confirm, correct (a new record with the corrected values), annul, or
 * reinstate an annulled one; always with a reason.
 */
export async function reviewFinding(ledger: Ledger, plans: PlanSource, input: ReviewInput, now = Date.now()): Promise<ReviewResult> {
  const l = reviewLedger(ledger);
  const parsed = reviewSchema.safeParse(input);
  if (!parsed.success) throw invalid(REVIEW_WHAT, parsed.error);
  const p = parsed.data;
  const { fw, plan, person } = await load(l, plans, REVIEW_WHAT, p.findingId, p.by);
  const f = fw.finding;
  const zone = plan.timeZone;
  const local = (ms: number) => formatLocal(zone, ms);

  const at = p.at === undefined ? now : Date.parse(p.at);
  const id = `${f.id}/review@${idTime(at)}`;
  const same = fw.reviews.find((r) => r.id === id);
  if (same) {
    // the same request again (a retry with its own time): nothing new; anything else at that moment is a conflict
    if (same.kind === p.decision && same.by === p.by && same.reason === p.reason) {
      const v = findingView(fw, plans);
      return { review: v.reviews.find((r) => r.id === id)!, inserted: false, finding: v };
    }
    throw refused(REVIEW_WHAT, 'Conflict', 'at', `another review of this finding is recorded at ${local(at)} (${same.kind} by ${same.by})`);
  }

  if (fw.state === 'notReviewed') throw refused(REVIEW_WHAT, 'NotAllowed', 'findingId', `${UNREVIEWED_WHY(f)} is not a finding and is not reviewed`);
  if (f.personId === person.id) {
    throw refused(REVIEW_WHAT, 'NotAllowed', 'by', `${who(person)} is the person this finding names; nobody reviews a finding about themselves (rules §10.5)`);
  }
  const reviewers = reviewersFor(plan, f);
  if (!reviewers) {
    throw refused(REVIEW_WHAT, 'NotAllowed', 'by', `nobody may review this finding: plan ${plan.id} has no office director or principal leader other than the person it names`);
  }
  if (!reviewers.people.some((x) => x.id === person.id)) {
    const roles = person.roles.map((r) => ROLE_LABELS[r].en).join(', ');
    throw refused(REVIEW_WHAT, 'NotAllowed', 'by', `${who(person)} (${roles}) may not review findings of plan ${plan.id}; its reviewer is the ${ROLE_LABELS[reviewers.role].en} (${REVIEWER_BASIS}): ${reviewers.people.map(who).join(', ')}`);
  }

  const d = fw.decision;
  const decided = d ? ` (${d.kind} by ${d.by} at ${local(d.at)}: ${d.reason})` : '';
  if (fw.state === 'annulled' && p.decision !== 'reinstate') {
    throw refused(REVIEW_WHAT, 'NotAllowed', 'decision', `the finding is annulled${decided}; only "reinstate" applies to it`);
  }
  if (p.decision === 'reinstate' && fw.state !== 'annulled') {
    throw refused(REVIEW_WHAT, 'NotAllowed', 'decision', `"reinstate" reopens an annulled finding; this one is ${fw.state}${decided}`);
  }
  if (p.decision === 'confirm' && fw.state === 'confirmed') {
    throw refused(REVIEW_WHAT, 'NotAllowed', 'decision', `the finding is already confirmed${decided}; correct or annul it, with a reason, to change it`);
  }

  if (at > now) throw refused(REVIEW_WHAT, 'InvalidPayload', 'at', `is in the future (${local(at)})`);
  if (at < f.at) throw refused(REVIEW_WHAT, 'InvalidPayload', 'at', `is before the finding was made final (${local(f.at)})`);
  if (d && at < d.at) throw refused(REVIEW_WHAT, 'InvalidPayload', 'at', `is before the latest decision on this finding (${local(d.at)}); decisions are recorded in the order they were made`);

  let correction: FindingCorrection | undefined;
  if (p.decision === 'correct') {
    if (p.correction === undefined) {
      throw refused(REVIEW_WHAT, 'InvalidPayload', 'correction', `a correction needs the corrected values: {"claimedAt": "<ISO time>"} (the act's real time) and/or {"kind": "<kind>"}`);
    }
    const c = correctionSchema.safeParse(p.correction);
    if (!c.success) throw invalid(REVIEW_WHAT, c.error, 'correction');
    correction = correct(fw, plan, c.data, at);
  } else if (p.correction !== undefined) {
    throw refused(REVIEW_WHAT, 'InvalidPayload', 'correction', `only a "correct" decision carries a correction (this is "${p.decision}")`);
  }

  const review: FindingReview = {
    id, findingId: f.id, incidentId: f.incidentId, kind: p.decision, by: person.id, byRole: reviewers.role, reason: p.reason,
    ...(correction ? { correction } : {}), at,
  };
  const inserted = await append(l, review, d?.id ?? null, REVIEW_WHAT);
  return after(l, plans, f.id, id, inserted);
}

/** The named person's explanation (申辩): recorded with the finding, it changes nothing in its state. */
export async function explainFinding(ledger: Ledger, plans: PlanSource, input: { findingId: string; by: string; text: string }, now = Date.now()): Promise<ReviewResult> {
  const l = reviewLedger(ledger);
  const parsed = explainSchema.safeParse(input);
  if (!parsed.success) throw invalid(EXPLAIN_WHAT, parsed.error);
  const p = parsed.data;
  const { fw, plan, person } = await load(l, plans, EXPLAIN_WHAT, p.findingId, p.by);
  const f = fw.finding;
  if (fw.state === 'notReviewed') throw refused(EXPLAIN_WHAT, 'NotAllowed', 'findingId', `${UNREVIEWED_WHY(f)} names no lapse; there is nothing to explain`);
  if (f.personId !== person.id) {
    const named = f.personId ? findPerson(plan, f.personId) : undefined;
    const them = named ? who(named) : f.personName ?? f.personId ?? 'nobody';
    throw refused(EXPLAIN_WHAT, 'NotAllowed', 'by', `only the person this finding names, ${them}, may add an explanation (申辩); ${who(person)} may not`);
  }
  const id = `${f.id}/explanation@${idTime(now)}`;
  const review: FindingReview = {
    id, findingId: f.id, incidentId: f.incidentId, kind: 'explanation', by: person.id,
    byRole: person.roles.includes(f.role) ? f.role : person.roles[0], reason: p.text, at: now,
  };
  const inserted = await append(l, review, undefined, EXPLAIN_WHAT);
  return after(l, plans, f.id, id, inserted);
}

async function append(l: ReviewLedger, review: FindingReview, latest: string | null | undefined, what: string): Promise<boolean> {
  try {
    return (await l.recordReview(review, latest === undefined ? {} : { after: latest })).inserted;
  } catch (err) {
    if (err instanceof ReviewOutOfDateError) {
      throw refused(what, 'Conflict', 'findingId', `the finding was reviewed meanwhile (${err.latest ?? 'none'}); look at it again (\`findings --incident ${review.incidentId}\`)`);
    }
    if (err instanceof LedgerConflictError) throw refused(what, 'Conflict', 'at', `another record of this finding has the same time (${review.id})`);
    if (err instanceof UnknownFindingError) throw refused(what, 'NotFound', 'findingId', `no finding "${review.findingId}" in the ledger`);
    throw err;
  }
}

async function after(l: ReviewLedger, plans: PlanSource, findingId: string, reviewId: string, inserted: boolean): Promise<ReviewResult> {
  const [fw] = await l.findingStates({ findingId });
  const finding = findingView(fw, plans);
  return { review: finding.reviews.find((r) => r.id === reviewId)!, inserted, finding };
}

// ───────────────────────────── corrections ─────────────────────────────

/** The kind a late act gets under the words of rules §10.3: target missed, 迟报 (binding report lines), else the duty done late. */
function lateKindOf(f: Finding): OutcomeKind {
  if (f.binding === 'target') return 'targetMissed';
  return f.obligationKind && isReportKind(f.obligationKind) ? 'late' : 'lateDuty';
}

/** The kinds a finding may be corrected to: the words for its obligation (rules §10.3), and the findings a reviewer records. */
export function correctableKinds(f: Finding): OutcomeKind[] {
  if (!f.obligationKind) return [...FINDING_KINDS];
  const lapse: OutcomeKind[] = f.binding === 'target' ? ['targetMissed']
    : isReportKind(f.obligationKind) ? ['late', 'missed', 'unmetAtEnding'] : ['lateDuty', 'missedDuty'];
  return ['onTime', ...lapse, ...FINDING_KINDS];
}

/** The corrected values, judged like the timers judge: the claimed time against the due time. */
function correct(fw: FindingWithReviews, plan: Plan, c: z.output<typeof correctionSchema>, at: number): FindingCorrection {
  const f = fw.finding;
  const cur = effective(fw);
  const local = (ms: number) => formatLocal(plan.timeZone, ms);
  const words = (k: OutcomeKind) => `${outcomeLabel(k, f.obligationKind, plan.language)} (${k})`;
  const no = (field: string, reason: string) => refused(REVIEW_WHAT, 'InvalidPayload', `correction.${field}`, reason);
  let kind: OutcomeKind;
  let claimedAt = cur.claimedAt;
  let delayMs: number | undefined;
  if (c.claimedAt !== undefined) {
    const claimed = Date.parse(c.claimedAt);
    if (f.dueAt === undefined) throw no('claimedAt', 'the finding has no due time to judge the act against; correct its kind instead');
    if (claimed > at) throw no('claimedAt', `is after the review (${local(claimed)})`);
    if (f.recordedAt !== undefined && claimed > f.recordedAt) throw no('claimedAt', `is after the act was recorded (${local(f.recordedAt)})`);
    const late = claimed > f.dueAt;
    kind = late ? lateKindOf(f) : 'onTime';
    if (c.kind !== undefined && c.kind !== kind) {
      throw no('kind', `the corrected claimed time ${local(claimed)} against the due time ${local(f.dueAt)} makes it ${words(kind)}${late ? `, ${formatSpan(claimed - f.dueAt, plan.language)} late` : ''}, not ${c.kind}; leave kind out`);
    }
    claimedAt = claimed;
    delayMs = late ? claimed - f.dueAt : undefined;
  } else {
    kind = c.kind!;
    if (kind === 'onTime') throw no('claimedAt', 'say when the act was really done to correct it to on time');
    if (kind === 'late' || kind === 'lateDuty') {
      if (cur.delayMs === undefined) throw no('claimedAt', `${words(kind)} needs the time the act was done, to say how late`);
      delayMs = cur.delayMs;
    } else if (kind === 'targetMissed') {
      delayMs = cur.delayMs;
    } else {
      delayMs = undefined;
      if (kind === 'missed' || kind === 'missedDuty' || kind === 'unmetAtEnding') claimedAt = undefined;
    }
  }
  const allowed = correctableKinds(f);
  if (!allowed.includes(kind)) {
    const ob = f.obligationKind ? `${OBLIGATION_LABELS[f.obligationKind].en}, ${f.binding ?? 'binding'}` : 'no obligation';
    throw no('kind', `"${kind}" is not a word for this finding (${ob}): 迟报/漏报 (late/missed) are for binding report lines only, targets are "targetMissed", other duties lateDuty/missedDuty (rules §10.3); it may be ${allowed.join(', ')}`);
  }
  if (kind === cur.kind && claimedAt === cur.claimedAt && delayMs === cur.delayMs) {
    throw refused(REVIEW_WHAT, 'InvalidPayload', 'correction', `changes nothing (it is ${words(kind)} already); confirm it instead`);
  }
  return {
    kind, ...(claimedAt !== undefined ? { claimedAt } : {}), ...(delayMs !== undefined ? { delayMs } : {}),
    was: { kind: cur.kind, ...(cur.claimedAt !== undefined ? { claimedAt: cur.claimedAt } : {}), ...(cur.delayMs !== undefined ? { delayMs: cur.delayMs } : {}) },
  };
}
