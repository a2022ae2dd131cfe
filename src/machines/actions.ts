import {
  CATEGORY_LABELS, GRADE_LABELS, ROLE_LABELS, STAGE_LABELS, isReportKind, label,
  type ActionName, type Category, type Role, type Stage,
} from '../plan/codes';
import type { ActionPayloads } from '../plan/incident.schema';
import type { Person, Plan } from '../plan/plan.schema';
import { findPerson, resolveRecipients } from '../plan/people';
import { endOfLocalDay, formatLocal } from '../plan/time-zone';
import type { AcknowledgementParams } from './effects';
import { rolesAbove, type EscalationState } from './escalation';
import type { ActionEvent, ActionEventType, IncidentContext, IncidentFacts } from './incident.rules';
import { lineDefs, reaches, reportRecipient } from './lines';
import { OBLIGATIONS } from './obligations';
import {
  CLOCK_SKEW_MS, actingRole, allowedRoles, answerable, applyGradeObligations, dur, handlingMissing, idTime, inScope, inquiryDayApplies,
  limitStart, missingSteps, owed, ownerRoleOf, rolesOf, setGrade, summaryCloses, summaryLinesOwned, type Draft,
} from './draft';

/**
 * The actions of an incident, each declared once: the stages that take it (and where it moves the incident), the
 * rules version and plan feature it needs, the categories it belongs to, its own refusals and its effect on the
 * draft. The machine's transitions (incident.machine.ts), the refusals shared by guards and update validators
 * (incident.rules.ts) and the CLI's "allowed now" read these facts from here; docs/rules.md §8.2 is generated from
 * this table (`npm run diagram`).
 *
 * Checks every action shares (the person, the role the plan allows, impossible times, an ended incident) are in
 * `refusals` (incident.rules.ts); the rule book's checks shared by the v3 rules (handling waits for the grade's
 * steps, who may speak, the plan's grades, the 涉事主体 assesses) are in `sharedRefusals` below.
 */

type EventOf<K extends ActionName> = Extract<ActionEvent, { action: K }>;

/** An action's event type: the UPPER_SNAKE of its name (replyOpinion → REPLY_OPINION). */
export function eventTypeOf<K extends ActionName>(action: K): ActionEventType<K> {
  return action.replace(/[A-Z]/g, (ch) => `_${ch}`).toUpperCase() as ActionEventType<K>;
}

/** What an action's refusals read: the context, the person who sends it, and the list they add to. */
export interface RefusalScope {
  ctx: IncidentContext;
  plan: Plan;
  f: IncidentFacts;
  cat: Category | undefined;
  /** the sender, when a person of the plan */
  by: Person | undefined;
  roles: readonly Role[];
  v3: boolean;
  out: string[];
  /** refuse a field naming no person of the plan (or one without the role) */
  needPerson: (field: string, id: string, role?: Role) => void;
}

/** Where an action moves the incident from a stage ('open': from any open stage), and on what condition. */
export interface ActionMove {
  to: Stage;
  /** closes: the last summary line; escalates: the grade rises (metrics or by hand) */
  when?: 'closes' | 'escalates';
}

export interface ActionDef<K extends ActionName> {
  /** what it records and what follows, in words (docs/rules.md §8.2) */
  does: string;
  /** its own reasons to refuse, in words (beyond those every action shares) */
  refuses?: string;
  /** the stages that take it; 'open': every open stage */
  stages: 'open' | readonly Stage[];
  moves?: Partial<Record<Stage | 'open', ActionMove>>;
  /** the rules version it needs (docs/versioning.md), or per stage where a stage took it later */
  since?: number | Partial<Record<Stage, number>>;
  /** whether the plan has it at all (an approval step, handling steps …); offered only then */
  planHas?: (plan: Plan) => boolean;
  /** the categories whose handling it belongs to (分类处置, 000 篇一 §四(三)) */
  categories?: readonly Category[];
  /** handling proper: waits for the grade's handling steps (v3), never the first reports or response */
  handling?: boolean;
  /** public speech from this rules version on: only the plan's voices for the grade may (the 001 school plan's 新闻发布组) */
  speaks?: number;
  /** its own reasons to refuse, added to the scope's list */
  refuse?: (s: RefusalScope, event: EventOf<K>) => void;
  /** its effect on the draft (facts, obligations, notices, the timeline) */
  apply: (d: Draft, event: EventOf<K>) => void;
  /** for a move `when: 'closes'`: whether taking it now closes the incident */
  closes?: (ctx: IncidentContext, event: EventOf<K>) => boolean;
}

/** What an action's effect reads: the draft's context, the sender and the acting role, and its timeline entry. */
function acting(d: Draft, event: ActionEvent) {
  const c = d.ctx;
  const by = event.payload.by;
  const at = event.at;
  const role = actingRole(c.plan, by, event.action, c.rulesVersion ?? 0);
  return { c, plan: c.plan, f: c.facts, by, at, role, log: (details: string) => d.timeline({ action: event.action, by, role, at, details }) };
}

