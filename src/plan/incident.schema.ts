import { z } from 'zod';
import { CATEGORIES, FINDING_KINDS, GRADES, ROLES, type ActionName } from './codes';

/**
 * Every input a user can send, validated once at the edges (CLI, API, update validators).
 * Times are ISO-8601 strings with an offset or "Z".
 */
export const isoTime = z.iso.datetime({ offset: true, message: 'must be an ISO-8601 time with an offset, e.g. 2026-03-02T09:30:00+08:00' });
const personId = z.string().min(1, 'must name a person id from the plan');
const text = z.string().trim().min(1, 'must not be empty').max(4000);

export const metricsSchema = z
  .object({
    /** total opinion volume: posts, reposts and replies counted by the monitor (篇/条) */
    posts: z.number().int().nonnegative().optional(),
    reads: z.number().int().nonnegative().optional(),
    comments: z.number().int().nonnegative().optional(),
    sites: z.number().int().nonnegative().optional(),
    mainstreamMedia: z.boolean().optional(),
    keySubject: z.boolean().optional(),
    rapidSpread: z.boolean().optional(),
    casualties: z.number().int().nonnegative().optional(),
    socialOrderDisrupted: z.boolean().optional(),
  })
  .strict();
export type Metrics = z.infer<typeof metricsSchema>;

export const incidentIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/, 'must be 1–80 letters, digits, ".", "_" or "-", starting with a letter or digit');

export const incidentInputSchema = z
  .object({
    id: incidentIdSchema,
    title: text,
    summary: z.string().max(4000).optional(),
    source: z.object({ url: z.string().url().optional(), platform: z.string().optional() }).strict().optional(),
    discoveredAt: isoTime,
    discoveredBy: personId,
    metrics: metricsSchema.default({}),
    /** the grade its discoverer recorded at entry: an assessment (a major-only plan's limits then run from discovery) */
    grade: z.enum(GRADES).optional(),
    /** the 涉事主体 (the department the incident is about), where known at entry (000 篇五 §五(二)) */
    subject: personId.optional(),
  })
  .strict();
export type IncidentInput = z.infer<typeof incidentInputSchema>;

/** Fields every action carries: who did it and, for something done offline, when. */
const base = {
  by: personId,
  at: isoTime.optional(),
  note: z.string().max(4000).optional(),
};

const channel = z.enum(['weibo', 'wechat', 'website', 'forum', 'app', 'pressConference', 'media', 'other']);

