import { describe, expect, it } from 'vitest';
import { ACTIONS, type ActionName } from '../../src/plan/codes';
import type { ActionPayloadInputs } from '../../src/plan/incident.schema';
import { CLOCK_SKEW_MS, refusals } from '../../src/machines/incident.rules';
import type { IncidentSnapshot } from '../../src/machines/incident.machine';
import { toStatus } from '../../src/machines/status';
import {
  DAY, HOUR, MIN, T0, act, actionEvent, assessed, classified, effectsOf, makePlan, metrics, obligation, oid, start, tracking,
} from './fixtures';

/** A well-formed payload for each action, by a person the default permissions allow. */
const PAYLOADS: { [K in ActionName]: ActionPayloadInputs[K] } = {
  report: { by: 'mon', to: 'office', mode: 'written' },
  assess: { by: 'off' },
  dispatch: { by: 'off', department: 'dep' },
  respond: { by: 'spk', channel: 'weibo', text: '回应', inNameOf: 'unit' },
  release: { by: 'spk', form: 'statement', text: '声明' },
  classify: { by: 'off', category: 'fabrication' },
  replyOpinion: { by: 'dep', text: '意见' },
  finishHandling: { by: 'dep' },
  replyResult: { by: 'dep', text: '结果' },
  publishFacts: { by: 'spk', text: '事实', channel: 'website' },
  refer: { by: 'off', to: 'police', reason: '造谣' },
  adopt: { by: 'dep', text: '采纳' },
  regrade: { by: 'dir', grade: 'major', reason: '扩散' },
  assignTracker: { by: 'off', tracker: 'off' },
  reopen: { by: 'off', reason: '反弹' },
  subside: { by: 'off', reason: '平息' },
  submitSummary: { by: 'off', text: '总结' },
  finding: { by: 'lic', kind: 'falseReport', person: 'mon', details: '谎报' },
  commend: { by: 'lg', person: 'spk', reason: '及时' },
  dismiss: { by: 'off', reason: '不构成舆情' },
  withdraw: { by: 'off', reason: '重复登记' },
  // v3 actions: refused for an incident under older rules (the fixtures start v1 incidents)
  nameSubject: { by: 'off', department: 'dep' },
  draftReply: { by: 'dep', text: '草稿' },
  approve: { by: 'lic' },
  handlingStep: { by: 'lg', step: 'plan' },
  correctDiscovery: { by: 'off', discoveredBy: 'mon2', reason: '登记有误' },
  startHandling: { by: 'off' },
  nameDepartments: { by: 'off', departments: ['dep'] },
  // v4: refused for an incident under older rules
  acknowledge: { by: 'dir', obligation: 'firstReport' },
  // v3: refused for an incident under older rules
  waiveSummary: { by: 'off', department: 'dep2', reason: '误列' },
  nameSummaryDepartment: { by: 'off', department: 'dep2' },
};

const ev = (name: ActionName, at = T0 + 6 * HOUR) => actionEvent(name, PAYLOADS[name] as never, at);

function summaryEvaluation(): IncidentSnapshot {
  let s = tracking();
  [s] = act(s, 'subside', { by: 'off', reason: '平息' }, T0 + 5 * HOUR);
  return s;
}

// withdraw (撤销) ends an incident from any open stage (责任追究: Endings)
const EVERYWHERE: ActionName[] = ['regrade', 'finding', 'commend', 'withdraw'];
const STAGES: Array<[string, () => IncidentSnapshot, ActionName[]]> = [
  ['researchAndWarning', () => start()[0], ['report', 'assess', 'dismiss']],
  ['rapidResponse', () => assessed(), ['report', 'dispatch', 'respond', 'release', 'classify']],
  ['categorizedHandling', () => classified('hype'), [
    'report', 'dispatch', 'respond', 'release', 'classify', 'replyOpinion', 'finishHandling', 'replyResult',
    'publishFacts', 'refer', 'adopt', 'assignTracker',
  ]],
  ['dynamicTracking', () => tracking(), ['report', 'respond', 'release', 'publishFacts', 'refer', 'reopen', 'subside']],
  ['summaryEvaluation', summaryEvaluation, ['report', 'reopen', 'refer', 'submitSummary']],
].map(([name, make, own]) => [name as string, make as () => IncidentSnapshot, [...(own as ActionName[]), ...EVERYWHERE]]);

