import { z } from 'zod';
import {
  DEFAULT_PERMISSIONS, GRADING_MEASURES, formatIssues, isVolumeGrading, measureBands, type GradingMeasure,
} from './plan.values';
import { ACTIONS, CATEGORIES, GRADES, LANGUAGES, NOTICE_KINDS, OBLIGATION_KINDS, ROLES, type ActionName, type Role } from './codes';
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

/** "0m" (at once) or a positive duration */
const zeroOrDuration = z
  .string()
  .refine((s) => parseDuration(s) !== undefined, { message: 'must be a duration such as "0m", "30m", "2h" or "1h30m"' });

const person = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lower-case letters, digits, ".", "_" or "-"'),
  name: z.string().min(1),
  roles: z.array(role).min(1, 'a person needs at least one role'),
  contacts: z
    .object({
      /** mobile number: SMS, voice calls, and the @-mention by mobile in WeCom and DingTalk groups */
      phone: z.string().regex(/^\+?[0-9][0-9 -]{4,19}$/, 'must be a phone number of digits (an optional leading +)').optional(),
      email: z.string().email().optional(),
      webhook: z.string().url().optional(),
      /** the person's user id in 企业微信 (WeCom), 钉钉 (DingTalk) and 飞书 (Feishu, an open_id), for @-mentions */
      wecomUserId: z.string().min(1).optional(),
      dingtalkUserId: z.string().min(1).optional(),
      feishuOpenId: z.string().min(1).optional(),
    })
    .default({}),
});

const gradedDeadline = z.object({
  within: durationText,
  grades: z.array(grade).min(1),
});

// ───────────────────────────── report lines (rule book, Reports: who owes what to whom) ─────────────────────────────

/**
 * Who owes a report line: the incident's discoverer, the 涉事主体 named per incident (000 篇五 §五(二)), the
 * people holding a role, or the recipient of another line passing it on (a relay).
 */
export const LINE_OWNER_RE = /^(discoverer|subject|role:[A-Za-z]+|relay:[a-z][A-Za-z0-9-]*)$/;

const reportLine = z
  .object({
    /** the line's key in the plan: part of every line id, so never reuse one for another meaning */
    key: z.string().regex(/^[a-z][A-Za-z0-9-]*$/, 'must start with a lower-case letter: letters, digits and "-"'),
    /** what people read, e.g. 涉事主体上报县委党政办 */
    label: z.string().min(1),
    from: z.string().regex(LINE_OWNER_RE, 'must be "discoverer", "subject", "role:<role>" or "relay:<line key>"'),
    /**
     * The recipient, reachable through any of these roles (a report to a person holding one of them meets the line);
     * with `perPerson`, one line per person holding the first role (001 篇1's two group heads).
     */
    to: z.array(role).min(1),
    perPerson: z.boolean().default(false),
    /** the recipient is these people (one line each): outside bodies of one role told apart (镇党委, 县领导小组) */
    toPeople: z.array(z.string().min(1)).min(1).optional(),
    /** the recipient's name where it is an outside body (上级业务部门, 县领导小组 …) */
    toLabel: z.string().optional(),
    /** the grades that owe the line (default: every grade the plan covers) */
    grades: z.array(grade).min(1).optional(),
    /** its limit: one for every grade, or per grade; a grade left out owes the line with no limit (酌情适时上报: never late) */
    within: z.union([durationText, z.partialRecord(grade, durationText)]).optional(),
    /** a breach is a finding (binding) or a target missed; the seed's own figures are binding, borrowed or unnumbered ones targets */
    binding: z.boolean(),
    /** a unit that made an unnumbered or borrowed figure binding records who decided it and when */
    adopted: z.object({ by: z.string().min(1), at: z.string().min(1), note: z.string().optional() }).strict().optional(),
    /** rule: the seed says it; default: the product's assumption where the seed is silent */
    basis: z.enum(['rule', 'default']),
    source: z.string().min(1),
    /** owed by a body outside the unit (镇党委 → 县): recorded, never a finding against the unit's people */
    outside: z.boolean().default(false),
    /** a phone report on this line owes a written report (000 篇三 §四(二)): 30 min after it when recorded as 紧急 */
    writtenAfterPhone: durationText.optional(),
    /**
     * the owner also notifies the related departments, named per incident (同时向有关部门通报, 000 篇三 §四(二)): due
     * with the report, or `within` after the departments are named if that is later
     */
    notify: z.object({
      label: z.string().min(1), within: durationText, binding: z.boolean(), basis: z.enum(['rule', 'default']), source: z.string().min(1),
    }).strict().optional(),
    /**
     * A line owed only after something happens, instead of from the start (or the assessment as 重大): a rise from one
     * of these grades (the school's 党支部 reports a general incident that spreads, 001 school plan §四(一)); a handling
     * step recorded (the facts to 县委党政办 after investigating, 000 篇五 §四(三)1); or a classification (an untrue post
     * 即刻上报, §四(三)4). Its limit runs from that moment's claimed time; its grades still apply.
     */
    when: z.union([
      z.object({ risenFrom: z.array(grade).min(1) }).strict(),
      z.object({ step: z.string().min(1) }).strict(),
      z.object({ category: z.enum(CATEGORIES) }).strict(),
    ]).optional(),
  })
  .strict()
  .superRefine((l, ctx) => {
    if (l.binding && l.within === undefined) {
      ctx.addIssue({ code: 'custom', path: ['binding'], message: 'a line with no limit (within) is never late, so it cannot be binding' });
    }
    if (l.adopted && !l.binding) ctx.addIssue({ code: 'custom', path: ['adopted'], message: 'only a binding figure is adopted' });
  });
