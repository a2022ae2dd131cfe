/**
 * The commands: a table of name, arguments, options and handler. Parsing (args.ts), errors and exit
 * codes (errors.ts) and layout (format-*.ts) live apart; a handler only calls the client module
 * (src/api/incidents.ts) and prints.
 */
import type { Client } from '@temporalio/client';
import {
  act, checkIncident, history, IncidentError, list, rostersFor, sendMetrics, show, startIncident, type ListedIncident,
} from '../api/incidents';
import { failures, noticesFor, reconcile, redrive, type NoticeView } from '../api/ledger-views';
import { explainFinding, listFindingViews, reviewFinding, type FindingView, type ReviewResult } from '../api/reviews';
import { openLedger, type Ledger } from '../activities/ledger';
import { ACTIONS, LANGUAGES, type Language } from '../plan/codes';
import { loadPlanDir, resolvePlan } from '../plan/plan.loader';
import type { TemporalSettings } from '../runtime/connection';
import { actionFields, formatActionHelp, isAction, unknownActionMessage } from './actions-help';
import { GENERAL_USAGE, GLOBAL_OPTIONS, oneOfValues, positiveInt, PROGRAM, usageLine, type CommandSyntax, type Invocation, type OptionSpec } from './args';
import { UsageError } from './errors';
import { parseJson, readSource, writeTarget } from './files';
import { DEFAULT_LIMIT, formatList, paginate, sortByUrgency } from './format-list';
import { formatStatus } from './format-status';
import { localTime, type Locale } from './locale';
import { formatPeople, planPeople } from './people';
import { rosterCommands } from './roster';
import { raiseAlert } from '../api/alerts';
import { suggestion, table } from './text';

export interface Context {
  inv: Invocation;
  now: number;
  plansDir: string;
  /** standard input, read whole (for --file - / --data-file -) */
  stdin(): string;
  out(text: string): Promise<void>;
  err(text: string): Promise<void>;
  /** with --json the value as JSON, else the human text */
  print(value: unknown, human: () => string): Promise<void>;
  settings(): TemporalSettings;
  /** connects on first use; the connection is closed when the command ends */
  client(): Promise<Client>;
  /** the ledger LEDGER_URL names (default sqlite:.data/ledger.sqlite), opened on first use and closed at the end */
  ledger(): Promise<Ledger>;
  /** the ledger if it can be read (show works without it) */
  ledgerIfPresent(): Promise<Ledger | undefined>;
}

export interface Command extends CommandSyntax {
  run(ctx: Context): Promise<void>;
}

const opt = (name: string, value: string, help: string): OptionSpec => ({ name, type: 'string', value, help });
const flag = (name: string, help: string): OptionSpec => ({ name, type: 'boolean', help });
const incident = { name: 'id', incident: true } as const;
const payloadOptions = [
  opt('data', "'<json>'", 'the payload as JSON'),
  opt('data-file', '<file | ->', 'the payload from a JSON file (- for standard input)'),
];
const lang = opt('lang', '<zh|en>', 'language of labels and headers');

function payload(ctx: Context): unknown {
  const { data, 'data-file': file } = ctx.inv.options;
  if (typeof data === 'string') return parseJson('--data', data);
  const f = file as string;
  return parseJson(f === '-' ? 'standard input' : f, readSource(f, ctx.stdin));
}

/** --lang, else the language every item shares, else Chinese. */
function languageFor(c: CommandSyntax, ctx: Context, items: Array<{ language?: string }>): Language {
  const chosen = oneOfValues(c, 'lang', ctx.inv.options.lang, LANGUAGES);
  if (chosen) return chosen;
  return items.length > 0 && items.every((i) => i.language === 'en') ? 'en' : 'zh';
}