export const ACTION_TABLE: { readonly [K in ActionName]: ActionDef<K> } = {
  report: {
    does: 'a report to a recipient (how, claimed time, receipt); meets the reporter\'s open lines to it, starts the relays, owes a written report after a phone report where the plan says so',
    refuses: 'a recipient that is neither a role nor a person of the plan; a role whose people each have their own line (name the person)',
    stages: ['researchAndWarning', 'rapidResponse', 'categorizedHandling', 'dynamicTracking', 'summaryEvaluation'],
    refuse(s, event) {
      const { out, plan, v3, ctx } = s;
      // v3: a report to a role whose people each have their own line (001 篇1's two group heads) names the person
      const to = reportRecipient(plan, event.payload.to);
      if (v3 && to && !to.personId && event.payload.kind === 'initial') {
        const open = ctx.obligations.filter((o) => o.status === 'pending' && o.line && o.kind !== 'writtenReport');
        const reached = open.some((o) => !o.line!.toPerson && reaches(o.line!, to));
        const perPerson = open.filter((o) => o.line!.toPerson && o.line!.to.some((r) => to.roles.includes(r)));
        if (!reached && perPerson.length) {
          out.push(`to: each ${to.roles[0]} has a line of their own: name the person (${[...new Set(perPerson.map((o) => o.line!.toPerson!))].join(', ')})`);
        }
      }
      if (!to) out.push(`to: "${event.payload.to}" is neither a role (${Object.keys(ROLE_LABELS).join(', ')}) nor a person of plan ${plan.id}`);
      else if (!v3 && !(Object.keys(ROLE_LABELS) as string[]).includes(event.payload.to)) out.push(`to: must be a role under this incident's rules (v${ctx.rulesVersion ?? 0})`);
    },
    apply(d, event) {
      const { c, plan, f, by, at, log } = acting(d, event);
      const p = event.payload;
      log(`${p.kind} ${p.mode}${p.urgent ? ' (urgent, 紧急)' : ''} report to ${p.to}${p.receipt ? ` (receipt: ${p.receipt})` : ''}${p.note ? `: ${p.note}` : ''}`);
      if (d.v3) {
        reportV3(d, p, at, by);
        return;
      }
      if (p.kind === 'initial' && (plan.deadlines.firstReportTo ?? []).includes(p.to as Role)) d.meet(d.find('firstReport'), at, by);
      if (p.mode === 'phone') {
        f.phoneReports += 1;
        d.oblige('writtenReport', at, at + dur(plan.deadlines.writtenReportAfterPhone ?? '30m'), by);
      } else {
        const pendingWritten = c.obligations.find((o) => o.kind === 'writtenReport' && o.status === 'pending' && o.ownerId === by);
        d.meet(pendingWritten, at, by);
      }
      if (p.kind === 'followUp') {
        f.followUps += 1;
        const fu = d.find('followUp');
        d.meet(fu, at, by);
        if (fu && c.stage !== 'researchAndWarning') d.oblige('followUp', at, at + dur(plan.deadlines.followUpEvery ?? '4h'), c.facts.tracker);
      }
    },
  },
  assess: {
    does: 'the assessment (研判), with a grade: an assessed grade governs; starts the grade\'s limits and the follow-up cadence; moves on to rapid response',
    stages: ['researchAndWarning'],
    moves: { researchAndWarning: { to: 'rapidResponse' } },
    apply(d, event) {
      const { c, plan, f, by, at, log } = acting(d, event);
      f.assessedAt = at;
      const p = event.payload;
      log(`assessed${p.grade ? ` as ${p.grade}` : ''}${p.note ? `: ${p.note}` : ''}`);
      if (d.v3) {
        if (p.grade) setGrade(d, p.grade, [`assessed by ${by}${p.note ? `: ${p.note}` : ''}`], 'manual', by, at);
        else d.relayAtAssessment(at, by);
        applyGradeObligations(d);
        // (never from before the limits run: an assessment backdated before the assessment as 重大)
        const from = Math.max(at, limitStart(c));
        if (plan.deadlines.followUpEvery && inScope(c)) d.oblige('followUp', from, from + dur(plan.deadlines.followUpEvery));
        return;
      }
      if (p.grade && p.grade !== c.grade) setGrade(d, p.grade, [`assessed by ${by}`], 'manual', by, at);
      else applyGradeObligations(d);
      d.oblige('followUp', at, at + dur(plan.deadlines.followUpEvery ?? '4h'));
    },
  },
  dispatch: {
    does: 'dispatches to a department (转办); meets the dispatch duty, starts the explanation\'s day',
    refuses: 'a department that is not one',
    stages: ['rapidResponse', 'categorizedHandling'],
    refuse(s, event) {
      const { needPerson } = s;
      needPerson('department', event.payload.department, 'department');
    },
    apply(d, event) {
      const { f, by, at, log } = acting(d, event);
      f.dispatchedAt = at;
      f.dispatchedTo = event.payload.department;
      log(`dispatched to ${event.payload.department}`);
      d.meet(d.find('dispatch'), at, by);
      applyGradeObligations(d);
      // v5: the department dispatched to owns the duties nobody owned yet (an inquiry classified before the dispatch)
      d.passUnowned(event.payload.department);
    },
  },
  respond: {
    does: 'the first public response in the unit\'s or spokesperson\'s name (channel, text, link); meets the response and the explanation',
    stages: ['researchAndWarning', 'rapidResponse', 'categorizedHandling', 'dynamicTracking'],
    since: { researchAndWarning: 3 }, speaks: 3,
    apply(d, event) {
      const { f, by, at, log } = acting(d, event);
      const p = event.payload;
      f.respondedAt ??= at;
      log(`public response on ${p.channel} in the name of the ${p.inNameOf}: ${p.text}${p.url ? ` (${p.url})` : ''}`);
      d.meet(d.find('publicResponse'), at, by);
      d.meet(d.find('explanation'), at, by);
    },
  },
  release: {
    does: 'a news release or statement; meets the first release and the response',
    stages: ['researchAndWarning', 'rapidResponse', 'categorizedHandling', 'dynamicTracking'],
    since: { researchAndWarning: 3 }, speaks: 3,
    apply(d, event) {
      const { f, by, at, log } = acting(d, event);
      const p = event.payload;
      f.releasedAt ??= at;
      log(`${p.form}${p.channel ? ` on ${p.channel}` : ''}: ${p.text}`);
      d.meet(d.find('firstRelease'), at, by);
      d.meet(d.find('publicResponse'), at, by);
    },
  },
  classify: {
    does: 'the category (分类); an inquiry owes its opinion within the day; a reclassification waives the old category\'s duties; moves into handling',
    refuses: 'the category it already has',
    stages: ['rapidResponse', 'categorizedHandling'],
    moves: { rapidResponse: { to: 'categorizedHandling' } },
    refuse(s, event) {
      const { out, cat } = s;
      if (event.payload.category === cat) out.push(`category: the incident is already ${cat}`);
    },
    apply(d, event) {
      const { c, plan, f, at, log } = acting(d, event);
      const from = c.category;
      c.category = event.payload.category;
      log(`classified ${from ? `${from} → ` : ''}${c.category} (${CATEGORY_LABELS[c.category].zh})`);
      if (from === 'inquiry') {
        for (const ob of c.obligations) if (OBLIGATIONS[ob.kind].category === from && ob.status === 'pending') d.waive(ob, `reclassified as ${c.category}`);
      }
      if (d.v3) {
        // a line the plan owes once the incident is so classified (000 篇五 §四(三)4: an untrue post 即刻上报)
        d.startLinesOn({ category: c.category }, at);
        // v3: the inquiry day is a rule of the four-way plans only, in scope, from the plan's start (the assessment as 重大)
        if (c.category === 'inquiry' && inquiryDayApplies(c) && !owed(c, 'inquiryOpinion')) {
          const t0 = limitStart(c);
          d.oblige('inquiryOpinion', t0, endOfLocalDay(plan.timeZone, t0), f.subject ?? f.dispatchedTo);
        }
      } else if (c.category === 'inquiry' && !owed(c, 'inquiryOpinion')) {
        const t0 = c.incident.discoveredAt;
        d.oblige('inquiryOpinion', t0, endOfLocalDay(plan.timeZone, t0), f.dispatchedTo);
      }
    },
  },
  replyOpinion: {
    does: 'the handling opinion, published (the unit\'s unified reply); meets the opinion, the explanation and the response; owes the result (or meets it when immediate)',
    refuses: 'under an approval step, a reply not yet approved',
    stages: ['categorizedHandling'],
    categories: ['inquiry'], handling: true, speaks: 5,
    refuse(s, event) {
      const { out, plan, v3, f } = s;
      // v3: under an approval step the reply goes out approved (draft → approve → publish)
      if (v3 && plan.approval && f.reply?.approvedAt === undefined) {
        out.push(`replyOpinion: the reply goes out only after ${plan.approval.role} (${ROLE_LABELS[plan.approval.role].zh}) approved it (${plan.approval.source}): ${f.reply?.draftedAt === undefined ? 'draftReply, then approve' : 'approve'}`);
      }
    },
    apply(d, event) {
      const { c, f, by, at, log } = acting(d, event);
      f.opinionRepliedAt ??= at;
      log(`handling opinion${event.payload.immediate ? ' (immediate reply with the result)' : ''}: ${event.payload.text}`);
      d.meet(d.find('inquiryOpinion'), at, by);
      d.meet(d.find('explanation'), at, by);
      // The unit's unified reply (统一回复) is its official public response too.
      d.meet(d.find('publicResponse'), at, by);
      if (event.payload.immediate) {
        f.handlingFinishedAt ??= at;
        f.resultRepliedAt ??= at;
        d.meet(d.find('inquiryResult'), at, by);
      } else if (!owed(c, 'inquiryResult') && (!d.v3 || inquiryDayApplies(c))) {
        d.oblige('inquiryResult', d.v3 ? Math.max(at, limitStart(c)) : at, null, f.dispatchedTo);
      }
    },
  },
  replyResult: {
    does: 'the result of handling (办理结果); meets the result and the explanation',
    refuses: 'no handling opinion yet',
    stages: ['categorizedHandling'],
    categories: ['inquiry'], handling: true, speaks: 5,
    refuse(s, event) {
      const { out, f } = s;
      if (f.opinionRepliedAt === undefined) out.push('replyResult: reply with the handling opinion first (replyOpinion)');
    },
    apply(d, event) {
      const { plan, f, by, at, log } = acting(d, event);
      f.resultRepliedAt ??= at;
      if (f.handlingFinishedAt === undefined) {
        f.handlingFinishedAt = at;
        const res = d.find('inquiryResult');
        if (res) { res.anchorAt = at; d.setDue(res, endOfLocalDay(plan.timeZone, at)); }
      }
      log(`result: ${event.payload.text}`);
      d.meet(d.find('inquiryResult'), at, by);
      d.meet(d.find('explanation'), at, by);
    },
  },
  finishHandling: {
    does: 'handling finished (办结); the result is due by the end of that day',
    stages: ['categorizedHandling'],
    categories: ['inquiry'], handling: true,
    apply(d, event) {
      const { c, plan, f, at, log } = acting(d, event);
      f.handlingFinishedAt = at;
      log(`handling finished${event.payload.note ? `: ${event.payload.note}` : ''}`);
      // v3: the result's day is owed only where the inquiry day runs (in scope, plans with the four-way split)
      if (d.v3 && !inquiryDayApplies(c) && !d.find('inquiryResult')) return;
      const res = d.find('inquiryResult') ?? d.oblige('inquiryResult', at, null, f.dispatchedTo);
      // v3: the result's day never runs from before the limits run (a backdated 办结 before the assessment as 重大)
      const from = d.v3 ? Math.max(at, limitStart(c)) : at;
      res.anchorAt = from;
      d.setDue(res, endOfLocalDay(plan.timeZone, from));
    },
  },
  publishFacts: {
    does: 'the facts and the handling published (hype), or the clarification (fabrication); meets the response and the explanation',
    stages: ['categorizedHandling', 'dynamicTracking'],
    categories: ['hype', 'fabrication'], handling: true, speaks: 3,
    apply(d, event) {
      const { f, by, at, log } = acting(d, event);
      f.publicFactsAt ??= at;
      log(`facts published on ${event.payload.channel}: ${event.payload.text}`);
      d.meet(d.find('publicResponse'), at, by);
      d.meet(d.find('explanation'), at, by);
    },
  },
  refer: {
    does: 'referral to the police or discipline bodies; tells them and the office',
    refuses: 'a hype incident before its facts were published',
    stages: ['categorizedHandling', 'dynamicTracking', 'summaryEvaluation'],
    categories: ['hype', 'fabrication'], handling: true,
    refuse(s, event) {
      const { out, cat, f } = s;
      if (cat === 'hype' && f.publicFactsAt === undefined) out.push('refer: a hype incident is referred only after the facts were published and it continues (publishFacts first)');
    },
    apply(d, event) {
      const { plan, f, at, log } = acting(d, event);
      f.referredAt ??= at;
      f.referredTo = event.payload.to;
      log(`referred to ${event.payload.to}: ${event.payload.reason}`);
      const roles: Role[] = ['lawEnforcement', 'office'];
      d.notify('referral', event.payload.to, `at=${idTime(at)}`, resolveRecipients(plan, roles), roles, { facts: { to: event.payload.to, reason: event.payload.reason } });
    },
  },
  adopt: {
    does: 'a constructive suggestion adopted and answered; meets the explanation and the response',
    stages: ['categorizedHandling'],
    categories: ['constructive'], handling: true, speaks: 5,
    apply(d, event) {
      const { f, by, at, log } = acting(d, event);
      f.adoptedAt ??= at;
      log(`suggestion adopted, reply: ${event.payload.text}`);
      d.meet(d.find('explanation'), at, by);
      d.meet(d.find('publicResponse'), at, by);
    },
  },
  regrade: {
    does: 'a new grade with a reason (an assessment); re-times or adds the grade\'s limits and upgrade reports; a rise after handling reopens it',
    refuses: 'the grade it already has (unless it makes a computed grade assessed)',
    stages: 'open',
    moves: { dynamicTracking: { to: 'categorizedHandling', when: 'escalates' }, summaryEvaluation: { to: 'categorizedHandling', when: 'escalates' } },
    refuse(s, event) {
      const { out, v3, ctx } = s;
      // v3: regrading a computed grade to itself makes it an assessment
      if (event.payload.grade === ctx.grade && !(v3 && ctx.gradeSource !== 'manual')) out.push(`grade: the incident is already ${ctx.grade}`);
    },
    apply(d, event) {
      const { c, by, at, log } = acting(d, event);
      log(`regrade requested ${c.grade} → ${event.payload.grade}: ${event.payload.reason}`);
      setGrade(d, event.payload.grade, [event.payload.reason], 'manual', by, at);
    },
  },
  assignTracker: {
    does: 'names the tracker (跟踪), who owes the follow-ups from now; moves to dynamic tracking',
    refuses: 'a tracker who is not a person; handling not finished',
    stages: ['categorizedHandling'],
    moves: { categorizedHandling: { to: 'dynamicTracking' } },
    handling: true,
    refuse(s, event) {
      const { out, needPerson, ctx } = s;
      needPerson('tracker', event.payload.tracker);
      const missing = handlingMissing(ctx);
      if (missing) out.push(`handling is not finished: ${missing}`);
    },
    apply(d, event) {
      const { plan, f, log } = acting(d, event);
      f.tracker = event.payload.tracker;
      log(`tracker: ${event.payload.tracker}`);
      // The named tracker answers for the follow-up reports from now on, in the role the plan gives them.
      const fu = d.find('followUp');
      const tracker = findPerson(plan, event.payload.tracker);
      if (fu && tracker) {
        const owner = answerable(plan, ownerRoleOf(plan, 'followUp'), tracker.id);
        fu.ownerId = owner.id;
        fu.ownerName = owner.name;
        fu.ownerRole = owner.role;
      }
    },
  },
  reopen: {
    does: 'handling reopened with a reason; the summary waits, follow-ups resume',
    stages: ['dynamicTracking', 'summaryEvaluation'],
    moves: { dynamicTracking: { to: 'categorizedHandling' }, summaryEvaluation: { to: 'categorizedHandling' } },
    apply(d, event) {
      const { log } = acting(d, event);
      log(`handling reopened: ${event.payload.reason}`);
    },
  },
  subside: {
    does: 'the incident subsided; owes one summary line per department that handled it (in scope)',
    stages: ['dynamicTracking'],
    moves: { dynamicTracking: { to: 'summaryEvaluation' } },
    apply(d, event) {
      const { c, plan, f, at, log } = acting(d, event);
      f.subsidedAt = at;
      log(`subsided: ${event.payload.reason}`);
      if (!d.v3) {
        d.obligeWithin('summaryReport', at, plan.deadlines.summaryReport ?? '3d');
        return;
      }
      // a major-only plan's summary is owed only when the incident was within its scope
      if (!inScope(c)) {
        log('summary: not owed (outside this plan\'s scope)');
        return;
      }
      // v3: one summary line per department that handled it (the 涉事主体, the one dispatched to, the tracker),
      // else the plan's summary owner (rule book, summaryReport: a default)
      const role = ownerRoleOf(plan, 'summaryReport');
      const writers = [...new Set([f.subject, f.dispatchedTo, f.tracker].filter((id): id is string => !!id && rolesOf(plan, id).includes(role)))];
      // (never from before the limits run: a subsiding backdated before the assessment as 重大)
      const from = Math.max(at, limitStart(c));
      for (const writer of writers.length ? writers : [undefined]) {
        if (plan.deadlines.summaryReport) d.obligeWithin('summaryReport', from, plan.deadlines.summaryReport, writer);
        else d.oblige('summaryReport', from, null, writer);
      }
    },
  },
  submitSummary: {
    does: 'a department\'s summary report; meets its line; the last one closes the incident',
    refuses: 'a fabrication not yet referred; a sender who owes no summary line; report lines still unmet at closing',
    stages: ['summaryEvaluation'],
    moves: { summaryEvaluation: { to: 'closed', when: 'closes' } },
    refuse(s, event) {
      const { out, v3, cat, ctx } = s;
      if (cat === 'fabrication' && ctx.facts.referredAt === undefined) {
        out.push('submitSummary: a fabrication incident cannot be closed before it is referred to discipline/law enforcement (refer)');
      }
      // v3: a department submits its own summary line; the others' stay owed
      const summaries = ctx.obligations.filter((o) => o.kind === 'summaryReport' && o.status === 'pending');
      if (v3 && summaryLinesOwned(ctx) && !summaries.some((o) => o.ownerId === event.payload.by)) {
        out.push(`by: ${event.payload.by} owes no summary line; they are owed by ${summaries.map((o) => `${o.ownerName} (${o.ownerId})`).join(', ')}`);
      }
      const closes = !v3 || summaries.every((o) => o.ownerId === event.payload.by || !summaryLinesOwned(ctx));
      // Closing requires every report line to be met (rule book, Endings); the summary itself is met by this act.
      if ((ctx.rulesVersion ?? 0) >= 1 && closes) refuseUnmetAtClosing(s, 'submitSummary');
    },
    closes: (ctx, event) => summaryCloses(ctx, event.payload.by),
    apply(d, event) {
      const { c, f, by, at, log } = acting(d, event);
      log(`summary report: ${event.payload.text}`);
      if (d.v3) {
        // each department's own line; the incident closes when every summary line is met
        const mine = c.obligations.filter((o) => o.kind === 'summaryReport' && o.status === 'pending' && (o.ownerId === by || !summaryLinesOwned(c)));
        for (const ob of mine) d.meet(ob, at, by);
        if (c.obligations.some((o) => o.kind === 'summaryReport' && o.status === 'pending')) return;
        f.closedAt = at;
        f.ending = { kind: 'closed', at: d.now, claimedAt: at, by };
        return;
      }
      f.closedAt = at;
      d.meet(d.find('summaryReport'), at, by);
      if (d.v1) f.ending = { kind: 'closed', at: d.now, claimedAt: at, by };
    },
  },
  finding: {
    does: 'a reviewer\'s finding about a person (false or concealed report, dereliction); serious loss is told to the police',
    refuses: 'a person or an obligation the incident does not have; the same finding twice',
    stages: 'open',
    refuse(s, event) {
      const { out, v3, needPerson, ctx } = s;
      needPerson('person', event.payload.person);
      // v5: nobody records a finding about themselves (rule book, Review)
      if ((ctx.rulesVersion ?? 0) >= 5 && event.payload.person === event.payload.by) out.push(`person: ${event.payload.by} cannot record a finding about themselves; another reviewer does`);
      const ob = event.payload.obligation;
      if (ob !== undefined && !ctx.obligations.some((o) => o.id === ob)) {
        out.push(`obligation: "${ob}" is not an obligation of this incident; it has ${ctx.obligations.map((o) => o.id).join(', ') || 'none'}`);
      }
      // One reviewer finding of a kind per person and obligation: a second would be the same record.
      // (v3 ids name the person on an obligation too, so findings about two people on one line are two records)
      const about = ob ? `${ctx.incident.id}/${ob}${v3 ? `/person=${event.payload.person}` : ''}` : `${ctx.incident.id}/person=${event.payload.person}`;
      if ((ctx.rulesVersion ?? 0) >= 1 && ctx.outcomes.some((o) => o.id === `${about}/review:${event.payload.kind}` && o.personId === event.payload.person)) {
        out.push(`kind: a ${event.payload.kind} finding about ${event.payload.person}${ob ? ` on ${ob}` : ''} is already recorded in this incident`);
      }
    },
    apply(d, event) {
      const { c, plan, by, at, log } = acting(d, event);
      const p = event.payload;
      const person = findPerson(plan, p.person) as Person;
      const ob = p.obligation ? c.obligations.find((o) => o.id === p.obligation) : undefined;
      log(`finding ${p.kind} against ${p.person}${ob ? ` on ${ob.id}` : ''}: ${p.details}${p.seriousLoss ? ' (serious loss: reported to the police)' : ''}`);
      d.outcome(p.kind, ob, at, `${p.details}${p.seriousLoss ? ' [严重损失，报公安机关]' : ''}`, by, { id: person.id, name: person.name, role: person.roles[0] }, { source: `review:${p.kind}` });
      if (p.seriousLoss) {
        // Dereliction causing serious loss is reported to the police (000 篇二 §三(五)).
        const roles: Role[] = ['lawEnforcement', 'principalLeader'];
        d.notify('findingReferral', `person=${person.id}/${p.kind}`, `at=${idTime(at)}`, resolveRecipients(plan, roles), roles, {
          facts: { finding: p.kind, person: person.name, details: p.details },
        });
      }
    },
  },
  commend: {
    does: 'a commendation of a person or a collective',
    refuses: 'neither or both named; the same commendation twice',
    stages: 'open',
    refuse(s, event) {
      const { out, v3, needPerson, ctx } = s;
      const p = event.payload;
      if (p.collective !== undefined && !v3) out.push('collective: a collective commendation needs the v3 rules');
      else if ((p.person === undefined) === (p.collective === undefined)) out.push('person: name a person or a collective (one of them)');
      if (p.person !== undefined) {
        needPerson('person', p.person);
        if ((ctx.rulesVersion ?? 0) >= 1 && ctx.outcomes.some((o) => o.id === `${ctx.incident.id}/person=${p.person}/review:commendation`)) {
          out.push(`person: ${p.person} is already commended in this incident`);
        }
      } else if (p.collective !== undefined && ctx.outcomes.some((o) => o.id === `${ctx.incident.id}/collective=${p.collective}/review:commendation`)) {
        out.push(`collective: ${p.collective} is already commended in this incident`);
      }
    },
    apply(d, event) {
      const { plan, by, at, log } = acting(d, event);
      const p = event.payload;
      if (p.collective !== undefined) {
        // a collective (a section, a group): named, not a person of the plan
        log(`commendation for the collective ${p.collective}: ${p.reason}`);
        d.outcome('commendation', undefined, at, p.reason, by, { id: '', name: p.collective, role: 'department' }, { source: `review:commendation`, collective: p.collective });
        return;
      }
      const person = findPerson(plan, p.person!) as Person;
      log(`commendation for ${p.person}: ${p.reason}`);
      d.outcome('commendation', undefined, at, p.reason, by, { id: person.id, name: person.name, role: person.roles[0] }, { source: `review:commendation` });
    },
  },
  dismiss: {
    does: 'dismissed with its ground (不构成舆情); waives what is not yet due',
    refuses: 'v3: no ground; outOfScope under a plan for every grade, or for an incident assessed within scope',
    stages: ['researchAndWarning'],
    moves: { researchAndWarning: { to: 'dismissed' } },
    refuse(s, event) {
      const { out, plan, v3, ctx } = s;
      // v3: a dismissal names its ground (rule book, Endings)
      if (!v3) return;
      const g = event.payload.ground;
      if (!g) out.push('ground: name why it is dismissed: outOfScope (not within this plan\'s scope), notOurs (not an incident of this unit) or notAnIncident');
      else if (g === 'outOfScope' && plan.scope !== 'majorOnly') out.push(`ground: plan ${plan.id} covers every grade; outOfScope applies to a major-only plan`);
      else if (g === 'outOfScope' && inScope(ctx)) out.push(`ground: the incident was assessed as ${ctx.grade}, within this plan's scope; reassess it first (regrade)`);
    },
    apply(d, event) {
      const { f, by, at, log } = acting(d, event);
      f.dismissedAt = at;
      f.dismissReason = event.payload.reason;
      if (event.payload.ground) f.dismissGround = event.payload.ground;
      log(`dismissed${event.payload.ground ? ` (${event.payload.ground})` : ''}: ${event.payload.reason}`);
      // Judged at the dismissal's recorded time: a backdated `at` never clears an overdue obligation.
      if (d.v1) f.ending = { kind: 'dismissed', at: d.now, claimedAt: at, reason: event.payload.reason, by };
    },
  },
  withdraw: {
    does: 'withdrawn by a person with a reason (撤销); keeps what fell due for review',
    stages: 'open',
    moves: { open: { to: 'withdrawn' } },
    apply(d, event) {
      const { f, by, at, log } = acting(d, event);
      log(`withdrawn: ${event.payload.reason}`);
      f.ending = { kind: 'withdrawn', at: d.now, claimedAt: at, reason: event.payload.reason, by };
    },
  },
  nameSubject: {
    does: 'names the 涉事主体: its open lines get their owner; a report it already made in time meets them',
    refuses: 'a department that is not one, or is already the 涉事主体',
    stages: 'open',
    since: 3, planHas: (plan) => lineDefs(plan).some((l) => l.from === 'subject'),
    refuse(s, event) {
      const { out, plan, f } = s;
      const p = findPerson(plan, event.payload.department);
      if (!p) out.push(`department: "${event.payload.department}" is not a person in plan ${plan.id}`);
      else if (!p.roles.includes('department')) out.push(`department: ${p.id} does not hold role department`);
      else if (f.subject === p.id) out.push(`department: ${p.id} is already the 涉事主体 of this incident`);
    },
    apply(d, event) {
      const { c, plan, f, at, log } = acting(d, event);
      const dep = findPerson(plan, event.payload.department) as Person;
      f.subject = dep.id;
      f.subjectNamedAt = at;
      log(`涉事主体: ${dep.name} (${dep.id})`);
      // its open lines get a personal owner from now on; a lapse before this stays marked for the reviewer
      for (const ob of c.obligations) {
        if (ob.status !== 'pending' || ob.line?.from !== 'subject') continue;
        ob.ownerId = dep.id;
        ob.ownerName = dep.name;
        ob.ownerRole = 'department';
        // named (or renamed) after the line fell due: who answers for the lapse is the reviewer's call
        ob.line = { ...ob.line, ownerNamedAt: at, ...(ob.dueAt !== null && ob.dueAt < at ? { ownerNotNamed: true } : {}) };
        // a report the 涉事主体 already made to that recipient since the line began meets it
        const made = (f.reports ?? []).filter((r) => r.by === dep.id && r.kind !== 'followUp' && r.at >= ob.anchorAt && reaches(ob.line!, r)).sort((x, y) => x.at - y.at)[0];
        // (only one made in time: a late one is left for the reviewer, never booked by the naming itself)
        if (made && (ob.dueAt === null || made.at <= ob.dueAt)) d.meet(ob, made.at, made.by);
        else d.notifyAssigned(ob);
      }
      // v5: and the duties nobody owned yet that a department owes
      d.passUnowned(dep.id);
    },
  },
  draftReply: {
    does: 'a reply drafted for approval; tells the approver',
    refuses: 'a plan without an approval step; not an inquiry; the reply already published',
    stages: ['categorizedHandling'],
    since: 3, planHas: (plan) => plan.approval !== undefined,
    refuse(s, event) {
      const { out, plan, f, ctx } = s;
      if (!plan.approval) out.push(`draftReply: plan ${plan.id} has no approval step; reply with replyOpinion`);
      else if (ctx.category !== 'inquiry') out.push(`draftReply applies to inquiry incidents; this one is ${ctx.category ?? 'not classified'}`);
      else if (f.opinionRepliedAt !== undefined) out.push('draftReply: the reply has already been published');
    },
    apply(d, event) {
      const { plan, f, by, at, log } = acting(d, event);
      f.reply = { draftedAt: at, draftedBy: by };
      log(`reply drafted for approval: ${event.payload.text}`);
      const roles: Role[] = [plan.approval!.role];
      d.notify('approval', 'reply', `at=${idTime(at)}`, resolveRecipients(plan, roles), roles, { facts: { draftedBy: by, text: event.payload.text } });
    },
  },
  approve: {
    does: 'the approver\'s approval of the drafted reply (审定)',
    refuses: 'no draft; already approved; the drafter approving their own draft',
    stages: ['categorizedHandling'],
    since: 3, planHas: (plan) => plan.approval !== undefined,
    refuse(s, event) {
      const { out, plan, f } = s;
      if (!plan.approval) out.push(`approve: plan ${plan.id} has no approval step`);
      else if (f.reply?.draftedAt === undefined) out.push('approve: there is no drafted reply to approve (draftReply first)');
      else if (f.reply.approvedAt !== undefined) out.push(`approve: the reply was already approved by ${f.reply.approvedBy}`);
      // the approver is not the drafter (rule book, Who is involved: a default)
      else if (f.reply.draftedBy === event.payload.by) out.push(`by: ${event.payload.by} drafted the reply; another ${plan.approval.role} approves it`);
    },
    apply(d, event) {
      const { f, by, at, log } = acting(d, event);
      f.reply = { ...f.reply, approvedAt: at, approvedBy: by };
      log(`reply approved (审定)${event.payload.note ? `: ${event.payload.note}` : ''}`);
    },
  },
  handlingStep: {
    does: 'a handling step the grade requires (派出所\'s request, the 处置方案, 党政办\'s coordination)',
    refuses: 'a step the plan or the grade does not have; a role that does not record it; out of order; twice',
    stages: ['rapidResponse', 'categorizedHandling'],
    since: 3, planHas: (plan) => (plan.handlingSteps ?? []).length > 0,
    refuse(s, event) {
      const { out, plan, f, roles, ctx } = s;
      const step = (plan.handlingSteps ?? []).find((s) => s.key === event.payload.step);
      if (!step) out.push(`step: "${event.payload.step}" is not a handling step of plan ${plan.id}${(plan.handlingSteps ?? []).length ? `; it has ${(plan.handlingSteps ?? []).map((s) => s.key).join(', ')}` : ''}`);
      else {
        if (!step.grades.includes(ctx.grade)) out.push(`step: ${step.key} is for ${step.grades.join('/')} incidents; this one is ${ctx.grade}`);
        if (!roles.some((r) => step.roles.includes(r))) out.push(`by: ${event.payload.by} holds ${roles.join(', ')}; step ${step.key} is recorded by ${step.roles.join(', ')}`);
        if (step.after && !f.steps?.[step.after]) out.push(`step: ${step.key} comes after ${step.after}, which is not recorded`);
        if (f.steps?.[step.key]) out.push(`step: ${step.key} is already recorded`);
      }
    },
    apply(d, event) {
      const { plan, f, by, at, log } = acting(d, event);
      const step = (plan.handlingSteps ?? []).find((x) => x.key === event.payload.step)!;
      f.steps = { ...f.steps, [step.key]: { at, by } };
      log(`${step.label} (${step.source})${event.payload.note ? `: ${event.payload.note}` : ''}`);
      // a line the plan owes once this step is recorded (000 篇五 §四(三)1: the facts to 县委党政办 after investigating)
      d.startLinesOn({ step: step.key }, at);
    },
  },
  correctDiscovery: {
    does: 'the office corrects who discovered it or when, with a reason; re-dates the unmet limits',
    refuses: 'nothing to correct; a person not of the plan; a time in the future or after what was recorded since',
    stages: 'open',
    since: 3,
    refuse(s, event) {
      const { out, plan, ctx } = s;
      const p = event.payload;
      if (p.discoveredAt === undefined && p.discoveredBy === undefined) out.push('discoveredAt: name the corrected discoveredAt or discoveredBy (or both)');
      if (p.discoveredBy !== undefined && !findPerson(plan, p.discoveredBy)) out.push(`discoveredBy: "${p.discoveredBy}" is not a person in plan ${plan.id}`);
      if (p.discoveredAt !== undefined) {
        const t = Date.parse(p.discoveredAt);
        if (t > event.recordedAt + CLOCK_SKEW_MS) out.push('discoveredAt: is in the future');
        const first = ctx.timeline.find((e) => e.action !== 'discover' && e.by !== undefined && e.at < t);
        if (first) out.push(`discoveredAt: is after ${first.action} by ${first.by} at ${formatLocal(plan.timeZone, first.at)}`);
      }
    },
    apply(d, event) {
      const { by, at } = acting(d, event);
      correctDiscovery(d, event.payload, at, by);
    },
  },
  startHandling: {
    does: 'graded handling begins (plans without the four-way split); moves into handling',
    refuses: 'a plan that handles by category',
    stages: ['rapidResponse'],
    moves: { rapidResponse: { to: 'categorizedHandling' } },
    since: 3, planHas: (plan) => plan.categories === 'optional',
    refuse(s, event) {
      const { out, plan } = s;
      if (plan.categories !== 'optional') out.push(`startHandling: plan ${plan.id} handles by category: classify the incident`);
    },
    apply(d, event) {
      const { c, log } = acting(d, event);
      log(`graded handling begins (${label(GRADE_LABELS, c.grade, 'zh')})${event.payload.note ? `: ${event.payload.note}` : ''}`);
    },
  },
  nameDepartments: {
    does: 'names the departments a 通报 goes to: each gets its own line',
    refuses: 'a department that is not one; no 通报 owed or outside the scope; a sender neither the reporting section nor the office',
    stages: 'open',
    since: 3, planHas: (plan) => lineDefs(plan).some((l) => l.notify !== undefined),
    refuse(s, event) {
      const { out, plan, roles, ctx } = s;
      for (const [i, id] of event.payload.departments.entries()) {
        const p = findPerson(plan, id);
        if (!p) out.push(`departments.${i}: "${id}" is not a person in plan ${plan.id}`);
        else if (!p.roles.includes('department')) out.push(`departments.${i}: ${id} does not hold role department`);
      }
      const owed = ctx.obligations.filter((o) => o.line?.notifyWithin !== undefined && o.status === 'pending');
      if (!inScope(ctx)) out.push(`nameDepartments: the incident is assessed as ${ctx.grade}, outside this plan's scope: no 通报 runs now`);
      else if (!owed.length) out.push('nameDepartments: no 通报 is owed in this incident (it comes with a report line that names one)');
      else if (!roles.some((r) => r === 'office' || r === 'officeDirector') && !owed.some((o) => o.ownerId === event.payload.by)) {
        out.push(`by: the reporting section (${[...new Set(owed.map((o) => o.ownerId))].join(', ')}) or the office names the departments`);
      }
    },
    apply(d, event) {
      const { c, at, log } = acting(d, event);
      log(`通报 departments named: ${event.payload.departments.join(', ')}`);
      // (never from before the limits run: a naming backdated before the assessment as 重大)
      d.nameDepartments(event.payload.departments, Math.max(at, limitStart(c)));
    },
  },
  acknowledge: {
    does: 'acknowledges an obligation\'s notices: the owner\'s stops the reminders to the owner; one above the owner on the policy stops the escalation; never meets it',
    refuses: 'an obligation not pending; a sender neither its owner nor on its policy; acknowledged already',
    stages: 'open',
    since: 4,
    refuse(s, event) {
      const { out, plan, by, ctx } = s;
      const id = event.payload.obligation;
      const ob = ctx.obligations.find((o) => o.id === id);
      if (!ob) {
        out.push(`obligation: "${id}" is not an obligation of this incident (its ids are listed by show)`);
        return;
      }
      if (ob.status !== 'pending') {
        out.push(`obligation: ${id} is already ${ob.status}; there is nothing to acknowledge`);
        return;
      }
      if (!by) return;
      const esc = ob.escalation;
      if (ob.ownerId !== '' && ob.ownerId === by.id) {
        if (esc?.ownerAckedAt !== undefined) out.push(`by: ${by.id} (the owner) already acknowledged ${id}`);
        return;
      }
      const above = rolesAbove(plan, ob.ownerRole);
      if (!by.roles.some((r) => above.includes(r))) {
        out.push(`by: ${by.id} is neither the owner of ${id} (${ob.ownerName}) nor on its escalation policy (roles ${above.join(', ')})`);
      } else if (esc?.acked) {
        out.push(`obligation: ${id}'s escalation was already acknowledged by ${esc.acked.name} (${esc.acked.personId})`);
      }
    },
    apply(d, event) {
      const { c, plan, by, at } = acting(d, event);
      const ob = c.obligations.find((o) => o.id === event.payload.obligation)!;
      const person = findPerson(plan, by)!;
      const esc: EscalationState = ob.escalation ?? { sent: 0 };
      const owner = ob.ownerId === by;
      const actingAs = owner ? ob.ownerRole : person.roles.find((r) => rolesAbove(plan, ob.ownerRole).includes(r))!;
      if (owner) ob.escalation = { ...esc, ownerAckedAt: at };
      else {
        const { next: _stopped, ...rest } = esc;
        ob.escalation = { ...rest, acked: { personId: person.id, name: person.name, role: actingAs, at } };
      }
      d.timeline({
        action: 'acknowledge', by, role: actingAs, at,
        details: owner
          ? `${ob.id}: acknowledged by its owner (reminders to the owner stop; the obligation is still owed)${event.payload.note ? `: ${event.payload.note}` : ''}`
          : `${ob.id}: acknowledged by ${person.name} (${actingAs}); the escalation stops, the obligation is still owed${event.payload.note ? `: ${event.payload.note}` : ''}`,
      });
      const params: AcknowledgementParams = {
        id: `${c.incident.id}/${ob.id}/ack/${person.id}`, incidentId: c.incident.id, unitId: plan.unit.id, obligationId: ob.id,
        personId: person.id, personName: person.name, role: actingAs, scope: owner ? 'owner' : 'policy', at,
        ...(event.payload.note ? { note: event.payload.note } : {}),
      };
      d.notes.push({ type: 'recordAcknowledgement', params });
    },
  },
  waiveSummary: {
    does: 'the office waives the summary line of a department named in error, with the reason; the last open line waived closes the incident',
    refuses: 'a department that owes no open summary line; a department waiving its own; the only summary, none submitted; report lines still unmet at closing',
    stages: ['summaryEvaluation'],
    moves: { summaryEvaluation: { to: 'closed', when: 'closes' } },
    since: 3,
    refuse(s, event) {
      const { out, ctx } = s;
      const dep = event.payload.department;
      const summaries = ctx.obligations.filter((o) => o.kind === 'summaryReport' && o.status !== 'waived');
      const open = summaries.filter((o) => o.status === 'pending');
      if (!open.some((o) => o.ownerId === dep)) {
        out.push(`department: ${dep} owes no open summary line${open.length ? `; they are owed by ${open.map((o) => `${o.ownerName} (${o.ownerId})`).join(', ')}` : ''}`);
        return;
      }
      if (event.payload.by === dep) out.push(`by: ${dep} cannot waive its own summary line; the office does`);
      // the incident still needs one summary: waiving every line would close it with none
      if (summaries.every((o) => o.ownerId === dep)) out.push(`department: ${dep}'s is the only summary line; it is submitted (submitSummary), not waived`);
      else if (closesByWaiver(ctx, dep)) refuseUnmetAtClosing(s, 'waiveSummary');
    },
    apply(d, event) {
      const { c, f, by, at, log } = acting(d, event);
      const dep = event.payload.department;
      log(`summary line of ${dep} waived (named in error): ${event.payload.reason}`);
      for (const ob of c.obligations) {
        if (ob.kind === 'summaryReport' && ob.status === 'pending' && ob.ownerId === dep) d.waive(ob, `named in error: ${event.payload.reason}`);
      }
      if (c.obligations.some((o) => o.kind === 'summaryReport' && o.status === 'pending')) return;
      f.closedAt = at;
      f.ending = { kind: 'closed', at: d.now, claimedAt: at, by };
    },
    closes: (ctx, event) => closesByWaiver(ctx, event.payload.department),
  },
  nameSummaryDepartment: {
    does: 'the office names a department that owes a summary line of its own (from the subsiding, or the naming if later); a line nobody owned yet passes to it',
    refuses: 'a person not holding the plan\'s summary role; one who already owes a summary line; an incident owing no summary',
    stages: ['summaryEvaluation'],
    since: 3,
    refuse(s, event) {
      const { out, plan, ctx } = s;
      const dep = event.payload.department;
      const role = ownerRoleOf(plan, 'summaryReport');
      if (!findPerson(plan, dep)) out.push(`department: "${dep}" is not a person in plan ${plan.id}`);
      else if (!rolesOf(plan, dep).includes(role)) out.push(`department: ${dep} does not hold role ${role}, which writes this plan's summaries`);
      const lines = ctx.obligations.filter((o) => o.kind === 'summaryReport' && o.status !== 'waived' && o.anchorAt >= (ctx.facts.subsidedAt ?? 0));
      if (!lines.length) out.push('nameSummaryDepartment: no summary is owed in this incident (outside the plan\'s scope)');
      else if (lines.some((o) => o.ownerId === dep && !o.ownerAmbiguous)) out.push(`department: ${dep} already owes a summary line`);
    },
    apply(d, event) {
      const { c, plan, f, at, log } = acting(d, event);
      const dep = event.payload.department;
      log(`summary owed by ${dep} (named by the office)`);
      const unowned = c.obligations.find((o) => o.kind === 'summaryReport' && o.status === 'pending' && o.ownerAmbiguous);
      if (unowned) {
        d.assignOwner(unowned, dep);
        d.notifyAssigned(unowned);
        return;
      }
      // (never from before the subsiding, nor before the limits run)
      const from = Math.max(at, f.subsidedAt ?? at, limitStart(c));
      if (plan.deadlines.summaryReport) d.obligeWithin('summaryReport', from, plan.deadlines.summaryReport, dep);
      else d.oblige('summaryReport', from, null, dep);
    },
  },
};

