import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openLedger, type Ledger } from '../../src/activities/ledger';
import type { NoticeParams, Recipient } from '../../src/machines/effects';
import { ConfigError } from '../../src/runtime/connection';
import { deliverySettings, dispatcherMode } from '../../src/runtime/dispatcher';
import { startDispatcherThread, type DispatcherThread } from '../../src/runtime/dispatcher-thread';
import { StandardWebhookReceiver } from '../helpers/receivers';
import { devServerEnv } from '../helpers/temporal';

/**
 * The dispatcher on its own thread (DISPATCHER=thread, the worker's default): where it runs is read from DISPATCHER,
 * its backoff ceiling from DELIVERY_BACKOFF_MAX_MS; on a real worker thread it reads its settings from the environment,
 * sends a notice from a SQLite ledger to a signed webhook on loopback and records it delivered, stops when asked, and
 * a start-up error (a DELIVERY_CONFIG that is not there) rejects the start with the error's own message.
 *
 * The thread connects to Temporal when it starts (Connection.connect is eager: without a server the start fails after
 * the 10 s connect timeout), so the end-to-end part runs against a real dev server.
 */
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const PLANS_DIR = path.resolve('test', 'fixtures', 'plans');

describe('where the dispatcher runs (DISPATCHER) and its backoff ceiling (DELIVERY_BACKOFF_MAX_MS)', () => {
  it('defaults to its own thread; thread, inline and off are taken as given', () => {
    expect(dispatcherMode({})).toBe('thread');
    expect(dispatcherMode({ DISPATCHER: '' })).toBe('thread');
    expect(dispatcherMode({ DISPATCHER: 'thread' })).toBe('thread');
    expect(dispatcherMode({ DISPATCHER: 'inline' })).toBe('inline');
    expect(dispatcherMode({ DISPATCHER: 'off' })).toBe('off');
  });

  it('any other value is a ConfigError naming DISPATCHER and the value', () => {
    const bad = () => dispatcherMode({ DISPATCHER: 'threads' });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/DISPATCHER/);
    expect(bad).toThrow(/"threads"/);
  });

  it('DELIVERY_BACKOFF_MAX_MS: a positive number of milliseconds, else a ConfigError naming it', () => {
    const bad = () => deliverySettings({ DELIVERY_BACKOFF_MAX_MS: 'abc' });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/DELIVERY_BACKOFF_MAX_MS.*"abc"/);
    expect(() => deliverySettings({ DELIVERY_BACKOFF_MAX_MS: '0' })).toThrow(/DELIVERY_BACKOFF_MAX_MS/);
    expect(deliverySettings({ DELIVERY_BACKOFF_MAX_MS: '10000' }).backoffMaxMs).toBe(10_000);
    // unset: 15 minutes
    expect(deliverySettings({}).backoffMaxMs).toBe(15 * 60_000);
  });

  it('DELIVERY_CONCURRENCY: a whole number from 1 to 1000 (default 32), else a ConfigError naming it and the value', () => {
    expect(deliverySettings({}).concurrency).toBe(32);
    expect(deliverySettings({ DELIVERY_CONCURRENCY: '8' }).concurrency).toBe(8);
    for (const bad of ['0', '2.5', 'many', '1001']) {
      expect(() => deliverySettings({ DELIVERY_CONCURRENCY: bad })).toThrow(ConfigError);
      expect(() => deliverySettings({ DELIVERY_CONCURRENCY: bad })).toThrow(new RegExp(`DELIVERY_CONCURRENCY.*"${bad.replace('.', '\\.')}"`));
    }
  });
});

/** Two people of test/fixtures/plans/county-office.yaml (the webhook channel's URL reaches everyone). */
const liu: Recipient = { personId: 'liu.bo', name: '刘波', role: 'monitor', contacts: { email: 'liu.bo@county.example.org' } };
const zhao: Recipient = { personId: 'zhao.min', name: '赵敏', role: 'office', contacts: { email: 'zhao.min@county.example.org' } };

function notice(incidentId: string, createdAt: number): NoticeParams {
  return {
    noticeId: `${incidentId}/overdue/firstReport/due=${createdAt}`, incidentId, unitId: 'county-office', kind: 'overdue', about: 'firstReport',
    trigger: `due=${createdAt}`, obligationId: 'firstReport', obligationKind: 'firstReport', dueAt: createdAt, binding: true,
    owner: { personId: liu.personId, name: liu.name, role: 'monitor' }, roles: ['monitor', 'office'], recipients: [liu, zhao],
    facts: {}, incident: { title: '线程测试：首报逾期', unitName: '某县舆情应急处置领导小组办公室', timeZone: 'Asia/Shanghai', language: 'zh', planId: 'county-office' },
    createdAt,
  };
}

