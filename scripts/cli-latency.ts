/**
 * `npm run cli-latency [-- --runs N]`: how long one CLI call takes, from source (`npx tsx client.ts`)
 * and compiled (`node dist/client.js`), against a real dev server and worker.
 *
 * Starts an in-memory dev server and the compiled worker, starts one incident, then runs each
 * command N times (default 10, after one warm-up run that is not counted) per variant, one at a
 * time, and prints p50 / p90 of the wall time per variant and the ratio, side by side.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from './build';
import { REPO_ROOT, startDevServer, type DevServer } from './temporal-binaries';

interface Variant {
  name: string;
  command: string;
  args: string[];
}

const VARIANTS: Variant[] = [
  { name: 'npx tsx client.ts', command: 'npx', args: ['tsx', 'client.ts'] },
  { name: 'node dist/client.js', command: process.execPath, args: [path.join('dist', 'client.js')] },
];

function runsFromArgs(argv: string[]): number {
  const i = argv.indexOf('--runs');
  if (i === -1) return 10;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--runs must be a whole number from 1, not ${argv[i + 1]}`);
  return n;
}

interface Run {
  code: number | null;
  ms: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, ms: Number(process.hrtime.bigint() - started) / 1e6, stdout, stderr }));
  });
}

/** Nearest-rank percentile. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

async function main() {
  const runs = runsFromArgs(process.argv.slice(2));
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'cli-latency-'));
  let server: DevServer | undefined;
  let worker: ReturnType<typeof spawn> | undefined;
  try {
    console.log('building dist/ …');
    await build();
    console.log('starting a dev server and the compiled worker …');
    server = await startDevServer({ uiPort: false });
    const env: NodeJS.ProcessEnv = {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TEMPORAL_') || k === 'TEMPORAL_CLI_PATH')),
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_TASK_QUEUE: `cli-latency-${process.pid}`,
      LEDGER_URL: `sqlite:${path.join(tmp, 'ledger.sqlite')}`,
      PLANS_DIR: 'test/fixtures/plans',
    };
    worker = spawn(process.execPath, [path.join('dist', 'worker.js')], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let workerOut = '';
    worker.stdout!.on('data', (d: Buffer) => (workerOut += d.toString('utf8')));
    worker.stderr!.on('data', (d: Buffer) => (workerOut += d.toString('utf8')));
    const ready = Date.now() + 120_000;
    while (!/^worker: /m.test(workerOut)) {
      if (worker.exitCode !== null) throw new Error(`the worker exited (code ${worker.exitCode}):\n${workerOut}`);
      if (Date.now() > ready) throw new Error(`the worker was not ready within 120 s:\n${workerOut}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    const id = `latency-${Date.now()}`;
    const example = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'examples', 'county-especially-major.json'), 'utf8')) as Record<string, unknown>;
    const incidentFile = path.join(tmp, 'incident.json');
    writeFileSync(incidentFile, JSON.stringify({ ...example, id, discoveredAt: new Date(Date.now() - 10 * 60_000).toISOString() }));
    const started = await run(process.execPath, [path.join('dist', 'client.js'), 'start', '--file', incidentFile], env);
    if (started.code !== 0) throw new Error(`start failed (exit ${started.code}): ${started.stderr}`);
    const first = await run(process.execPath, [path.join('dist', 'client.js'), 'show', id], env);
    if (first.code !== 0) throw new Error(`show failed (exit ${first.code}): ${first.stderr}`);

    const commands = [['show', id], ['list']];
    const results: Array<{ command: string; stats: Array<{ p50: number; p90: number; min: number }> }> = [];
    for (const cmd of commands) {
      const stats = [];
      for (const v of VARIANTS) {
        const times: number[] = [];
        for (let i = 0; i <= runs; i++) {
          const r = await run(v.command, [...v.args, ...cmd], env);
          if (r.code !== 0) throw new Error(`${v.name} ${cmd.join(' ')}: exit ${r.code}\n${r.stderr}`);
          if (i > 0) times.push(r.ms); // the first run warms the file cache and is not counted
        }
        times.sort((a, b) => a - b);
        stats.push({ p50: percentile(times, 0.5), p90: percentile(times, 0.9), min: times[0] });
        process.stdout.write('.');
      }
      results.push({ command: cmd[0] === 'show' ? 'show <id>' : cmd.join(' '), stats });
    }
    process.stdout.write('\n\n');

    const ms = (x: number) => `${Math.round(x)}`;
    const header = ['command', ...VARIANTS.map((v) => `${v.name}  p50 / p90 ms`), 'ratio p50 (p90)'];
    const rows = results.map((r) => [
      r.command,
      ...r.stats.map((s) => `${ms(s.p50)} / ${ms(s.p90)}`),
      `${(r.stats[0].p50 / r.stats[1].p50).toFixed(1)}× (${(r.stats[0].p90 / r.stats[1].p90).toFixed(1)}×)`,
    ]);
    const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
    for (const line of [header, ...rows]) console.log(line.map((cell, c) => cell.padEnd(widths[c])).join('   ').trimEnd());
    const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
    console.log(`\n${runs} runs each after one warm-up, one at a time; node ${process.version}, ${os.cpus().length} CPUs, load average ${load}`);
  } finally {
    if (worker && worker.exitCode === null) {
      const w = worker;
      w.kill('SIGTERM');
      const kill = setTimeout(() => w.kill('SIGKILL'), 20_000);
      await new Promise((r) => w.once('exit', r));
      clearTimeout(kill);
    }
    await server?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(`cli-latency failed: ${err.message}`);
  process.exitCode = 1;
});