const defOf = (action: ActionName) => ACTION_TABLE[action] as ActionDef<ActionName>;

/** Waiving this department's summary line leaves none open (the others submitted): the incident closes. */
function closesByWaiver(ctx: IncidentContext, department: string): boolean {
  return ctx.obligations.every((o) => o.kind !== 'summaryReport' || o.status !== 'pending' || o.ownerId === department);
}

/** Closing requires every report line to be met (rule book, Endings); a summary line is settled by the closing act. */
function refuseUnmetAtClosing(s: RefusalScope, action: ActionName) {
  // (v5: a step owed by a body outside the unit never keeps the unit from closing; it is recorded as unmet)
  const outsideOk = (s.ctx.rulesVersion ?? 0) >= 5;
  const open = s.ctx.obligations.filter((o) => o.status === 'pending' && isReportKind(o.kind) && o.kind !== 'summaryReport' && !(outsideOk && o.line?.outside));
  if (open.length) s.out.push(`${action}: the incident cannot close while report lines are unmet: ${open.map((o) => `${o.id} (${o.ownerName})`).join(', ')}`);
}

/** The rules version an action needs in a stage. */
export function sinceIn(action: ActionName, stage: Stage): number {
  const since = defOf(action).since;
  return typeof since === 'number' ? since : since?.[stage] ?? 0;
}