export type ReportLineDef = z.output<typeof reportLine>;

/** A step the grade requires before handling proceeds (000 篇五 §五(三)3–4): never gates the first reports or response. */
const handlingStep = z
  .object({
    key: z.string().regex(/^[a-z][A-Za-z0-9-]*$/, 'must start with a lower-case letter: letters, digits and "-"'),
    label: z.string().min(1),
    grades: z.array(grade).min(1),
    /** the roles that record it (派出所 asks, the leading group draws up the handling plan; 党政办 coordinates) */
    roles: z.array(role).min(1),
    /** another step that must be recorded first */
    after: z.string().optional(),
    /** handling waits for it (the default); false: a step recorded on the way (核查事实) that starts a line but gates nothing */
    gates: z.boolean().default(true),
    source: z.string().min(1),
  })
  .strict();
export type HandlingStepDef = z.output<typeof handlingStep>;

// ───────────────────────────── grading (000 篇五 §五(三)) ─────────────────────────────


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


const VOLUME_KEYS = ['generalMaxVolume', 'largerMinVolume', 'gapGrade', 'majorMinVolume', 'largerMinComments'] as const;
const MEASURE_KEYS = ['general', 'larger', 'between', 'above', 'mixed', 'measures'] as const;


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
    /** absent in the major-only plans (they have no thresholds): readings then propose no grade */
    grading: gradingSchema.optional(),
    /**
     * all: every grade (000 篇五); majorOnly: a plan for 突发重大网络舆情 — no limit runs below 重大, and the limits run
     * from the assessment as 重大 (rule book, Scope).
     */
    scope: z.enum(['all', 'majorOnly']).default('all'),
    /** the grades the plan knows (001 school plan: 一般 and 重大/特别重大, no 较大); default all four */
    grades: z.array(grade).min(1).optional(),
    /** who sets the assessed grade (rule book, Who decides); default the office and its director */
    assessors: z.array(role).min(1).optional(),
    /** the plan's report lines (v3); a plan without them owes one line, discoverer → firstReportTo */
    reportLines: z.array(reportLine).optional(),
    /** categories: required (the four-way split, 000 篇一/二/三) or optional (000 篇五, the 001 school plan: graded handling) */
    categories: z.enum(['required', 'optional']).default('required'),
    /** an inquiry reply is drafted, approved by this role, then published (000 篇一/篇三 §四(三)1, 001 篇1) */
    approval: z.object({ role, source: z.string().min(1) }).strict().optional(),
    /** steps the grade requires before handling proceeds (000 篇五 §五(三)3–4) */
    handlingSteps: z.array(handlingStep).default([]),
    /**
     * The plan's own citation for a duty that is not a report line (the response, the inquiry day, the summary …):
     * what its findings record as their rule, and whether the seed says it (rule) or the product assumes it (default).
     * A kind left out cites the obligation table (docs/rules.md §8.1).
     */
    sources: z.partialRecord(z.enum(OBLIGATION_KINDS), z.object({ basis: z.enum(['rule', 'default']), source: z.string().min(1) }).strict()).optional(),
    /** who may speak publicly, by grade (001 school plan §二: for a major incident the 新闻发布组 only) */
    voices: z.partialRecord(grade, z.array(role).min(1)).optional(),
    /** the plan's reviewer of findings (rule book, Accountability); default the office director, else the principal leader */
    reviewers: z.array(role).min(1).optional(),
    deadlines: z.object({
      /** first report by grade; a grade left out is reported "as appropriate" (no timer) — plans without reportLines */
      firstReport: z.partialRecord(grade, durationText).optional(),
      firstReportTo: z.array(role).min(1).optional(),
      /** a plan without reportLines: the written report after a phone report */
      writtenReportAfterPhone: durationText.optional(),
      publicResponse: gradedDeadline.optional(),
      firstRelease: gradedDeadline.optional(),
      dispatch: gradedDeadline.optional(),
      explanation: gradedDeadline.optional(),
      followUpEvery: durationText.optional(),
      summaryReport: durationText.optional(),
      /** who receives the summary (000 篇一: 科教编研科; 000 篇二: 市教育局; 000 篇三: the office) */
      summaryTo: z.array(role).min(1).optional(),
    }),
    /** reminders before each deadline, e.g. ["30m", "10m"] */
    reminders: z.array(durationText).default([]),
    /** who else is told when an obligation owned by a role passes its deadline */
    escalation: z.partialRecord(role, z.array(role)),
    /**
     * v4 (a default: the seeds are silent on how notices climb): after an obligation's due time its notices climb
     * these steps until it is met or someone above its owner acknowledges; then repeat at `repeatEvery`, up to
     * `repeatLimit` times; then `unacknowledgedTo` is told that nobody acknowledged. `required`: roles told at the due
     * time by grade whatever anyone acknowledged. Absent: one step at the due time to the owner's `escalation` chain.
     */
    escalationPolicy: z
      .object({
        steps: z.array(z.object({ after: zeroOrDuration, roles: z.array(role).min(1) }).strict()).min(1),
        repeatEvery: durationText.optional(),
        repeatLimit: z.number().int().min(0).max(48).default(0),
        required: z.partialRecord(grade, z.array(role).min(1)).default({}),
        unacknowledgedTo: z.array(role).min(1).optional(),
        source: z.string().min(1).default('default: escalation until acknowledged (the seeds are silent)'),
      })
      .strict()
      .superRefine((p, ctx) => {
        const afters = p.steps.map((s) => parseDuration(s.after) ?? 0);
        afters.forEach((a, i) => {
          if (i > 0 && a <= afters[i - 1]) ctx.addIssue({ code: 'custom', path: ['steps', i, 'after'], message: 'each step must come after the one before it' });
        });
        if (p.repeatLimit > 0 && !p.repeatEvery) ctx.addIssue({ code: 'custom', path: ['repeatEvery'], message: 'needed when repeatLimit is above 0' });
      })
      .optional(),
    /**
     * v4: which configured channels (by name; their settings and secrets live in the worker's delivery config) carry
     * which notice kinds. `hours`: only in these local hours (e.g. a voice call at night); `bindingOnly`: only about
     * binding obligations. Absent: the worker's channels reach everyone for every kind.
     */
    delivery: z
      .object({
        routes: z.array(z.object({
          channel: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a channel name of lower-case letters, digits and "-"'),
          kinds: z.array(z.enum(NOTICE_KINDS)).min(1).optional(),
          bindingOnly: z.boolean().default(false),
          hours: z.object({ from: z.string().regex(BUSINESS_END_RE, 'must be "HH:MM"'), to: z.string().regex(BUSINESS_END_RE, 'must be "HH:MM"') }).strict().optional(),
        }).strict()).min(1),
      })
      .strict()
      .optional(),
    /** the role answerable for each obligation */
    owners: z.partialRecord(z.enum(OBLIGATION_KINDS), role),
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
    // 001 篇1 has no office: reports go straight to the leaders (rule book, Who is involved)
    const needs: Role[] = plan.reportLines ? ['monitor'] : ['office', 'monitor'];
    for (const r of needs) {
      if (!held.has(r)) ctx.addIssue({ code: 'custom', path: ['people'], message: `the plan needs at least one person with role "${r}"` });
    }
    if (!plan.reportLines) {
      // the old shape: one line, discoverer → firstReportTo, and every duty's owner named
      if (!plan.deadlines.firstReport) ctx.addIssue({ code: 'custom', path: ['deadlines', 'firstReport'], message: 'is required when the plan has no reportLines' });
      if (!plan.deadlines.firstReportTo) ctx.addIssue({ code: 'custom', path: ['deadlines', 'firstReportTo'], message: 'is required when the plan has no reportLines' });
      if (!plan.grading) ctx.addIssue({ code: 'custom', path: ['grading'], message: 'is required when the plan has no reportLines' });
    } else {
      const keys = new Set<string>();
      plan.reportLines.forEach((l, i) => {
        if (keys.has(l.key)) ctx.addIssue({ code: 'custom', path: ['reportLines', i, 'key'], message: `duplicate line key "${l.key}"` });
        keys.add(l.key);
      });
      plan.reportLines.forEach((l, i) => {
        const at = ['reportLines', i, 'from'];
        if (l.from.startsWith('relay:') && !keys.has(l.from.slice(6))) ctx.addIssue({ code: 'custom', path: at, message: `relays "${l.from.slice(6)}", which is not a line of this plan` });
        if (l.from.startsWith('role:')) {
          const r = l.from.slice(5);
          if (!(ROLES as readonly string[]).includes(r)) ctx.addIssue({ code: 'custom', path: at, message: `"${r}" is not a role (one of ${ROLES.join(', ')})` });
          else if (!held.has(r as Role)) ctx.addIssue({ code: 'custom', path: at, message: `no person in the plan holds role "${r}"` });
        }
        (l.toPeople ?? []).forEach((id, j) => {
          if (!ids.has(id)) ctx.addIssue({ code: 'custom', path: ['reportLines', i, 'toPeople', j], message: `"${id}" is not a person in the plan` });
        });
        if (!l.outside && !l.toPeople && !l.to.some((r) => held.has(r))) ctx.addIssue({ code: 'custom', path: ['reportLines', i, 'to'], message: `no person in the plan holds ${l.to.join(' or ')}` });
        const w = l.when;
        if (w && 'step' in w && !plan.handlingSteps.some((st) => st.key === w.step)) {
          ctx.addIssue({ code: 'custom', path: ['reportLines', i, 'when', 'step'], message: `"${w.step}" is not a handling step of this plan` });
        }
        if (w && 'risenFrom' in w && l.grades && w.risenFrom.some((g) => l.grades!.includes(g))) {
          ctx.addIssue({ code: 'custom', path: ['reportLines', i, 'when', 'risenFrom'], message: 'a line owed after a rise from a grade cannot be owed at that grade too (grades)' });
        }
        if (w && l.from.startsWith('relay:')) ctx.addIssue({ code: 'custom', path: ['reportLines', i, 'when'], message: 'a relay starts when the report reaches the relayer; it takes no when' });
      });
    }
    const needOwner: Array<[keyof typeof plan.deadlines, (typeof OBLIGATION_KINDS)[number]]> = [
      ['publicResponse', 'publicResponse'], ['firstRelease', 'firstRelease'], ['dispatch', 'dispatch'], ['explanation', 'explanation'],
      ['followUpEvery', 'followUp'], ['summaryReport', 'summaryReport'],
    ];
    for (const [d, kind] of needOwner) {
      if (plan.deadlines[d] !== undefined && !plan.owners[kind]) ctx.addIssue({ code: 'custom', path: ['owners', kind], message: `is required: the plan has deadlines.${d}` });
    }
    if (plan.approval && !held.has(plan.approval.role)) ctx.addIssue({ code: 'custom', path: ['approval', 'role'], message: `no person in the plan holds role "${plan.approval.role}"` });
    plan.handlingSteps.forEach((s, i) => {
      if (s.after && !plan.handlingSteps.some((o) => o.key === s.after)) ctx.addIssue({ code: 'custom', path: ['handlingSteps', i, 'after'], message: `"${s.after}" is not a handling step of this plan` });
    });
  });

export type Plan = z.output<typeof planSchema>;
export type PlanInput = z.input<typeof planSchema>;
export type Person = Plan['people'][number];

// The plan's values that workflows read without zod (src/plan/plan.values.ts), for every other reader.
export { DEFAULT_PERMISSIONS, GRADING_MEASURES, formatIssues, isVolumeGrading, measureBands, type GradingMeasure };