export const COMMANDS: readonly Command[] = [
  {
    name: 'start',
    summary: 'start an incident (idempotent by incident id); the plan is "plan" in the file or --plan',
    args: [],
    options: [
      opt('file', '<incident.json | ->', 'the incident as JSON (- for standard input)'), opt('plan', '<id|path>', 'the plan, by id (in PLANS_DIR) or file'),
      opt('id', '<incident id>', "use this incident id instead of the file's (an example started again needs a new one)"),
    ],
    required: ['file'],
    async run(ctx) {
      const file = ctx.inv.options.file as string;
      const raw = parseJson(file === '-' ? 'standard input' : file, readSource(file, ctx.stdin));
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new IncidentError('InvalidPayload', `${file}: must hold one JSON object (the incident)`);
      const { plan: planRef, ...fields } = raw as Record<string, unknown>;
      if (typeof ctx.inv.options.id === 'string') fields.id = ctx.inv.options.id;
      const ref = (ctx.inv.options.plan as string | undefined) ?? (typeof planRef === 'string' ? planRef : undefined);
      if (!ref) throw new IncidentError('InvalidPayload', 'plan: name the plan with "plan" in the file or --plan <id|path>');
      const loaded = resolvePlan(ref, ctx.plansDir);
      checkIncident(fields, loaded, ctx.now); // bad input is reported even when Temporal is down
      const roster = rostersFor(loaded, process.env, ctx.plansDir);
      const r = await startIncident(await ctx.client(), ctx.settings().taskQueue, fields, loaded, Date.now(), { roster });
      await ctx.print(r, () => `${r.started ? 'started' : 'already running'}: ${r.workflowId} (run ${r.runId})`);
    },
  },
  {
    name: 'act',
    summary: 'record an action (report, assess, respond, …); help <action> lists its fields',
    args: [incident, { name: 'action' }],
    options: payloadOptions,
    oneOf: [['data', 'data-file']],
    async run(ctx) {
      const action = ctx.inv.args.action!;
      if (!isAction(action)) throw new IncidentError('InvalidPayload', unknownActionMessage(action));
      const body = payload(ctx);
      const s = await act(await ctx.client(), ctx.inv.args.id!, action, body);
      await ctx.print(s, () => formatStatus(s, ctx.now));
    },
  },
  {
    name: 'metrics',
    summary: 'record new monitoring metrics; a reading the incident would ignore (in the future, before discovery) is refused',
    args: [incident],
    options: payloadOptions,
    oneOf: [['data', 'data-file']],
    async run(ctx) {
      const body = payload(ctx);
      const s = await sendMetrics(await ctx.client(), ctx.inv.args.id!, body);
      await ctx.print(s, () => formatStatus(s, ctx.now));
    },
  },
  {
    name: 'show',
    summary: 'stage, grade, obligations (due / done / late), timeline, outcomes, and where each notice stands',
    args: [incident],
    options: [],
    async run(ctx) {
      const s = await show(await ctx.client(), ctx.inv.args.id!);
      const ledger = await ctx.ledgerIfPresent();
      const notices = ledger ? await noticesFor(ledger, s.id) : undefined;
      await ctx.print(notices ? { ...s, notices: notices.map(noticeSummary) } : s, () => formatStatus(s, ctx.now) + (notices ? `\n\n${formatNotices(notices, s.language)}` : ''));
    },
  },
  {
    name: 'alert',
    summary: 'a monitoring system\'s alert (监测预警) for the monitor on duty to read; whoever records the incident is its discoverer',
    args: [],
    options: [
      opt('plan', '<id|path>', 'the unit\'s plan (its monitors and roster)'),
      opt('text', '<text>', 'what the monitoring system saw'),
      opt('id', '<alert id>', 'the feed\'s id for it (a repeat is the same alert)'),
      opt('source', '<name or url>', 'the monitoring system or the post'),
      opt('at', '<ISO time>', 'when the feed raised it (default now)'),
    ],
    async run(ctx) {
      const o = ctx.inv.options;
      for (const name of ['plan', 'text', 'id'] as const) if (typeof o[name] !== 'string') throw new UsageError(`alert: --${name} is required`, usageLine(this));
      const at = typeof o.at === 'string' ? Date.parse(o.at) : ctx.now;
      if (Number.isNaN(at)) throw new IncidentError('InvalidPayload', `at: not an ISO time: "${o.at}"`);
      const loaded = resolvePlan(o.plan as string, ctx.plansDir);
      const r = await raiseAlert(await ctx.ledger(), loaded, { id: o.id as string, text: o.text as string, source: o.source as string | undefined, at }, ctx.now);
      await ctx.print(r, () => `${r.inserted ? 'alert recorded' : 'alert already recorded'}: ${r.noticeId} → the monitor on duty (of ${r.monitors})`);
    },
  },
  {
    name: 'failures',
    summary: 'notices the dispatcher gave up on, with each delivery\'s last error (all incidents, or one)',
    args: [],
    options: [opt('incident', '<id>', 'only this incident')],
    async run(ctx) {
      const id = ctx.inv.options.incident as string | undefined;
      const rows = await failures(await ctx.ledger(), id?.replace(/^incident-/, ''));
      await ctx.print(rows.map(noticeSummary), () => (rows.length ? formatNotices(rows, 'zh') : '没有未送达的通知 / no undelivered notices'));
    },
  },
  {
    name: 'redrive',
    summary: 'put failed notices back in the dispatcher\'s queue: one notice id, or --incident <id> for all of an incident',
    args: [{ name: 'notice', optional: true }],
    options: [opt('incident', '<id>', 'every failed notice of this incident')],
    async run(ctx) {
      const noticeId = ctx.inv.args.notice;
      const incidentId = (ctx.inv.options.incident as string | undefined)?.replace(/^incident-/, '');
      if (!noticeId === !incidentId) throw new UsageError('redrive: name one notice id or --incident <id>, not both and not neither', usageLine(this));
      const rows = await redrive(await ctx.ledger(), noticeId ? { noticeId } : { incidentId });
      if (rows.length === 0) throw new IncidentError('NotFound', `no failed notice ${noticeId ? `"${noticeId}"` : `of incident ${incidentId}`} (see \`failures\`)`);
      await ctx.print(rows.map((n) => n.id), () => rows.map((n) => `queued again: ${n.id}`).join('\n'));
    },
  },
  {
    name: 'reconcile',
    summary: 'write the findings of terminated, timed-out and failed incidents as of their ending (idempotent; needs a worker)',
    args: [],
    options: [opt('incident', '<id>', 'only this incident')],
    async run(ctx) {
      const id = (ctx.inv.options.incident as string | undefined)?.replace(/^incident-/, '');
      const rows = await reconcile(await ctx.client(), await ctx.ledger(), id ? { incidentId: id } : {});
      await ctx.print(rows, () => (rows.length
        ? rows.map((r) => `${r.incidentId}: ${r.ending} at ${r.at} — ${r.error ? `not reconciled: ${r.error}` : `${r.written} of ${r.findings} finding(s) written`}`).join('\n')
        : 'nothing to reconcile'));
      if (rows.some((r) => r.error)) throw new IncidentError('Unavailable', 'some incidents could not be reconciled (is a worker running on their task queue?)');
    },
  },
  {
    name: 'findings',
    summary: 'findings (责任追究) with their words, person, obligation, due, delay and review state (复核); --open: those waiting for a decision',
    args: [],
    options: [
      opt('incident', '<id>', 'only this incident'), opt('unit', '<unit id>', 'only this unit'),
      flag('open', 'only findings no reviewer has decided (open, or reinstated)'),
      opt('reviewer', '<person id>', 'only findings this person may review (never one about themselves)'), lang,
    ],
    async run(ctx) {
      const o = ctx.inv.options;
      oneOfValues(this, 'lang', o.lang, LANGUAGES);
      const incidentId = (o.incident as string | undefined)?.replace(/^incident-/, '');
      const plans = loadPlanDir(ctx.plansDir);
      const chosen = o.lang as Language | undefined;
      const rows = await listFindingViews(await ctx.ledger(), {
        incidentId, unitId: o.unit as string | undefined, reviewer: o.reviewer as string | undefined, open: o.open === true,
      }, plans, chosen);
      const language = languageFor(this, ctx, rows);
      await ctx.print(rows, () => formatFindings(rows, language, { open: o.open === true }));
    },
  },
  {
    name: 'review',
    summary: "the reviewer's decision on a finding (复核), with a reason: confirm, correct (a new record; --data the corrected values), annul, or reinstate an annulled one",
    args: [{ name: 'finding-id' }],
    options: [
      opt('by', '<person id>', "the reviewer: the plan's office director, else its principal leader (never the person the finding names)"),
      opt('decision', '<confirm|correct|annul|reinstate>', 'what the reviewer decides'),
      opt('reason', '<text>', 'why (required)'),
      opt('data', "'<json>'", 'for correct: {"claimedAt":"<ISO time>"} (when the act was really done) and/or {"kind":"<kind>"}'),
      opt('at', '<ISO time>', 'when it was decided (default now)'),
    ],
    required: ['by', 'decision', 'reason'],
    async run(ctx) {
      const o = ctx.inv.options;
      const correction = typeof o.data === 'string' ? parseJson('--data', o.data) : undefined;
      const r = await reviewFinding(await ctx.ledger(), loadPlanDir(ctx.plansDir), {
        findingId: ctx.inv.args['finding-id']!, by: o.by as string, decision: o.decision as string, reason: o.reason as string,
        ...(correction !== undefined ? { correction } : {}), ...(typeof o.at === 'string' ? { at: o.at } : {}),
      }, ctx.now);
      await ctx.print(r, () => formatReviewResult(r));
    },
  },
  {
    name: 'explain',
    summary: 'the explanation (申辩) of the person a finding names; recorded with it, it decides nothing',
    args: [{ name: 'finding-id' }],
    options: [opt('by', '<person id>', 'the person the finding names'), opt('text', '<text>', 'the explanation')],
    required: ['by', 'text'],
    async run(ctx) {
      const o = ctx.inv.options;
      const r = await explainFinding(await ctx.ledger(), loadPlanDir(ctx.plansDir), { findingId: ctx.inv.args['finding-id']!, by: o.by as string, text: o.text as string }, ctx.now);
      await ctx.print(r, () => formatReviewResult(r));
    },
  },
  {
    name: 'list',
    summary: 'open incidents, most urgent first (overdue, then the next deadline soonest)',
    args: [],
    options: [
      opt('stage', '<stage>', 'only this stage'), opt('grade', '<grade>', 'only this grade'), opt('unit', '<unit id>', 'only this unit'),
      flag('overdue', 'only incidents with a passed, unmet deadline (binding or target)'), flag('binding', 'only incidents with a binding limit passed'),
      flag('all', 'closed and dismissed ones too'),
      opt('limit', '<n>', `rows per page (default ${DEFAULT_LIMIT}; with --json: all rows unless given)`), opt('page', '<k>', 'page number, from 1'),
      lang,
    ],
    async run(ctx) {
      const o = ctx.inv.options;
      const explicitPaging = o.limit !== undefined || o.page !== undefined;
      const limit = positiveInt(this, 'limit', o.limit, DEFAULT_LIMIT);
      const pageNo = positiveInt(this, 'page', o.page, 1);
      oneOfValues(this, 'lang', o.lang, LANGUAGES);
      const rows = sortByUrgency(await list(await ctx.client(), {
        stage: o.stage as never, grade: o.grade as never, unit: o.unit as string | undefined, overdue: o.overdue === true,
        binding: o.binding === true, all: o.all === true,
      }));
      const page = paginate<ListedIncident>(rows, limit, pageNo);
      await ctx.print(explicitPaging ? page.rows : rows, () => formatList(page, ctx.now, languageFor(this, ctx, rows), { showStatus: o.all === true }));
    },
  },
  {
    name: 'history',
    summary: 'export the event history as JSON (replayable in tests)',
    args: [incident],
    options: [opt('out', '<file>', 'write it to this file instead of standard output')],
    async run(ctx) {
      const json = await history(await ctx.client(), ctx.inv.args.id!);
      const out = ctx.inv.options.out;
      if (typeof out === 'string') {
        writeTarget(out, json);
        await ctx.err(`history written to ${out}\n`);
      } else {
        await ctx.out(`${json}\n`);
      }
    },
  },
  {
    name: 'people',
    summary: "a plan's people, their roles and which contacts it has for them (every plan without --plan)",
    args: [],
    options: [opt('plan', '<id|path>', 'the plan, by id (in PLANS_DIR) or file'), lang],
    async run(ctx) {
      const ref = ctx.inv.options.plan;
      oneOfValues(this, 'lang', ctx.inv.options.lang, LANGUAGES);
      const plans = typeof ref === 'string' ? [resolvePlan(ref, ctx.plansDir)] : loadPlanDir(ctx.plansDir);
      const language = languageFor(this, ctx, plans.map((p) => ({ language: p.plan.language })));
      const people = plans.map((p) => planPeople(p, language));
      await ctx.print(people, () => formatPeople(people, language));
    },
  },
  {
    name: 'help',
    summary: 'this overview, a command\'s options, or an action\'s payload fields',
    args: [{ name: 'command|action', optional: true }],
    options: [],
    async run(ctx) {
      const topic = ctx.inv.args['command|action'];
      if (topic === undefined) return ctx.out(`${overview()}\n`);
      const command = COMMANDS.find((c) => c.name === topic);
      if (command) return ctx.out(`${commandHelp(command)}\n`);
      if (isAction(topic)) return ctx.print({ action: topic, fields: actionFields(topic) }, () => formatActionHelp(topic));
      const hint = suggestion(topic, [...COMMANDS.map((c) => c.name), ...ACTIONS]);
      throw new UsageError(`help: "${topic}" is neither a command nor an action.${hint || ` Commands: ${COMMANDS.map((c) => c.name).join(', ')}; actions: ${ACTIONS.join(', ')}`}`, usageLine(this));
    },
  },
  // duty rosters (值班表): check a file, who is on duty now or at a time, the week (src/cli/roster.ts)
  ...rosterCommands,
];


