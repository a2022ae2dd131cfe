import { initialTransition, transition } from 'xstate';
import type { ActionName } from '../../src/plan/codes';
import { actionSchemas, type ActionPayloadInputs, type Metrics } from '../../src/plan/incident.schema';
import { planSchema, type Plan, type PlanInput } from '../../src/plan/plan.schema';
import type { ActionEvent, Effect, IncidentEvent } from '../../src/machines/incident.rules';
import { eventTypeOf, idTime } from '../../src/machines/incident.rules';
import { incidentMachine, type IncidentSnapshot } from '../../src/machines/incident.machine';
import type { Finding } from '../../src/machines/effects';
import { isoLocal } from '../../src/plan/time-format';

/**
 * A unit's plan with the rule book's values (../../../shared/domain/plan-rules.md), a fixed clock,
 * and helpers that drive the pure machine with `initialTransition`/`transition`.
 */

/** The fixed clock: Monday 2026-03-02 09:00 in Asia/Shanghai. */
export const T0 = Date.parse('2026-03-02T09:00:00+08:00');
export const SEC = 1_000;
export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** The plan as written in a unit's plan file (before parsing: defaults still to apply). */
export function planInput(): PlanInput {
  return {
    id: 'test-unit-plan',
    version: '2026.1',
    unit: { id: 'test-unit', name: '测试单位' },
    source: '000 篇三/篇五; 001 school plan',
    timeZone: 'Asia/Shanghai',
    people: [
      { id: 'mon', name: '舆情信息员甲', roles: ['monitor'], contacts: { phone: '13800000001' } },
      { id: 'mon2', name: '舆情信息员乙', roles: ['monitor'] },
      { id: 'off', name: '办公室干事', roles: ['office'], contacts: { email: 'office@example.org' } },
      { id: 'dir', name: '办公室主任', roles: ['officeDirector'] },
      { id: 'lic', name: '分管领导', roles: ['leaderInCharge'] },
      { id: 'pri', name: '主要领导', roles: ['principalLeader'] },
      { id: 'lg', name: '领导小组', roles: ['leadingGroup'] },
      { id: 'spk', name: '新闻发言人', roles: ['spokesperson'] },
      { id: 'dep', name: '涉事科室', roles: ['department'] },
      { id: 'dep2', name: '另一科室', roles: ['department'] },
      { id: 'law', name: '公安机关联络人', roles: ['lawEnforcement'] },
      { id: 'sup', name: '上级主管部门', roles: ['superior'] },
    ],
    // The old volume keys on purpose: plans recorded with them must grade as before (mainstream media alone major,
    // posts only), and the machine tests lean on that. The measure bands (000 篇五 §五(三)) are tested with
    // `makePlan((p) => { p.grading = … })` in test/machine/grading.test.ts and test/plan/grading.test.ts.
    grading: { generalMaxVolume: 50, largerMinVolume: 100, gapGrade: 'general', largerMinComments: 20 },
    deadlines: {
      firstReport: { especiallyMajor: '1h', major: '2h', larger: '4h', general: '12h' },
      firstReportTo: ['office', 'leadingGroup'],
      writtenReportAfterPhone: '30m',
      publicResponse: { within: '3h', grades: ['general', 'larger', 'major', 'especiallyMajor'] },
      firstRelease: { within: '24h', grades: ['major', 'especiallyMajor'] },
      dispatch: { within: '2h', grades: ['general'] },
      explanation: { within: '1d', grades: ['general'] },
      followUpEvery: '4h',
      summaryReport: '3d',
    },
    reminders: ['30m'],
    escalation: {
      monitor: ['office', 'officeDirector'],
      office: ['officeDirector', 'leaderInCharge'],
      spokesperson: ['officeDirector', 'leaderInCharge', 'principalLeader'],
      department: ['office', 'officeDirector'],
    },
    owners: {
      firstReport: 'monitor',
      writtenReport: 'monitor',
      publicResponse: 'spokesperson',
      firstRelease: 'spokesperson',
      dispatch: 'office',
      explanation: 'department',
      inquiryOpinion: 'department',
      inquiryResult: 'department',
      followUp: 'office',
      summaryReport: 'office',
    },
  };
}

