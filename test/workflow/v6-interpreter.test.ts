import { describe, expect, it } from 'vitest';
import proto from '@temporalio/proto';
import { PATCHES, actionUpdates } from '../../src/workflows/incident.definitions';
import { HOUR, MIN, eventually, iso, noticesFor, obligation, useHarness, type IncidentHandle } from './harness';

/**
 * The v6 interpreter (patch v6-local-records-reaimed-timers) on the time-skipping server, with the county-office
 * fixture's especially major first report (1 h from discovery, reminders 30 and 10 minutes before):
 * - each step's ledger records are written by `recordStep` as a local activity (a core_local_activity marker in the
 *   workflow task that made them), never as an activity task;
 * - a deadline or escalation timer longer than 10 s is taken in two (to halfway, at most 60 s before its time, with
 *   "(aimed again before its time)" in its summary; then the rest), so it fires at, not before, its due time;
 *   a wait of 10 s or less stays one timer.
 * Histories recorded before v6 keep one activity task and one timer: test/replay replays them.
 */
const hx = useHarness('v6-interpreter');

const EventType = proto.temporal.api.enums.v1.EventType;
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

const AIMED = ' (aimed again before its time)';
/** The local-activity marker the SDK core records (a patch is a `core_patch` marker). */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';
const PATCH_MARKER = 'core_patch';
/** The default escalation policy (plans that say nothing): the first repeat an hour after the due time. */
const ESCALATION_REPEAT = HOUR;

// ── written independently of src/ ──
/** A time as a timer summary shows it: `2026-12-01 10:00 +08:00`. */
const clock = (ms: number) => `${new Date(ms + 8 * HOUR).toISOString().slice(0, 16).replace('T', ' ')} +08:00`;
type Stamp = { seconds?: unknown; nanos?: number | null } | null | undefined;
const msOf = (t: Stamp) => Number(String(t?.seconds ?? 0)) * 1000 + (t?.nanos ?? 0) / 1e6;
/** A payload written by the default (JSON) converter. */
const decode = (p: proto.temporal.api.common.v1.IPayload | null | undefined): any =>
  (p?.data ? JSON.parse(Buffer.from(p.data).toString('utf8')) : undefined);
const summaryOf = (e: HistoryEvent): string | undefined => decode(e.userMetadata?.summary);

async function history(h: IncidentHandle): Promise<HistoryEvent[]> {
  return (await h.fetchHistory()).events ?? [];
}

interface Timer { id: string; summary: string; startedAt: number; endsAt: number; startedEventId: number; firedAt?: number; canceled: boolean }

/** Every timer of a history with its summary, when it was set and meant to end (server time), and how it ended. */
function timers(events: HistoryEvent[]): Timer[] {
  const byId = new Map<string, Timer>();
  for (const e of events) {
    const s = e.timerStartedEventAttributes;
    if (e.eventType === EventType.EVENT_TYPE_TIMER_STARTED && s?.timerId) {
      const startedAt = msOf(e.eventTime);
      byId.set(s.timerId, {
        id: s.timerId, summary: summaryOf(e) ?? '', startedAt, endsAt: startedAt + msOf(s.startToFireTimeout),
        startedEventId: Number(String(e.eventId)), canceled: false,
      });
    }
    const fired = e.eventType === EventType.EVENT_TYPE_TIMER_FIRED ? e.timerFiredEventAttributes?.timerId : undefined;
    if (fired) byId.get(fired)!.firedAt = msOf(e.eventTime);
    const canceled = e.eventType === EventType.EVENT_TYPE_TIMER_CANCELED ? e.timerCanceledEventAttributes?.timerId : undefined;
    if (canceled) byId.get(canceled)!.canceled = true;
  }
  return [...byId.values()];
}

/** The timers for an obligation's due time itself (its reminders' summaries start "reminder n:"). */
const deadlineTimers = (events: HistoryEvent[], obligationId: string) => timers(events).filter((t) => t.summary.startsWith(`${obligationId} (`));

const markers = (events: HistoryEvent[], name: string) =>
  events.filter((e) => e.eventType === EventType.EVENT_TYPE_MARKER_RECORDED && e.markerRecordedEventAttributes?.markerName === name);

const FIRST_REPORT = { planId: 'county-office', by: 'liu.bo', current: true, metrics: { casualties: 1 } } as const;

/** The incident's one overdue notice of its first report, once it is in the ledger. */
const firstReportOverdue = (id: string) => eventually(async () => {
  const r = noticesFor(await hx.notices(id), 'firstReport', 'overdue');
  expect(r).toHaveLength(1);
  return r;
}, 60_000);

