/**
 * The command line for incident response. Run `npx tsx client.ts help`.
 * Connection from the environment (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE, TEMPORAL_TLS*, TEMPORAL_API_KEY);
 * plans from PLANS_DIR (default plans).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { act, checkIncident, connect, history, IncidentError, list, sendMetrics, show, startIncident, type ListedIncident } from './src/api/incidents';
import { resolvePlan, PlanError } from './src/plan/plan.loader';
import { temporalSettings, ConfigError } from './src/runtime/connection';
import type { IncidentStatus } from './src/machines/status';

const HELP = `usage: npx tsx client.ts <command> [options]

  start   --file <incident.json | ->  [--plan <id|path>]   start an incident (idempotent by incident id)
  act     <id> <action> --data '<json>' | --data-file <f>   record an action (report, assess, respond, …)
  metrics <id> --data '<json>'                              send new monitoring metrics
  show    <id>                                              stage, grade, obligations, timeline, outcomes
  list    [--stage S] [--grade G] [--unit U] [--overdue] [--all]
  history <id> [--out <file>]                               export the event history as JSON

  --json  machine-readable output          exit status: 0 ok, 1 refused or invalid, 2 usage, 3 not found, 4 unavailable
`;

const EXIT = { ok: 0, refused: 1, usage: 2, notFound: 3, unavailable: 4 } as const;

function readJson(label: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new IncidentError('InvalidPayload', `${label}: not valid JSON: ${(err as Error).message}`);
  }
}

function readSource(path: string): string {
  return path === '-' ? readFileSync(0, 'utf8') : readFileSync(path, 'utf8');
}

function printStatus(s: IncidentStatus) {
  const lines = [
    `${s.id}  ${s.title}`,
    `  unit      ${s.unit.name} (${s.unit.id}) · plan ${s.plan.id}@${s.plan.version}`,
    `  stage     ${s.stageLabel} (${s.stage})${s.open ? '' : ' — over'}`,
    `  grade     ${s.gradeLabel} (${s.grade}) ← ${s.gradeReasons.join(', ')}`,
    `  category  ${s.categoryLabel ?? '—'}`,
    `  next      ${s.nextDeadlineAt ?? '—'}   overdue: ${s.overdueCount}`,
    '',
    '  obligations',
    ...s.obligations.map((o) => `    ${o.id.padEnd(16)} ${o.statusLabel.padEnd(6)}${o.overdue ? ' ⚠逾期' : o.flaggedOverdue ? ' (逾期后补录)' : ''} due ${o.dueAt ?? '—'}${o.metAt ? ` met ${o.metAt}` : ''}${o.delay ? ` (+${o.delay})` : ''}  ${o.owner.name}·${o.owner.roleLabel}`),
    '',
    '  timeline',
    ...s.timeline.map((t) => `    ${t.at} ${t.action.padEnd(14)} ${t.by ?? ''}${t.backdated ? ` [补录 recorded ${t.gapMinutes} min later]` : ''}  ${t.details}`),
    '',
    '  outcomes',
    ...(s.outcomes.length ? s.outcomes.map((o) => `    ${o.label.padEnd(6)} ${o.personName ?? ''}(${o.role}) ${o.delayMinutes !== null ? `+${o.delayMinutes}min ` : ''}${o.details}`) : ['    —']),
  ];
  console.log(lines.join('\n'));
}

function printList(rows: ListedIncident[]) {
  if (rows.length === 0) return console.log('no incidents');
  for (const r of rows) {
    console.log(`${r.id.padEnd(28)} ${(r.stage ?? '').padEnd(20)} ${(r.grade ?? '').padEnd(16)} ${(r.unit ?? '').padEnd(16)} next ${r.nextDeadlineAt ?? '—'}  overdue ${r.overdueCount}  ${r.status}`);
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      file: { type: 'string' }, plan: { type: 'string' }, data: { type: 'string' }, 'data-file': { type: 'string' },
      stage: { type: 'string' }, grade: { type: 'string' }, unit: { type: 'string' }, overdue: { type: 'boolean' },
      all: { type: 'boolean' }, out: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (!command || command === 'help' || values.help) {
    console.log(HELP);
    return command || values.help ? EXIT.ok : EXIT.usage;
  }
  const need = (n: number, what: string) => {
    if (rest.length < n) throw new UsageError(`${command}: missing ${what}`);
  };
  const payload = () => {
    if (values.data !== undefined) return readJson('--data', values.data);
    if (values['data-file'] !== undefined) return readJson(values['data-file'], readSource(values['data-file']));
    throw new UsageError(`${command}: give the payload with --data '<json>' or --data-file <file>`);
  };
  const out = (value: unknown, human: () => void) => (values.json ? console.log(JSON.stringify(value, null, 2)) : human());

  const settings = temporalSettings();
  switch (command) {
    case 'start': {
      if (!values.file) throw new UsageError('start: give the incident with --file <incident.json> (or --file - for stdin)');
      const raw = readJson(values.file, readSource(values.file)) as Record<string, unknown>;
      const { plan: planRef, ...incident } = raw ?? {};
      const ref = values.plan ?? (typeof planRef === 'string' ? planRef : undefined);
      if (!ref) throw new IncidentError('InvalidPayload', 'plan: name the plan with "plan" in the file or --plan <id|path>');
      const loaded = resolvePlan(ref, process.env.PLANS_DIR ?? 'plans');
      checkIncident(incident, loaded); // bad input is reported even when Temporal is down
      const client = await connect(settings);
      const r = await startIncident(client, settings.taskQueue, incident, loaded);
      out(r, () => console.log(`${r.started ? 'started' : 'already running'}: ${r.workflowId} (run ${r.runId})`));
      return EXIT.ok;
    }
    case 'act': {
      need(2, '<id> <action>');
      const client = await connect(settings);
      const s = await act(client, rest[0], rest[1], payload());
      out(s, () => printStatus(s));
      return EXIT.ok;
    }
    case 'metrics': {
      need(1, '<id>');
      const client = await connect(settings);
      await sendMetrics(client, rest[0], payload());
      out({ sent: true }, () => console.log('metrics sent'));
      return EXIT.ok;
    }
    case 'show': {
      need(1, '<id>');
      const client = await connect(settings);
      const s = await show(client, rest[0]);
      out(s, () => printStatus(s));
      return EXIT.ok;
    }
    case 'list': {
      const client = await connect(settings);
      const rows = await list(client, {
        stage: values.stage as never, grade: values.grade as never, unit: values.unit, overdue: values.overdue, all: values.all,
      });
      out(rows, () => printList(rows));
      return EXIT.ok;
    }
    case 'history': {
      need(1, '<id>');
      const client = await connect(settings);
      const json = await history(client, rest[0]);
      if (values.out) {
        writeFileSync(values.out, json);
        console.error(`history written to ${values.out}`);
      } else {
        console.log(json);
      }
      return EXIT.ok;
    }
    default:
      throw new UsageError(`unknown command "${command}"\n\n${HELP}`);
  }
}

class UsageError extends Error {
  override name = 'UsageError';
}

main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((err) => {
    const e = err as Error;
    const json = process.argv.includes('--json');
    const kind = err instanceof IncidentError ? err.kind : e.name;
    const code = err instanceof UsageError ? EXIT.usage
      : err instanceof IncidentError ? (err.kind === 'NotFound' ? EXIT.notFound : err.kind === 'Unavailable' ? EXIT.unavailable : EXIT.refused)
      : err instanceof PlanError || err instanceof ConfigError ? EXIT.refused
      : EXIT.unavailable;
    if (json) console.error(JSON.stringify({ error: kind, message: e.message, errors: err instanceof IncidentError ? err.errors : [e.message] }));
    else console.error(`error (${kind}): ${e.message}`);
    process.exit(code);
  });