/** Whether the incident's rules and plan have an action at all, in its current stage (v3 actions; a plan's approval, steps, subject …). */
export function planAllows(ctx: IncidentContext, action: ActionName): boolean {
  const def = defOf(action);
  if ((ctx.rulesVersion ?? 0) < sinceIn(action, ctx.stage)) return false;
  return (ctx.rulesVersion ?? 0) < 3 || !def.planHas || def.planHas(ctx.plan);
}

/** Actions that belong to some categories' handling only (分类处置, 000 篇一 §四(三)). */
export const ACTION_CATEGORIES: Partial<Record<ActionName, readonly Category[]>> = Object.fromEntries(
  Object.entries(ACTION_TABLE).filter(([, d]) => d.categories).map(([a, d]) => [a, d.categories]),
);

export function categoryAllows(action: ActionName, category: Category | undefined): boolean {
  const only = defOf(action).categories;
  return only === undefined || (category !== undefined && only.includes(category));
}

/**
 * The action's own refusals after the shared ones: its rules version, the v3 rule book's shared checks, its
 * categories, then its own. (An action the incident's rules do not have is refused for that alone.)
 */
export function actionRefusals(ctx: IncidentContext, event: ActionEvent): string[] {
  const plan = ctx.plan;
  const action = event.action;
  const def = defOf(action);
  const rules = ctx.rulesVersion ?? 0;
  const by = findPerson(plan, event.payload.by);
  const out: string[] = [];
  const since = sinceIn(action, ctx.stage);
  if (rules < since) {
    // (an action some stage took later is not allowed in that stage under older rules)
    out.push(typeof def.since === 'number'
      ? `${action}: this incident runs under older rules (v${rules}); the action needs v${since}`
      : `${action} is not allowed in stage ${ctx.stage} (${STAGE_LABELS[ctx.stage].zh}) under this incident's rules (v${rules})`);
    return out;
  }
  const s: RefusalScope = {
    ctx, plan, f: ctx.facts, cat: ctx.category, by, roles: by?.roles ?? [], v3: rules >= 3, out,
    needPerson: (field, id, role) => {
      const p = findPerson(plan, id);
      if (!p) out.push(`${field}: "${id}" is not a person in plan ${plan.id}`);
      else if (role && !p.roles.includes(role)) out.push(`${field}: ${id} does not hold role ${role}`);
    },
  };
  if (s.v3) sharedRefusals(s, event, def);
  if (def.categories && !categoryAllows(action, ctx.category)) {
    out.push(`${action} applies to ${def.categories.join(' and ')} incidents; this one is ${ctx.category ?? 'not classified'}`);
  }
  def.refuse?.(s, event);
  return out;
}