describe('v6: step records by a local activity', () => {
  it('a new incident runs v6; its first step\'s records are a local-activity marker in the first workflow task, never an activity task, and are in the ledger', async () => {
    const { h, id, t0 } = await hx.start({ ...FIRST_REPORT, id: 'v6-local' });
    // The first workflow task has run once the status query answered: its records are in the ledger already (the local
    // activity ran inside that task), without waiting for an activity task.
    const rows = await hx.notices(id);
    expect(rows.map((r) => [r.kind, r.obligationId ?? null]).sort()).toEqual([
      ['assigned', 'firstRelease'], ['assigned', 'firstReport'], ['assigned', 'publicResponse'], ['newIncident', null],
    ].sort());
    for (const r of rows) {
      expect(r.createdAt).toBeGreaterThanOrEqual(t0);
      expect(r.createdAt - t0).toBeLessThan(10_000);
    }
    expect(noticesFor(rows, 'firstReport', 'assigned')[0]).toMatchObject({ dueAt: t0 + HOUR, status: 'pending' });

    const events = await history(h);
    // every patch up to v6, all set by the first workflow task
    const secondTask = events.findIndex((e, i) => i > 1 && e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
    expect(secondTask).toBeGreaterThan(0);
    const patches = markers(events, PATCH_MARKER).map((e) => ({ id: decode(e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0])?.id, at: events.indexOf(e) }));
    expect(patches.map((p) => p.id)).toEqual([PATCHES.v1, PATCHES.v2, PATCHES.v3, PATCHES.v4, PATCHES.v5, PATCHES.v6]);
    for (const p of patches) expect(p.at).toBeLessThan(secondTask);

    // the first step's records: one local-activity marker among the first task's commands
    const [first] = markers(events, LOCAL_ACTIVITY_MARKER);
    expect(first).toBeDefined();
    expect(events.indexOf(first)).toBeLessThan(secondTask);
    const details = first.markerRecordedEventAttributes!.details!;
    expect(decode(details.data?.payloads?.[0])).toMatchObject({ activity_type: 'recordStep', attempt: 1 });
    expect(decode(details.result?.payloads?.[0])).toEqual({ findings: 0, notices: rows.length, settled: 0 });
    expect(summaryOf(first)).toBe(`record: 0 finding(s), ${rows.length} notice(s)`);

    // Past the two reminders and the due time: every step recorded the same way.
    await hx.sleepUntil(t0 + HOUR + MIN);
    await eventually(async () => expect(noticesFor(await hx.notices(id), 'firstReport', 'overdue')).toHaveLength(1), 60_000);
    await hx.quiescent(h);
    const later = await history(h);
    const local = markers(later, LOCAL_ACTIVITY_MARKER);
    // start, reminder at 30 min, reminder at 10 min, overdue
    expect(local.length).toBeGreaterThanOrEqual(4);
    for (const m of local) expect(decode(m.markerRecordedEventAttributes?.details?.data?.payloads?.[0])?.activity_type).toBe('recordStep');
    const scheduled = later.filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
    expect(scheduled.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'recordStep')).toEqual([]);
    expect(scheduled).toEqual([]);
    const notices = await hx.notices(id);
    expect(noticesFor(notices, 'firstReport', 'reminder').map((r) => r.notice.trigger)).toEqual([
      expect.stringMatching(/^before=30m,/), expect.stringMatching(/^before=10m,/),
    ]);
  });
});