/** The plan parsed with the schema; `change` edits the input first (plan variants). */
export function makePlan(change?: (p: PlanInput) => void): Plan {
  const input = planInput();
  change?.(input);
  return planSchema.parse(input);
}

export const plan = makePlan();

export interface StartOptions {
  plan?: Plan;
  metrics?: Metrics;
  /** the recorded moment of discovery (ms) */
  discoveredAt?: number;
  /** when the incident was entered (ms); defaults to the discovery */
  startedAt?: number;
  discoveredBy?: string;
  id?: string;
  /** the rules the incident runs under (0: before v1, for the recorded histories); 1 by default */
  rulesVersion?: number;
  /** v2: the holiday data fixed into the incident */
  calendar?: import('../../src/plan/calendar').CalendarSlice;
  /** v3: the grade the discoverer records at entry, and the 涉事主体 named at entry */
  grade?: import('../../src/plan/codes').Grade;
  subject?: string;
}

export type Actions = ReturnType<typeof transition<typeof incidentMachine>>[1];
export type Result = [IncidentSnapshot, Actions];

export function start(o: StartOptions = {}): Result {
  const discoveredAt = o.discoveredAt ?? T0;
  return initialTransition(incidentMachine, {
    incident: {
      id: o.id ?? 'inc-1',
      title: '网传某校食堂食品安全问题',
      summary: '论坛帖子称食堂饭菜变质',
      source: { platform: 'forum' },
      discoveredAt: new Date(discoveredAt).toISOString(),
      discoveredBy: o.discoveredBy ?? 'mon',
      metrics: o.metrics ?? {},
      ...(o.grade ? { grade: o.grade } : {}),
      ...(o.subject ? { subject: o.subject } : {}),
    },
    plan: o.plan ?? plan,
    planHash: 'test-hash',
    startedAt: o.startedAt ?? discoveredAt,
    rulesVersion: o.rulesVersion ?? 1,
    ...(o.calendar ? { calendar: o.calendar } : {}),
  });
}

/** The event for an action, its payload parsed through the edge schema so defaults apply. */
export function actionEvent<K extends ActionName>(name: K, payload: ActionPayloadInputs[K], at: number, recordedAt = at): ActionEvent {
  const parsed = actionSchemas[name].parse(payload);
  return { type: eventTypeOf(name), action: name, payload: parsed, at, recordedAt } as ActionEvent;
}

/** Send any event, as the workflow does. */
export function send(snapshot: IncidentSnapshot, event: IncidentEvent): Result {
  return transition(incidentMachine, snapshot, event);
}

export function act<K extends ActionName>(snapshot: IncidentSnapshot, name: K, payload: ActionPayloadInputs[K], at: number, recordedAt = at): Result {
  return transition(incidentMachine, snapshot, actionEvent(name, payload, at, recordedAt));
}

export function metrics(snapshot: IncidentSnapshot, m: Metrics, at: number, recordedAt = at, by = 'mon'): Result {
  return transition(incidentMachine, snapshot, { type: 'METRICS', metrics: m, by, at, recordedAt });
}

export function deadlineDue(snapshot: IncidentSnapshot, obligationId: string, at: number): Result {
  return transition(incidentMachine, snapshot, { type: 'DEADLINE_DUE', obligationId, at });
}

/** A reminder timer fired at `at`; `remindAt` is the reminder point it was set for (the workflow passes it). */
export function reminderDue(snapshot: IncidentSnapshot, obligationId: string, index: number, at: number, remindAt?: number): Result {
  return transition(incidentMachine, snapshot, { type: 'REMINDER_DUE', obligationId, index, at, ...(remindAt === undefined ? {} : { remindAt }) });
}