const FINDING_WORDS = {
  zh: {
    id: '记录', person: '人员', obligation: '义务', due: '时限', done: '完成', recorded: (at: string) => `录入 ${at}`, notDone: '未完成',
    delay: '延误', basis: '依据', accountability: '责任追究', decision: '复核', correction: '更正', was: '原为', explanation: '申辩',
    reviewers: '复核人', none: '没有记录', noneOpen: '没有待复核的记录', plan: '预案', nobody: '—', marks: '提示',
  },
  en: {
    id: 'id', person: 'person', obligation: 'obligation', due: 'due', done: 'done', recorded: (at: string) => `recorded ${at}`, notDone: 'not done',
    delay: 'delay', basis: 'basis', accountability: 'accountability', decision: 'review', correction: 'corrected', was: 'was', explanation: 'explanation',
    reviewers: 'reviewers', none: 'no findings', noneOpen: 'no open findings', plan: 'plan', nobody: '—', marks: 'note',
  },
} as const;

/** Findings grouped by incident, each as a block people read: its words and state first, then the facts, then its reviews. */
function formatFindings(rows: FindingView[], language: Language, opts: { open?: boolean } = {}): string {
  const w = FINDING_WORDS[language];
  if (rows.length === 0) return opts.open ? w.noneOpen : w.none;
  const out: string[] = [];
  const incidents = [...new Set(rows.map((r) => r.incidentId))];
  for (const incidentId of incidents) {
    const mine = rows.filter((r) => r.incidentId === incidentId);
    if (out.length) out.push('');
    out.push(`${incidentId}  (${w.plan} ${mine[0].plan.id}@${mine[0].plan.version})`);
    for (const f of mine) {
      const l: Locale = { timeZone: f.timeZone, language };
      const t = (iso: string | null) => localTime(l, iso);
      const who = (id: string | null, name: string | null) => (name && id ? `${name} (${id})` : (id ?? name ?? w.nobody));
      const done = f.claimedAt
        ? t(f.claimedAt) + (f.actRecordedAt && t(f.actRecordedAt) !== t(f.claimedAt) ? bracketed(language, w.recorded(t(f.actRecordedAt))) : '')
        : f.obligationId ? w.notDone : '';
      const lines: string[][] = [
        [w.id, f.id],
        [w.person, `${who(f.person.id, f.person.name)} · ${f.person.roleLabel}`],
        ...(f.obligationId ? [[w.obligation, `${f.obligationLabel ?? f.obligationKind} (${f.obligationId})${f.bindingLabel ? ` · ${f.bindingLabel}` : ''}`]] : []),
        ...(f.dueAt ? [[w.due, t(f.dueAt)]] : []),
        ...(done ? [[w.done, done]] : []),
        ...(f.delay ? [[w.delay, f.delay]] : []),
        [w.basis, [f.rule ? `${f.rule.basis}: ${f.rule.source}` : '', `${w.accountability}: ${f.accountabilityBasis}`].filter(Boolean).join(' · ')],
        // what the reviewer must weigh (grade not assessed, owner not named, annulled by default, the line …)
        ...(f.marksText ?? []).map((m) => [w.marks, m]),
        ...f.reviews.map((r) => [
          r.kind === 'explanation' ? w.explanation : w.decision,
          `${r.kind === 'explanation' ? '' : `${r.label} · `}${who(r.by, r.byName)} · ${t(r.at)}${language === 'zh' ? '：' : ': '}${r.reason}` +
            (r.correction ? ` — ${w.correction}: ${r.correction.label}${r.correction.claimedAt ? ` ${t(r.correction.claimedAt)}` : ''} (${w.was} ${r.correction.was.label})` : ''),
        ]),
        ...(f.reviewers.length ? [[w.reviewers, f.reviewers.map((r) => `${r.name} (${r.id})`).join(', ')]] : []),
      ];
      out.push(`  ${f.label} · ${f.stateLabel}${language === 'zh' ? ` (${f.state})` : ''}${f.kind !== f.recordedKind ? bracketed(language, `${w.was} ${f.recordedLabel}`) : ''}`);
      out.push(...table(lines, { indent: '    ' }));
    }
  }
  return out.join('\n');
}