describe('v6: a deadline timer aimed again before its time', () => {
  it('the first report\'s due time is taken in two timers, the second firing at (not before) the due time; the overdue notice has the due time; the escalation is aimed again too', async () => {
    const { h, id, t0 } = await hx.start({ ...FIRST_REPORT, id: 'v6-reaim' });
    const due = t0 + HOUR;
    const plain = `firstReport (首报) due ${clock(due)} → 刘波`;

    await hx.sleepUntil(due + MIN);
    const [overdue] = await firstReportOverdue(id);
    await hx.quiescent(h);
    const events = await history(h);

    // the reminders are one timer each; the due time two
    expect(timers(events).filter((t) => t.summary.startsWith('reminder ') && t.summary.includes(' firstReport ')).map((t) => t.summary)).toEqual([
      `reminder 1: ${plain}`, `reminder 2: ${plain}`,
    ]);
    const pair = deadlineTimers(events, 'firstReport');
    expect(pair.map((t) => t.summary)).toEqual([`${plain}${AIMED}`, plain]);
    const [aim, rest] = pair;
    // the first is set after the last reminder (10 minutes before), to end 60 s before the due time (less than half the wait)
    expect(aim.firedAt).toBeDefined();
    expect(due - aim.endsAt).toBeGreaterThan(30_000);
    expect(due - aim.endsAt).toBeLessThanOrEqual(60_000);
    expect(aim.firedAt!).toBeGreaterThanOrEqual(aim.endsAt);
    expect(aim.firedAt!).toBeLessThan(due);
    // the second is set by the task the first one woke, for the rest of the time
    expect(rest.startedEventId).toBeGreaterThan(aim.startedEventId);
    expect(rest.startedAt).toBeGreaterThanOrEqual(aim.firedAt!);
    expect(rest.endsAt).toBeGreaterThanOrEqual(due);
    expect(rest.firedAt).toBeDefined();
    expect(rest.firedAt!).toBeGreaterThanOrEqual(due);
    expect(rest.firedAt! - due).toBeLessThan(5_000);
    expect(rest.canceled).toBe(false);

    // the overdue notice, recorded with the deadline's due time at (not before) that time, in workflow time
    expect(overdue).toMatchObject({ id: `${id}/overdue/firstReport/due=${new Date(due).toISOString().replace(/[-:]/g, '')}`, dueAt: due });
    expect(overdue.notice.dueAt).toBe(due);
    expect(overdue.createdAt).toBeGreaterThanOrEqual(due);
    expect(overdue.createdAt - due).toBeLessThan(5_000);
    const s = await hx.status(h);
    expect(obligation(s, 'firstReport')).toMatchObject({ status: 'pending', overdue: true });
    const entry = s.timeline.find((t) => t.action === 'overdue')!;
    expect(Date.parse(entry.at)).toBeGreaterThanOrEqual(due - 1000); // (the status writes times to the second)

    // The escalation after the due time (the default policy's first repeat, an hour on): two timers as well.
    const escalationAt = due + ESCALATION_REPEAT;
    const escalationPlain = 'escalation repeat 1/2: firstReport → office, officeDirector';
    await hx.sleepUntil(escalationAt + MIN);
    const [escalation] = await eventually(async () => {
      const r = noticesFor(await hx.notices(id), 'firstReport', 'escalation');
      expect(r).toHaveLength(1);
      return r;
    }, 60_000);
    await hx.quiescent(h);
    const esc = timers(await history(h)).filter((t) => t.summary.startsWith('escalation repeat 1/2: firstReport '));
    expect(esc.map((t) => t.summary)).toEqual([`${escalationPlain}${AIMED}`, escalationPlain]);
    expect(esc[0].firedAt!).toBeLessThan(escalationAt);
    expect(esc[1].firedAt!).toBeGreaterThanOrEqual(escalationAt);
    expect(escalation.createdAt).toBeGreaterThanOrEqual(escalationAt);
    expect(escalation.createdAt - escalationAt).toBeLessThan(5_000);
  });

  it('a report made in the last minute cancels the second timer: no overdue notice', async () => {
    const { h, id, t0 } = await hx.start({ ...FIRST_REPORT, id: 'v6-reaim-met' });
    const due = t0 + HOUR;
    // 30 s before the due time: the first timer has fired, the second one runs
    await hx.sleepUntil(due - 30_000);
    const running = await eventually(async () => {
      const pair = deadlineTimers(await history(h), 'firstReport');
      expect(pair).toHaveLength(2);
      expect(pair[1].firedAt).toBeUndefined();
      return pair[1];
    }, 60_000);
    expect(running.summary).not.toContain(AIMED);
    const s = await h.executeUpdate(actionUpdates.report, { args: [{ by: 'liu.bo', to: 'office', mode: 'written', at: iso(due - 30_000) }] });
    expect(obligation(s, 'firstReport').status).toBe('met');
    await hx.quiescent(h);

    await hx.sleepUntil(due + 5 * MIN);
    await hx.quiescent(h);
    const after = deadlineTimers(await history(h), 'firstReport');
    expect(after).toHaveLength(2);
    expect(after[1]).toMatchObject({ id: running.id, canceled: true });
    expect(after[1].firedAt).toBeUndefined();
    const rows = await hx.notices(id);
    expect(noticesFor(rows, 'firstReport', 'overdue')).toEqual([]);
    expect(noticesFor(rows, 'firstReport', 'escalation')).toEqual([]);
    expect(obligation(await hx.status(h), 'firstReport')).toMatchObject({ status: 'met', overdue: false });
  });
});

describe('v6: a short wait stays one timer', () => {
  it('entered 9 s before its first report is due, the incident takes the due time in one timer (≤ 10 s), plain summary, and is overdue at the due time', async () => {
    // Discovered an hour earlier than entered, less 9 s: the reminders are past, the due time 9 s away.
    const { h, id, t0 } = await hx.start({ ...FIRST_REPORT, id: 'v6-short', enteredAfter: HOUR - 9_000 });
    const due = t0 + HOUR;
    const plain = `firstReport (首报) due ${clock(due)} → 刘波`;
    const [single] = await eventually(async () => {
      const t = deadlineTimers(await history(h), 'firstReport');
      expect(t).toHaveLength(1);
      return t;
    }, 60_000);
    expect(single.summary).toBe(plain);
    expect(single.endsAt - single.startedAt).toBeLessThanOrEqual(10_000);

    await hx.sleepUntil(due + MIN);
    const [overdue] = await firstReportOverdue(id);
    await hx.quiescent(h);
    const events = await history(h);
    const all = deadlineTimers(events, 'firstReport');
    expect(all).toHaveLength(1);
    expect(all[0].firedAt!).toBeGreaterThanOrEqual(due);
    expect(timers(events).filter((t) => t.summary.startsWith('reminder ') && t.summary.includes(' firstReport '))).toEqual([]);
    expect(noticesFor(await hx.notices(id), 'firstReport', 'reminder')).toEqual([]);
    expect(overdue.dueAt).toBe(due);
    expect(overdue.createdAt).toBeGreaterThanOrEqual(due);
    expect(overdue.createdAt - due).toBeLessThan(5_000);
  });
});
