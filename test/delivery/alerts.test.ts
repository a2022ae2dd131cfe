import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLedger, type Ledger } from '../../src/activities/ledger';
import { raiseAlert } from '../../src/api/alerts';
import { IncidentError } from '../../src/api/incidents';
import { HttpTestChannel } from '../../src/delivery/channels/http-test';
import { Dispatcher } from '../../src/delivery/dispatcher';
import { loadPlanDir, resolvePlan } from '../../src/plan/plan.loader';
import { rosterResolver, syncRosters } from '../../src/runtime/dispatcher';
import { LoopbackReceiver } from '../helpers/receiver';

/**
 * The shipped county roster (rosters/county.yaml) through the worker's own pieces: synced into a real ledger (its
 * history), read back by the dispatcher's resolver, and a monitoring system's alert told to the monitor on duty —
 * over National Day's holiday rota and exactly at a hand-over.
 */
const env = { ROSTERS_DIR: 'rosters', PLANS_DIR: 'plans' } as NodeJS.ProcessEnv;
const at = (local: string) => Date.parse(`${local}+08:00`);

let ledger: Ledger;
let receiver: LoopbackReceiver;
beforeEach(async () => {
  ledger = openLedger(`sqlite:${path.join(mkdtempSync(path.join(tmpdir(), 'alerts-')), 'ledger.sqlite')}`);
  await ledger.migrate();
  receiver = await new LoopbackReceiver().start();
});
afterEach(async () => {
  await receiver.stop();
  await ledger.close();
});

describe('the duty roster at sending, and monitoring alerts', () => {
  it('keeps each roster version once in the ledger, and the resolver answers who is on duty from that history', async () => {
    expect(await syncRosters(ledger, env)).toBeGreaterThan(0);
    expect(await syncRosters(ledger, env)).toBe(0);
    const onDuty = rosterResolver(ledger, loadPlanDir('plans'));
    const who = async (role: 'monitor' | 'office', t: number) => (await onDuty('county', role, t))?.map((p) => p.personId);
    // the night of 30 September (a Wednesday): the weekday night shift, until the National Day rota takes over at 08:30
    expect(await who('monitor', at('2026-10-01T03:00:00'))).toEqual(['tian.xin']);
    // exactly at the hand-over the incoming shift is on duty: the holiday rota's first day
    expect(await who('monitor', at('2026-10-01T08:30:00'))).toEqual(['liu.bo']);
    expect(await who('monitor', at('2026-10-02T09:00:00'))).toEqual(['tian.xin']);
    // a role the roster does not roster: the plan's holders are told (undefined)
    expect(await onDuty('county', 'spokesperson', at('2026-10-01T09:00:00'))).toBeUndefined();
    // contacts come from the plan
    expect((await onDuty('county', 'monitor', at('2026-10-01T09:00:00')))?.[0].contacts.email).toBe('liu.bo@county.example.org');
  });

  it('an alert reaches the monitor on duty only, once, whatever the feed repeats', async () => {
    await syncRosters(ledger, env);
    const county = resolvePlan('county', 'plans');
    let now = at('2026-10-01T09:05:00');
    const d = new Dispatcher({ ledger, clock: () => now, channels: [new HttpTestChannel(receiver.url, 2_000)], onDuty: rosterResolver(ledger, loadPlanDir('plans')) });
    const alert = { id: 'feed-8841', text: '某镇论坛出现“中学食堂食物中毒”帖子，1小时内转发200次', source: '舆情监测平台', at: at('2026-10-01T09:04:00') };
    const first = await raiseAlert(ledger, county, alert, now);
    const again = await raiseAlert(ledger, county, alert, now);
    expect(first).toMatchObject({ inserted: true, monitors: 2 });
    expect(again.inserted).toBe(false);
    await d.tick();
    const got = [...receiver.accepted.values()];
    expect(got.map((r) => r.body.to)).toEqual(['刘波']);
    expect(String(got[0].body.subject)).toBe('【某县重大意识形态舆情事件应急处置工作领导小组】监测预警：某镇论坛出现“中学食堂食物中毒”帖子，1小时内转发200次');
    expect(String(got[0].body.text)).toContain('登记后即为发现人');
    now += 60_000;
    await d.tick();
    expect(receiver.requests).toHaveLength(1);
  });

  it('refuses an alert without text, with a bad id or from the future, naming each field', async () => {
    const county = resolvePlan('county', 'plans');
    const now = at('2026-10-01T09:05:00');
    const err = await raiseAlert(ledger, county, { id: 'bad id!', text: ' ', at: now + 3600_000 }, now).catch((e) => e);
    expect(err).toBeInstanceOf(IncidentError);
    expect((err as IncidentError).errors).toEqual([
      'id: must be 1–64 letters, digits, ".", "_" or "-"', 'text: must say what the monitoring system saw', 'at: is in the future',
    ]);
    expect(await ledger.listNotices()).toEqual([]);
  });
});