/** The operator cancelled the workflow; `at` is when the cancellation was recorded. */
export function cancel(snapshot: IncidentSnapshot, at: number, reason?: string, identity?: string): Result {
  return transition(incidentMachine, snapshot, { type: 'CANCEL', at, ...(reason ? { reason } : {}), ...(identity ? { identity } : {}) });
}

type EffectParams<T extends Effect['type']> = Extract<Effect, { type: T }>['params'];

/** The params of every emitted action of one effect type, in order. */
export function effectsOf<T extends Effect['type']>(actions: Actions, type: T): EffectParams<T>[] {
  return actions.filter((a) => a.type === type).map((a) => (a as unknown as { params: EffectParams<T> }).params);
}

/** Every effect type the machine may emit; anything else in `actions` is machine-internal. */
export const EFFECT_TYPES = ['scheduleDeadline', 'cancelDeadline', 'notify', 'recordOutcome', 'settleNotices', 'recordEnding'] as const;

/** The findings a step writes (the recordOutcome effects), in order. */
export function findingsOf(actions: Actions): Finding[] {
  return effectsOf(actions, 'recordOutcome').map((e) => e.finding);
}

export function obligation(snapshot: IncidentSnapshot, id: string) {
  const ob = snapshot.context.obligations.find((o) => o.id === id);
  if (!ob) throw new Error(`no obligation ${id}; have ${snapshot.context.obligations.map((o) => o.id).join(', ')}`);
  return ob;
}

/**
 * The v1 id of an obligation created at `anchorAt` (not at discovery): `<kind>@<compact UTC time>`;
 * a written report also names who phoned: `writtenReport/<owner>@<time>`.
 */
export function oid(kind: string, anchorAt: number, owner?: string): string {
  return owner ? `${kind}/${owner}@${idTime(anchorAt)}` : `${kind}@${idTime(anchorAt)}`;
}

export function obligationsOf(snapshot: IncidentSnapshot, kind: string) {
  return snapshot.context.obligations.filter((o) => o.kind === kind);
}

// ───────────── common paths (each step asserted where it is the subject of a test) ─────────────

/** Discovered at T0 (general by default), first report by phone+written, assessed: rapidResponse. */
export function assessed(o: StartOptions & { assessAt?: number; grade?: 'general' | 'larger' | 'major' | 'especiallyMajor' } = {}): IncidentSnapshot {
  let [s] = start(o);
  [s] = act(s, 'report', { by: o.discoveredBy ?? 'mon', to: 'office', mode: 'written' }, T0 + 10 * MIN);
  [s] = act(s, 'assess', { by: 'off', grade: o.grade }, o.assessAt ?? T0 + 20 * MIN);
  return s;
}

/** Assessed, dispatched where general, responded, classified in `category`: categorizedHandling. */
export function classified(category: 'inquiry' | 'hype' | 'fabrication' | 'constructive', o: Parameters<typeof assessed>[0] = {}): IncidentSnapshot {
  let s = assessed(o);
  if (s.context.grade === 'general') [s] = act(s, 'dispatch', { by: 'off', department: 'dep' }, T0 + 30 * MIN);
  [s] = act(s, 'respond', { by: 'spk', channel: 'weibo', text: '我校已关注，正在核查。', inNameOf: 'unit' }, T0 + 40 * MIN);
  [s] = act(s, 'classify', { by: 'off', category }, T0 + 50 * MIN);
  return s;
}

/** A hype incident handled and tracked by `off`: dynamicTracking. */
export function tracking(o: Parameters<typeof assessed>[0] = {}): IncidentSnapshot {
  let s = classified('hype', o);
  [s] = act(s, 'publishFacts', { by: 'spk', text: '经核查，食堂食材符合标准。', channel: 'website' }, T0 + 60 * MIN);
  [s] = act(s, 'assignTracker', { by: 'off', tracker: 'off' }, T0 + 70 * MIN);
  return s;
}

export const iso = (ms: number) => new Date(ms).toISOString();
/** A time as the status shows it: ISO 8601 in the plan's zone (Asia/Shanghai) with its offset, to the second. */
export const local = (ms: number) => isoLocal('Asia/Shanghai', ms);
