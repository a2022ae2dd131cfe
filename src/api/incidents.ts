import {
  Client, Connection, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { GRADES, STAGES, type ActionName, type Grade, type Stage } from '../plan/codes';
import type { LoadedPlan } from '../plan/plan.loader';
import { isActionName, prepareStart } from '../machines/commands';
import type { IncidentStatus } from '../machines/status';
import { createHash } from 'node:crypto';
import { calendarSlice, HOLIDAY_DATA_COVERS } from '../plan/holidays';
import fs from 'node:fs';
import { RosterError, rostersDirOf, rosterVersions } from '../roster/roster.loader';
import type { Roster } from '../roster/roster.schema';
import { localDate } from '../plan/time-zone';
import { actionUpdates, metricsSignal, metricsUpdate, SA, statusQuery, workflowIdFor, WORKFLOW_TYPE, type IncidentWorkflowInput } from '../workflows/incident.definitions';
import type { incidentWorkflow } from '../workflows/incident.workflow';
import { metricsUpdateSchema } from '../plan/incident.schema';
import { formatIssues } from '../plan/plan.schema';
import type { TemporalSettings } from '../runtime/connection';
import { historyToJSON } from './history-json';

/**
 * One client module for every interface (CLI, scripts, a future HTTP API): start, act, metrics,
 * show, list, history. Errors are typed so each interface can print them the same way.
 */
export class IncidentError extends Error {
  override name = 'IncidentError';
  constructor(
    readonly kind: 'InvalidPayload' | 'NotAllowed' | 'NotFound' | 'AlreadyClosed' | 'Unavailable' | 'Conflict',
    message: string,
    readonly errors: string[] = [message],
  ) {
    super(message);
  }
}

export async function connect(settings: TemporalSettings): Promise<Client> {
  try {
    const connection = await Connection.connect({ address: settings.address, tls: settings.tls, apiKey: settings.apiKey, connectTimeout: '5s' });
    return new Client({ connection, namespace: settings.namespace });
  } catch (err) {
    throw new IncidentError('Unavailable', `cannot reach Temporal at ${settings.address}: ${(err as Error).message}`);
  }
}

export interface StartResult {
  workflowId: string;
  runId: string;
  started: boolean;
}

/** Check an incident against its plan; throws IncidentError listing every failing field. */
export function checkIncident(raw: unknown, loaded: LoadedPlan, now = Date.now()) {
  const prepared = prepareStart(raw, loaded.plan, now);
  if (!prepared.ok) throw new IncidentError('InvalidPayload', `invalid incident:\n${prepared.errors.join('\n')}`, prepared.errors);
  return prepared.incident;
}

/** What makes two starts the same incident: its fields and its plan. Kept in the workflow's memo. */
export function startFingerprint(incident: unknown, plan: { id: string }, planHash: string): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canonical) : v && typeof v === 'object'
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, canonical(x)]))
      : v;
  return createHash('sha256').update(JSON.stringify(canonical({ incident, plan: plan.id, planHash }))).digest('hex');
}

/**
 * Start an incident. Exactly one caller is told it created it (`started: true`): the server refuses a second
 * start of a running id, and that caller is told it already runs — or, if the content differs (another unit,
 * another discovery), refused with the fields that differ.
 */
/**
 * The duty roster versions of a plan in the roster directory (ROSTERS_DIR, default rosters/), fixed into a new
 * incident so its role duties get the owner on duty when each is created. None (no directory, no roster for the
 * plan): the plan's holders apply. A roster that fails validation stops the start with its errors.
 */
export function rostersFor(loaded: LoadedPlan, env: NodeJS.ProcessEnv = process.env, plansDir = env.PLANS_DIR ?? 'plans'): Roster[] {
  const dir = rostersDirOf(env);
  if (!fs.existsSync(dir)) return [];
  try {
    return rosterVersions(loaded.plan.id, dir, plansDir).map((r) => r.roster);
  } catch (err) {
    if (err instanceof RosterError && /no roster for plan/.test(err.message)) return [];
    throw err;
  }
}

