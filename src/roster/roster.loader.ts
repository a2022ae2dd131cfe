/**
 * Loads duty rosters (值班表) from YAML or JSON and validates them against their plans. Node-only (fs,
 * crypto): for the CLI and the worker, never workflow code — a workflow receives the validated roster (plain
 * JSON) and its hash.
 *
 * The roster directory (`rosters/`, env ROSTERS_DIR) holds any number of files; several may belong to one
 * plan: they are that roster's versions, each in force from its `effectiveFrom` until the next one's (the
 * roster's history). A plan's versions must differ in `version` and in `effectiveFrom`.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { canonicalJson, loadPlanDir, parseYamlData, PlanError, resolvePlan, type LoadedPlan } from '../plan/plan.loader';
import { checkRoster, type RosterCheck } from './roster.check';
import { validateRoster, type Roster } from './roster.schema';

export interface LoadedRoster {
  roster: Roster;
  /** sha256 (hex) of the canonical JSON of the validated roster, as plans are hashed: comments, key order and layout do not count */
  hash: string;
  /** the file it came from, as given */
  file: string;
  /** the plan it was validated against */
  plan: LoadedPlan;
  /** coverage, overlaps and doubts (a roster with errors here still loads; `roster check` fails on them) */
  check: RosterCheck;
}

/** Every problem with a roster file: `<file>: <path>: <reason>` lines, as for plans (the CLI exits 1). */
export class RosterError extends PlanError {
  constructor(file: string, issues: string[], summary = 'invalid roster') {
    super(file, issues, summary);
    (this as { name: string }).name = 'RosterError';
  }
}

const ROSTER_EXT = /\.(ya?ml|json)$/i;

export const DEFAULT_ROSTERS_DIR = 'rosters';

/** The roster directory: ROSTERS_DIR, else rosters/. */
export const rostersDirOf = (env: NodeJS.ProcessEnv): string => env.ROSTERS_DIR ?? DEFAULT_ROSTERS_DIR;

export function rosterHash(roster: Roster): string {
  return createHash('sha256').update(canonicalJson(roster)).digest('hex');
}

/** The YAML (or JSON) data of a roster file; syntax errors name line and column. */
function parseData(text: string, file: string): unknown {
  return parseYamlData(text, file, (f, issues, summary) => new RosterError(f, issues, summary));
}

function planIdOf(data: unknown): string | undefined {
  const id = (data as { plan?: unknown } | null)?.plan;
  return typeof id === 'string' ? id : undefined;
}

/**
 * Parse and validate roster text against its plan: `plans` are the plans to find it among (by the roster's
 * `plan`), or the plan itself. `file` names it in errors.
 */
export function parseRosterText(text: string, file: string, plans: LoadedPlan | readonly LoadedPlan[]): LoadedRoster {
  const data = parseData(text, file);
  return fromData(data, file, plans);
}

function fromData(data: unknown, file: string, plans: LoadedPlan | readonly LoadedPlan[]): LoadedRoster {
  const list = Array.isArray(plans) ? plans : [plans as LoadedPlan];
  const id = planIdOf(data);
  const plan = Array.isArray(plans) ? list.find((p) => p.plan.id === id) : list[0];
  if (!plan) {
    const issue = id === undefined ? 'plan: must name the plan the roster belongs to' : `plan: no plan with id "${id}" (plans: ${list.map((p) => p.plan.id).join(', ') || 'none'})`;
    throw new RosterError(file, [`${file}: ${issue}`], 'invalid roster (1 issue)');
  }
  const result = validateRoster(data, plan.plan);
  if (!result.ok) {
    const issues = result.issues.map((line) => `${file}: ${line}`);
    throw new RosterError(file, issues, `invalid roster (${issues.length} issue${issues.length === 1 ? '' : 's'})`);
  }
  return { roster: result.roster, hash: rosterHash(result.roster), file, plan, check: checkRoster(result.roster, plan.plan) };
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new RosterError(file, [], `cannot read roster file: ${(err as Error).message}`);
  }
}

