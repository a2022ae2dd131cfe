import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ACTIONS, STAGES, type ActionName, type Stage } from '../../src/plan/codes';
import {
  ACTION_TABLE, ACTION_TABLE_BEGIN, ACTION_TABLE_END, actionTable, planAllows, sinceIn, withActionTable,
} from '../../src/machines/actions';
import { acceptedActions, prepareAction } from '../../src/machines/commands';
import { incidentMachine, type IncidentSnapshot } from '../../src/machines/incident.machine';
import { eventTypeOf, refusals } from '../../src/machines/incident.rules';
import { HOUR, MIN, T0, act, actionEvent, assessed, classified, start, tracking } from './fixtures';

/**
 * The action table (src/machines/actions.ts) against the machine built from it and the refusals that read it: the
 * stages pinned here are the ones the five-stage machine has taken since v0 (a change to them changes what old
 * histories may do, so it is a versioned change: docs/versioning.md), and each declared fact is held to what an
 * incident does.
 */

const OPEN_STAGES = ['researchAndWarning', 'rapidResponse', 'categorizedHandling', 'dynamicTracking', 'summaryEvaluation'] as const;

/** Every open stage takes these (the machine's root). */
const EVERYWHERE: ActionName[] = ['regrade', 'finding', 'commend', 'withdraw', 'nameSubject', 'nameDepartments', 'correctDiscovery', 'acknowledge'];
/** And each stage its own. */
const PER_STAGE: Record<(typeof OPEN_STAGES)[number], ActionName[]> = {
  researchAndWarning: ['report', 'assess', 'dismiss', 'respond', 'release'],
  rapidResponse: ['report', 'dispatch', 'respond', 'release', 'classify', 'startHandling', 'handlingStep'],
  categorizedHandling: [
    'report', 'dispatch', 'respond', 'release', 'classify', 'replyOpinion', 'finishHandling', 'replyResult', 'publishFacts', 'refer',
    'adopt', 'draftReply', 'approve', 'handlingStep', 'assignTracker',
  ],
  dynamicTracking: ['report', 'respond', 'release', 'publishFacts', 'refer', 'reopen', 'subside'],
  summaryEvaluation: ['report', 'reopen', 'refer', 'submitSummary', 'waiveSummary', 'nameSummaryDepartment'],
};

/** The events a stage of the machine takes: its own and the root's. */
function machineEvents(stage: Stage): Set<string> {
  const node = incidentMachine.states[stage as keyof typeof incidentMachine.states];
  return new Set([...node.ownEvents, ...incidentMachine.root.ownEvents]);
}

/** Where the machine's transition for an action from a stage may lead (its own transitions, else the root's). */
function targetsFrom(stage: Stage, action: ActionName): string[] {
  const node = incidentMachine.states[stage as keyof typeof incidentMachine.states];
  const ts = node.transitions.get(eventTypeOf(action)) ?? incidentMachine.root.transitions.get(eventTypeOf(action)) ?? [];
  return ts.flatMap((t) => (t.target ?? []).map((n) => n.key));
}