/** v3: the rule book's checks shared by actions: handling waits for the grade's steps, who may speak, the plan's grades, who assesses. */
function sharedRefusals(s: RefusalScope, event: ActionEvent, def: ActionDef<ActionName>) {
  const { ctx, plan, f, by, roles, out } = s;
  const action = event.action;
  if (def.handling) {
    const missing = missingSteps(ctx);
    if (missing.length) out.push(`${action}: handling waits for ${missing.map((x) => `${x.key} (${x.label}, ${x.source})`).join(', ')}: record it with handlingStep`);
  }
  const voices = plan.voices?.[ctx.grade];
  if (def.speaks !== undefined && (ctx.rulesVersion ?? 0) >= def.speaks && voices && !roles.some((r) => voices.includes(r))) {
    out.push(`by: for a ${ctx.grade} incident only ${voices.map((r) => `${r} (${ROLE_LABELS[r].zh})`).join(', ')} may speak publicly under plan ${plan.id}`);
  }
  // a plan that knows fewer grades (the 001 school plan's two tiers) takes only its own
  const g = event.action === 'assess' || event.action === 'regrade' ? event.payload.grade : undefined;
  if (g && plan.grades && !plan.grades.includes(g)) out.push(`grade: plan ${plan.id} knows ${plan.grades.join(', ')}; not ${g}`);
  // the 涉事主体 assesses its own incident (000 篇五 §五(二)): another department does not
  if ((action === 'assess' || action === 'regrade') && f.subject && by && roles.includes('department') && event.payload.by !== f.subject
    && !roles.some((r) => r !== 'department' && allowedRoles(plan, action).includes(r))) {
    out.push(`by: ${event.payload.by} is not the 涉事主体 of this incident (${f.subject}); the 涉事主体 or the office assesses it`);
  }
}