describe('the five stages accept only their own actions (处置程序, 000 篇一 §四; 001 篇1 §四)', () => {
  it.each(STAGES)('%s refuses every action outside its list, even one that breaks no other rule (000 篇一 §四)', (stage, make, own) => {
    const s = make();
    expect(s.matches(stage as never)).toBe(true);
    for (const name of ACTIONS.filter((a) => !own.includes(a))) {
      const e = ev(name);
      expect(s.can(e), `${name} in ${stage}`).toBe(false);
      const [after, actions] = transition(s, name);
      expect(after, `${name} in ${stage}`).toBe(s);
      expect(actions).toEqual([]);
    }
  });

  it.each(STAGES)('%s takes each of its own actions whose rules are satisfied (000 篇一 §四)', (stage, make, own) => {
    const s = make();
    const takes = own.filter((name) => refusals(s.context, ev(name)).length === 0);
    // most of a stage's actions are possible with the fixture's facts: the test is not vacuous
    expect(takes.length).toBeGreaterThanOrEqual(Math.min(own.length, 3));
    for (const name of takes) expect(s.can(ev(name)), `${name} in ${stage}`).toBe(true);
  });

  it('classifying is not accepted in research and early warning even when everything else is right (000 篇一 §四(一))', () => {
    const [s] = start();
    const classify = actionEvent('classify', { by: 'off', category: 'inquiry' }, T0 + MIN);
    expect(refusals(s.context, classify)).toEqual([]);
    expect(s.can(classify)).toBe(false);
    const [after, actions] = act(s, 'classify', { by: 'off', category: 'inquiry' }, T0 + MIN);
    expect(after).toBe(s);
    expect(after.context.category).toBeUndefined();
    expect(actions).toEqual([]);
  });

  it('the stages follow one another: assess → classify → assign a tracker → subside → summary (000 篇一 §四(一)–(五))', () => {
    let [s] = start();
    // a stage, or a stage with where its handling stands (categorizedHandling.fabrication.clarify)
    const valueName = (v: unknown): string => (typeof v === 'string' ? v : Object.entries(v as object).map(([k, x]) => `${k}.${valueName(x)}`)[0]);
    const path: string[] = [valueName(s.value)];
    for (const [name, at] of [
      ['report', T0 + 5 * MIN], ['assess', T0 + 10 * MIN], ['dispatch', T0 + 15 * MIN], ['respond', T0 + 20 * MIN],
      ['classify', T0 + 30 * MIN], ['publishFacts', T0 + HOUR], ['refer', T0 + 2 * HOUR], ['assignTracker', T0 + 3 * HOUR],
      ['subside', T0 + DAY], ['submitSummary', T0 + 2 * DAY],
    ] as const) {
      [s] = transition(s, name, at);
      path.push(valueName(s.value));
    }
    expect([...new Set(path)]).toEqual([
      'researchAndWarning', 'rapidResponse', 'categorizedHandling.fabrication.clarify', 'categorizedHandling.fabrication.refer',
      'categorizedHandling.fabrication.done', 'dynamicTracking', 'summaryEvaluation', 'closed',
    ]);
    expect(s.status).toBe('done');
    expect(s.context.timeline.filter((t) => t.action === 'stage').map((t) => t.details.split(';')[0])).toEqual([
      '研判预警 → 快速反应', '快速反应 → 分类处置', '分类处置 → 动态跟踪', '动态跟踪 → 总结评估', '总结评估 → 已结案',
    ]);
    expect(s.context.outcomes.filter((o) => o.kind === 'missed')).toEqual([]);
  });
});

function transition(s: IncidentSnapshot, name: ActionName, at = T0 + 6 * HOUR) {
  return act(s, name, PAYLOADS[name] as never, at);
}

