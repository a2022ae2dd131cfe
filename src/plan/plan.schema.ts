import { z } from 'zod';
import { ACTIONS, GRADES, LANGUAGES, OBLIGATION_KINDS, ROLES, type ActionName, type Role } from './codes';
import { parseDuration } from './duration';
import { BUSINESS_END_RE } from './calendar';
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

// ───────────────────────────── grading (000 篇五 §五(三)) ─────────────────────────────

/** The measures the seed's figures apply to (阅读量、跟帖量、舆情总量 “均在…篇/条”), named as in the metrics. */
export const GRADING_MEASURES = ['posts', 'reads', 'comments'] as const;
export type GradingMeasure = (typeof GRADING_MEASURES)[number];

const count = z.number().int().nonnegative();

/**
 * The old grading keys, kept so that plans recorded in workflow histories before the measure bands parse and
 * grade exactly as they did: total volume (posts) only, a comments threshold, mainstream media alone major.
 * Not strict, as before (an unknown key is dropped).
 */
export const volumeGradingSchema = z
  .object({
    /** total volume (posts, replies, reads counted by the monitor) up to which an incident is general */
    generalMaxVolume: count,
    /** volume from which it is larger */
    largerMinVolume: z.number().int().positive(),
    /** the grade of volumes between generalMaxVolume and largerMinVolume (the source leaves it open) */
    gapGrade: z.enum(['general', 'larger']),
    /** volume from which it is major even without media or key subjects; omit for none */
    majorMinVolume: z.number().int().positive().optional(),
    /** comments from which it is at least larger ("tens of comments") */
    largerMinComments: z.number().int().positive(),
  })
  .superRefine((g, ctx) => {
    if (g.largerMinVolume <= g.generalMaxVolume) {
      ctx.addIssue({ code: 'custom', path: ['largerMinVolume'], message: 'must be greater than generalMaxVolume' });
    }
    if (g.majorMinVolume !== undefined && g.majorMinVolume <= g.largerMinVolume) {
      ctx.addIssue({ code: 'custom', path: ['majorMinVolume'], message: 'must be greater than largerMinVolume' });
    }
  });

const generalBand = z.object({ /** every measure up to this (included) is within 一般 */ max: count }).strict();
const largerBand = z
  .object({ /** 较大 from this … */ min: z.number().int().positive(), /** … up to this, both included */ max: z.number().int().positive() })
  .strict();

/**
 * Grading by every measure (000 篇五 §五(三)): reads, replies/comments and total volume are each put in a band —
 * 一般 up to `general.max` (均在50), 较大 from `larger.min` to `larger.max` (均在100-500, both included). What the
 * seed leaves open is a plan setting: `between` for a measure between the two bands (51–99), `above` for one
 * above 较大's band without the 重大 conditions, `mixed` for measures in different bands.
 */
export const measureGradingSchema = z
  .object({
    general: generalBand,
    larger: largerBand,
    /** the grade of a measure above general.max and below larger.min (51–99: the seed is silent) */
    between: z.enum(['general', 'larger']),
    /** the grade of a measure above larger.max (the seed is silent; 重大 by volume alone it never says) */
    above: z.enum(['larger', 'major']),
    /** measures in different bands: the highest band any measure reaches (rule book default; the seed is silent) */
    mixed: z.literal('highest').default('highest'),
    /** bands of one measure where the plan sets them apart from the shared ones (e.g. comments) */
    measures: z
      .partialRecord(z.enum(GRADING_MEASURES), z.object({ general: generalBand.optional(), larger: largerBand.optional() }).strict())
      .optional(),
  })
  .strict()
  .superRefine((g, ctx) => {
    // the shared bands once, then each measure with bands of its own (its own band's path where it has one)
    const check = (m?: GradingMeasure) => {
      const b = m ? measureBands(g, m) : { general: g.general, larger: g.larger };
      const at = (key: 'min' | 'max') => (m && g.measures?.[m]?.larger ? ['measures', m, 'larger', key] : ['larger', key]);
      const what = m ? ` for ${m}` : '';
      if (b.larger.min <= b.general.max) {
        ctx.addIssue({ code: 'custom', path: at('min'), message: `must be greater than general.max (${b.general.max})${what}` });
      }
      if (b.larger.max < b.larger.min) {
        ctx.addIssue({ code: 'custom', path: at('max'), message: `must not be less than larger.min (${b.larger.min})${what}` });
      }
    };
    check();
    for (const m of GRADING_MEASURES) if (g.measures?.[m]) check(m);
  });

