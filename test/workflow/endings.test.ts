import { describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { actionUpdates, metricsSignal, statusQuery } from '../../src/workflows/incident.definitions';
import { HOUR, MIN, eventually, historyTypes, useHarness } from './harness';

/**
 * Every way an incident ends keeps its findings (rule book, Accountability: Endings): an operator's
 * cancellation (Web UI "Request Cancellation", `temporal workflow cancel`) and a person's withdrawal are
 * judged at the ending's recorded time; a report line not yet due is recorded unmet at the ending, never
 * waived silently nor booked 漏报; other duties not yet due are waived.
 */
const hx = useHarness('endings');

/** A major county incident (600 posts): first report due 2 h after discovery, public response 3 h, first release 24 h. */
const major = { planId: 'county-office', by: 'liu.bo', metrics: { posts: 600 } };

describe('cancellation by an operator', () => {
  it('writes the findings of what was due, records the report line not yet due as unmet, waives the rest, and ends as cancelled (000 篇三 §六)', async () => {
    const { h, id, t0 } = await hx.start({ ...major, id: 'end-cancel' });
    // The first report is made late, by phone: a written report is owed 30 min later.
    await hx.sleepUntil(t0 + 2 * HOUR + 40 * MIN);
    await h.executeUpdate(actionUpdates.report, { args: [{ by: 'liu.bo', to: 'office', mode: 'phone' }] });
    // 12:05: the public response (due 12:00) has passed; the written report (due 12:10) has not.
    await hx.sleepUntil(t0 + 3 * HOUR + 5 * MIN);
    await eventually(async () => expect((await hx.status(h)).bindingOverdueCount).toBe(1));
    const cancelledAt = await hx.now();
    await hx.env.client.workflowService.requestCancelWorkflowExecution({
      namespace: 'default', workflowExecution: { workflowId: h.workflowId }, identity: 'ops@console', reason: '误建的演练事件',
    });
    const err = await h.result().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect((await h.describe()).status.name).toBe('CANCELLED');

    const s = await h.query(statusQuery);
    expect(s).toMatchObject({ stage: 'cancelled', open: false, ending: { kind: 'cancelled', reason: '误建的演练事件', by: 'ops@console' } });
    expect(Date.parse(s.ending!.at)).toBeGreaterThanOrEqual(Math.floor(cancelledAt / 1000) * 1000); // shown to the second
    const byOb = Object.fromEntries(s.obligations.map((o) => [o.kind, o.status]));
    expect(byOb).toMatchObject({ firstReport: 'late', publicResponse: 'missed', writtenReport: 'unmet', firstRelease: 'waived' });
    expect(s.obligations.find((o) => o.kind === 'firstRelease')).toMatchObject({ metAt: null, waivedReason: expect.stringContaining('cancelled') });

    const findings = await hx.outcomes(id);
    expect(findings.map((f) => [f.obligationKind, f.kind, f.ending ?? null]).sort()).toEqual([
      ['firstReport', 'late', null],
      ['publicResponse', 'missedDuty', 'cancelled'],
      ['writtenReport', 'unmetAtEnding', 'cancelled'],
    ]);
    expect(findings.every((f) => f.id.startsWith(`${id}/`) && f.source === 'timers')).toBe(true);
    const endings = await hx.ledger.listEndings({ incidentId: id });
    expect(endings).toEqual([expect.objectContaining({ ending: 'cancelled', reason: '误建的演练事件', by: 'ops@console' })]);
    // Nothing about the incident is still waiting to be sent to its owners: the cancelled obligations' notices are superseded.
    const pending = (await hx.notices(id)).filter((n) => n.status === 'pending' && (n.kind === 'reminder' || n.kind === 'assigned'));
    expect(pending.filter((n) => n.obligationId !== undefined && byOb[n.notice.obligationKind!] !== 'late')).toEqual([]);
  });

  it('a cancellation while readings are still buffered applies them first, then ends', async () => {
    const { h, id } = await hx.start({ ...major, id: 'end-cancel-backlog' });
    for (let i = 1; i <= 5; i++) await h.signal(metricsSignal, { by: 'liu.bo', metrics: { posts: 600 + i } });
    await h.cancel();
    await h.result().catch(() => undefined);
    const s = await h.query(statusQuery);
    expect(s.stage).toBe('cancelled');
    expect(s.metrics.posts).toBe(605);
    expect((await hx.ledger.listEndings({ incidentId: id })).map((e) => e.ending)).toEqual(['cancelled']);
  });
});

describe('withdrawal by a person of the plan', () => {
  it('ends the incident with its reason: due duties keep findings, report lines not yet due are unmet at the ending (000 篇三 §六)', async () => {
    const { h, id, t0 } = await hx.start({ ...major, id: 'end-withdraw' });
    await hx.sleepUntil(t0 + 2 * HOUR + 10 * MIN); // the first report (due 11:00) has passed, unmet
    const s = await h.executeUpdate(actionUpdates.withdraw, { args: [{ by: 'zhao.min', reason: '与已立案事件重复，合并处理' }] });
    expect(s).toMatchObject({ stage: 'withdrawn', open: false, ending: { kind: 'withdrawn', reason: '与已立案事件重复，合并处理', by: 'zhao.min' } });
    await h.result();
    const findings = await hx.outcomes(id);
    expect(findings.map((f) => [f.obligationKind, f.kind]).sort()).toEqual([['firstReport', 'missed']]);
    expect(findings[0]).toMatchObject({ ending: 'withdrawn', personId: 'liu.bo', reviewState: 'open', binding: 'binding', gradeBasis: 'computed' });
    const statuses = Object.fromEntries(s.obligations.map((o) => [o.kind, o.status]));
    expect(statuses).toMatchObject({ firstReport: 'missed', publicResponse: 'waived', firstRelease: 'waived' });
  });

  it('is refused, naming the field, for a person whose role may not withdraw, and changes nothing', async () => {
    const { h } = await hx.start({ ...major, id: 'end-withdraw-refused' });
    const before = await historyTypes(h);
    const err = await h.executeUpdate(actionUpdates.withdraw, { args: [{ by: 'liu.bo', reason: '不想处理' }] }).then(() => undefined, (e: unknown) => e);
    expect(String((err as Error & { cause?: Error })?.cause?.message)).toContain('by: liu.bo holds monitor; action withdraw needs one of');
    const missing = await h.executeUpdate(actionUpdates.withdraw, { args: [{ by: 'zhao.min' }] }).then(() => undefined, (e: unknown) => e);
    expect(String((missing as Error & { cause?: Error })?.cause?.message)).toContain('reason');
    expect((await hx.status(h)).stage).toBe('researchAndWarning');
    const after = await historyTypes(h);
    expect(after.filter((t) => t.includes('UPDATE'))).toEqual(before.filter((t) => t.includes('UPDATE')));
  });
});
