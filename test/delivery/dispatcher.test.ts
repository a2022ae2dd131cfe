import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLedger, type Ledger, type NoticeRow } from '../../src/activities/ledger';
import { HttpTestChannel } from '../../src/delivery/channels/http-test';
import { LogDeliveryChannel } from '../../src/delivery/channels/log';
import { Dispatcher } from '../../src/delivery/dispatcher';
import type { NoticeParams } from '../../src/machines/effects';
import { LoopbackReceiver } from '../helpers/receiver';

/**
 * The dispatcher against a real SQLite ledger and a real HTTP receiver on loopback: rendered at send time,
 * superseded notices not sent, retried with backoff, given up on visibly, re-driven, each delivery once.
 */
const T0 = Date.parse('2026-12-01T01:00:00Z'); // 09:00 in Asia/Shanghai
const MIN = 60_000;

let ledger: Ledger;
let receiver: LoopbackReceiver;
let now: number;
const clock = () => now;

function notice(o: Partial<NoticeParams> = {}): NoticeParams {
  return {
    noticeId: `inc-1/reminder/firstReport/before=30m,due=${T0 + 30 * MIN}`,
    incidentId: 'inc-1', unitId: 'unit-a', kind: 'reminder', about: 'firstReport', trigger: 'before=30m',
    obligationId: 'firstReport', obligationKind: 'firstReport', dueAt: T0 + 30 * MIN,
    owner: { personId: 'zhang', name: '张三', role: 'monitor' }, roles: ['monitor'],
    recipients: [
      { personId: 'zhang', name: '张三', role: 'monitor', contacts: {} },
      { personId: 'li', name: '李四', role: 'office', contacts: {} },
    ],
    facts: {}, incident: { title: '网传某校食堂问题', unitName: '某县', timeZone: 'Asia/Shanghai', language: 'zh', planId: 'county' },
    createdAt: T0, ...o,
  };
}

function dispatcher(extra: Partial<ConstructorParameters<typeof Dispatcher>[0]> = {}) {
  return new Dispatcher({
    ledger, clock, channels: [new HttpTestChannel(receiver.url, 2_000)], backoff: { initialMs: 10_000, factor: 2, maxMs: 60_000 },
    giveUpAfterMs: 3600_000, ...extra,
  });
}

beforeEach(async () => {
  now = T0;
  ledger = openLedger(`sqlite:${path.join(mkdtempSync(path.join(tmpdir(), 'dispatch-')), 'ledger.sqlite')}`);
  await ledger.migrate();
  receiver = await new LoopbackReceiver().start();
});
afterEach(async () => {
  await receiver.stop();
  await ledger.close();
});

