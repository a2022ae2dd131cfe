/**
 * Machine throughput on a long incident: N monitoring readings, each a pure transition plus the
 * UI details the workflow publishes. Prints figures and, side by side, the ratio to a baseline run.
 *
 *   npm run bench                         # compare with bench/baseline.json
 *   npm run bench -- --events 3000        # a longer incident
 *   npm run bench -- --save bench/baseline.json   # record this run as the baseline
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { initialTransition, transition } from 'xstate';
import { incidentMachine } from '../src/machines/incident.machine';
import type { IncidentEvent } from '../src/machines/incident.rules';
import { toMarkdown, toStatus } from '../src/machines/status';
import { loadPlanFile } from '../src/plan/plan.loader';

interface Result { events: number; totalMs: number; perEventUs: number; last100PerEventUs: number; statusMs: number; commit?: string }

const { values } = parseArgs({ options: { events: { type: 'string', default: '1500' }, save: { type: 'string' }, baseline: { type: 'string', default: 'bench/baseline.json' }, runs: { type: 'string', default: '3' } } });
const N = Number(values.events);
const runs = Number(values.runs);

function once(): Result {
  const { plan, hash } = loadPlanFile('test/fixtures/plans/county-office.yaml');
  const t0 = Date.parse('2026-11-22T09:00:00+08:00');
  let [s] = initialTransition(incidentMachine, {
    incident: { id: 'bench', title: 'bench', discoveredAt: new Date(t0).toISOString(), discoveredBy: 'liu.bo', metrics: { posts: 1 } },
    plan, planHash: hash, startedAt: t0,
  });
  const start = performance.now();
  let tailStart = start;
  for (let i = 0; i < N; i++) {
    if (i === N - 100) tailStart = performance.now();
    const at = t0 + (i + 1) * 1000;
    const event: IncidentEvent = { type: 'METRICS', by: 'liu.bo', metrics: { posts: 1 + (i % 40) }, at, recordedAt: at };
    [s] = transition(incidentMachine, s, event);
    toMarkdown(s.context);
  }
  const end = performance.now();
  const q = performance.now();
  toStatus(s.context);
  const statusMs = performance.now() - q;
  return { events: N, totalMs: end - start, perEventUs: ((end - start) * 1000) / N, last100PerEventUs: ((end - tailStart) * 1000) / 100, statusMs };
}

const results = Array.from({ length: runs }, once).sort((a, b) => a.totalMs - b.totalMs);
const best = results[0];
const median = results[Math.floor(results.length / 2)];
const fmt = (n: number) => n.toFixed(1).padStart(10);
console.log(`machine: ${N} metrics readings on one incident, ${runs} runs (best / median)`);
const base: Result | undefined = existsSync(values.baseline!) ? JSON.parse(readFileSync(values.baseline!, 'utf8')) : undefined;
const rows: Array<[string, keyof Result]> = [['total ms', 'totalMs'], ['µs per reading', 'perEventUs'], ['µs per reading, last 100', 'last100PerEventUs'], ['status query ms', 'statusMs']];
console.log(`${'figure'.padEnd(28)}${'this run'.padStart(10)}${base ? `${'baseline'.padStart(10)}${'ratio'.padStart(10)}` : ''}`);
for (const [name, key] of rows) {
  const v = best[key] as number;
  const b = base?.[key] as number | undefined;
  console.log(`${name.padEnd(28)}${fmt(v)}${b !== undefined ? `${fmt(b)}${fmt(b / v)}x` : ''}`);
}
console.log(`median total ms ${median.totalMs.toFixed(1)}${base ? ` (baseline ${base.commit ?? ''}, ${base.events} readings)` : ''}`);
if (base && base.events !== N) console.log('note: the baseline measured a different number of readings');
if (values.save) {
  writeFileSync(values.save, `${JSON.stringify({ ...best, commit: process.env.BENCH_COMMIT }, null, 2)}\n`);
  console.log(`saved ${values.save}`);
}
