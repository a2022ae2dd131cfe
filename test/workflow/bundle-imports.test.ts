import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleIncidentWorkflows, PRELOAD_MODULES } from '../../src/runtime/worker';

/**
 * What the workflow bundle imports, read from the sources (value imports only; `import type` is erased): every
 * incident's workflow evaluates these modules when it starts, so the plan schemas (built with zod, about two thirds of
 * a workflow's start-up CPU) stay out — a workflow never parses a plan, the client did (src/plan/plan.values.ts has
 * what it reads). The delivery figures (`npm run delivery-figures`) measure what this saves.
 */
const ROOT = path.resolve(__dirname, '../..');

function valueImports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms)) out.push(m[1]);
  return out;
}

function graph(entry: string): Set<string> {
  const seen = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of valueImports(file)) {
      if (!spec.startsWith('.')) {
        seen.add(spec);
        continue;
      }
      const base = path.resolve(path.dirname(file), spec);
      const found = [`${base}.ts`, path.join(base, 'index.ts')].find((f) => existsSync(f));
      if (found) walk(found);
    }
  };
  walk(entry);
  return seen;
}

describe('the workflow bundle', () => {
  const reached = [...graph(path.join(ROOT, 'src/workflows/index.ts'))].map((f) => (f.startsWith(ROOT) ? path.relative(ROOT, f) : f));

  it('runs the machine and its rules', () => {
    for (const f of ['src/machines/incident.machine.ts', 'src/machines/actions.ts', 'src/plan/plan.values.ts']) expect(reached).toContain(f);
  });

  it('does not build the plan or roster schemas, nor read YAML or files', () => {
    for (const f of ['src/plan/plan.schema.ts', 'src/roster/roster.schema.ts', 'src/plan/plan.loader.ts', 'yaml', 'node:fs']) expect(reached).not.toContain(f);
  });
});

describe('the modules shared by every incident of a workflow thread (src/workflows/preload.ts)', () => {
  it('are libraries only, and the bundle really loads them before any incident (a module no code uses is not dropped)', async () => {
    const preload = graph(path.join(ROOT, 'src/workflows/preload.ts'));
    // nothing of ours: a shared module is frozen and must hold nothing of one incident
    expect([...preload].filter((f) => f.startsWith(ROOT) && !f.endsWith('src/workflows/preload.ts'))).toEqual([]);
    expect(PRELOAD_MODULES.map((f) => path.relative(ROOT, f))).toEqual(['src/workflows/preload.ts']);
    const { code } = await bundleIncidentWorkflows();
    const body = /preloadModules = function preloadModules\(\) \{([^}]*)\}/.exec(code)?.[1] ?? '';
    expect(body).toContain('./src/workflows/preload.ts');
  }, 120_000);
});