export type VolumeGrading = z.output<typeof volumeGradingSchema>;
export type MeasureGrading = z.output<typeof measureGradingSchema>;
export type Grading = VolumeGrading | MeasureGrading;
export type VolumeGradingInput = z.input<typeof volumeGradingSchema>;
export type MeasureGradingInput = z.input<typeof measureGradingSchema>;

/** The bands of one measure: its own where the plan sets them, else the shared ones. */
export function measureBands(g: Pick<MeasureGrading, 'general' | 'larger' | 'measures'>, m: GradingMeasure) {
  return { general: g.measures?.[m]?.general ?? g.general, larger: g.measures?.[m]?.larger ?? g.larger };
}

const VOLUME_KEYS = ['generalMaxVolume', 'largerMinVolume', 'gapGrade', 'majorMinVolume', 'largerMinComments'] as const;
const MEASURE_KEYS = ['general', 'larger', 'between', 'above', 'mixed', 'measures'] as const;

/**
 * A grading block with the old keys (recorded plans, e.g. in workflow histories — they need not be parsed again
 * to be told apart) or with the measure bands.
 */
export const isVolumeGrading = (g: Grading): g is VolumeGrading => 'generalMaxVolume' in g;

/** The old keys parse with the old schema, the new keys with the new one; a block mixing both is refused. */
export const gradingSchema = z
  .custom<VolumeGradingInput | MeasureGradingInput>(
    (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
    'must be a mapping: general, larger, between, above, mixed (or the old volume keys)',
  )
  .transform((v, ctx): Grading => {
    const keys = Object.keys(v);
    const old = VOLUME_KEYS.filter((k) => keys.includes(k));
    const neu = MEASURE_KEYS.filter((k) => keys.includes(k));
    // Issues here do not stop the plan's own cross-field checks (owners, people): all are reported together, as before.
    if (old.length && neu.length) {
      ctx.addIssue({ code: 'custom', continue: true, message: `mixes the old keys (${old.join(', ')}) with the measure bands (${neu.join(', ')}): use one or the other` });
      return v as Grading;
    }
    const result = (old.length ? volumeGradingSchema : measureGradingSchema).safeParse(v);
    if (!result.success) {
      for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', continue: true, path: issue.path, message: issue.message });
      return v as Grading;
    }
    return result.data;
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
    /** grading thresholds (000 篇五 §五(三)): the measure bands, or the old volume keys of plans recorded before them */
    grading: gradingSchema,
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
    /**
     * How day limits (1天内, 三日内: the explanation and the summary report) are counted. Default (rule book,
     * Counting): the civil-law rule by analogy (民法典 §201, §203), with pinned holiday data fixed into the
     * incident; `workingDays` counts working days; `businessEndsAt` ends the last day when business stops.
     */
    dayCounting: z
      .object({
        convention: z.enum(['civilLaw', 'workingDays']).default('civilLaw'),
        businessEndsAt: z.string().regex(BUSINESS_END_RE, 'must be a local time "HH:MM", e.g. "17:30"').optional(),
      })
      .strict()
      .optional(),
    /** an action recorded this long after it happened is flagged in the timeline */
    backdateNotice: durationText.default('1h'),
  })
  .superRefine((plan, ctx) => {
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
