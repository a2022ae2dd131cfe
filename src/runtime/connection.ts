import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { formatIssues } from '../plan/plan.schema';
import { DEFAULT_TASK_QUEUE } from '../workflows/incident.definitions';

/**
 * Where Temporal is: read once from the environment by worker.ts and client.ts, so the same code
 * points at the dev server, a self-hosted cluster or Temporal Cloud.
 */
const envSchema = z.object({
  TEMPORAL_ADDRESS: z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port, e.g. 127.0.0.1:7233').default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  TEMPORAL_TLS: z.enum(['true', 'false', '1', '0']).optional(),
  TEMPORAL_TLS_CERT: z.string().optional(),
  TEMPORAL_TLS_KEY: z.string().optional(),
  TEMPORAL_TLS_CA: z.string().optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  TEMPORAL_API_KEY: z.string().optional(),
});

export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  tls?: {
    serverNameOverride?: string;
    serverRootCACertificate?: Buffer;
    clientCertPair?: { crt: Buffer; key: Buffer };
  };
  apiKey?: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function temporalSettings(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(`invalid environment:\n${formatIssues(parsed.error)}`);
  const e = parsed.data;
  if (!!e.TEMPORAL_TLS_CERT !== !!e.TEMPORAL_TLS_KEY) {
    throw new ConfigError('invalid environment:\nTEMPORAL_TLS_CERT / TEMPORAL_TLS_KEY: set both (mTLS) or neither');
  }
  const read = (name: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ConfigError(`invalid environment:\n${name}: cannot read ${path}: ${(err as Error).message}`);
    }
  };
  const wantsTls = e.TEMPORAL_TLS === 'true' || e.TEMPORAL_TLS === '1' || !!e.TEMPORAL_TLS_CERT || !!e.TEMPORAL_API_KEY || !!e.TEMPORAL_TLS_CA;
  const tlsOff = e.TEMPORAL_TLS === 'false' || e.TEMPORAL_TLS === '0';
  return {
    address: e.TEMPORAL_ADDRESS,
    namespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.TEMPORAL_TASK_QUEUE,
    apiKey: e.TEMPORAL_API_KEY,
    tls: wantsTls && !tlsOff
      ? {
        serverNameOverride: e.TEMPORAL_TLS_SERVER_NAME,
        serverRootCACertificate: e.TEMPORAL_TLS_CA ? read('TEMPORAL_TLS_CA', e.TEMPORAL_TLS_CA) : undefined,
        clientCertPair: e.TEMPORAL_TLS_CERT && e.TEMPORAL_TLS_KEY
          ? { crt: read('TEMPORAL_TLS_CERT', e.TEMPORAL_TLS_CERT), key: read('TEMPORAL_TLS_KEY', e.TEMPORAL_TLS_KEY) }
          : undefined,
      }
      : undefined,
  };
}