describe('who may act (组织体系; permissions of the plan)', () => {
  it('an action by a person without an allowed role is refused with a message naming the roles (组织体系; 000 篇五 §三)', () => {
    const s = assessed();
    const e = actionEvent('respond', { by: 'off', channel: 'weibo', text: '回应', inNameOf: 'unit' }, T0 + HOUR);
    expect(refusals(s.context, e)).toEqual(['by: off holds office; action respond needs one of: spokesperson (新闻发言人)']);
    expect(s.can(e)).toBe(false);
    expect(act(s, 'respond', { by: 'off', channel: 'weibo', text: '回应', inNameOf: 'unit' }, T0 + HOUR)[0]).toBe(s);
  });

  it('only the spokesperson speaks to the public and media for major incidents (001 school plan §二)', () => {
    const s = assessed({ metrics: { mainstreamMedia: true } });
    for (const by of ['off', 'dir', 'lic', 'pri', 'dep']) {
      expect(s.can(actionEvent('release', { by, form: 'interview', text: '采访' }, T0 + HOUR)), by).toBe(false);
    }
    expect(s.can(actionEvent('release', { by: 'spk', form: 'interview', text: '采访' }, T0 + HOUR))).toBe(true);
  });

  it('an unknown person is refused (组织体系; 000 篇五 §三)', () => {
    const [s] = start();
    const e = actionEvent('report', { by: 'ghost', to: 'office', mode: 'phone' }, T0 + MIN);
    expect(refusals(s.context, e)).toEqual(['by: "ghost" is not a person in plan test-unit-plan']);
    expect(s.can(e)).toBe(false);
  });

  it('a plan may override who may record an action (组织体系; 000 篇五 §三)', () => {
    const p = makePlan((x) => { x.permissions = { respond: ['spokesperson', 'office'] }; });
    const s = assessed({ plan: p });
    const e = actionEvent('respond', { by: 'off', channel: 'website', text: '回应', inNameOf: 'unit' }, T0 + HOUR);
    expect(refusals(s.context, e)).toEqual([]);
    const [after] = act(s, 'respond', { by: 'off', channel: 'website', text: '回应', inNameOf: 'unit' }, T0 + HOUR);
    expect(after.context.timeline.at(-1)).toMatchObject({ action: 'respond', by: 'off', role: 'office' });
  });
});

describe('when an action happened (deadlines count from the recorded moments, 000 篇三 §四(二))', () => {
  it('`at` more than the clock skew in the future is refused; within it is accepted (000 篇三 §四(二))', () => {
    const [s] = start();
    const now = T0 + HOUR;
    const future = actionEvent('report', PAYLOADS.report, now + CLOCK_SKEW_MS + 1, now);
    expect(refusals(s.context, future)).toEqual(['at: is in the future']);
    expect(s.can(future)).toBe(false);
    expect(s.can(actionEvent('report', PAYLOADS.report, now + CLOCK_SKEW_MS, now))).toBe(true);
    const m = { type: 'METRICS' as const, metrics: { posts: 500 }, at: now + 2 * CLOCK_SKEW_MS, recordedAt: now };
    expect(refusals(s.context, m)).toEqual(['at: is in the future']);
    expect(s.can(m)).toBe(false);
  });

  it('`at` before the discovery is refused (000 篇三 §四(二))', () => {
    const [s] = start();
    const early = actionEvent('report', PAYLOADS.report, T0 - MIN, T0 + MIN);
    expect(refusals(s.context, early)).toEqual(['at: is before the incident was discovered']);
    expect(s.can(early)).toBe(false);
    const [after] = metrics(s, { casualties: 1 }, T0 - MIN, T0 + MIN);
    expect(after).toBe(s);
    expect(after.context.grade).toBe('general');
  });

  it('a backdated action is kept with both times, flagged in the timeline, and judged by when it happened (000 篇三 §四(二))', () => {
    const [s0] = start({ metrics: { mainstreamMedia: true } });
    const at = T0 + 10 * MIN;
    const recordedAt = T0 + 3 * HOUR;
    const [s, actions] = act(s0, 'report', { by: 'mon', to: 'office', mode: 'written' }, at, recordedAt);
    expect(s.context.timeline.at(-1)).toMatchObject({ action: 'report', at, recordedAt, gapMs: recordedAt - at, backdated: true });
    // the first report (due 2 h) was made on time, although recorded after it
    expect(obligation(s, 'firstReport')).toMatchObject({ status: 'met', metAt: at });
    expect(effectsOf(actions, 'recordOutcome')[0].finding).toMatchObject({ kind: 'onTime', at, claimedAt: at, recordedAt });
    expect(toStatus(s.context).timeline.at(-1)).toMatchObject({ backdated: true, gapMinutes: 170 });
  });

  it('a short gap is not flagged; the plan sets how long a gap is (backdateNotice) (000 篇三 §四(二))', () => {
    const [s0] = start();
    const [s] = act(s0, 'report', PAYLOADS.report, T0 + 10 * MIN, T0 + 40 * MIN);
    expect(s.context.timeline.at(-1)).toMatchObject({ gapMs: 30 * MIN, backdated: false });
    const [t0] = start({ plan: makePlan((p) => { p.backdateNotice = '4h'; }) });
    const [t] = act(t0, 'report', PAYLOADS.report, T0 + 10 * MIN, T0 + 3 * HOUR);
    expect(t.context.timeline.at(-1)).toMatchObject({ backdated: false });
  });

  it('a backdated stage change is on the timeline with the moment it was recorded (000 篇三 §四(二))', () => {
    const [s0] = start();
    const [s] = act(s0, 'assess', { by: 'off' }, T0 + 10 * MIN, T0 + 3 * HOUR);
    expect(s.value).toBe('rapidResponse');
    const stage = s.context.timeline.find((t) => t.action === 'stage')!;
    expect(stage).toMatchObject({ at: T0 + 10 * MIN, recordedAt: T0 + 3 * HOUR, backdated: true });
  });
});

