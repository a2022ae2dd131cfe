import { Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Ledger, NoticeRow } from '../activities/ledger';
import type { DeliveryChannel } from '../delivery/channels/channel';
import { HttpTestChannel } from '../delivery/channels/http-test';
import { LogDeliveryChannel } from '../delivery/channels/log';
import { DEFAULT_CONCURRENCY, Dispatcher, type DispatcherOptions } from '../delivery/dispatcher';
import type { NoticeKind } from '../machines/effects';
import { deliverySignal, workflowIdFor } from '../workflows/incident.definitions';
import { ConfigError } from './connection';
import { existsSync } from 'node:fs';
import { deliveryChannelsFromEnv } from '../delivery/config';
import type { LoadedPlan } from '../plan/plan.loader';
import { calendarSlice } from '../plan/holidays';
import { localDate } from '../plan/time-zone';
import { whoWasOnDuty } from '../roster/on-duty';
import { loadRosterDir, rosterRecord, rostersDirOf } from '../roster/roster.loader';
import type { Roster } from '../roster/roster.schema';

/**
 * The dispatcher as a worker component: it runs beside the Temporal worker in the same process, reads the
 * ledger's notices and tells an incident (a signal) when one of its notices finally failed or recovered.
 */
export interface DeliverySettings {
  /** the real channels DELIVERY_CONFIG names (validated, secrets resolved); none: the log channel */
  channels: DeliveryChannel[];
  pollMs: number;
  giveUpAfterMs: number;
  /** how long a dispatcher's claim on a notice holds: after a crash, its notices are retried after this */
  leaseMs: number;
  testHttpUrl?: string;
  testHttpTimeoutMs: number;
  /** the longest wait between two attempts of one delivery (DELIVERY_BACKOFF_MAX_MS, default 15 min) */
  backoffMaxMs?: number;
  /** notices sent at once (DELIVERY_CONCURRENCY, default DEFAULT_CONCURRENCY) */
  concurrency?: number;
}

/**
 * Where the worker runs the dispatcher (DISPATCHER): `thread` (default) on a thread of its own beside the Temporal
 * worker, `inline` on the worker's own event loop, `off` not at all (another worker on the same ledger dispatches; the
 * claim's lease keeps two dispatchers from sending one notice at once). A ledger in memory cannot be shared with a
 * thread: the dispatcher then runs inline.
 */
export type DispatcherMode = 'thread' | 'inline' | 'off';

export function dispatcherMode(env: NodeJS.ProcessEnv = process.env): DispatcherMode {
  const v = env.DISPATCHER;
  if (v === undefined || v === '') return 'thread';
  if (v === 'thread' || v === 'inline' || v === 'off') return v;
  throw new ConfigError(`DISPATCHER: must be thread, inline or off, got "${v}"`);
}

const positive = (name: string, text: string | undefined, fallback: number): number => {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError(`${name}: must be a positive number of milliseconds, got "${text}"`);
  return n;
};

const count = (name: string, text: string | undefined, fallback: number): number => {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new ConfigError(`${name}: must be a whole number from 1 to 1000, got "${text}"`);
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
    channels: deliveryChannelsFromEnv(env),
    pollMs: positive('DELIVERY_POLL_MS', env.DELIVERY_POLL_MS, 500),
    giveUpAfterMs: positive('DELIVERY_GIVE_UP_AFTER_MS', env.DELIVERY_GIVE_UP_AFTER_MS, 6 * 3600_000),
    leaseMs: positive('DELIVERY_LEASE_MS', env.DELIVERY_LEASE_MS, 60_000),
    testHttpTimeoutMs: positive('DELIVERY_TEST_HTTP_TIMEOUT_MS', env.DELIVERY_TEST_HTTP_TIMEOUT_MS, 10_000),
    backoffMaxMs: positive('DELIVERY_BACKOFF_MAX_MS', env.DELIVERY_BACKOFF_MAX_MS, 15 * 60_000),
    concurrency: count('DELIVERY_CONCURRENCY', env.DELIVERY_CONCURRENCY, DEFAULT_CONCURRENCY),
    ...(url ? { testHttpUrl: url } : {}),
  };
}

/**
 * The channels the dispatcher sends on: the configured ones; without any, the log channel (development: every
 * notice is a line in the worker's log). The test HTTP channel joins either when DELIVERY_TEST_HTTP_URL is set.
 */
export function channelsFor(s: DeliverySettings, log?: (line: string) => void): DeliveryChannel[] {
  const real = s.channels.length ? s.channels : [new LogDeliveryChannel(log)];
  return [...real, ...(s.testHttpUrl ? [new HttpTestChannel(s.testHttpUrl, s.testHttpTimeoutMs)] : [])];
}

