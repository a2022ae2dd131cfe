/**
 * Replay: every recorded history in test/histories (see scripts/record-histories.ts) must replay
 * against today's workflow code without a nondeterminism error. A change to the workflow or the
 * machine that alters the commands an old incident produced fails here before it breaks running
 * incidents; such a change needs versioning (patched()) or a new workflow type, then new recordings.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/temporal-binaries';
import { historyFromJSON } from '../../src/api/history-json';
import type { IncidentStatus } from '../../src/machines/status';
import { workflowBundle } from '../helpers/temporal';

/** One folder per workflow version (docs/versioning.md); every version's histories replay on every run. */
const ROOT = path.join(REPO_ROOT, 'test', 'histories');
const VERSIONS = readdirSync(ROOT, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
const ALL = VERSIONS.flatMap((v) => readdirSync(path.join(ROOT, v)).filter((f) => f.endsWith('.json')).sort().map((f) => `${v}/${f}`));
/** v0: recorded before the first versioned change; the scenario checks below read these */
const DIR = path.join(ROOT, 'v0');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
const CLOSED = ['archives-fabrication-referred.json', 'county-major-late-report-regrade.json', 'school-inquiry-on-time.json'];

type JsonEvent = { eventId: string; eventType: string; [attributes: string]: any };
type JsonHistory = { events: JsonEvent[] };

const read = (file: string) => JSON.parse(readFileSync(path.join(DIR, file), 'utf8')) as JsonHistory;
const decode = (payload: { data: string }) => JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8'));
/** the incident's final public status: the workflow's result */
const result = (h: JsonHistory): IncidentStatus => decode(h.events.at(-1)!.workflowExecutionCompletedEventAttributes.result.payloads[0]);
/** the actions sent as updates, in the order the workflow accepted them */
const updates = (h: JsonHistory): string[] =>
  h.events.filter((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED').map((e) => e.workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest.input.name);
const count = (h: JsonHistory, type: string) => h.events.filter((e) => e.eventType === `EVENT_TYPE_${type}`).length;

let bundle: WorkflowBundle;
beforeAll(async () => {
  bundle = await workflowBundle();
});

describe('recorded histories', () => {
  it('v0 covers the paths open incidents take: three happy paths, an overdue open incident, a dismissal after a deadline, continue-as-new', () => {
    expect(FILES).toEqual([
      'archives-fabrication-referred.json', 'county-continue-as-new.run1.json', 'county-continue-as-new.run2.json',
      'county-continue-as-new.run3.json', 'county-dismissed-after-overdue.json', 'county-major-late-report-regrade.json',
      'county-overdue-open.json', 'school-inquiry-on-time.json',
    ]);
  });

  it('the open histories stop while the incident runs; continue-as-new runs chain to each other', () => {
    const open = read('county-overdue-open.json');
    expect(open.events.at(-1)!.eventType).toBe('EVENT_TYPE_WORKFLOW_TASK_COMPLETED');
    expect(count(open, 'TIMER_FIRED')).toBeGreaterThanOrEqual(1);
    const run1 = read('county-continue-as-new.run1.json');
    const run2 = read('county-continue-as-new.run2.json');
    expect(run1.events.at(-1)!.eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW');
    expect(run2.events[0].workflowExecutionStartedEventAttributes.continuedExecutionRunId).toBeTruthy();
    const dismissed = read('county-dismissed-after-overdue.json');
    expect(result(dismissed).stage).toBe('dismissed');
  });

  it.each(CLOSED)('%s is a whole incident: started, acted on, completed with the incident closed', (file) => {
    const h = read(file);
    expect(h.events.length).toBeGreaterThan(100);
    expect(h.events[0].eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');
    expect(h.events[0].workflowExecutionStartedEventAttributes.workflowType.name).toBe('incidentWorkflow');
    expect(h.events.at(-1)!.eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
    expect(count(h, 'ACTIVITY_TASK_COMPLETED')).toBe(count(h, 'ACTIVITY_TASK_SCHEDULED'));
    expect(count(h, 'WORKFLOW_EXECUTION_UPDATE_COMPLETED')).toBe(count(h, 'WORKFLOW_EXECUTION_UPDATE_ACCEPTED'));
    expect(count(h, 'TIMER_STARTED')).toBeGreaterThan(0);
    const s = result(h);
    expect(s.stage).toBe('closed');
    expect(s.open).toBe(false);
    expect(s.id).toBe(file.replace(/\.json$/, ''));
  });

  it('the school inquiry was handled step by step, every obligation on time', () => {
    const h = read('school-inquiry-on-time.json');
    expect(updates(h)).toEqual([
      'report', 'assess', 'dispatch', 'classify', 'respond', 'replyOpinion', 'finishHandling', 'replyResult', 'assignTracker', 'subside', 'submitSummary',
    ]);
    const s = result(h);
    expect(s).toMatchObject({ category: 'inquiry', grade: 'general', unit: { id: 'xuchang-shiyan-middle-school' } });
    expect(s.outcomes.length).toBeGreaterThan(0);
    expect(s.outcomes.every((o) => o.kind === 'onTime')).toBe(true);
  });

  it('the major county incident has a fired deadline timer, a late first report, an escalation by signal and a regrade', () => {
    const h = read('county-major-late-report-regrade.json');
    expect(count(h, 'TIMER_FIRED')).toBe(1);
    expect(count(h, 'WORKFLOW_EXECUTION_SIGNALED')).toBe(1);
    expect(updates(h)).toContain('regrade');
    const s = result(h);
    expect(s.grade).toBe('major');
    expect(s.outcomes.filter((o) => o.kind === 'late').map((o) => o.id)).toEqual(['county-major-late-report-regrade/firstReport/late']);
    const regrades = s.timeline.filter((t) => t.action === 'regrade').map((t) => t.details).join('\n');
    expect(regrades).toContain('major → especiallyMajor');
    expect(regrades).toContain('especiallyMajor → major');
  });

  it('the fabrication was clarified publicly and referred to the police before closing', () => {
    const h = read('archives-fabrication-referred.json');
    const names = updates(h);
    expect(names.indexOf('publishFacts')).toBeGreaterThan(names.indexOf('classify'));
    expect(names.indexOf('refer')).toBeLessThan(names.indexOf('submitSummary'));
    const s = result(h);
    expect(s.category).toBe('fabrication');
    expect(s.timeline.find((t) => t.action === 'refer')?.details).toContain('referred to police');
  });
});

describe('v1 histories (docs/versioning.md)', () => {
  const V1 = path.join(ROOT, 'v1');
  const v1 = (f: string) => JSON.parse(readFileSync(path.join(V1, f), 'utf8')) as JsonHistory;
  const markers = (h: JsonHistory) => h.events.filter((e) => e.eventType === 'EVENT_TYPE_MARKER_RECORDED').map((e) => decode(e.markerRecordedEventAttributes.details['patch-data'].payloads[0]).id);

  it('every v1 run records the v1 patch marker; no v0 history has one', () => {
    for (const f of readdirSync(V1).filter((x) => x.endsWith('.json'))) expect(markers(v1(f)), f).toEqual(['v1-outbox-endings']);
    for (const f of FILES) expect(markers(read(f)), f).toEqual([]);
  });

  it('every v2 run records both markers and carries the holiday data in its input (its day limits replay the same)', () => {
    const V2 = path.join(ROOT, 'v2');
    for (const f of readdirSync(V2).filter((x) => x.endsWith('.json'))) {
      const h = JSON.parse(readFileSync(path.join(V2, f), 'utf8')) as JsonHistory;
      expect(markers(h), f).toEqual(['v1-outbox-endings', 'v2-day-counting']);
      const input = decode(h.events[0].workflowExecutionStartedEventAttributes.input.payloads[0]);
      expect(input.calendar?.covers, f).toEqual(expect.objectContaining({ from: expect.any(String), to: expect.any(String) }));
    }
    for (const f of readdirSync(V1).filter((x) => x.endsWith('.json'))) {
      const input = decode(v1(f).events[0].workflowExecutionStartedEventAttributes.input.payloads[0]);
      expect(input.calendar, f).toBeUndefined();
    }
  });

  it('v4 runs record all four markers; the escalation is timers after the due time, stopped by an acknowledgement', () => {
    const V4 = path.join(ROOT, 'v4');
    const v4 = (f: string) => JSON.parse(readFileSync(path.join(V4, f), 'utf8')) as JsonHistory;
    for (const f of readdirSync(V4).filter((x) => x.endsWith('.json'))) {
      expect(markers(v4(f)), f).toEqual(['v1-outbox-endings', 'v2-day-counting', 'v3-report-lines', 'v4-escalation']);
    }
    const h = v4('county-escalation-acknowledged-open.json');
    expect(updates(h).filter((n) => n === 'acknowledge')).toHaveLength(2);
    // a timer for the next step was started, then cancelled by the office director's acknowledgement
    expect(count(h, 'TIMER_CANCELED')).toBeGreaterThan(0);
    for (const f of readdirSync(path.join(ROOT, 'v3')).filter((x) => x.endsWith('.json'))) {
      expect(markers(JSON.parse(readFileSync(path.join(ROOT, 'v3', f), 'utf8')) as JsonHistory), f).not.toContain('v4-escalation');
    }
  });

  it('v6 runs record all six markers and write each step by a local activity in the task that made it; v5 by an activity task', () => {
    const dir = (v: string) => path.join(ROOT, v);
    const load = (v: string, f: string) => JSON.parse(readFileSync(path.join(dir(v), f), 'utf8')) as JsonHistory;
    const scheduled = (h: JsonHistory) => h.events.filter((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED').map((e) => e.activityTaskScheduledEventAttributes.activityType.name);
    const localMarkers = (h: JsonHistory) => h.events.filter((e) => e.eventType === 'EVENT_TYPE_MARKER_RECORDED' && e.markerRecordedEventAttributes.markerName === 'core_local_activity').length;
    const patches = (h: JsonHistory) => markers({ ...h, events: h.events.filter((e) => e.eventType !== 'EVENT_TYPE_MARKER_RECORDED' || e.markerRecordedEventAttributes.markerName === 'core_patch') });
    const v6 = readdirSync(dir('v6')).filter((x) => x.endsWith('.json'));
    expect(v6.length).toBeGreaterThanOrEqual(readdirSync(dir('v5')).filter((x) => x.endsWith('.json')).length);
    for (const f of v6) {
      const h = load('v6', f);
      expect(patches(h), f).toEqual(['v1-outbox-endings', 'v2-day-counting', 'v3-report-lines', 'v4-escalation', 'v5-fair-owners', 'v6-local-records-reaimed-timers']);
      expect(scheduled(h), f).not.toContain('recordStep');
      // (the chain's last run only resumes: it has nothing new to record yet)
      if (f !== 'county-continue-as-new.run4.json') expect(localMarkers(h), f).toBeGreaterThan(0);
    }
    const v5 = load('v5', 'county-overdue-open.json');
    expect(patches(v5)).not.toContain('v6-local-records-reaimed-timers');
    expect(scheduled(v5)).toContain('recordStep');
    expect(localMarkers(v5)).toBe(0);
  });

  it('v1 writes each step through one ledger activity, and v0 through one activity per effect', () => {
    const names = (h: JsonHistory) => new Set(h.events.filter((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED').map((e) => e.activityTaskScheduledEventAttributes.activityType.name));
    expect(names(v1('school-inquiry-on-time.json'))).toEqual(new Set(['recordStep']));
    expect(names(read('school-inquiry-on-time.json'))).toEqual(new Set(['notify', 'recordOutcome']));
  });

  it('the endings v1 adds keep their findings: withdrawn and cancelled, the cancelled run ends Canceled', () => {
    const cancelled = v1('county-cancelled-by-operator.json');
    expect(cancelled.events.at(-1)!.eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED');
    expect(count(cancelled, 'ACTIVITY_TASK_SCHEDULED')).toBeGreaterThan(0);
    const withdrawn = result(v1('county-withdrawn-after-overdue.json'));
    expect(withdrawn.stage).toBe('withdrawn');
    expect(withdrawn.outcomes.map((o) => `${o.obligationId}:${o.kind}`)).toContain('firstReport:missed');
    const dismissed = result(v1('county-dismissed-after-overdue.json'));
    expect(dismissed.outcomes.map((o) => `${o.obligationId}:${o.kind}`)).toContain('firstReport:missed');
  });
});

describe('replay against the current workflow code', () => {
  it('replays every recorded history without a nondeterminism error', async () => {
    const histories = ALL.map((file) => ({ workflowId: file, history: historyFromJSON(JSON.parse(readFileSync(path.join(ROOT, file), 'utf8'))) }));
    const results: Array<{ workflowId: string; error?: unknown }> = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle: bundle }, histories)) results.push(r);
    expect(results.map((r) => r.workflowId).sort()).toEqual([...ALL]);
    for (const r of results) expect(r.error, `${r.workflowId}: ${String(r.error)}`).toBeUndefined();
  });

  it('replay really checks: a history whose recorded commands differ from what the code does is rejected', async () => {
    // Rename the activity of the first scheduled activity: the code schedules "notify" there, the history says otherwise.
    const h = read('school-inquiry-on-time.json');
    const scheduled = h.events.find((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED')!;
    expect(scheduled.activityTaskScheduledEventAttributes.activityType.name).toBe('notify');
    scheduled.activityTaskScheduledEventAttributes.activityType.name = 'notifyRenamed';
    const err = await Worker.runReplayHistory({ workflowBundle: bundle }, historyFromJSON(h), 'tampered-activity').then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(DeterminismViolationError);
    expect((err as Error).message).toContain("Activity type of scheduled event 'notifyRenamed' does not match activity type of activity command 'notify'");
  });
});
