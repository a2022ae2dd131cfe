import { build } from '../../scripts/build';
import { ensureTemporalCli, ensureTestServer } from '../../scripts/temporal-binaries';

/** Fetch (or reuse) both Temporal servers once, and build dist/ (the CLI and worker the e2e tests run), before any test file starts. */
export default async function setup() {
  const [cli, testServer] = await Promise.all([ensureTemporalCli(), ensureTestServer(), build()]);
  process.env.TEMPORAL_CLI_PATH = cli;
  process.env.TEMPORAL_TEST_SERVER_PATH = testServer;
}