export async function startIncident(
  client: Client, taskQueue: string, raw: unknown, loaded: LoadedPlan, now = Date.now(), o: { roster?: Roster[] } = {},
): Promise<StartResult> {
  const incident = checkIncident(raw, loaded, now);
  // The holiday data the incident's day limits are counted with, from its discovery day to the end of the
  // pinned data: fixed into the input, so a replay (or a later deploy with newer data) counts the same days.
  const calendar = calendarSlice(localDate(loaded.plan.timeZone, Date.parse(incident.discoveredAt)), HOLIDAY_DATA_COVERS.to);
  const input: IncidentWorkflowInput = { incident, plan: loaded.plan, planHash: loaded.hash, calendar, ...(o.roster?.length ? { roster: o.roster } : {}) };
  const workflowId = workflowIdFor(incident.id);
  const fingerprint = startFingerprint(incident, loaded.plan, loaded.hash);
  try {
    const handle = await client.workflow.start<typeof incidentWorkflow>(WORKFLOW_TYPE, {
      workflowId,
      taskQueue,
      args: [input],
      // A second start of a running incident fails here; the catch below tells that caller what exists.
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [{ key: SA.unit, value: loaded.plan.unit.id }, { key: SA.stage, value: 'researchAndWarning' }],
      memo: {
        fingerprint, startedBy: 'client', discoveredAt: incident.discoveredAt, discoveredBy: incident.discoveredBy, unit: loaded.plan.unit.id,
        // What `list` shows besides the search attributes (memo values read back as plain JSON values).
        title: incident.title, unitName: loaded.plan.unit.name, timeZone: loaded.plan.timeZone, language: loaded.plan.language,
      },
      staticSummary: `舆情 ${incident.id}: ${incident.title} (${loaded.plan.unit.name})`,
      staticDetails: `plan ${loaded.plan.id}@${loaded.plan.version} · discovered ${incident.discoveredAt} by ${incident.discoveredBy}`,
    });
    return { workflowId, runId: handle.firstExecutionRunId, started: true };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const existing = await describe(client, workflowId);
    if (!existing) throw err;
    if (existing.status.name !== 'RUNNING') {
      throw new IncidentError('AlreadyClosed', `incident ${incident.id} already exists and is ${existing.status.name.toLowerCase()}; use a new incident id`);
    }
    const memo = (existing.memo ?? {}) as Record<string, unknown>;
    if (memo.fingerprint !== undefined && memo.fingerprint !== fingerprint) {
      const differs = [
        memo.unit !== undefined && memo.unit !== loaded.plan.unit.id ? `unit: running incident belongs to ${String(memo.unit)}, not ${loaded.plan.unit.id}` : '',
        memo.discoveredAt !== undefined && memo.discoveredAt !== incident.discoveredAt ? `discoveredAt: running incident was discovered at ${String(memo.discoveredAt)}` : '',
        memo.discoveredBy !== undefined && memo.discoveredBy !== incident.discoveredBy ? `discoveredBy: running incident was discovered by ${String(memo.discoveredBy)}` : '',
      ].filter(Boolean);
      const errors = differs.length ? differs : ['the incident fields or plan differ from the running one'];
      throw new IncidentError('Conflict', `incident ${incident.id} is already running with different content; use a new incident id:\n${errors.join('\n')}`, errors);
    }
    return { workflowId, runId: existing.runId, started: false };
  }
}