describe('dispatcher', () => {
  it('renders each notice when it sends it: the time left is as of sending, in the plan time zone with its offset', async () => {
    await ledger.recordNotice(notice());
    now = T0 + 20 * MIN; // sent 20 minutes after it was recorded
    expect(await dispatcher().tick()).toBe(1);
    const texts = [...receiver.accepted.values()].map((r) => String(r.body.text));
    expect(texts).toHaveLength(2);
    for (const t of texts) {
      expect(t).toContain('2026-12-01 09:30 +08:00（剩余 10 分）');
      expect(t).toContain('网传某校食堂问题');
      expect(t).toContain('act inc-1 report');
    }
    const [row] = await ledger.listNotices({ incidentId: 'inc-1' });
    expect(row).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(row.deliveredAt).toBe(now);
  });

  it('delivers every destination of one notice, each with its own stable idempotency key', async () => {
    await ledger.recordNotice(notice());
    await dispatcher().tick();
    const keys = [...receiver.accepted.keys()].sort();
    expect(keys).toEqual([
      `inc-1/reminder/firstReport/before=30m,due=${T0 + 30 * MIN}/person=li/http-test`,
      `inc-1/reminder/firstReport/before=30m,due=${T0 + 30 * MIN}/person=zhang/http-test`,
    ]);
    const deliveries = await ledger.listDeliveries({ incidentId: 'inc-1' });
    expect(deliveries.map((d) => d.status)).toEqual(['delivered', 'delivered']);
    expect(deliveries.every((d) => d.subject?.startsWith('【某县】提醒：首报'))).toBe(true);
  });

  it('does not send a reminder whose obligation was met meanwhile (superseded in the ledger)', async () => {
    await ledger.recordNotice(notice());
    expect(await ledger.settleNotices('inc-1', 'firstReport', 'met')).toBe(1);
    expect(await dispatcher().tick()).toBe(0);
    expect(receiver.requests).toHaveLength(0);
    const [row] = await ledger.listNotices({ incidentId: 'inc-1' });
    expect(row).toMatchObject({ status: 'superseded', settledReason: 'met' });
  });

  it('a receiver that fails delays the delivery with backoff and records attempts, next attempt and last error; when it recovers each delivery arrives once', async () => {
    receiver.mode = 'fail';
    await ledger.recordNotice(notice());
    const d = dispatcher();
    await d.tick();
    let [row] = await ledger.listNotices({ incidentId: 'inc-1' });
    expect(row).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: T0 + 10_000 });
    expect(row.lastError).toContain('HTTP 503');
    let deliveries = await ledger.listDeliveries({ noticeId: row.id });
    expect(deliveries.map((x) => [x.status, x.attempts, x.nextAttemptAt])).toEqual([['pending', 1, T0 + 10_000], ['pending', 1, T0 + 10_000]]);
    // not due yet: nothing is tried
    now = T0 + 5_000;
    expect(await d.tick()).toBe(0);
    now = T0 + 10_000;
    await d.tick(); // second failure: the wait doubles
    [row] = await ledger.listNotices({ incidentId: 'inc-1' });
    expect(row).toMatchObject({ status: 'pending', attempts: 2, nextAttemptAt: T0 + 30_000 });
    receiver.mode = 'ok';
    now = T0 + 30_000;
    await d.tick();
    [row] = await ledger.listNotices({ incidentId: 'inc-1' });
    expect(row.status).toBe('delivered');
    deliveries = await ledger.listDeliveries({ noticeId: row.id });
    expect(deliveries.map((x) => x.status)).toEqual(['delivered', 'delivered']);
    expect(receiver.accepted.size).toBe(2);
    expect(receiver.requests.filter((r) => r.body.text).length).toBe(6); // 2 failed rounds × 2 + 2 accepted
  });

  it('a receiver that just failed is not tried again by every new notice: they wait for its next probe (not an attempt), then all arrive, once each', async () => {
    receiver.mode = 'fail';
    const d = dispatcher();
    await ledger.recordNotice(notice());
    await d.tick();
    expect(receiver.requests.length).toBe(2); // both deliveries of the first notice, in parallel
    // a second notice while the receiver is down: nothing is sent, it waits for the probe at T0 + 10 s
    now = T0 + 1_000;
    const second = notice({ noticeId: 'inc-1/overdue/firstReport/due=x', kind: 'overdue', trigger: 'due=x' });
    await ledger.recordNotice(second);
    await d.tick();
    expect(receiver.requests.length).toBe(2);
    const waiting = await ledger.listDeliveries({ noticeId: second.noticeId });
    expect(waiting.map((x) => [x.status, x.attempts])).toEqual([['pending', 0], ['pending', 0]]);
    expect(await ledger.getNotice(second.noticeId)).toMatchObject({ status: 'pending', nextAttemptAt: T0 + 10_000, lastError: expect.stringContaining('HTTP 503') });
    // back: one delivery per receiver (the test channel's receiver is the person) probes it and gets through; the
    // others waited for that answer and go a step later, none lost, none twice
    receiver.mode = 'ok';
    now = T0 + 10_000;
    await d.tick();
    expect(receiver.requests.length).toBe(4);
    now = T0 + 20_000;
    await d.tick();
    for (const n of await ledger.listNotices({ incidentId: 'inc-1' })) expect(n.status, n.id).toBe('delivered');
    expect(receiver.accepted.size).toBe(4);
    expect(receiver.requests.length).toBe(6);
  });

  it('deliveries to a down receiver sent at once count as one failed probe; each later probe is one delivery, backing off per probe', async () => {
    receiver.mode = 'fail';
    const d = dispatcher();
    // three notices of two deliveries each, claimed in one round and sent at once
    for (const k of ['a', 'b', 'c']) await ledger.recordNotice(notice({ noticeId: `inc-1/reminder/firstReport/${k}`, trigger: k }));
    await d.tick();
    expect(receiver.requests.length).toBe(6);
    const due = async () => new Set((await ledger.listNotices({ incidentId: 'inc-1' })).map((n) => n.nextAttemptAt));
    // one failed probe: the receiver is probed again after the first backoff step (10 s), not 10 s × 2⁵
    expect(await due()).toEqual(new Set([T0 + 10_000]));
    now = T0 + 10_000;
    await d.tick();
    // the second probe: one delivery per receiver (the test channel's receiver is the person: two) tries, the others
    // wait for its answer; it failed, and the next probe is a step further (20 s): one try per receiver per step
    expect(receiver.requests.length).toBe(8);
    expect(Math.max(...[...(await due())].map((t) => t ?? Infinity))).toBeLessThanOrEqual(T0 + 10_000 + 20_000);
    receiver.mode = 'ok';
    now = T0 + 30_000;
    await d.tick();
    expect(receiver.requests.length).toBe(10);
    now = T0 + 40_000;
    await d.tick();
    for (const n of await ledger.listNotices({ incidentId: 'inc-1' })) expect(n.status, n.id).toBe('delivered');
    expect(receiver.accepted.size).toBe(6);
    expect(receiver.requests.length).toBe(14);
  });

  it('a receiver that never answers does not hold the dispatcher: the attempt times out and is retried later', async () => {
    receiver.mode = 'hang';
    await ledger.recordNotice(notice({ recipients: [notice().recipients[0]] }));
    const d = new Dispatcher({ ledger, clock, channels: [new HttpTestChannel(receiver.url, 300)], backoff: { initialMs: 10_000, factor: 2, maxMs: 60_000 } });
    await d.tick();
    const [row] = await ledger.listNotices({ incidentId: 'inc-1' });
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(row.lastError).toMatch(/abort|timeout/i);
  });

  it('gives up after its window, marks the notice failed with the reason and tells the incident; a re-drive sends it and says it recovered', async () => {
    receiver.mode = 'fail';
    const failed: Array<[string, string]> = [];
    const recovered: string[] = [];
    const d = dispatcher({
      giveUpAfterMs: 60_000,
      onFailed: async (n: NoticeRow, reason: string) => { failed.push([n.id, reason]); },
      onRecovered: async (n: NoticeRow) => { recovered.push(n.id); },
    });
    await ledger.recordNotice(notice());
    for (const t of [0, 10_000, 30_000, 70_000]) {
      now = T0 + t;
      await d.tick();
    }
    const [row] = await ledger.listNotices({ incidentId: 'inc-1' });
    expect(row.status).toBe('failed');
    expect(row.lastError).toContain('HTTP 503');
    expect(failed).toEqual([[row.id, expect.stringContaining('HTTP 503')]]);
    expect((await ledger.listNotices({ status: 'failed' })).map((n) => n.id)).toEqual([row.id]);
    // the operator re-drives it once the receiver is back
    receiver.mode = 'ok';
    now = T0 + 100_000;
    expect((await ledger.redrive({ incidentId: 'inc-1' }, now)).map((n) => n.id)).toEqual([row.id]);
    await d.tick();
    expect((await ledger.getNotice(row.id))?.status).toBe('delivered');
    expect(recovered).toEqual([row.id]);
    expect(receiver.accepted.size).toBe(2);
  });

  it('a person no channel reaches is a visible failure, not a silent skip', async () => {
    const emailOnly = {
      name: 'email', type: 'email' as const, mode: 'person' as const, receiverKey: () => 'x',
      addressOf: (r: { contacts: { email?: string } }) => r.contacts.email, deliver: async () => {},
    };
    const failed: string[] = [];
    const d = new Dispatcher({ ledger, clock, channels: [emailOnly], onFailed: async (_n, reason) => { failed.push(reason); } });
    await ledger.recordNotice(notice());
    await d.tick();
    const [row] = await ledger.listNotices({ incidentId: 'inc-1' });
    expect(row.status).toBe('failed');
    expect(failed).toEqual(['no recipient has a channel that reaches them']);
  });

  it('two dispatchers on one ledger never send a notice twice at once (a claim is a lease)', async () => {
    for (let i = 0; i < 10; i++) await ledger.recordNotice(notice({ noticeId: `inc-${i}/overdue/firstReport/due=x`, incidentId: `inc-${i}` }));
    const a = dispatcher();
    const b = dispatcher();
    await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
    expect(receiver.accepted.size).toBe(20);
    expect(receiver.requests.length).toBe(20);
  });

  it('woken when a notice is recorded, it sends at once rather than at its next poll; woken during a round, another follows right after', async () => {
    const d = dispatcher({ clock: Date.now, pollMs: 60 * MIN });
    const recorded = (id: string) => notice({ noticeId: `${id}/overdue/firstReport/due=x`, incidentId: id, createdAt: Date.now() });
    const delivered = async (id: string) => (await ledger.listNotices({ incidentId: id }))[0]?.status === 'delivered';
    const until = async (f: () => Promise<boolean>) => {
      for (let i = 0; i < 200 && !(await f()); i++) await new Promise((r) => setTimeout(r, 25));
      return f();
    };
    d.start();
    try {
      // the first round (at start) found nothing; the next poll is an hour away
      await new Promise((r) => setTimeout(r, 100));
      await ledger.recordNotice(recorded('wake-1'));
      await new Promise((r) => setTimeout(r, 300));
      expect(await delivered('wake-1')).toBe(false);
      d.wake();
      expect(await until(() => delivered('wake-1'))).toBe(true);

      // a notice recorded while a round sends another: the wake asks for one more round right after this one
      let once = true;
      receiver.afterAccept = async () => {
        if (!once) return;
        once = false;
        await ledger.recordNotice(recorded('wake-3'));
        d.wake();
      };
      await ledger.recordNotice(recorded('wake-2'));
      d.wake();
      expect(await until(() => delivered('wake-2'))).toBe(true);
      expect(await until(() => delivered('wake-3'))).toBe(true);
      // each person once
      expect([...receiver.accepted.keys()].filter((k) => k.startsWith('wake-'))).toHaveLength(6);
      expect(receiver.requests).toHaveLength(6);
    } finally {
      await d.stop();
    }
    // a wake after stop starts nothing
    d.wake();
    await ledger.recordNotice(recorded('wake-4'));
    await new Promise((r) => setTimeout(r, 200));
    expect(await delivered('wake-4')).toBe(false);
  });

  it('the log channel reaches everyone and writes one line per delivery', async () => {
    const lines: string[] = [];
    const d = new Dispatcher({ ledger, clock, channels: [new LogDeliveryChannel((l) => lines.push(l))] });
    await ledger.recordNotice(notice());
    await d.tick();
    expect(lines).toEqual([
      expect.stringMatching(/^\[notify\] inc-1 → 张三 via log: 【某县】提醒：首报/),
      expect.stringMatching(/^\[notify\] inc-1 → 李四 via log: 【某县】提醒：首报/),
    ]);
  });
});
