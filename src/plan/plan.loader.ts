/**
 * Loads a unit's emergency plan (预案) from YAML and validates it with planSchema.
 * Node-only (fs, crypto): used by worker.ts and client.ts, never by workflow code — a workflow
 * receives the already-parsed Plan and its hash as input.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { formatIssues, planSchema, type Plan } from './plan.schema';

export interface LoadedPlan {
  plan: Plan;
  /** sha256 (hex) of the canonical JSON of the validated plan: comments, key order and layout do not count */
  hash: string;
  /** the file it came from, as given */
  file: string;
}

/**
 * Every problem with a plan file. The message starts with the file path; each issue is one line
 * `<file>: <path.inside>: <reason>` (or `<file>:<line>:<col>: <reason>` for YAML syntax).
 */
export class PlanError extends Error {
  override readonly name = 'PlanError';
  constructor(
    readonly file: string,
    /** one line per issue, each already prefixed with the file */
    readonly issues: string[],
    summary = 'invalid plan',
  ) {
    super(`${file}: ${summary}${issues.length ? `\n${issues.join('\n')}` : ''}`);
  }
}

const PLAN_EXT = /\.ya?ml$/i;

/** JSON with object keys sorted at every level, undefined members left out. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

export function planHash(plan: Plan): string {
  return createHash('sha256').update(canonicalJson(plan)).digest('hex');
}

/**
 * The data of a YAML (or JSON) file; a syntax error is thrown as `fail(file, issues, summary)` naming line and
 * column (plans and rosters alike).
 */
export function parseYamlData(text: string, file: string, fail: (file: string, issues: string[], summary: string) => Error = (f, i, m) => new PlanError(f, i, m)): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => {
      const { line, col } = lineCounter.linePos(e.pos[0]);
      return `${file}:${line}:${col}: ${e.message}`;
    });
    const { line, col } = lineCounter.linePos(doc.errors[0].pos[0]);
    throw fail(file, issues, `YAML syntax error at line ${line}, column ${col}`);
  }
  return doc.toJS();
}

/** Parse and validate plan text; `file` names it in errors. */
export function parsePlanText(text: string, file: string): LoadedPlan {
  const data: unknown = parseYamlData(text, file);
  const result = planSchema.safeParse(data);
  if (!result.success) {
    const issues = formatIssues(result.error).split('\n').map((line) => `${file}: ${line}`);
    throw new PlanError(file, issues, `invalid plan (${issues.length} issue${issues.length === 1 ? '' : 's'})`);
  }
  return { plan: result.data, hash: planHash(result.data), file };
}

/** Load one plan file. Throws PlanError for unreadable files, YAML syntax and schema violations. */
export function loadPlanFile(file: string): LoadedPlan {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new PlanError(file, [], `cannot read plan file: ${(err as Error).message}`);
  }
  return parsePlanText(text, file);
}

/** Every *.yaml / *.yml file of a directory, sorted by name; plan ids must be unique. */
export function loadPlanDir(dir: string): LoadedPlan[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() && PLAN_EXT.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch (err) {
    throw new PlanError(dir, [], `cannot read plan directory: ${(err as Error).message}`);
  }
  const loaded: LoadedPlan[] = [];
  const byId = new Map<string, LoadedPlan>();
  for (const name of names) {
    const lp = loadPlanFile(path.join(dir, name));
    const first = byId.get(lp.plan.id);
    if (first) {
      throw new PlanError(
        lp.file,
        [`${lp.file}: id: duplicate plan id "${lp.plan.id}", already used by ${first.file}`],
        `duplicate plan id "${lp.plan.id}" (also in ${first.file})`,
      );
    }
    byId.set(lp.plan.id, lp);
    loaded.push(lp);
  }
  return loaded;
}

function looksLikePath(ref: string): boolean {
  return ref.includes('/') || ref.includes(path.sep) || PLAN_EXT.test(ref);
}

/**
 * A plan by id (looked up among the plans of `dir`) or by file path. A ref that names an existing
 * file, contains a path separator or ends in .yaml/.yml is a path; anything else is an id.
 */
export function resolvePlan(ref: string, dir = 'plans'): LoadedPlan {
  if (looksLikePath(ref) || isFile(ref)) return loadPlanFile(ref);
  const plans = loadPlanDir(dir);
  const found = plans.find((p) => p.plan.id === ref);
  if (!found) {
    const known = plans.map((p) => `${p.plan.id} (${p.file})`).join(', ') || 'none';
    throw new PlanError(dir, [], `no plan with id "${ref}"; plans here: ${known}`);
  }
  return found;
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