describe('the action table', () => {
  it('declares every action once, in the order of ACTIONS', () => {
    expect(Object.keys(ACTION_TABLE)).toEqual([...ACTIONS]);
  });

  it.each(OPEN_STAGES)('%s takes exactly the actions pinned for it, and the machine agrees', (stage) => {
    const declared = ACTIONS.filter((a) => {
      const d = ACTION_TABLE[a];
      return d.stages === 'open' || d.stages.includes(stage);
    });
    expect([...declared].sort()).toEqual([...EVERYWHERE, ...PER_STAGE[stage]].sort());
    const events = machineEvents(stage);
    for (const a of ACTIONS) expect(events.has(eventTypeOf(a)), `${stage} ${a}`).toBe(declared.includes(a));
  });

  it('an ended incident takes no action', () => {
    for (const stage of STAGES.filter((s) => !(OPEN_STAGES as readonly string[]).includes(s))) {
      const node = incidentMachine.states[stage as keyof typeof incidentMachine.states];
      for (const a of ACTIONS) expect(node.ownEvents.includes(eventTypeOf(a)), `${stage} ${a}`).toBe(false);
    }
  });

  it('each declared move is the machine\'s transition, and an action without one stays in its stage', () => {
    for (const a of ACTIONS) {
      const d = ACTION_TABLE[a];
      for (const stage of OPEN_STAGES) {
        if (!(d.stages === 'open' || d.stages.includes(stage))) continue;
        const move = d.moves?.[stage] ?? d.moves?.open;
        expect(targetsFrom(stage, a), `${a} from ${stage}`).toEqual(move ? [move.to] : []);
      }
    }
  });

  it('the moves happen: assess → 快速反应, classify → 分类处置, assignTracker → 动态跟踪, subside → 总结评估, reopen → 分类处置', () => {
    const [started] = start();
    expect(started.value).toBe('researchAndWarning');
    expect(assessed().value).toBe('rapidResponse');
    expect(Object.keys(classified('hype').value as object)).toEqual(['categorizedHandling']);
    const t = tracking();
    expect(t.value).toBe('dynamicTracking');
    const [subsided] = act(t, 'subside', { by: 'off', reason: '热度消退' }, T0 + 2 * HOUR);
    expect(subsided.value).toBe('summaryEvaluation');
    const [reopened] = act(subsided, 'reopen', { by: 'off', reason: '再度发酵' }, T0 + 3 * HOUR);
    expect(Object.keys(reopened.value as object)).toEqual(['categorizedHandling']);
    const [withdrawn] = act(t, 'withdraw', { by: 'off', reason: '重复录入' }, T0 + 2 * HOUR);
    expect(withdrawn.value).toBe('withdrawn');
  });

  it('an action newer than the incident\'s rules is refused for that, and not offered', () => {
    const v2: IncidentSnapshot = start({ rulesVersion: 2 })[0];
    for (const a of ACTIONS.filter((x) => sinceIn(x, 'researchAndWarning') > 2)) {
      const reasons = refusals(v2.context, { ...actionEvent('commend', { by: 'off', person: 'mon', reason: 'x' }, T0 + MIN), action: a } as never);
      expect(reasons.join('\n'), a).toMatch(new RegExp(`needs v${sinceIn(a, 'researchAndWarning')}|not allowed in stage researchAndWarning \\(`));
      expect(planAllows(v2.context, a), a).toBe(false);
    }
    // respond and release: in 研判预警 from v3 on, in later stages always
    expect(planAllows(v2.context, 'respond')).toBe(false);
    expect(acceptedActions(v2)).not.toContain('respond');
    const r = prepareAction(v2, 'respond', { by: 'spk', channel: 'weibo', text: '已关注', inNameOf: 'unit' }, T0 + MIN);
    expect(r).toMatchObject({ ok: false });
    expect((r as { errors: string[] }).errors.join()).toMatch(/respond is not allowed in stage researchAndWarning .*under this incident's rules \(v2\)/);
    const v2Assessed = assessed({ rulesVersion: 2 });
    expect(planAllows(v2Assessed.context, 'respond')).toBe(true);
  });

  it('an action the plan does not have is not offered (the test plan has no approval step)', () => {
    const s = classified('inquiry', { rulesVersion: 3 });
    expect(ACTION_TABLE.draftReply.planHas!(s.context.plan)).toBe(false);
    expect(acceptedActions(s)).not.toContain('draftReply');
    expect(acceptedActions(s)).toContain('replyOpinion');
  });

  it.each(ACTIONS.filter((a) => ACTION_TABLE[a].categories))('%s is refused outside its categories, naming them', (a) => {
    const cats = ACTION_TABLE[a].categories!;
    const other = (['inquiry', 'hype', 'fabrication', 'constructive'] as const).find((c) => !cats.includes(c))!;
    const s = classified(other);
    const reasons = refusals(s.context, { ...actionEvent('commend', { by: 'off', person: 'mon', reason: 'x' }, T0 + HOUR), action: a } as never);
    expect(reasons).toContain(`${a} applies to ${cats.join(' and ')} incidents; this one is ${other}`);
    expect(acceptedActions(s)).not.toContain(a);
  });

  it('docs/rules.md §8.2 is the generated table', () => {
    const doc = readFileSync(new URL('../../docs/rules.md', import.meta.url), 'utf8');
    expect(doc).toContain(`${ACTION_TABLE_BEGIN}\n${actionTable()}\n${ACTION_TABLE_END}`);
    expect(withActionTable(doc), 'regenerate with the command in withActionTable (src/machines/actions.ts)').toBe(doc);
  });
});