async function describe(client: Client, workflowId: string) {
  try {
    return await client.workflow.getHandle(workflowId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

async function handleFor(client: Client, incidentId: string) {
  const workflowId = workflowIdFor(incidentId);
  const d = await describe(client, workflowId);
  if (!d) throw new IncidentError('NotFound', `incident ${incidentId} not found (workflow ${workflowId})`);
  return { handle: client.workflow.getHandle(workflowId), description: d };
}

export async function act(client: Client, incidentId: string, action: string, payload: unknown): Promise<IncidentStatus> {
  if (!isActionName(action)) throw new IncidentError('InvalidPayload', `action: "${action}" is not a known action`);
  const { handle, description } = await handleFor(client, incidentId);
  if (description.status.name !== 'RUNNING') {
    throw new IncidentError('AlreadyClosed', `incident ${incidentId} is ${description.status.name.toLowerCase()}; no more actions are accepted`);
  }
  try {
    return await handle.executeUpdate(actionUpdates[action as ActionName], { args: [payload] });
  } catch (err) {
    throw refusal(err, action, incidentId);
  }
}

/** An update's refusal as an IncidentError listing each reason; other errors pass through. */
function refusal(err: unknown, what: string, incidentId: string): unknown {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const kind = err.cause.type === 'NotAllowed' ? 'NotAllowed' : 'InvalidPayload';
    // The workflow sends each reason as one detail; accept a single array detail too.
    const raw = err.cause.details ?? [];
    const details = (Array.isArray(raw[0]) ? (raw[0] as unknown[]) : raw).map(String);
    if (details.length === 0) details.push(err.cause.message);
    return new IncidentError(kind, `${what} refused:\n${details.join('\n')}`, details);
  }
  if (err instanceof WorkflowNotFoundError) return new IncidentError('NotFound', `incident ${incidentId} not found`);
  return err;
}

/**
 * A reading from a person or a script: sent as an update, so a reading the incident would ignore (in the
 * future, before discovery) is refused with its reason. Feeds that cannot wait use `feedMetrics` (a signal):
 * what the incident ignores from them is counted on it (`ignoredReadings`).
 */
export async function sendMetrics(client: Client, incidentId: string, raw: unknown): Promise<IncidentStatus> {
  const parsed = metricsUpdateSchema.safeParse(raw);
  if (!parsed.success) {
    const errors = formatIssues(parsed.error).split('\n');
    throw new IncidentError('InvalidPayload', `invalid metrics:\n${errors.join('\n')}`, errors);
  }
  const { handle, description } = await handleFor(client, incidentId);
  if (description.status.name !== 'RUNNING') throw new IncidentError('AlreadyClosed', `incident ${incidentId} is ${description.status.name.toLowerCase()}`);
  try {
    return await handle.executeUpdate(metricsUpdate, { args: [parsed.data] });
  } catch (err) {
    throw refusal(err, 'metrics', incidentId);
  }
}

/** A monitoring feed's reading: a signal, never waiting on the incident. */
export async function feedMetrics(client: Client, incidentId: string, raw: unknown): Promise<void> {
  const parsed = metricsUpdateSchema.safeParse(raw);
  if (!parsed.success) {
    const errors = formatIssues(parsed.error).split('\n');
    throw new IncidentError('InvalidPayload', `invalid metrics:\n${errors.join('\n')}`, errors);
  }
  await client.workflow.getHandle(workflowIdFor(incidentId)).signal(metricsSignal, parsed.data);
}

export async function show(client: Client, incidentId: string): Promise<IncidentStatus> {
  const { handle } = await handleFor(client, incidentId);
  return handle.query(statusQuery);
}

export interface ListFilter {
  stage?: Stage;
  grade?: Grade;
  unit?: string;
  /** anything overdue: a binding limit or a target passed (v0 incidents: OverdueCount) */
  overdue?: boolean;
  /** only incidents with a binding limit passed */
  binding?: boolean;
  /** include closed and dismissed incidents */
  all?: boolean;
}

export interface ListedIncident {
  id: string;
  workflowId: string;
  status: string;
  stage?: string;
  grade?: string;
  category?: string;
  unit?: string;
  nextDeadlineAt?: string;
  /** the earliest unmet due, passed or not (v1 incidents) */
  earliestDueAt?: string;
  overdueCount: number;
  bindingOverdueCount?: number;
  targetOverdueCount?: number;
  startTime: string;
  /** from the workflow's memo (absent for incidents started before the memo was written) */
  title?: string;
  unitName?: string;
  timeZone?: string;
  language?: string;
}

const quote = (s: string) => `'${s.replace(/'/g, "\\'")}'`;

export function listQuery(f: ListFilter): string {
  const errors: string[] = [];
  if (f.stage && !(STAGES as readonly string[]).includes(f.stage)) errors.push(`stage: must be one of ${STAGES.join(', ')}`);
  if (f.grade && !(GRADES as readonly string[]).includes(f.grade)) errors.push(`grade: must be one of ${GRADES.join(', ')}`);
  if (errors.length) throw new IncidentError('InvalidPayload', errors.join('\n'), errors);
  const q = [`WorkflowType = ${quote(WORKFLOW_TYPE)}`];
  if (!f.all) q.push(`ExecutionStatus = 'Running'`);
  if (f.stage) q.push(`IncidentStage = ${quote(f.stage)}`);
  if (f.grade) q.push(`IncidentGrade = ${quote(f.grade)}`);
  if (f.unit) q.push(`IncidentUnit = ${quote(f.unit)}`);
  if (f.overdue) q.push('(BindingOverdueCount > 0 OR TargetOverdueCount > 0 OR OverdueCount > 0)');
  if (f.binding) q.push('BindingOverdueCount > 0');
  return q.join(' AND ');
}

export async function list(client: Client, f: ListFilter): Promise<ListedIncident[]> {
  const out: ListedIncident[] = [];
  for await (const w of client.workflow.list({ query: listQuery(f) })) out.push(toListed(w));
  return out;
}

const memoText = (memo: Record<string, unknown> | undefined, key: string): string | undefined => {
  const v = memo?.[key];
  return typeof v === 'string' ? v : undefined;
};

export function toListed(w: WorkflowExecutionInfo): ListedIncident {
  const sa = w.typedSearchAttributes;
  const next = sa.get(SA.nextDeadlineAt);
  return {
    id: w.workflowId.replace(/^incident-/, ''),
    workflowId: w.workflowId,
    status: w.status.name,
    stage: sa.get(SA.stage),
    grade: sa.get(SA.grade),
    category: sa.get(SA.category),
    unit: sa.get(SA.unit),
    nextDeadlineAt: next ? next.toISOString() : undefined,
    earliestDueAt: sa.get(SA.earliestDueAt)?.toISOString(),
    overdueCount: sa.get(SA.overdueCount) ?? 0,
    bindingOverdueCount: sa.get(SA.bindingOverdueCount),
    targetOverdueCount: sa.get(SA.targetOverdueCount),
    startTime: w.startTime.toISOString(),
    title: memoText(w.memo, 'title'),
    unitName: memoText(w.memo, 'unitName'),
    timeZone: memoText(w.memo, 'timeZone'),
    language: memoText(w.memo, 'language'),
  };
}

/** The incident's full event history as JSON (the format `temporal workflow show --output json` uses). */
export async function history(client: Client, incidentId: string): Promise<string> {
  const { handle } = await handleFor(client, incidentId);
  return historyToJSON(await handle.fetchHistory());
}
