import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLedger, type Ledger } from '../../src/activities/ledger';
import { DeliveryError, type ChannelRate, type DeliveryChannel, type OutgoingMessage } from '../../src/delivery/channels/channel';
import { Dispatcher, withinHours } from '../../src/delivery/dispatcher';
import type { NoticeParams, Recipient } from '../../src/machines/effects';
import { LoopbackReceiver } from '../helpers/receiver';

/**
 * The dispatcher's routing (v4) against a real SQLite ledger and real HTTP receivers on loopback: the plan's routes
 * (kinds, binding only, night hours), a group channel posting once per notice with its members, the duty roster
 * narrowing a role to who is on duty at sending, per-receiver throttling (queued, never dropped), and failures
 * that stay visible (a person no channel reaches, a permanent refusal).
 */
const T0 = Date.parse('2026-12-01T01:00:00Z'); // 09:00 in Asia/Shanghai
const MIN = 60_000;

let ledger: Ledger;
let receiver: LoopbackReceiver;
let now: number;
const clock = () => now;

/** A person channel over HTTP to the loopback receiver; reaches people with the given contact. */
class PersonHttp implements DeliveryChannel {
  readonly type = 'webhook' as const;
  readonly mode = 'person' as const;
  refuse = false;
  constructor(readonly name: string, private readonly url: string, private readonly reaches: (r: Recipient) => string | undefined, readonly rate?: ChannelRate) {}
  addressOf(r: Recipient) { return this.reaches(r); }
  receiverKey(m: Pick<OutgoingMessage, 'destination' | 'address'>) { return m.address ?? m.destination; }
  async deliver(m: OutgoingMessage) {
    if (this.refuse) throw new DeliveryError('HTTP 403: signature rejected', false);
    const res = await fetch(this.url, { method: 'POST', headers: { 'idempotency-key': m.deliveryId, 'content-type': 'application/json' }, body: JSON.stringify({ channel: this.name, to: m.people.map((p) => p.personId), subject: m.subject, short: m.short }) });
    if (!res.ok) throw new DeliveryError(`HTTP ${res.status}`);
  }
}

/** A group channel (a robot): one post per notice for the members among its recipients. */
class GroupHttp extends PersonHttp {
  override readonly mode = 'group' as unknown as 'person';
  constructor(name: string, url: string, private readonly group: string[]) { super(name, url, () => undefined); }
  members(rs: Recipient[]) { return rs.filter((r) => this.group.includes(r.personId)); }
  override receiverKey() { return this.name; }
}

const person = (personId: string, role: Recipient['role'], contacts: Recipient['contacts'] = {}): Recipient => ({ personId, name: personId.toUpperCase(), role, contacts });

function notice(o: Partial<NoticeParams> = {}): NoticeParams {
  return {
    noticeId: `inc-1/overdue/firstReport/due=${T0}`, incidentId: 'inc-1', unitId: 'unit-a', kind: 'overdue', about: 'firstReport', trigger: `due=${T0}`,
    obligationId: 'firstReport', obligationKind: 'firstReport', dueAt: T0, binding: true,
    owner: { personId: 'mon-a', name: 'MON-A', role: 'monitor' }, roles: ['monitor', 'office'],
    recipients: [person('mon-a', 'monitor', { email: 'a@x.cn' }), person('off-a', 'office', { email: 'oa@x.cn', phone: '13800000002' }), person('off-b', 'office', { email: 'ob@x.cn' })],
    facts: {}, incident: { title: '网传某校食堂问题', unitName: '某县', timeZone: 'Asia/Shanghai', language: 'zh', planId: 'county' },
    createdAt: T0, ...o,
  };
}

const email = () => new PersonHttp('mail', receiver.url, (r) => r.contacts.email);
const sms = () => new PersonHttp('sms', receiver.url, (r) => r.contacts.phone);
const sentBy = (channel: string) => receiver.requests.filter((r) => r.body.channel === channel).map((r) => (r.body.to as string[]).join('+')).sort();

beforeEach(async () => {
  now = T0;
  ledger = openLedger(`sqlite:${path.join(mkdtempSync(path.join(tmpdir(), 'routing-')), 'ledger.sqlite')}`);
  await ledger.migrate();
  receiver = await new LoopbackReceiver().start();
});
afterEach(async () => {
  await receiver.stop();
  await ledger.close();
});

