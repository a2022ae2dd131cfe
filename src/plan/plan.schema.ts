import { z } from 'zod';
import { ACTIONS, GRADES, LANGUAGES, OBLIGATION_KINDS, ROLES, type ActionName, type Role } from './codes';
import { parseDuration } from './duration';
import { isValidTimeZone } from './time-zone';

/**
 * The schema of a unit's emergency plan (预案). Every per-unit value lives here: people and their
 * roles, grading thresholds, deadlines per grade, reminder points, follow-up cadence, escalation.
 */
const role = z.enum(ROLES);
const grade = z.enum(GRADES);

export const durationText = z
  .string()
  .refine((s) => parseDuration(s) !== undefined && parseDuration(s)! > 0, {
    message: 'must be a positive duration such as "30m", "2h", "1d" or "1h30m"',
  });

const person = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lower-case letters, digits, ".", "_" or "-"'),
  name: z.string().min(1),
  roles: z.array(role).min(1, 'a person needs at least one role'),
  contacts: z
    .object({
      phone: z.string().optional(),
      email: z.string().email().optional(),
      webhook: z.string().url().optional(),
    })
    .default({}),
});

const gradedDeadline = z.object({
  within: durationText,
  grades: z.array(grade).min(1),
});

/** Default permissions: which roles may record each action (a plan may override any entry). */
export const DEFAULT_PERMISSIONS: Record<ActionName, Role[]> = {
  report: ['monitor', 'office', 'officeDirector', 'department', 'leaderInCharge', 'principalLeader'],
  assess: ['office', 'officeDirector', 'leaderInCharge', 'principalLeader', 'leadingGroup'],
  dispatch: ['office', 'officeDirector'],
  respond: ['spokesperson'],
  release: ['spokesperson'],
  classify: ['office', 'officeDirector', 'leaderInCharge', 'principalLeader', 'leadingGroup'],
  replyOpinion: ['department', 'office', 'spokesperson'],
  finishHandling: ['department', 'office'],
  replyResult: ['department', 'office', 'spokesperson'],
  publishFacts: ['spokesperson'],
  refer: ['office', 'officeDirector', 'leaderInCharge', 'principalLeader'],
  adopt: ['department', 'office', 'leaderInCharge', 'principalLeader'],
  regrade: ['officeDirector', 'leaderInCharge', 'principalLeader', 'leadingGroup'],
  assignTracker: ['office', 'officeDirector'],
  reopen: ['office', 'officeDirector', 'leaderInCharge', 'principalLeader'],
  subside: ['office', 'officeDirector', 'leaderInCharge'],
  submitSummary: ['office', 'officeDirector', 'department'],
  finding: ['leaderInCharge', 'principalLeader', 'leadingGroup', 'superior'],
  commend: ['leadingGroup', 'principalLeader'],
  dismiss: ['office', 'officeDirector', 'leaderInCharge'],
  withdraw: ['office', 'officeDirector', 'leaderInCharge', 'principalLeader'],
};

export const planSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and "-"'),
    version: z.string().min(1),
    unit: z.object({ id: z.string().min(1), name: z.string().min(1) }),
    source: z.string().optional(),
    timeZone: z
      .string()
      .default('Asia/Shanghai')
      .refine(isValidTimeZone, { message: 'is not an IANA time zone such as "Asia/Shanghai"' }),
    language: z.enum(LANGUAGES).default('zh'),
    people: z.array(person).min(1),
    grading: z.object({
      /** total volume (posts, replies, reads counted by the monitor) up to which an incident is general */
      generalMaxVolume: z.number().int().nonnegative(),
      /** volume from which it is larger */
      largerMinVolume: z.number().int().positive(),
      /** the grade of volumes between generalMaxVolume and largerMinVolume (the source leaves it open) */
      gapGrade: z.enum(['general', 'larger']),
      /** volume from which it is major even without media or key subjects; omit for none */
      majorMinVolume: z.number().int().positive().optional(),
      /** comments from which it is at least larger ("tens of comments") */
      largerMinComments: z.number().int().positive(),
    }),
    deadlines: z.object({
      /** first report by grade; a grade left out is reported "as appropriate" (no timer) */
      firstReport: z.partialRecord(grade, durationText),
      firstReportTo: z.array(role).min(1),
      writtenReportAfterPhone: durationText,
      publicResponse: gradedDeadline,
      firstRelease: gradedDeadline,
      dispatch: gradedDeadline,
      explanation: gradedDeadline,
      followUpEvery: durationText,
      summaryReport: durationText,
    }),
    /** reminders before each deadline, e.g. ["30m", "10m"] */
    reminders: z.array(durationText).default([]),
    /** who else is told when an obligation owned by a role passes its deadline */
    escalation: z.partialRecord(role, z.array(role)),
    /** the role answerable for each obligation */
    owners: z.record(z.enum(OBLIGATION_KINDS), role),
    permissions: z.partialRecord(z.enum(ACTIONS), z.array(role).min(1)).default({}),
    /** limits whose miss is a target missed rather than a finding; default firstRelease (力争) and followUp (及时) */
    targets: z.array(z.enum(OBLIGATION_KINDS)).optional(),
    /** the plan's accountability clause (e.g. "000 篇三 §六"), or that it has none; every finding carries it */
    accountability: z.object({ basis: z.string().min(1) }).optional(),
    /** an action recorded this long after it happened is flagged in the timeline */
    backdateNotice: durationText.default('1h'),
  })
  .superRefine((plan, ctx) => {
    if (plan.grading.largerMinVolume <= plan.grading.generalMaxVolume) {
      ctx.addIssue({ code: 'custom', path: ['grading', 'largerMinVolume'], message: 'must be greater than generalMaxVolume' });
    }
    if (plan.grading.majorMinVolume !== undefined && plan.grading.majorMinVolume <= plan.grading.largerMinVolume) {
      ctx.addIssue({ code: 'custom', path: ['grading', 'majorMinVolume'], message: 'must be greater than largerMinVolume' });
    }
    const ids = new Set<string>();
    plan.people.forEach((p, i) => {
      if (ids.has(p.id)) ctx.addIssue({ code: 'custom', path: ['people', i, 'id'], message: `duplicate person id "${p.id}"` });
      ids.add(p.id);
    });
    const held = new Set(plan.people.flatMap((p) => p.roles));
    for (const [kind, owner] of Object.entries(plan.owners)) {
      if (!held.has(owner)) {
        ctx.addIssue({ code: 'custom', path: ['owners', kind], message: `no person in the plan holds role "${owner}"` });
      }
    }
    for (const r of ['office', 'monitor'] as const) {
      if (!held.has(r)) ctx.addIssue({ code: 'custom', path: ['people'], message: `the plan needs at least one person with role "${r}"` });
    }
  });

export type Plan = z.output<typeof planSchema>;
export type PlanInput = z.input<typeof planSchema>;
export type Person = Plan['people'][number];

/** Every failing field and its reason, one per line: "deadlines.firstReport.major: must be …". */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`)
    .join('\n');
}