/** Load one roster file; its plan is found by id in `plansDir` (default plans/). */
export function loadRosterFile(file: string, plansDir = 'plans'): LoadedRoster {
  const data = parseData(readText(file), file);
  const id = planIdOf(data);
  if (id === undefined) throw new RosterError(file, [`${file}: plan: must name the plan the roster belongs to`], 'invalid roster (1 issue)');
  return fromData(data, file, resolvePlan(id, plansDir));
}

function rosterFiles(dir: string): string[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() && ROSTER_EXT.test(e.name))
      .map((e) => path.join(dir, e.name))
      .sort();
  } catch (err) {
    throw new RosterError(dir, [], `cannot read roster directory: ${(err as Error).message}`);
  }
}

/** A plan's versions must differ in version and in effectiveFrom. */
function checkVersions(versions: readonly LoadedRoster[]): void {
  for (let i = 0; i < versions.length; i++) {
    for (let j = 0; j < i; j++) {
      const [a, b] = [versions[j], versions[i]];
      if (a.roster.plan !== b.roster.plan) continue;
      if (a.roster.version === b.roster.version) {
        throw new RosterError(b.file, [`${b.file}: version: "${b.roster.version}" is also the version of ${a.file}: give each roster version its own`], `duplicate roster version "${b.roster.version}" of plan "${b.roster.plan}" (also in ${a.file})`);
      }
      if (Date.parse(a.roster.effectiveFrom) === Date.parse(b.roster.effectiveFrom)) {
        throw new RosterError(b.file, [`${b.file}: effectiveFrom: ${b.roster.effectiveFrom} is also when ${a.file} takes effect: which one is in force would be unclear`], `two roster versions of plan "${b.roster.plan}" take effect at ${b.roster.effectiveFrom}`);
      }
    }
  }
}

const byEffectiveFrom = (a: LoadedRoster, b: LoadedRoster) => Date.parse(a.roster.effectiveFrom) - Date.parse(b.roster.effectiveFrom);

/** Every roster file of a directory, validated against the plans of `plansDir`; sorted by plan, then effectiveFrom. */
export function loadRosterDir(dir: string = DEFAULT_ROSTERS_DIR, plansDir = 'plans'): LoadedRoster[] {
  const files = rosterFiles(dir);
  const plans = loadPlanDir(plansDir);
  const loaded = files.map((f) => parseRosterText(readText(f), f, plans));
  checkVersions(loaded);
  return loaded.sort((a, b) => a.roster.plan.localeCompare(b.roster.plan) || byEffectiveFrom(a, b));
}

/**
 * The versions of one plan's roster, in the order they take effect. Only the files of that plan are
 * validated (another unit's broken roster does not stop this one). None: a RosterError.
 */
export function rosterVersions(planRef: string, dir: string = DEFAULT_ROSTERS_DIR, plansDir = 'plans'): LoadedRoster[] {
  const plan = resolvePlan(planRef, plansDir);
  const mine: LoadedRoster[] = [];
  for (const f of rosterFiles(dir)) {
    const data = parseData(readText(f), f);
    if (planIdOf(data) === plan.plan.id) mine.push(fromData(data, f, plan));
  }
  if (mine.length === 0) throw new RosterError(dir, [], `no roster for plan "${plan.plan.id}" in ${dir}`);
  checkVersions(mine);
  return mine.sort(byEffectiveFrom);
}

/** The record the ledger keeps of a loaded version (the roster's history). */
export function rosterRecord(l: LoadedRoster): { planId: string; version: string; hash: string; effectiveFrom: number; body: Roster } {
  return { planId: l.roster.plan, version: l.roster.version, hash: l.hash, effectiveFrom: Date.parse(l.roster.effectiveFrom), body: l.roster };
}
