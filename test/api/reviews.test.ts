/**
 * Review of findings (复核) and explanations (申辩), rules §10.5, on a real SQLite ledger with findings written
 * as the workflow writes them: every decision and explanation is a new record, the finding itself is never
 * edited; the state is derived from the records; every refusal names its field and writes nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LedgerConflictError } from '../../src/activities/errors';
import {
  deriveReviewState, LATEST_SCHEMA_VERSION, ReviewOutOfDateError, SqliteLedger, UnknownFindingError,
  type FindingReviewRow,
} from '../../src/activities/ledger';
import { IncidentError } from '../../src/api/incidents';
import { explainFinding, findingsWithState, openFindings, reviewersFor, reviewFinding, type ReviewInput } from '../../src/api/reviews';
import type { Finding } from '../../src/machines/effects';
import { loadPlanFile, type LoadedPlan } from '../../src/plan/plan.loader';

let dir: string;
let ledger: SqliteLedger;
let county: LoadedPlan;
let plans: LoadedPlan[];

/** Discovery at 2026-11-22 08:52 +08:00; the reviews come three days later. */
const T0 = Date.parse('2026-11-22T08:52:00+08:00');
const MIN = 60_000;
const HOUR = 60 * MIN;
const NOW = T0 + 3 * 24 * HOUR;
const INC = 'county-20261122-001';

const base = (over: Partial<Finding>): Finding => ({
  id: `${INC}/firstReport/timers`, incidentId: INC, unitId: 'county-office', source: 'timers', kind: 'late',
  obligationId: 'firstReport', obligationKind: 'firstReport', personId: 'liu.bo', personName: '刘波', role: 'monitor',
  at: T0 + 2 * HOUR, claimedAt: T0 + 1 * HOUR + 40 * MIN, recordedAt: T0 + 2 * HOUR, dueAt: T0 + HOUR, delayMs: 40 * MIN,
  rule: { basis: 'rule', source: '000 篇五 §五(二)' }, binding: 'binding', accountabilityBasis: 'none stated in the plan (本预案未规定责任追究条款)',
  gradeBasis: 'computed', grade: 'especiallyMajor', plan: { id: 'county-office', version: '2026.1', hash: 'a'.repeat(64) },
  reviewState: 'open', details: '首报迟报：应于 2026-11-22 09:52 +08:00 前首报，实际 10:32 (000 篇五 §五(二))',
  ...over,
});

/** 首报迟报 of the monitor 刘波: 40 min late (due 09:52, reported 10:32, recorded 10:52). */
const lateReport = base({});
/** 未回应 of the spokesperson 徐芳: the 3 h public response never made, written when the incident was withdrawn. */
const noResponse = base({
  id: `${INC}/publicResponse/timers`, kind: 'missedDuty', obligationId: 'publicResponse', obligationKind: 'publicResponse',
  personId: 'xu.fang', personName: '徐芳', role: 'spokesperson', at: T0 + 5 * HOUR, claimedAt: undefined, recordedAt: undefined,
  dueAt: T0 + 3 * HOUR, delayMs: undefined, rule: { basis: 'rule', source: '000 篇一 §四(二)' }, ending: 'withdrawn',
  details: '未回应：撤销时仍未回应 (000 篇一 §四(二))',
});
/** The written report met on time: a record, not a finding. */
const writtenOnTime = base({
  id: `${INC}/writtenReport/timers`, kind: 'onTime', obligationId: 'writtenReport', obligationKind: 'writtenReport',
  at: T0 + 2 * HOUR + 20 * MIN, claimedAt: T0 + 2 * HOUR + 20 * MIN, recordedAt: T0 + 2 * HOUR + 20 * MIN, dueAt: T0 + 2 * HOUR + 30 * MIN,
  delayMs: undefined, reviewState: 'notReviewed', details: '书面报告按时',
});
/** A dereliction (失职) the principal leader recorded about the office director himself. */
const aboutDirector = base({
  id: `${INC}/person=wang.jiazhi/review:dereliction`, source: 'review:dereliction', kind: 'dereliction', obligationId: undefined,
  obligationKind: undefined, personId: 'wang.jiazhi', personName: '王加志', role: 'officeDirector', at: T0 + 6 * HOUR, claimedAt: undefined,
  recordedAt: undefined, dueAt: undefined, delayMs: undefined, rule: undefined, binding: undefined, recordedBy: 'zhang.weidong',
  details: '失职：未组织研判',
});