/**
 * A plan's routes name channels by name: each must be configured (checked at worker start-up, so a missing
 * channel is a clear error rather than notices that quietly never go out).
 */
export function checkRoutes(plans: LoadedPlan[], s: DeliverySettings): void {
  // without DELIVERY_CONFIG every notice goes to the worker's log: the plans' routes wait for real channels
  if (!s.channels.length) return;
  const names = new Set(channelsFor(s).map((c) => c.name));
  const problems: string[] = [];
  for (const { plan, file } of plans) {
    (plan.delivery?.routes ?? []).forEach((r, i) => {
      if (!names.has(r.channel)) problems.push(`${file}: delivery.routes[${i}].channel: "${r.channel}" is not a configured channel (DELIVERY_CONFIG has: ${[...names].join(', ') || 'none'})`);
    });
  }
  if (problems.length) throw new ConfigError(problems.join('\n'));
}

/**
 * Who is on duty, for the dispatcher: the roster versions the ledger keeps for the plan (the roster's history),
 * read at most every `cacheMs`, and the pinned holiday data. undefined: the role is not rostered (or the roster
 * is not in force, or the holiday data does not cover the day): the plan's holders are told.
 */
export function rosterResolver(ledger: Ledger, plans: LoadedPlan[] = [], cacheMs = 10_000): NonNullable<DispatcherOptions['onDuty']> {
  const people = new Map(plans.map((l) => [l.plan.id, new Map(l.plan.people.map((p) => [p.id, p]))]));
  const cache = new Map<string, { at: number; versions: Roster[] }>();
  return async (planId, role, at) => {
    let hit = cache.get(planId);
    if (!hit || Date.now() - hit.at > cacheMs) {
      hit = { at: Date.now(), versions: (await ledger.listRosters(planId)).map((r) => r.body as Roster) };
      cache.set(planId, hit);
    }
    if (!hit.versions.length) return undefined;
    const tz = hit.versions[0].timeZone;
    // (a night shift belongs to the day it started on: the slice reaches back two days)
    const duty = whoWasOnDuty(hit.versions, role, at, calendarSlice(localDate(tz, at - 2 * 86_400_000), localDate(tz, at + 86_400_000)));
    if (duty.people.length) {
      const dir = people.get(planId);
      const all = duty.people.map((d) => {
        const p = dir?.get(d.personId);
        return { personId: d.personId, name: p?.name ?? d.personId, post: d.post, contacts: { ...(p?.contacts ?? {}) } };
      });
      // the A post (A岗) is told; a substitute (B岗) only when the A post has no contact to reach them by
      const reachable = all.filter((p) => Object.keys(p.contacts).length > 0 || !dir);
      const chosen = reachable.find((p) => p.post === 'A') ?? reachable[0] ?? all[0];
      return [{ personId: chosen.personId, name: chosen.name, contacts: chosen.contacts }];
    }
    return (duty as { reason: string }).reason === 'gap' ? [] : undefined;
  };
}

/** Keep every roster version in the roster directory in the ledger (append-only: the roster's history). */
export async function syncRosters(ledger: Ledger, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const dir = rostersDirOf(env);
  if (!existsSync(dir)) return 0;
  let added = 0;
  for (const l of loadRosterDir(dir, env.PLANS_DIR ?? 'plans')) {
    if ((await ledger.recordRoster(rosterRecord(l))).inserted) added++;
  }
  return added;
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

export function createDispatcher(o: { ledger: Ledger; client?: Client; settings: DeliverySettings; plans?: LoadedPlan[] } & Partial<DispatcherOptions>): Dispatcher {
  const { client, settings, plans: _plans, ...rest } = o;
  return new Dispatcher({
    channels: channelsFor(settings),
    pollMs: settings.pollMs,
    giveUpAfterMs: settings.giveUpAfterMs,
    leaseMs: settings.leaseMs,
    ...(settings.concurrency !== undefined ? { concurrency: settings.concurrency } : {}),
    backoff: { initialMs: Math.min(5_000, settings.pollMs * 4, settings.backoffMaxMs ?? Infinity), factor: 2, maxMs: settings.backoffMaxMs ?? 15 * 60_000 },
    ...(client ? incidentReporter(client) : {}),
    onDuty: rosterResolver(o.ledger, o.plans ?? []),
    log: (m, meta) => console.warn(`[dispatcher] ${m}`, meta ?? ''),
    ...rest,
  });
}