const bracketed = (language: Language, text: string) => (language === 'zh' ? `（${text}）` : ` (${text})`);

function formatReviewResult(r: ReviewResult): string {
  const f = r.finding;
  return `${r.inserted ? 'recorded' : 'already recorded'}: ${r.review.label} ${r.review.id}\n  ${f.label} · ${f.stateLabel} (${f.state})`;
}

/** A notice and its deliveries, as `--json` prints them. */
function noticeSummary(v: NoticeView) {
  const n = v.notice;
  return {
    id: n.id, kind: n.kind, obligationId: n.obligationId ?? null, status: n.status, attempts: n.attempts,
    nextAttemptAt: n.nextAttemptAt ? new Date(n.nextAttemptAt).toISOString() : null,
    deliveredAt: n.deliveredAt ? new Date(n.deliveredAt).toISOString() : null, lastError: n.lastError ?? null, settledReason: n.settledReason ?? null,
    deliveries: v.deliveries.map((d) => ({ id: d.id, to: d.personName, channel: d.channel, status: d.status, attempts: d.attempts, lastError: d.lastError ?? null })),
  };
}

const NOTICE_WORDS = {
  zh: { title: '通知', kind: '类型', about: '事项', status: '状态', tries: '尝试', deliveries: '送达', error: '原因' },
  en: { title: 'notices', kind: 'kind', about: 'about', status: 'status', tries: 'tries', deliveries: 'delivered', error: 'reason' },
} as const;

