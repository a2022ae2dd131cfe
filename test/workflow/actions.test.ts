import { describe, expect, it } from 'vitest';
import { actionUpdates, metricsUpdate } from '../../src/workflows/incident.definitions';
import { EventType, HOUR, MIN, expectNoTrace, historyTypes, iso, refused, useHarness } from './harness';

/**
 * Validate at the edges, once: every refusal comes from the update validator, names what is wrong,
 * and leaves the workflow exactly as it was — no state change, no update event in the history.
 */
const hx = useHarness('actions');

describe('refused actions (county office plan)', () => {
  it('names every failing field, the roles allowed, the stage, and impossible times; a refused update leaves no trace', async () => {
    const { h, id, t0 } = await hx.start({ planId: 'county-office', id: 'cty-refuse', by: 'liu.bo', metrics: { casualties: 1 } });
    await hx.sleepUntil(t0 + 10 * MIN);
    await hx.quiescent(h);
    const status0 = await hx.status(h);
    const history0 = await historyTypes(h);
    const notices0 = await hx.notices(id);
    const now = await hx.now();

    // An invalid payload: every failing field is named, not just the first.
    const invalid = await refused(h.executeUpdate(actionUpdates.report, { args: [{ by: '', to: 'no body', mode: 'fax', at: 'yesterday' }] }));
    expect(invalid.type).toBe('InvalidPayload');
    expect(invalid.nonRetryable).toBe(true);
    const fields = (invalid.details as string[]).map((d) => d.split(':')[0]).sort();
    expect(fields).toEqual(['at', 'by', 'mode', 'to']);
    for (const f of ['by:', 'to:', 'mode:', 'at:']) expect(invalid.message).toContain(f);
    expect(invalid.message).toContain('"phone"|"written"');

    // An unknown key is refused too (strict payloads).
    const extra = await refused(h.executeUpdate(actionUpdates.report, { args: [{ by: 'liu.bo', to: 'office', mode: 'written', fax: true }] }));
    expect(extra.type).toBe('InvalidPayload');
    expect(extra.message).toContain('fax');

    // A person the plan does not know.
    const stranger = await refused(h.executeUpdate(actionUpdates.report, { args: [{ by: 'wang.wu', to: 'office', mode: 'written' }] }));
    expect(stranger.type).toBe('NotAllowed');
    expect(stranger.message).toBe('by: "wang.wu" is not a person in plan county-office');

    // The wrong role: a monitor cannot assess; the message lists the roles that can.
    const role = await refused(h.executeUpdate(actionUpdates.assess, { args: [{ by: 'liu.bo' }] }));
    expect(role.type).toBe('NotAllowed');
    expect(role.message).toContain('by: liu.bo holds monitor; action assess needs one of:');
    for (const r of ['office (领导小组办公室)', 'officeDirector (办公室主任)', 'leaderInCharge (分管领导)', 'principalLeader (主要领导)', 'leadingGroup (领导小组)']) {
      expect(role.message).toContain(r);
    }

    // Not in this stage: nothing has subsided while the incident is still being researched.
    const stage = await refused(h.executeUpdate(actionUpdates.subside, { args: [{ by: 'zhao.min', reason: '平息' }] }));
    expect(stage.type).toBe('NotAllowed');
    expect(stage.message).toBe('subside is not allowed in stage researchAndWarning (研判预警); allowed now: report, assess, regrade, finding, commend, dismiss, withdraw');

    // Times: not in the future (beyond a minute of clock skew), not before the discovery.
    const future = await refused(h.executeUpdate(actionUpdates.report, { args: [{ by: 'liu.bo', to: 'office', mode: 'written', at: iso(now + 2 * HOUR) }] }));
    expect(future.message).toBe('at: is in the future');
    const early = await refused(h.executeUpdate(actionUpdates.report, { args: [{ by: 'liu.bo', to: 'office', mode: 'written', at: iso(t0 - HOUR) }] }));
    expect(early.message).toBe('at: is before the incident was discovered');

    // A reading sent as an update (recordMetrics) is refused the same way, where a signal could only be ignored.
    const badReading = await refused(h.executeUpdate(metricsUpdate, { args: [{ by: 'liu.bo', metrics: { posts: -3 } }] }));
    expect(badReading.type).toBe('InvalidPayload');
    expect(badReading.message).toContain('metrics.posts');
    const futureReading = await refused(h.executeUpdate(metricsUpdate, { args: [{ by: 'liu.bo', at: iso(now + 2 * HOUR), metrics: { posts: 30 } }] }));
    expect(futureReading.type).toBe('NotAllowed');
    expect(futureReading.message).toBe('at: is in the future');
    const earlyReading = await refused(h.executeUpdate(metricsUpdate, { args: [{ at: iso(t0 - HOUR), metrics: { posts: 30 } }] }));
    expect(earlyReading.message).toBe('at: is before the incident was discovered');

    // Nothing changed: the status (no ignored reading counted), the history (no update event), the notices and the ledger.
    expect(await hx.status(h)).toEqual(status0);
    expect(status0.ignoredReadings).toEqual({ count: 0, lastAt: null, lastReason: null });
    expectNoTrace(history0, await historyTypes(h));
    expect(await hx.notices(id)).toEqual(notices0);
    expect(await hx.outcomes(id)).toEqual([]);

    // The same report, valid, goes through and is recorded in the history.
    const ok = await h.executeUpdate(actionUpdates.report, { args: [{ by: 'liu.bo', to: 'office', mode: 'written', at: iso(now) }] });
    expect(ok.obligations.find((o) => o.id === 'firstReport')?.status).toBe('met');
    const history1 = await historyTypes(h);
    expect(history1.filter((t) => t === EventType[EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED])).toHaveLength(1);
    expect(history1.filter((t) => t === EventType[EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED])).toHaveLength(1);
    expect(history1).not.toContain(EventType[EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_REJECTED]);
  });

  it('refuses actions of another stage and of another category, naming them', async () => {
    const { h, t0 } = await hx.start({ planId: 'county-office', id: 'cty-refuse-2', by: 'liu.bo', metrics: { posts: 120 } });
    await hx.sleepUntil(t0 + 20 * MIN);
    await h.executeUpdate(actionUpdates.assess, { args: [{ by: 'zhao.min' }] });

    const late = await refused(h.executeUpdate(actionUpdates.dismiss, { args: [{ by: 'zhao.min', reason: '不构成舆情' }] }));
    expect(late.message).toMatch(/^dismiss is not allowed in stage rapidResponse \(快速反应\); allowed now: /);
    expect(late.message).toContain('classify');

    await h.executeUpdate(actionUpdates.classify, { args: [{ by: 'zhao.min', category: 'hype' }] });
    await hx.quiescent(h);
    const before = await hx.status(h);
    const history0 = await historyTypes(h);

    const wrongCategory = await refused(h.executeUpdate(actionUpdates.replyOpinion, { args: [{ by: 'chen.lei', text: '答复' }] }));
    expect(wrongCategory.message).toBe('replyOpinion applies to inquiry incidents; this one is hype');
    // Hype is referred only after the facts were published and it continues (000 篇一 §四(三)2).
    const tooSoon = await refused(h.executeUpdate(actionUpdates.refer, { args: [{ by: 'zhao.min', to: 'police', reason: '恶意炒作' }] }));
    expect(tooSoon.message).toContain('publishFacts first');
    // Tracking needs the handling done.
    const notDone = await refused(h.executeUpdate(actionUpdates.assignTracker, { args: [{ by: 'zhao.min', tracker: 'zhao.min' }] }));
    expect(notDone.message).toBe('handling is not finished: hype: publish the facts and the handling (publishFacts)');
    // Several reasons at once are all given.
    const both = await refused(h.executeUpdate(actionUpdates.publishFacts, { args: [{ by: 'zhao.min', channel: 'weibo', text: '通报', at: iso(t0 - MIN) }] }));
    expect(both.details).toEqual([
      'by: zhao.min holds office; action publishFacts needs one of: spokesperson (新闻发言人)',
      'at: is before the incident was discovered',
    ]);

    expect(await hx.status(h)).toEqual(before);
    expectNoTrace(history0, await historyTypes(h));
  });
});