const count = (table: string) => (ledger.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
const findingRows = () => ledger.db.prepare('SELECT * FROM findings ORDER BY id').all();

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reviews-test-'));
  ledger = new SqliteLedger(path.join(dir, 'ledger.sqlite'), { clock: () => NOW });
  ledger.migrate();
  county = loadPlanFile('test/fixtures/plans/county-office.yaml');
  plans = [county];
  for (const f of [lateReport, noResponse, writtenOnTime, aboutDirector]) await ledger.recordFinding(f);
});
afterEach(async () => {
  await ledger.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const review = (over: Partial<ReviewInput>, now = NOW) =>
  reviewFinding(ledger, plans, { findingId: lateReport.id, by: 'wang.jiazhi', decision: 'confirm', reason: '经核实，首报确实迟报', ...over }, now);

async function refusal(p: Promise<unknown>): Promise<IncidentError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err, 'expected a refusal').toBeInstanceOf(IncidentError);
  return err as IncidentError;
}

describe('the ledger keeps reviews as records of their own (migration 4)', () => {
  it('creates finding_reviews, append-only: an update or a delete is refused by the database', async () => {
    expect(ledger.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    expect(LATEST_SCHEMA_VERSION).toBe(7);
    await review({});
    expect(() => ledger.db.prepare("UPDATE finding_reviews SET reason = 'x'").run()).toThrow(/append-only/);
    expect(() => ledger.db.prepare('DELETE FROM finding_reviews').run()).toThrow(/append-only/);
    expect(count('finding_reviews')).toBe(1);
  });

  it('recordReview is idempotent by id; the same id with other content is a conflict; a stale decision and an unknown finding are refused', async () => {
    const r = { id: `${lateReport.id}/review@20261125T005200000Z`, findingId: lateReport.id, incidentId: INC, kind: 'confirm' as const, by: 'wang.jiazhi', byRole: 'officeDirector' as const, reason: '属实', at: NOW - HOUR };
    expect(await ledger.recordReview(r, { after: null })).toEqual({ inserted: true });
    expect(await ledger.recordReview(r, { after: null })).toEqual({ inserted: false });
    await expect(ledger.recordReview({ ...r, reason: '不属实' })).rejects.toBeInstanceOf(LedgerConflictError);
    await expect(ledger.recordReview({ ...r, id: `${r.id}x`, kind: 'annul' }, { after: null })).rejects.toBeInstanceOf(ReviewOutOfDateError);
    await expect(ledger.recordReview({ ...r, id: 'nope/review@1', findingId: 'nope' })).rejects.toBeInstanceOf(UnknownFindingError);
    expect(await ledger.listReviews({ findingId: lateReport.id })).toEqual([{ ...r, recordedAt: NOW }]);
  });
});

describe('deriving the state', () => {
  const row = (kind: FindingReviewRow['kind'], at: number): FindingReviewRow => ({
    id: `${lateReport.id}/${kind === 'explanation' ? 'explanation' : 'review'}@${at}`, findingId: lateReport.id, incidentId: INC, kind,
    by: 'wang.jiazhi', byRole: 'officeDirector', reason: 'r', at, recordedAt: at,
    ...(kind === 'correct' ? { correction: { kind: 'onTime' as const, claimedAt: T0, was: { kind: 'late' as const } } } : {}),
  });
  it('is the latest decision; an explanation changes nothing; reinstate reopens; onTime records are not reviewed', () => {
    expect(deriveReviewState(lateReport, []).state).toBe('open');
    expect(deriveReviewState(lateReport, [row('explanation', 1)]).state).toBe('open');
    expect(deriveReviewState(lateReport, [row('confirm', 1), row('explanation', 2)]).state).toBe('confirmed');
    expect(deriveReviewState(lateReport, [row('correct', 1)])).toMatchObject({ state: 'corrected', correction: { kind: 'onTime' } });
    // the order is the decision time, not the order of the array
    expect(deriveReviewState(lateReport, [row('annul', 3), row('confirm', 1)]).state).toBe('annulled');
    const reopened = deriveReviewState(lateReport, [row('correct', 1), row('annul', 2), row('reinstate', 3)]);
    expect(reopened).toMatchObject({ state: 'open', decision: { kind: 'reinstate' }, correction: { kind: 'onTime' } });
    expect(deriveReviewState(writtenOnTime, [row('confirm', 1)]).state).toBe('notReviewed');
  });
});

describe('v3 marks (migration 5; rule book, Endings and Who decides)', () => {
  const outOfScope: Finding = {
    ...lateReport, id: 'INC-1/report/discoverer-office/timers',
    marks: { annulledByDefault: '不属于本预案适用范围（非重大网络舆情）', line: { key: 'discoverer-office', label: '发现人报告科教编研科', toName: '科教编研科' } },
  };

  it('a finding left by a dismissal as not within the scope is annulled by default, round-trips its marks, and a reviewer may reinstate it', async () => {
    await ledger.recordFinding(outOfScope);
    expect((await ledger.listFindings({ incidentId: outOfScope.incidentId })).find((f) => f.id === outOfScope.id)).toEqual(outOfScope);
    expect(deriveReviewState(outOfScope, []).state).toBe('annulled');
    const r = await reviewFinding(ledger, plans, { findingId: outOfScope.id, by: 'wang.jiazhi', decision: 'reinstate', reason: '复查：当时已研判为重大' }, NOW);
    expect(r.finding).toMatchObject({ state: 'open', decision: { kind: 'reinstate' } });
  });

  it('a finding whose grade was only computed stays open until the reviewer confirms it', async () => {
    const computed: Finding = { ...lateReport, id: 'INC-1/report/subject-coordinator/timers', gradeBasis: 'computed', marks: { gradeNotAssessed: true } };
    await ledger.recordFinding(computed);
    expect(deriveReviewState(computed, []).state).toBe('open');
    const r = await reviewFinding(ledger, plans, { findingId: computed.id, by: 'wang.jiazhi', decision: 'confirm', reason: '等级经复核为重大' }, NOW);
    expect(r.finding.state).toBe('confirmed');
  });
});

describe('reviewFinding', () => {
  it('confirm: one new record, the finding row untouched, state confirmed', async () => {
    const before = findingRows();
    const r = await review({});
    expect(r.inserted).toBe(true);
    expect(r.review).toMatchObject({ kind: 'confirm', by: 'wang.jiazhi', byName: '王加志', byRole: 'officeDirector', reason: '经核实，首报确实迟报' });
    expect(r.review.id).toBe(`${lateReport.id}/review@20261125T005200.000Z`);
    expect(r.review.at).toBe('2026-11-25T08:52:00+08:00');
    expect(r.finding).toMatchObject({ state: 'confirmed', stateLabel: '已确认', kind: 'late', label: '首报迟报', delay: '40 分' });
    expect(findingRows()).toEqual(before);
    expect(count('finding_reviews')).toBe(1);
  });

  it('correct: the report was phoned in on time and recorded late — a new record with the corrected values and what they were', async () => {
    const before = findingRows();
    const r = await review({ decision: 'correct', reason: '电话记录显示 09:40 已电话首报，系补录', correction: { claimedAt: '2026-11-22T09:40:00+08:00' } });
    expect(r.review.correction).toMatchObject({
      kind: 'onTime', claimedAt: '2026-11-22T09:40:00+08:00', delayMs: null,
      was: { kind: 'late', label: '首报迟报', claimedAt: '2026-11-22T10:32:00+08:00', delayMs: 40 * MIN },
    });
    expect(r.finding).toMatchObject({ state: 'corrected', kind: 'onTime', recordedKind: 'late', claimedAt: '2026-11-22T09:40:00+08:00', delayMs: null });
    expect(findingRows()).toEqual(before); // the finding itself is never edited
    const [stored] = await ledger.listFindings({ incidentId: INC }).then((fs) => fs.filter((f) => f.id === lateReport.id));
    expect(stored).toEqual(lateReport);

    // a second correction (later, with its reason) is another record; the delay follows from the claimed time
    const again = await review({ decision: 'correct', reason: '通话记录时间应为 10:07', correction: { claimedAt: '2026-11-22T10:07:00+08:00' } }, NOW + MIN);
    expect(again.finding).toMatchObject({ state: 'corrected', kind: 'late', delayMs: 15 * MIN, delay: '15 分' });
    expect(again.review.correction?.was).toMatchObject({ kind: 'onTime', claimedAt: '2026-11-22T09:40:00+08:00' });
    // then confirmed as corrected
    const confirmed = await review({ reason: '更正后确认' }, NOW + 2 * MIN);
    expect(confirmed.finding).toMatchObject({ state: 'confirmed', kind: 'late', delayMs: 15 * MIN });
    expect(count('finding_reviews')).toBe(3);
  });

  it('correct a kind: a missing response reviewed as a missing response of the right word, or a 瞒报', async () => {
    const r = await reviewFinding(ledger, plans, {
      findingId: noResponse.id, by: 'wang.jiazhi', decision: 'correct', reason: '发言人隐瞒了舆情，属瞒报', correction: { kind: 'concealedReport' },
    }, NOW);
    expect(r.finding).toMatchObject({ state: 'corrected', kind: 'concealedReport', label: '瞒报', recordedKind: 'missedDuty' });
  });

  it('annul, then only reinstate applies; reinstate reopens it; each is a record', async () => {
    const a = await review({ decision: 'annul', reason: '不属于本预案适用范围' });
    expect(a.finding.state).toBe('annulled');
    for (const decision of ['confirm', 'correct', 'annul'] as const) {
      const err = await refusal(review({ decision, reason: 'x', ...(decision === 'correct' ? { correction: { kind: 'missed' } } : {}) }, NOW + MIN));
      expect(err.kind).toBe('NotAllowed');
      expect(err.errors[0]).toMatch(/^decision: the finding is annulled .*only "reinstate" applies/);
    }
    const r = await review({ decision: 'reinstate', reason: '复查后恢复' }, NOW + MIN);
    expect(r.finding).toMatchObject({ state: 'open', decision: { kind: 'reinstate', label: '恢复认定' } });
    expect((await refusal(review({ decision: 'reinstate', reason: 'x' }, NOW + 2 * MIN))).errors[0]).toMatch(/^decision: "reinstate" reopens an annulled finding; this one is open/);
    expect((await ledger.listReviews({ findingId: lateReport.id })).map((x) => x.kind)).toEqual(['annul', 'reinstate']);
  });

  it('a finding about the office director goes to the principal leader; the director may not review it', async () => {
    const err = await refusal(reviewFinding(ledger, plans, { findingId: aboutDirector.id, by: 'wang.jiazhi', decision: 'annul', reason: '我没有失职' }, NOW));
    expect(err.kind).toBe('NotAllowed');
    expect(err.errors).toEqual(['by: 王加志 (wang.jiazhi) is the person this finding names; nobody reviews a finding about themselves (rules §10.5)']);
    expect(reviewersFor(county.plan, aboutDirector)?.people.map((p) => p.id)).toEqual(['zhang.weidong']);
    const ok = await reviewFinding(ledger, plans, { findingId: aboutDirector.id, by: 'zhang.weidong', decision: 'confirm', reason: '属实' }, NOW);
    expect(ok.review).toMatchObject({ by: 'zhang.weidong', byRole: 'principalLeader' });
  });
});

describe('every refusal names its field and its reason, and writes nothing', () => {
  const cases: Array<[string, () => Promise<unknown>, IncidentError['kind'], RegExp]> = [
    ['empty reason', () => review({ reason: '' }), 'InvalidPayload', /^reason: a reason is required/],
    ['blank reason', () => review({ reason: '   ' }), 'InvalidPayload', /^reason: a reason is required/],
    ['no reason', () => review({ reason: undefined as unknown as string }), 'InvalidPayload', /^reason: a reason is required/],
    ['unknown decision', () => review({ decision: 'approve' }), 'InvalidPayload', /^decision: must be one of confirm, correct, annul, reinstate/],
    ['unknown finding', () => review({ findingId: `${INC}/nothing/timers` }), 'NotFound', /^findingId: no finding "county-20261122-001\/nothing\/timers"/],
    ['unknown person', () => review({ by: 'nobody' }), 'InvalidPayload', /^by: no person "nobody" in plan county-office/],
    ['self-review', () => review({ by: 'liu.bo' }), 'NotAllowed', /^by: 刘波 \(liu\.bo\) is the person this finding names; nobody reviews a finding about themselves/],
    ['not a reviewer', () => review({ by: 'zhao.min' }), 'NotAllowed', /^by: 赵敏 \(zhao\.min\) \(leading group office\) may not review findings of plan county-office; its reviewer is the office director .*: 王加志 \(wang\.jiazhi\)$/],
    ['a leader who is not the reviewer', () => review({ by: 'li.guoqiang' }), 'NotAllowed', /^by: 李国强 \(li\.guoqiang\) .* may not review/],
    ['an on-time record', () => review({ findingId: writtenOnTime.id }), 'NotAllowed', /^findingId: an on-time record is not a finding and is not reviewed/],
    ['correct without values', () => review({ decision: 'correct' }), 'InvalidPayload', /^correction: a correction needs the corrected values/],
    ['a correction on a confirm', () => review({ correction: { kind: 'missed' } }), 'InvalidPayload', /^correction: only a "correct" decision carries a correction/],
    ['empty correction', () => review({ decision: 'correct', correction: {} }), 'InvalidPayload', /^correction: give the corrected claimedAt/],
    ['unknown correction key', () => review({ decision: 'correct', correction: { delay: 5 } }), 'InvalidPayload', /^correction: Unrecognized key/],
    ['bad claimed time', () => review({ decision: 'correct', correction: { claimedAt: 'yesterday' } }), 'InvalidPayload', /^correction\.claimedAt: must be an ISO-8601 time/],
    ['claimed after it was recorded', () => review({ decision: 'correct', correction: { claimedAt: '2026-11-22T11:00:00+08:00' } }), 'InvalidPayload', /^correction\.claimedAt: is after the act was recorded \(2026-11-22 10:52 \+08:00\)/],
    ['claimed time against its kind', () => review({ decision: 'correct', correction: { claimedAt: '2026-11-22T09:40:00+08:00', kind: 'late' } }), 'InvalidPayload', /^correction\.kind: the corrected claimed time 2026-11-22 09:40 \+08:00 .* makes it 首报按时 \(onTime\), not late/],
    ['迟报 for a response', () => reviewFinding(ledger, plans, { findingId: noResponse.id, by: 'wang.jiazhi', decision: 'correct', reason: 'r', correction: { kind: 'missed' } }, NOW), 'InvalidPayload', /^correction\.kind: "missed" is not a word for this finding .*binding report lines only/],
    ['on time without a time', () => review({ decision: 'correct', correction: { kind: 'onTime' } }), 'InvalidPayload', /^correction\.claimedAt: say when the act was really done/],
    ['a correction that changes nothing', () => review({ decision: 'correct', correction: { kind: 'late' } }), 'InvalidPayload', /^correction: changes nothing/],
    ['a decision in the future', () => review({ at: '2026-11-26T08:52:00+08:00' }), 'InvalidPayload', /^at: is in the future/],
    ['a decision before the finding', () => review({ at: '2026-11-22T09:00:00+08:00' }), 'InvalidPayload', /^at: is before the finding was made final \(2026-11-22 10:52 \+08:00\)/],
    ['an explanation by another person', () => explainFinding(ledger, plans, { findingId: lateReport.id, by: 'wang.jiazhi', text: '他有苦衷' }, NOW), 'NotAllowed', /^by: only the person this finding names, 刘波 \(liu\.bo\), may add an explanation/],
    ['an empty explanation', () => explainFinding(ledger, plans, { findingId: lateReport.id, by: 'liu.bo', text: ' ' }, NOW), 'InvalidPayload', /^text: the text is required/],
    ['an explanation of an on-time record', () => explainFinding(ledger, plans, { findingId: writtenOnTime.id, by: 'liu.bo', text: '按时' }, NOW), 'NotAllowed', /^findingId: an on-time record names no lapse/],
    ['an explanation of no finding', () => explainFinding(ledger, plans, { findingId: 'x', by: 'liu.bo', text: '申辩' }, NOW), 'NotFound', /^findingId: no finding "x"/],
  ];
  for (const [name, attempt, kind, reason] of cases) {
    it(name, async () => {
      const before = { reviews: count('finding_reviews'), findings: count('findings'), rows: findingRows() };
      const err = await refusal(attempt());
      expect(err.kind).toBe(kind);
      expect(err.errors).toHaveLength(1);
      expect(err.errors[0]).toMatch(reason);
      expect(err.message).toContain(err.errors[0]);
      expect({ reviews: count('finding_reviews'), findings: count('findings'), rows: findingRows() }).toEqual(before);
    });
  }

  it('confirming twice, and deciding before the latest decision, are refused and write nothing', async () => {
    await review({});
    const n = count('finding_reviews');
    expect((await refusal(review({}, NOW + MIN))).errors[0]).toMatch(/^decision: the finding is already confirmed \(confirm by wang\.jiazhi at 2026-11-25 08:52 \+08:00: 经核实，首报确实迟报\)/);
    expect((await refusal(review({ decision: 'annul', reason: 'r', at: '2026-11-25T08:00:00+08:00' }, NOW + MIN))).errors[0]).toMatch(/^at: is before the latest decision on this finding/);
    expect(count('finding_reviews')).toBe(n);
  });
});

describe('explainFinding', () => {
  it('the person named adds an explanation: a record of its own that leaves the state as it is', async () => {
    await review({});
    const r = await explainFinding(ledger, plans, { findingId: lateReport.id, by: 'liu.bo', text: '当时在外采集信息，手机无信号，恢复后立即上报' }, NOW + MIN);
    expect(r.review).toMatchObject({ kind: 'explanation', label: '申辩', by: 'liu.bo', byRole: 'monitor', reason: '当时在外采集信息，手机无信号，恢复后立即上报' });
    expect(r.review.id).toBe(`${lateReport.id}/explanation@20261125T005300.000Z`);
    expect(r.finding).toMatchObject({ state: 'confirmed', explanations: 1 });
    expect(r.finding.reviews.map((x) => x.kind)).toEqual(['confirm', 'explanation']);
  });
});

describe('open findings for their reviewer', () => {
  it('lists what each reviewer may review, never a finding about themselves; a decision takes it off the list', async () => {
    const ids = async (reviewer?: string) => (await openFindings(ledger, { ...(reviewer ? { reviewer } : {}) }, plans)).map((f) => f.id);
    expect(await ids()).toEqual([lateReport.id, noResponse.id, aboutDirector.id]); // the on-time record is not a finding
    expect(await ids('wang.jiazhi')).toEqual([lateReport.id, noResponse.id]);
    expect(await ids('zhang.weidong')).toEqual([aboutDirector.id]);
    const [first] = await openFindings(ledger, { reviewer: 'wang.jiazhi', incidentId: INC }, plans);
    expect(first).toMatchObject({ label: '首报迟报', person: { id: 'liu.bo', name: '刘波', roleLabel: '舆情监控人员' }, obligationLabel: '首报', dueAt: '2026-11-22T09:52:00+08:00', delay: '40 分', binding: 'binding', reviewers: [{ id: 'wang.jiazhi', name: '王加志', role: 'officeDirector' }] });

    await review({});
    expect(await ids('wang.jiazhi')).toEqual([noResponse.id]);
    expect(await openFindings(ledger, { unitId: 'other-unit' }, plans)).toEqual([]);

    const notReviewer = await refusal(openFindings(ledger, { reviewer: 'liu.bo' }, plans));
    expect(notReviewer.kind).toBe('NotAllowed');
    expect(notReviewer.errors[0]).toMatch(/^reviewer: liu\.bo reviews no findings; the reviewers .* are county-office: 王加志 \(wang\.jiazhi\)/);
    expect((await refusal(openFindings(ledger, { reviewer: 'ghost' }, plans))).errors[0]).toMatch(/^reviewer: no person "ghost" in the plans/);
  });

  it('findingsWithState lists every finding of an incident with its state', async () => {
    await review({ decision: 'annul', reason: '不属于本单位' });
    const rows = await findingsWithState(ledger, INC, plans);
    expect(rows.map((r) => [r.id, r.state])).toEqual([
      [lateReport.id, 'annulled'], [writtenOnTime.id, 'notReviewed'], [noResponse.id, 'open'], [aboutDirector.id, 'open'],
    ]);
    expect(rows.find((r) => r.id === writtenOnTime.id)?.reviewers).toEqual([]);
  });
});