function formatNotices(rows: NoticeView[], language: Language): string {
  const w = NOTICE_WORDS[language];
  const lines = rows.map((v) => {
    const done = v.deliveries.filter((d) => d.status === 'delivered').length;
    const error = v.notice.status === 'delivered' || v.notice.status === 'superseded' ? (v.notice.settledReason ?? '') : (v.notice.lastError ?? '');
    return [v.notice.kind, v.notice.obligationId ?? v.notice.notice.about, v.notice.status, String(v.notice.attempts), `${done}/${v.deliveries.length}`, error];
  });
  return [`  ${w.title}`, ...table([[w.kind, w.about, w.status, w.tries, w.deliveries, w.error], ...lines], { indent: '    ' })].join('\n');
}

export function commandHelp(c: CommandSyntax & { summary: string }): string {
  const options = [...c.options, ...GLOBAL_OPTIONS].map((o) => [o.type === 'boolean' ? `--${o.name}` : `--${o.name} ${o.value ?? '<value>'}`, o.help]);
  return [
    usageLine(c),
    '',
    `  ${c.summary}`,
    ...(c.args.some((a) => 'incident' in a && a.incident) ? ['  <id>: an incident id, or the workflow id start prints (incident-<id>)'] : []),
    '',
    ...table(options, { indent: '  ' }),
  ].join('\n');
}

export function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.flatMap((c) => [
    `  ${c.name.padEnd(width)}  ${usageLine(c).replace(/^usage: \S+ \S+ ?/, '').replace(/ ?\[--json\]$/, '')}`,
    `  ${' '.repeat(width)}  ${c.summary}`,
  ]);
  return [
    GENERAL_USAGE,
    `  run as: npm run cli -- <command> …   node dist/client.js <command> …   npx tsx client.ts <command> … (from source)`,
    '',
    ...lines,
    '',
    '  <id>      an incident id, or the workflow id start prints (incident-<id>)',
    '  --json    machine-readable output on stdout; errors as one JSON line on stderr',
    `  actions   ${ACTIONS.join(', ')}`,
    `            (${PROGRAM} help <action> lists an action's payload fields)`,
    '',
    'exit status: 0 ok, 1 refused, invalid input or a file error, 2 usage, 3 not found, 4 Temporal unreachable',
    'environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE, TEMPORAL_TLS*, TEMPORAL_API_KEY; PLANS_DIR (default plans)',
  ].join('\n');
}