describe('dispatcher routing (v4)', () => {
  it('follows the plan\'s routes: kinds per channel, binding only, and the voice/SMS hours at night (crossing midnight)', async () => {
    const routes = [{ channel: 'mail' }, { channel: 'sms', kinds: ['overdue' as const], bindingOnly: true, hours: { from: '22:00', to: '07:00' } }];
    const d = new Dispatcher({ ledger, clock, channels: [email(), sms()] });
    await ledger.recordNotice(notice({ routes }));
    await d.tick(); // 09:00: mail only
    expect(sentBy('sms')).toEqual([]);
    expect(sentBy('mail')).toEqual(['mon-a', 'off-a', 'off-b']);
    now = Date.parse('2026-12-01T19:30:00Z'); // 03:30 local
    await ledger.recordNotice(notice({ noticeId: 'inc-1/overdue/x/night', routes }));
    await ledger.recordNotice(notice({ noticeId: 'inc-1/overdue/y/night-target', routes, binding: false }));
    await d.tick();
    expect(sentBy('sms')).toEqual(['off-a']);
    expect(withinHours('Asia/Shanghai', Date.parse('2026-12-01T23:00:00Z'), '22:00', '07:00')).toBe(false); // 07:00 local: the night is over
  });

  it('a group robot posts once per notice for its members, @-mentioning them; people outside the group need another channel', async () => {
    const robot = new GroupHttp('duty-wecom', receiver.url, ['mon-a', 'off-a']);
    const d = new Dispatcher({ ledger, clock, channels: [robot, email()] });
    await ledger.recordNotice(notice());
    await d.tick();
    expect(sentBy('duty-wecom')).toEqual(['mon-a+off-a']);
    const rows = await ledger.listDeliveries({ incidentId: 'inc-1' });
    expect(rows.filter((r) => r.channel === 'duty-wecom').map((r) => r.destination)).toEqual(['group=duty-wecom']);
  });

  it('narrows a rostered role to who is on duty when it is sent; the named owner is always told', async () => {
    const duty = (id: string) => ({ personId: id, name: id.toUpperCase(), contacts: { email: `${id}@x.cn` } });
    let onDutyOffice = [duty('off-b')];
    const d = new Dispatcher({ ledger, clock, channels: [email()], onDuty: async (_plan, role) => (role === 'office' ? onDutyOffice : role === 'monitor' ? [duty('mon-b')] : undefined) });
    await ledger.recordNotice(notice());
    await d.tick();
    // the owner (named), the monitor on duty (mon-b: the roster may put someone on duty the notice did not list), the office on duty
    expect(sentBy('mail')).toEqual(['mon-a', 'mon-b', 'off-b']);
    // after the hand-over, the next notice goes to the incoming shift
    onDutyOffice = [duty('off-a')];
    await ledger.recordNotice(notice({ noticeId: 'inc-1/overdue/firstReport/later' }));
    await d.tick();
    expect(sentBy('mail')).toEqual(['mon-a', 'mon-a', 'mon-b', 'mon-b', 'off-a', 'off-b']);
  });

  it('a retry after a hand-over goes to the shift on duty when the notice was first sent, not to the next one as well', async () => {
    const duty = (id: string) => ({ personId: id, name: id.toUpperCase(), contacts: { email: `${id}@x.cn` } });
    const handOver = T0 + 2_000;
    const mail = email();
    const d = new Dispatcher({
      ledger, clock, channels: [mail], backoff: { initialMs: 1_000, factor: 2, maxMs: 10_000 },
      onDuty: async (_p, role, at) => (role === 'office' ? [duty(at < handOver ? 'off-a' : 'off-b')] : undefined),
    });
    receiver.mode = 'fail';
    await ledger.recordNotice(notice());
    await d.tick();
    receiver.mode = 'ok';
    now += 5_000;
    await d.tick();
    expect([...receiver.accepted.values()].map((r) => (r.body.to as string[]).join('+')).sort()).toEqual(['mon-a', 'off-a']);
    expect((await ledger.listDeliveries({ incidentId: 'inc-1' })).map((r) => r.personId).sort()).toEqual(['mon-a', 'off-a']);
  });

  it('a gap in the roster (nobody on duty in a role) tells every holder rather than nobody', async () => {
    const d = new Dispatcher({ ledger, clock, channels: [email()], onDuty: async (_p, role) => (role === 'office' ? [] : undefined) });
    await ledger.recordNotice(notice());
    await d.tick();
    expect(sentBy('mail')).toEqual(['mon-a', 'off-a', 'off-b']);
  });

  it('throttles each receiver to its rate: a burst is queued and sent as the window frees, none dropped, none twice', async () => {
    const robot = new GroupHttp('duty-wecom', receiver.url, ['mon-a', 'off-a', 'off-b']);
    (robot as { rate?: ChannelRate }).rate = { limit: 2, windowMs: 60_000 };
    const d = new Dispatcher({ ledger, clock, channels: [robot] });
    for (let i = 0; i < 5; i++) await ledger.recordNotice(notice({ noticeId: `inc-1/overdue/o${i}/due` }));
    await d.tick();
    expect(receiver.accepted.size).toBe(2);
    now += 30_000;
    await d.tick();
    expect(receiver.accepted.size).toBe(2); // the window has not moved yet
    now += 31_000;
    await d.tick();
    expect(receiver.accepted.size).toBe(4);
    now += 61_000;
    await d.tick();
    expect(receiver.accepted.size).toBe(5);
    expect(receiver.requests).toHaveLength(5);
    expect((await ledger.listNotices({ incidentId: 'inc-1' })).map((n) => n.status)).toEqual(Array(5).fill('delivered'));
  });

  it('a person no channel reaches is a failed delivery of their own, visible, while the others are delivered', async () => {
    const failed: string[] = [];
    const d = new Dispatcher({ ledger, clock, channels: [sms()], onFailed: async (_n, reason) => { failed.push(reason); } });
    await ledger.recordNotice(notice());
    await d.tick();
    expect(sentBy('sms')).toEqual(['off-a']);
    const rows = await ledger.listDeliveries({ incidentId: 'inc-1' });
    expect(rows.filter((r) => r.status === 'failed').map((r) => r.personId).sort()).toEqual(['mon-a', 'off-b']);
    expect(failed[0]).toContain('no channel reaches MON-A (mon-a)');
    expect((await ledger.listNotices({ incidentId: 'inc-1' }))[0].status).toBe('failed');
  });

  it('a permanent refusal (a rejected signature) fails that delivery at once, without retrying it for hours', async () => {
    const mail = email();
    mail.refuse = true;
    const failed: string[] = [];
    const d = new Dispatcher({ ledger, clock, channels: [mail], onFailed: async (_n, reason) => { failed.push(reason); } });
    await ledger.recordNotice(notice());
    await d.tick();
    expect(failed).toHaveLength(1);
    expect(failed[0]).toContain('signature rejected');
    expect((await ledger.listDeliveries({ incidentId: 'inc-1' })).every((r) => r.status === 'failed' && r.attempts === 1)).toBe(true);
  });
});