/** Whether an action closes the incident now (its move `when: 'closes'`). */
export function closesIncident(ctx: IncidentContext, event: ActionEvent): boolean {
  return defOf(event.action).closes?.(ctx, event) ?? false;
}

/** Apply an accepted action to the draft. */
export function applyAction(d: Draft, event: ActionEvent) {
  defOf(event.action).apply(d, event);
}

// ───────────────────────────── the machine's transitions, from the table ─────────────────────────────

type Transition = { guard: string; target?: string; actions: 'apply' };
type On = Record<string, Transition | Transition[]>;


function transition(move: ActionMove | undefined, target: (to: Stage) => string): Transition | Transition[] {
  if (!move) return { guard: 'allowed', actions: 'apply' };
  if (!move.when) return { guard: 'allowed', target: target(move.to), actions: 'apply' };
  // the conditional move first; otherwise the action is taken where the incident stands
  return [{ guard: move.when, target: target(move.to), actions: 'apply' }, { guard: 'allowed', actions: 'apply' }];
}

/** The transitions every open stage takes (the machine's root): actions declared for 'open'. */
export function openTransitions(): On {
  const on: On = {};
  for (const [action, def] of Object.entries(ACTION_TABLE) as [ActionName, ActionDef<ActionName>][]) {
    if (def.stages === 'open') on[eventTypeOf(action)] = transition(def.moves?.open, (to) => `.${to}`);
  }
  return on;
}