describe('the dispatcher on a real worker thread', () => {
  let server: TestWorkflowEnvironment;
  let receiver: StandardWebhookReceiver;
  let dir: string;
  let ledgerFile: string;
  let ledger: Ledger;
  let configFile: string;
  let thread: DispatcherThread | undefined;
  const logs: { message: string; meta?: Record<string, unknown> }[] = [];

  const threadEnv = (over: Record<string, string> = {}) => ({
    LEDGER_URL: `sqlite:${ledgerFile}`, PLANS_DIR, DELIVERY_CONFIG: configFile, DELIVERY_POLL_MS: '100', DELIVERY_LEASE_MS: '5000',
    DELIVERY_BACKOFF_MAX_MS: '1000', TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: server.namespace ?? 'default', ...over,
  });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'dispatcher-thread-'));
    ledgerFile = path.join(dir, 'ledger.sqlite');
    ledger = openLedger(`sqlite:${ledgerFile}`);
    await ledger.migrate();
    receiver = await new StandardWebhookReceiver(SECRET).start();
    configFile = path.join(dir, 'delivery.json');
    writeFileSync(configFile, JSON.stringify({ version: 1, channels: [{ name: 'duty-webhook', type: 'webhook', url: receiver.url('/hooks/duty'), secret: SECRET, timeoutMs: 30_000 }] }));
    server = await devServerEnv();
  });

  afterAll(async () => {
    // (a failed test may leave the thread running)
    await thread?.stop().catch(() => {});
    await ledger?.close();
    await receiver?.stop();
    await server?.teardown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sends a notice from the ledger to the configured webhook, records it delivered, and stops when asked', async () => {
    const n = notice('thread-1', Date.now());
    expect((await ledger.recordNotice(n)).inserted).toBe(true);

    thread = await startDispatcherThread({ env: threadEnv(), log: (message, meta) => logs.push({ message, meta }) });
    // the channels of DELIVERY_CONFIG (and no log channel: a real one is configured)
    expect(thread.channels).toEqual(['duty-webhook']);

    // one signed post per person, each verified by the receiver
    await vi.waitFor(() => expect(receiver.unique.size).toBe(2), { timeout: 60_000, interval: 100 });
    const posts = receiver.payloads;
    expect(posts.map((p) => p.type)).toEqual(['notice.overdue', 'notice.overdue']);
    expect(posts.map((p) => p.data.noticeId)).toEqual([n.noticeId, n.noticeId]);
    expect(posts.map((p) => (p.data.people as { personId: string }[])[0].personId).sort()).toEqual(['liu.bo', 'zhao.min']);
    expect(posts.every((p) => p.data.incidentId === 'thread-1')).toBe(true);
    expect(receiver.rejected).toEqual([]);

    // the thread wrote the outcome to the ledger (its own connection to the same file)
    await vi.waitFor(async () => expect((await ledger.getNotice(n.noticeId))?.status).toBe('delivered'), { timeout: 30_000, interval: 100 });
    const row = (await ledger.getNotice(n.noticeId))!;
    expect(row.attempts).toBe(1);
    expect(row.deliveredAt).toBeTypeOf('number');
    const deliveries = await ledger.listDeliveries({ noticeId: n.noticeId });
    expect(deliveries.map((d) => `${d.channel} ${d.destination} ${d.status}`).sort())
      .toEqual(['duty-webhook person=liu.bo delivered', 'duty-webhook person=zhao.min delivered']);
    // nothing went wrong on the thread
    expect(logs.filter((l) => /fail|not handled|given up/.test(l.message))).toEqual([]);

    // stop: the round in progress finishes, the thread closes what it opened and ends (stop awaits its exit)
    await expect(thread.stop()).resolves.toBeUndefined();
    thread = undefined;
    // nothing was sent twice
    expect(receiver.unique.size).toBe(2);
    expect(receiver.duplicates).toBe(0);
  });

  it('woken by the host, it sends a new notice at once instead of at its next poll (a minute away)', async () => {
    thread = await startDispatcherThread({ env: threadEnv({ DELIVERY_POLL_MS: '60000' }), log: (message, meta) => logs.push({ message, meta }) });
    // its first round ran at start (nothing to send), the next poll is a minute away
    await new Promise((r) => setTimeout(r, 500));
    const before = receiver.unique.size;
    const n = notice('thread-wake', Date.now());
    expect((await ledger.recordNotice(n)).inserted).toBe(true);
    await new Promise((r) => setTimeout(r, 1_000));
    // not woken: nothing yet (the poll is a minute away)
    expect(receiver.unique.size).toBe(before);
    const woken = Date.now();
    thread.wake();
    await vi.waitFor(async () => expect((await ledger.getNotice(n.noticeId))?.status).toBe('delivered'), { timeout: 30_000, interval: 50 });
    // well before the poll would have found it
    expect(Date.now() - woken).toBeLessThan(30_000);
    expect(receiver.unique.size).toBe(before + 2);
    await thread.stop();
    // a wake after the stop is ignored (no message to a thread that ended)
    expect(() => thread!.wake()).not.toThrow();
    thread = undefined;
  });

  it('a DELIVERY_CONFIG that is not there: the start rejects with the error naming DELIVERY_CONFIG and the file', async () => {
    const missing = path.join(dir, 'no-such-delivery.yaml');
    const start = startDispatcherThread({ env: threadEnv({ DELIVERY_CONFIG: missing }), log: (message, meta) => logs.push({ message, meta }) });
    await expect(start).rejects.toThrow(`DELIVERY_CONFIG: cannot read ${missing}: ENOENT`);
    // still a configuration error once it crossed from the thread (worker.ts prints it as one)
    await expect(start).rejects.toBeInstanceOf(ConfigError);
  });
});
