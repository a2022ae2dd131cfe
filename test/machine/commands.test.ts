import { describe, expect, it } from 'vitest';
import { acceptedActions, prepareAction, prepareMetrics, prepareStart } from '../../src/machines/commands';
import { HOUR, MIN, T0, assessed, plan, start } from './fixtures';

describe('checking what a person sends (bad input changes nothing)', () => {
  it('a new incident: every failing field and the plan checks in one answer', () => {
    const r = prepareStart(
      { id: 'bad id!', title: '', discoveredAt: 'yesterday', discoveredBy: 'nobody', metrics: { posts: -1, foo: 1 } },
      plan, T0,
    );
    expect(r.ok).toBe(false);
    const errors = (r as { errors: string[] }).errors;
    for (const field of ['id:', 'title:', 'discoveredAt:', 'metrics.posts:', 'metrics:', 'discoveredBy:']) {
      expect(errors.some((e) => e.startsWith(field)), field).toBe(true);
    }
  });

  it('a new incident discovered in the future is refused; one discovered earlier is accepted', () => {
    const base = { id: 'inc-9', title: '标题', discoveredBy: 'mon' };
    expect(prepareStart({ ...base, discoveredAt: new Date(T0 + HOUR).toISOString() }, plan, T0)).toEqual({ ok: false, errors: ['discoveredAt: is in the future'] });
    const ok = prepareStart({ ...base, discoveredAt: new Date(T0 - HOUR).toISOString() }, plan, T0);
    expect(ok).toMatchObject({ ok: true, incident: { id: 'inc-9', metrics: {} } });
  });

  it('an action: unknown name, bad payload fields, stage and role refusals each name what is wrong', () => {
    const [s] = start();
    expect(prepareAction(s, 'delete', {}, T0)).toMatchObject({ ok: false, kind: 'InvalidPayload', errors: [expect.stringContaining('action: "delete"')] });
    const bad = prepareAction(s, 'report', { by: 'mon', to: 'no where!', extra: 1 }, T0);
    expect(bad).toMatchObject({ ok: false, kind: 'InvalidPayload' });
    const fields = (bad as { errors: string[] }).errors.join('\n');
    expect(fields).toContain('to:');
    expect(fields).toContain('mode:');
    expect(fields).toContain('"extra"');
    const stage = prepareAction(s, 'classify', { by: 'off', category: 'inquiry' }, T0 + MIN);
    expect(stage).toMatchObject({ ok: false, kind: 'NotAllowed', errors: [expect.stringContaining('not allowed in stage researchAndWarning (研判预警)')] });
    expect((stage as { errors: string[] }).errors[0]).toContain('allowed now: report, assess');
    const role = prepareAction(s, 'assess', { by: 'mon' }, T0 + MIN);
    expect(role).toMatchObject({ ok: false, kind: 'NotAllowed', errors: [expect.stringContaining('needs one of: office')] });
  });

  it('the actions a stage accepts are read from the machine', () => {
    expect(acceptedActions(start()[0])).toEqual(['report', 'assess', 'regrade', 'finding', 'commend', 'dismiss', 'withdraw']);
    // withdrawal (撤销) is open in every stage until the incident ends
    expect(acceptedActions(assessed())).toContain('withdraw');
    expect(acceptedActions(assessed())).toEqual(expect.arrayContaining(['dispatch', 'respond', 'release', 'classify']));
  });

  it('metrics: malformed readings are refused naming the field', () => {
    const [s] = start();
    const r = prepareMetrics(s, { metrics: { posts: 'many' } }, T0);
    expect(r).toMatchObject({ ok: false, kind: 'InvalidPayload', errors: [expect.stringContaining('metrics.posts')] });
    expect(prepareMetrics(s, { metrics: { posts: 3 } }, T0 + MIN)).toMatchObject({ ok: true, event: { type: 'METRICS', at: T0 + MIN } });
  });
});