/** A stage's own transitions: the actions it takes, and an open action's move from it (a rise reopens handling). */
export function stageTransitions(stage: Stage): On {
  const on: On = {};
  for (const [action, def] of Object.entries(ACTION_TABLE) as [ActionName, ActionDef<ActionName>][]) {
    const move = def.moves?.[stage];
    if (def.stages === 'open' ? move !== undefined : def.stages.includes(stage)) on[eventTypeOf(action)] = transition(move, (to) => to);
  }
  return on;
}

/**
 * v3: a report meets every open line its owner owes to that recipient (rule book, Meeting a line), starts the
 * relays, and under a plan that says so (000 篇三) a phone report owes a written report as its own line.
 */
function reportV3(d: Draft, p: ActionPayloads['report'], at: number, by: string) {
  const c = d.ctx;
  const plan = c.plan;
  const f = c.facts;
  const to = reportRecipient(plan, p.to)!;
  f.reports = [...(f.reports ?? []), { by, to: p.to, roles: to.roles, ...(to.personId ? { personId: to.personId } : {}), at, mode: p.mode, kind: p.kind }];
  if (p.kind === 'followUp') {
    f.followUps += 1;
    const fu = d.find('followUp');
    d.meet(fu, at, by);
    const from = Math.max(at, limitStart(c));
    if (fu && c.stage !== 'researchAndWarning' && plan.deadlines.followUpEvery && inScope(c)) d.oblige('followUp', from, from + dur(plan.deadlines.followUpEvery), c.facts.tracker);
  }
  // a written report meets the written report its owner owes after phoning that recipient
  if (p.mode === 'written' || p.mode === 'message') {
    for (const ob of c.obligations) {
      if (ob.kind === 'writtenReport' && ob.status === 'pending' && ob.ownerId === by && ob.line && reaches(ob.line, to)) d.meet(ob, at, by);
    }
  }
  if (p.kind !== 'initial') return;
  // (a 通报 waiting for its departments is met only once they are named: each department's own line)
  const lines = c.obligations.filter((o) => o.line && !o.line.recipientsPending && o.kind !== 'writtenReport' && o.status === 'pending' && reaches(o.line, to) && d.ownerMatches(o, by));
  for (const ob of lines) {
    if (p.receipt) ob.line = { ...ob.line!, receipt: p.receipt };
    d.meet(ob, at, by);
    d.startRelays(ob, to);
    if (p.mode === 'phone' && ob.line!.writtenAfterPhone && inScope(c)) {
      // 紧急: 30 min after the phone report; otherwise the later of that and the line's own limit (rule book, writtenReport)
      const after = at + dur(ob.line!.writtenAfterPhone);
      const due = p.urgent || ob.dueAt === null ? after : Math.max(after, ob.dueAt);
      f.phoneReports += 1;
      const w = d.oblige('writtenReport', at, due, by);
      w.line = { ...ob.line!, label: `${ob.line!.label}（书面报告）` };
    }
  }
}

