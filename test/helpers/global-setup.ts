import { ensureTemporalCli, ensureTestServer } from '../../scripts/temporal-binaries';

/** Fetch (or reuse) both Temporal servers once, before any test file starts. */
export default async function setup() {
  const [cli, testServer] = await Promise.all([ensureTemporalCli(), ensureTestServer()]);
  process.env.TEMPORAL_CLI_PATH = cli;
  process.env.TEMPORAL_TEST_SERVER_PATH = testServer;
}
