import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { incidentMachine, type IncidentSnapshot } from '../../src/machines/incident.machine';
import { handlingPhase } from '../../src/machines/handling';
import { machineToMermaid } from '../../src/machines/diagram';
import { calendarSlice, HOLIDAY_DATA_COVERS } from '../../src/plan/holidays';
import { loadPlanFile } from '../../src/plan/plan.loader';
import { EFFECT_TYPES, HOUR, MIN, T0, act, classified, start, tracking } from './fixtures';

/**
 * Categorized handling as the statechart's substates (src/machines/handling.ts): the incident moves through its
 * category's phases as the facts are recorded — inquiry: draft → approval → opinion → result; fabrication:
 * clarify → refer; graded plans: the grade's handling steps → the duties of handling — with no effect of its own.
 */
const calendar = calendarSlice('2026-03-02', HOLIDAY_DATA_COVERS.to);
const plans = path.resolve(__dirname, '../../plans');
const phaseOf = (s: IncidentSnapshot) => {
  const v = s.value as unknown as { categorizedHandling?: string | Record<string, string> };
  const h = v.categorizedHandling;
  return h === undefined ? undefined : typeof h === 'string' ? h : Object.entries(h).map(([g, p]) => `${g}.${p}`)[0];
};

describe('categorized handling substates (000 篇一 §四(三); 000 篇五 §五(三))', () => {
  it('an inquiry under an approval step: draft → approval → opinion → result → done (000 篇三 §四(三)1)', () => {
    const { plan } = loadPlanFile(path.join(plans, 'ethnic-religious.yaml'));
    let [s] = start({ plan, rulesVersion: 3, calendar, discoveredBy: 'tao.yang', grade: 'major' });
    [s] = act(s, 'report', { by: 'tao.yang', to: 'office', mode: 'written' }, T0 + 20 * MIN);
    [s] = act(s, 'assess', { by: 'jing.zhou' }, T0 + 30 * MIN);
    [s] = act(s, 'classify', { by: 'jing.zhou', category: 'inquiry' }, T0 + 40 * MIN);
    const seen = [phaseOf(s)];
    [s] = act(s, 'draftReply', { by: 'yan.huang', text: '答复意见草稿' }, T0 + HOUR);
    seen.push(phaseOf(s));
    [s] = act(s, 'approve', { by: 'lei.chen' }, T0 + 70 * MIN);
    seen.push(phaseOf(s));
    [s] = act(s, 'replyOpinion', { by: 'yan.huang', text: '经核查，情况如下。' }, T0 + 80 * MIN);
    seen.push(phaseOf(s));
    [s] = act(s, 'finishHandling', { by: 'yan.huang' }, T0 + 2 * HOUR);
    [s] = act(s, 'replyResult', { by: 'yan.huang', text: '办理结果' }, T0 + 3 * HOUR);
    seen.push(phaseOf(s));
    expect(seen).toEqual(['inquiry.draft', 'inquiry.approval', 'inquiry.opinion', 'inquiry.result', 'inquiry.done']);
    expect(s.matches({ categorizedHandling: { inquiry: 'done' } } as never)).toBe(true);
  });

  it('an inquiry without an approval step starts at the opinion; a reclassification moves to the new category\'s phase', () => {
    let s = classified('inquiry');
    expect(phaseOf(s)).toBe('inquiry.opinion');
    [s] = act(s, 'classify', { by: 'off', category: 'fabrication' }, T0 + 3 * HOUR);
    expect(phaseOf(s)).toBe('fabrication.clarify');
    [s] = act(s, 'publishFacts', { by: 'spk', text: '澄清事实', channel: 'website' }, T0 + 4 * HOUR);
    expect(phaseOf(s)).toBe('fabrication.refer');
    [s] = act(s, 'refer', { by: 'off', to: 'police', reason: '捏造事实' }, T0 + 5 * HOUR);
    expect(phaseOf(s)).toBe('fabrication.done');
  });

  it('a graded plan (000 篇五): the grade\'s handling steps, then the duties of handling', () => {
    const { plan } = loadPlanFile(path.join(plans, 'county.yaml'));
    let [s] = start({ plan, rulesVersion: 3, calendar, discoveredBy: 'liu.bo', subject: 'chen.lei' });
    [s] = act(s, 'assess', { by: 'chen.lei', grade: 'major' }, T0 + 10 * MIN);
    [s] = act(s, 'startHandling', { by: 'zhao.min' }, T0 + 20 * MIN);
    expect(phaseOf(s)).toBe('graded.steps');
    [s] = act(s, 'handlingStep', { by: 'ma.li', step: 'police-request' }, T0 + 30 * MIN);
    [s] = act(s, 'handlingStep', { by: 'zhang.weidong', step: 'handling-plan' }, T0 + 40 * MIN);
    // 000 篇五 sets no response or explanation limit of its own: with the steps recorded, handling's duties are done
    expect(phaseOf(s)).toBe('graded.done');
    expect(phaseOf(s)).toBe(handlingPhase(s.context));
  });

  it('reopening handling from tracking enters the phase the facts say, not the first one', () => {
    let s = tracking();
    expect(phaseOf(s)).toBeUndefined();
    [s] = act(s, 'reopen', { by: 'off', reason: '舆情反弹' }, T0 + 6 * HOUR);
    expect(phaseOf(s)).toBe(handlingPhase(s.context));
    expect(phaseOf(s)).toMatch(/\.done$/);
  });

  it('moving between substates emits nothing of its own: every action is one of the machine\'s effects', () => {
    const s = classified('inquiry');
    const [, actions] = act(s, 'replyOpinion', { by: 'dep', text: '意见' }, T0 + 3 * HOUR);
    for (const a of actions) expect([...EFFECT_TYPES, 'scheduleEscalation', 'cancelEscalation', 'recordAcknowledgement'], a.type).toContain(a.type);
  });

  it('a resumed incident (continue-as-new) resolves to handling and moves to its phase with the next event', () => {
    const before = classified('fabrication');
    const resumed = incidentMachine.resolveState({ value: 'categorizedHandling' as never, context: before.context });
    const [s] = act(resumed, 'publishFacts', { by: 'spk', text: '澄清事实', channel: 'website' }, T0 + 4 * HOUR);
    expect(phaseOf(s)).toBe('fabrication.refer');
  });

  it('the README diagram shows every category\'s phases (generated from the machine)', () => {
    const d = machineToMermaid();
    for (const id of ['inquiry_draft', 'inquiry_approval', 'fabrication_clarify', 'fabrication_refer', 'graded_steps', 'constructive_adopt']) expect(d).toContain(id);
  });
});