/**
 * v3: the office corrects the discovery facts (rule book, Fair process): limits still unmet that ran from the old
 * discovery are re-dated from the new one, the discoverer's open lines pass to the person named; the correction is in
 * the timeline.
 */
function correctDiscovery(d: Draft, p: ActionPayloads['correctDiscovery'], at: number, by: string) {
  const c = d.ctx;
  const old = c.incident.discoveredAt;
  const t = p.discoveredAt !== undefined ? Date.parse(p.discoveredAt) : old;
  const who = p.discoveredBy ?? c.incident.discoveredBy;
  c.incident = { ...c.incident, discoveredAt: t, discoveredBy: who };
  if (c.plan.scope === 'majorOnly' && c.majorAt === old) c.majorAt = t;
  d.timeline({ action: 'correctDiscovery', by, role: rolesOf(c.plan, by)[0], at, details: `discovery corrected: ${p.discoveredBy ? `by ${who} ` : ''}${p.discoveredAt ? `at ${formatLocal(c.plan.timeZone, t)} (was ${formatLocal(c.plan.timeZone, old)})` : ''} — ${p.reason}` });
  const person = findPerson(c.plan, who);
  for (const ob of c.obligations) {
    if (ob.status !== 'pending') continue;
    if (p.discoveredBy && person && ob.line?.from === 'discoverer' && ob.kind !== 'writtenReport') {
      ob.ownerId = person.id;
      ob.ownerName = person.name;
      ob.ownerRole = person.roles[0];
    }
    if (t !== old && ob.anchorAt === old) {
      ob.anchorAt = t;
      const due = ob.dueAt === null ? null : ob.kind === 'inquiryOpinion' ? endOfLocalDay(c.plan.timeZone, t) : ob.dueAt + (t - old);
      d.setDue(ob, due);
    } else if (p.discoveredBy && ob.line?.from === 'discoverer' && ob.kind !== 'writtenReport') d.notifyAssigned(ob);
  }
}

// ───────────────────────────── the table in docs/rules.md §8.2 ─────────────────────────────

export const ACTION_TABLE_BEGIN = '<!-- action-table:begin (generated by actionTable() in src/machines/actions.ts) -->';
export const ACTION_TABLE_END = '<!-- action-table:end -->';

const STAGE_SHORT: Record<Stage, string> = {
  researchAndWarning: '研判预警', rapidResponse: '快速反应', categorizedHandling: '分类处置', dynamicTracking: '动态跟踪',
  summaryEvaluation: '总结评估', dismissed: '不构成舆情', closed: '已结案', withdrawn: '已撤销', cancelled: '已取消',
};

/** The action table as Markdown: one row per action, in the order of ACTIONS. */
export function actionTable(): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const moveText = (m: ActionMove) => `→ ${STAGE_SHORT[m.to]}${m.when ? ` (${m.when === 'closes' ? 'the last summary line' : 'when the grade rises'})` : ''}`;
  const rows = (Object.keys(ACTION_TABLE) as ActionName[]).map((a) => {
    const d = defOf(a);
    const stages = d.stages === 'open'
      ? `every open stage${d.moves?.open ? ` ${moveText(d.moves.open)}` : ''}`
      : d.stages.map((s) => `${STAGE_SHORT[s]}${d.moves?.[s] ? ` ${moveText(d.moves[s]!)}` : ''}`).join('; ');
    const moreMoves = d.stages === 'open'
      ? (Object.entries(d.moves ?? {}) as [Stage | 'open', ActionMove][]).filter(([s]) => s !== 'open').map(([s, m]) => `from ${STAGE_SHORT[s as Stage]} ${moveText(m)}`)
      : [];
    const since = typeof d.since === 'number' ? `v${d.since}` : d.since ? Object.entries(d.since).map(([s, v]) => `v${v} in ${STAGE_SHORT[s as Stage]}`).join(', ') : '';
    const needs = [
      since,
      d.planHas ? 'a plan that has it' : '',
      d.categories ? `${d.categories.join('/')} only` : '',
      d.handling ? 'waits for the handling steps' : '',
      d.speaks !== undefined ? `the grade's voices${d.speaks > 3 ? ` (v${d.speaks})` : ''}` : '',
    ].filter(Boolean).join('; ');
    return `| \`${a}\` | ${cell([stages, ...moreMoves].join('; '))} | ${needs || '—'} | ${cell(d.refuses ?? '—')} | ${cell(d.does)} |`;
  });
  return ['| action | stages (→ where it moves) | needs | its own refusals | what it records |', '|---|---|---|---|---|', ...rows].join('\n');
}

/**
 * docs/rules.md with the generated action table between its markers. To write it:
 *   npx tsx -e "import { readFileSync as r, writeFileSync as w } from 'node:fs'; import { withActionTable as t } from './src/machines/actions.ts'; w('docs/rules.md', t(r('docs/rules.md', 'utf8')))"
 */
export function withActionTable(doc: string): string {
  const start = doc.indexOf(ACTION_TABLE_BEGIN);
  const end = doc.indexOf(ACTION_TABLE_END);
  if (start < 0 || end < start) throw new Error(`docs/rules.md needs the markers:\n${ACTION_TABLE_BEGIN}\n${ACTION_TABLE_END}`);
  return `${doc.slice(0, start + ACTION_TABLE_BEGIN.length)}\n${actionTable()}\n${doc.slice(end)}`;
}
