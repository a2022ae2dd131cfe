/**
 * The command line for incident response: `npm run cli -- help` (compiled: node dist/client.js),
 * or `npx tsx client.ts help` from source. The commands live in src/cli/.
 * Connection from the environment (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE, TEMPORAL_TLS*, TEMPORAL_API_KEY);
 * plans from PLANS_DIR (default plans).
 */
import { run } from './src/cli/main';

// A reader that goes away (`… | head`) is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
});

// No process.exit: the process ends once stdout and stderr have taken everything written.
run(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