describe('a rise in grade while tracking reopens handling (000 篇一 §四(四); 001 school plan §四(一))', () => {
  it('metrics that raise the grade move dynamic tracking back to categorized handling (000 篇一 §四(四); 001 school plan §四(一))', () => {
    let s = tracking();
    let actions;
    [s, actions] = metrics(s, { mainstreamMedia: true }, T0 + 5 * HOUR);
    expect(s.matches('categorizedHandling')).toBe(true);
    expect(s.context.grade).toBe('major');
    expect(obligation(s, 'firstRelease')).toMatchObject({ status: 'pending', dueAt: T0 + DAY });
    expect(effectsOf(actions, 'scheduleDeadline').map((e) => e.obligationId)).toEqual(['firstRelease']);
    expect(s.context.timeline.at(-1)).toMatchObject({ action: 'stage', details: expect.stringContaining('动态跟踪 → 分类处置') });
    // the follow-up cadence goes on
    expect(obligation(s, oid('followUp', T0 + 20 * MIN)).status).toBe('pending');
    // handling was done once, so tracking can resume
    const [again] = act(s, 'release', { by: 'spk', form: 'pressRelease', text: '通报' }, T0 + 6 * HOUR);
    const [back] = act(again, 'assignTracker', { by: 'off', tracker: 'off' }, T0 + 7 * HOUR);
    expect(back.value).toBe('dynamicTracking');
  });

  it('a regrade upwards reopens handling; downwards it stays in tracking (000 篇一 §四(四); 001 school plan §四(一))', () => {
    const s = tracking();
    const [up] = act(s, 'regrade', { by: 'dir', grade: 'larger', reason: '扩散' }, T0 + 5 * HOUR);
    expect(up.matches('categorizedHandling')).toBe(true);
    const [big] = start({ metrics: { posts: 200 } });
    let t = big;
    [t] = act(t, 'report', PAYLOADS.report, T0 + MIN);
    [t] = act(t, 'assess', { by: 'off' }, T0 + 2 * MIN);
    [t] = act(t, 'respond', PAYLOADS.respond, T0 + 3 * MIN);
    [t] = act(t, 'classify', { by: 'off', category: 'hype' }, T0 + 4 * MIN);
    [t] = act(t, 'publishFacts', PAYLOADS.publishFacts, T0 + 5 * MIN);
    [t] = act(t, 'assignTracker', PAYLOADS.assignTracker, T0 + 6 * MIN);
    expect(t.value).toBe('dynamicTracking');
    const [down] = act(t, 'regrade', { by: 'dir', grade: 'general', reason: '降温' }, T0 + HOUR);
    expect(down.value).toBe('dynamicTracking');
    expect(down.context.grade).toBe('general');
  });

  it('metrics that do not raise the grade are recorded and tracking goes on (000 篇一 §四(四); 001 school plan §四(一))', () => {
    const s = tracking();
    const [after, actions] = metrics(s, { posts: 30, comments: 5 }, T0 + 5 * HOUR);
    expect(after.value).toBe('dynamicTracking');
    expect(after.context.metrics).toMatchObject({ posts: 30, comments: 5 });
    expect(effectsOf(actions, 'scheduleDeadline')).toEqual([]);
  });

  it('a person may reopen handling by hand (000 篇一 §四(四); 001 school plan §四(一))', () => {
    const s = tracking();
    const [after] = act(s, 'reopen', { by: 'lic', reason: '出现新的炒作' }, T0 + 5 * HOUR);
    expect(after.matches('categorizedHandling')).toBe(true);
    expect(after.context.timeline.some((t) => t.action === 'reopen' && t.details.includes('出现新的炒作'))).toBe(true);
  });
});