export const actionSchemas = {
  report: z.object({
    ...base,
    /** the recipient: a role of the plan (office, leaderInCharge, superior …) or a person id (one of two group heads) */
    to: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must name a role or a person id of the plan')
      .describe('the recipient: a role of the plan (office, leaderInCharge, superior …) or a person id'),
    mode: z.enum(['phone', 'written', 'inPerson', 'message']),
    kind: z.enum(['initial', 'followUp']).default('initial'),
    /** 紧急情况下: a phone report recorded as urgent owes the written report 30 min later (000 篇三 §四(二)) */
    urgent: z.boolean().default(false),
    /** the recipient's receipt (签收): extra evidence, never a condition */
    receipt: z.string().max(400).optional(),
  }).strict(),
  assess: z.object({ ...base, grade: z.enum(GRADES).optional() }).strict(),
  dispatch: z.object({ ...base, department: personId }).strict(),
  respond: z.object({ ...base, channel, text, inNameOf: z.enum(['unit', 'spokesperson']), url: z.string().url().optional() }).strict(),
  release: z.object({ ...base, form: z.enum(['pressRelease', 'pressConference', 'briefing', 'interview', 'statement']), text, channel: channel.optional() }).strict(),
  classify: z.object({ ...base, category: z.enum(CATEGORIES) }).strict(),
  replyOpinion: z.object({ ...base, text, immediate: z.boolean().default(false) }).strict(),
  finishHandling: z.object({ ...base }).strict(),
  replyResult: z.object({ ...base, text }).strict(),
  publishFacts: z.object({ ...base, text, channel }).strict(),
  refer: z.object({ ...base, to: z.enum(['discipline', 'police']), reason: text }).strict(),
  adopt: z.object({ ...base, text }).strict(),
  regrade: z.object({ ...base, grade: z.enum(GRADES), reason: text }).strict(),
  assignTracker: z.object({ ...base, tracker: personId }).strict(),
  reopen: z.object({ ...base, reason: text }).strict(),
  subside: z.object({ ...base, reason: text }).strict(),
  submitSummary: z.object({ ...base, text }).strict(),
  finding: z.object({
    ...base, kind: z.enum(FINDING_KINDS), person: personId, details: text, seriousLoss: z.boolean().default(false),
    /** the obligation it is about (an id from `show`), e.g. a 谎报 on a report line */
    obligation: z.string().min(1).optional(),
  }).strict(),
  /** a person, or (v3) a collective: a section, a group (表彰可以是集体) */
  commend: z.object({ ...base, person: personId.optional(), collective: z.string().trim().min(1).max(200).optional(), reason: text }).strict(),
  dismiss: z.object({
    ...base, reason: text,
    /**
     * outOfScope: not within this plan's scope (not 重大 for a major-only plan): the findings it leaves are annulled by
     * default; notOurs: not an incident of this unit (old news, another unit's matter); notAnIncident: nothing to handle.
     */
    ground: z.enum(['outOfScope', 'notOurs', 'notAnIncident']).optional(),
  }).strict(),
  /** end the incident on purpose (a plan role, a reason): what was due keeps its finding */
  withdraw: z.object({ ...base, reason: text }).strict(),
  /** name the 涉事主体: its report lines get a personal owner from now on */
  nameSubject: z.object({ ...base, department: personId }).strict(),
  /** the inquiry reply's draft, for the plan's approver */
  draftReply: z.object({ ...base, text }).strict(),
  /** the plan's approver approves the drafted reply (审定) */
  approve: z.object({ ...base }).strict(),
  /** a step the grade requires before handling (a key of the plan's handlingSteps) */
  handlingStep: z.object({ ...base, step: z.string().min(1, 'must name a handling step of the plan') }).strict(),
  /** the office corrects who discovered the incident, or when: unmet limits are re-dated */
  correctDiscovery: z.object({ ...base, discoveredAt: isoTime.optional(), discoveredBy: personId.optional(), reason: text }).strict(),
  /** begin graded handling without a category (plans whose categories are optional) */
  startHandling: z.object({ ...base }).strict(),
  /** name the related departments the reporting section notifies (通报, 000 篇三 §四(二)): one line each */
  nameDepartments: z.object({ ...base, departments: z.array(personId).min(1, 'name at least one department') }).strict(),
  /**
   * v4: acknowledge an obligation's notices (an id from `show`). The owner's acknowledgement stops the reminders to
   * the owner; one by someone above the owner on the escalation policy stops the climb. Never meets the obligation.
   */
  acknowledge: z.object({ ...base, obligation: z.string().min(1, 'must name an obligation (an id from show)'), note: z.string().trim().max(500).optional() }).strict(),
  /** the office waives a department's summary line: the department was named in error (a reason); the last line closes */
  waiveSummary: z.object({ ...base, department: personId, reason: text }).strict(),
  /** the office names a department that owes a summary line of its own (rule book, summaryReport: one per department the office names) */
  nameSummaryDepartment: z.object({ ...base, department: personId }).strict(),
} satisfies Record<ActionName, z.ZodType>;

export type ActionPayloads = { [K in ActionName]: z.output<(typeof actionSchemas)[K]> };
export type ActionPayloadInputs = { [K in ActionName]: z.input<(typeof actionSchemas)[K]> };
export type AnyAction = { [K in ActionName]: { name: K; payload: ActionPayloads[K] } }[ActionName];

export const metricsUpdateSchema = z
  .object({ at: isoTime.optional(), by: z.string().optional(), metrics: metricsSchema })
  .strict();
export type MetricsUpdate = z.infer<typeof metricsUpdateSchema>;
