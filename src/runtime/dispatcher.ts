import { Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Ledger, NoticeRow } from '../activities/ledger';
import type { DeliveryChannel } from '../delivery/channels/channel';
import { HttpTestChannel } from '../delivery/channels/http-test';
import { LogDeliveryChannel } from '../delivery/channels/log';
import { Dispatcher, type DispatcherOptions } from '../delivery/dispatcher';
import type { NoticeKind } from '../machines/effects';
import { deliverySignal, workflowIdFor } from '../workflows/incident.definitions';
import { ConfigError } from './connection';

/**
 * The dispatcher as a worker component: it runs beside the Temporal worker in the same process, reads the
 * ledger's notices and tells an incident (a signal) when one of its notices finally failed or recovered.
 */
export interface DeliverySettings {
  pollMs: number;
  giveUpAfterMs: number;
  /** how long a dispatcher's claim on a notice holds: after a crash, its notices are retried after this */
  leaseMs: number;
  testHttpUrl?: string;
  testHttpTimeoutMs: number;
}

const positive = (name: string, text: string | undefined, fallback: number): number => {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError(`${name}: must be a positive number of milliseconds, got "${text}"`);
  return n;
};

export function deliverySettings(env: NodeJS.ProcessEnv = process.env): DeliverySettings {
  const url = env.DELIVERY_TEST_HTTP_URL;
  if (url !== undefined && url !== '') {
    try {
      new URL(url);
    } catch {
      throw new ConfigError(`DELIVERY_TEST_HTTP_URL: not a URL: "${url}"`);
    }
  }
  return {
    pollMs: positive('DELIVERY_POLL_MS', env.DELIVERY_POLL_MS, 500),
    giveUpAfterMs: positive('DELIVERY_GIVE_UP_AFTER_MS', env.DELIVERY_GIVE_UP_AFTER_MS, 6 * 3600_000),
    leaseMs: positive('DELIVERY_LEASE_MS', env.DELIVERY_LEASE_MS, 60_000),
    testHttpTimeoutMs: positive('DELIVERY_TEST_HTTP_TIMEOUT_MS', env.DELIVERY_TEST_HTTP_TIMEOUT_MS, 10_000),
    ...(url ? { testHttpUrl: url } : {}),
  };
}

export function channelsFor(s: DeliverySettings, log?: (line: string) => void): DeliveryChannel[] {
  return [new LogDeliveryChannel(log), ...(s.testHttpUrl ? [new HttpTestChannel(s.testHttpUrl, s.testHttpTimeoutMs)] : [])];
}

/** Tell the incident's workflow about a notice it should show as undelivered (or no longer). */
export function incidentReporter(client: Client) {
  const report = async (n: NoticeRow, outcome: 'failed' | 'recovered', reason?: string) => {
    try {
      await client.workflow.getHandle(workflowIdFor(n.incidentId)).signal(deliverySignal, {
        outcome, noticeId: n.id, kind: n.kind as NoticeKind, ...(n.obligationId ? { obligationId: n.obligationId } : {}), ...(reason ? { reason } : {}),
      });
    } catch (err) {
      // An incident that has ended keeps its failure in the ledger (`failures` lists it).
      if (!(err instanceof WorkflowNotFoundError) && !String(err).includes('already completed')) throw err;
    }
  };
  return {
    onFailed: (n: NoticeRow, reason: string) => report(n, 'failed', reason),
    onRecovered: (n: NoticeRow) => report(n, 'recovered'),
  };
}

export function createDispatcher(o: { ledger: Ledger; client?: Client; settings: DeliverySettings } & Partial<DispatcherOptions>): Dispatcher {
  const { client, settings, ...rest } = o;
  return new Dispatcher({
    channels: channelsFor(settings),
    pollMs: settings.pollMs,
    giveUpAfterMs: settings.giveUpAfterMs,
    leaseMs: settings.leaseMs,
    backoff: { initialMs: Math.min(5_000, settings.pollMs * 4), factor: 2, maxMs: 15 * 60_000 },
    ...(client ? incidentReporter(client) : {}),
    log: (m, meta) => console.warn(`[dispatcher] ${m}`, meta ?? ''),
    ...rest,
  });
}
