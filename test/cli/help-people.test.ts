import { describe, expect, it } from 'vitest';
import { actionFields, formatActionHelp, unknownActionMessage } from '../../src/cli/actions-help';
import { formatPeople, planPeople } from '../../src/cli/people';
import { ACTIONS, ROLES } from '../../src/plan/codes';
import { actionSchemas } from '../../src/plan/incident.schema';
import { resolvePlan } from '../../src/plan/plan.loader';

describe('help <action>: the payload fields, read from the validator\'s own schema', () => {
  it('report: enum values, a default, the common fields', () => {
    const fields = actionFields('report');
    expect(fields.map((f) => f.name)).toEqual(['by', 'at', 'note', 'to', 'mode', 'kind', 'urgent', 'receipt']);
    expect(fields.find((f) => f.name === 'by')).toMatchObject({ type: 'string', required: true, limits: 'not empty' });
    expect(fields.find((f) => f.name === 'at')).toMatchObject({ type: 'ISO-8601 time with offset', required: false });
    expect(fields.find((f) => f.name === 'note')).toMatchObject({ type: 'string', required: false, limits: 'at most 4000 characters' });
    // a role or a person id (one of two group heads, 001 篇1): the plan decides which
    expect(fields.find((f) => f.name === 'to')).toMatchObject({ name: 'to', type: 'string', required: true });
    expect(fields.find((f) => f.name === 'mode')).toMatchObject({ type: 'enum', values: ['phone', 'written', 'inPerson', 'message'] });
    expect(fields.find((f) => f.name === 'kind')).toEqual({ name: 'kind', type: 'enum', required: false, default: 'initial', values: ['initial', 'followUp'] });
    expect(actionFields('respond').find((f) => f.name === 'url')).toMatchObject({ type: 'URL', required: false });
    expect(actionFields('replyOpinion').find((f) => f.name === 'immediate')).toMatchObject({ type: 'boolean', required: false, default: false });
  });

  it('for every action, a payload of just the required fields (as the help describes them) passes the validator', () => {
    for (const action of ACTIONS) {
      const fields = actionFields(action);
      expect(fields.length, action).toBeGreaterThan(0);
      const payload: Record<string, unknown> = {};
      for (const f of fields.filter((x) => x.required)) {
        payload[f.name] = f.values ? f.values[0] : f.type === 'boolean' ? true : f.type === 'ISO-8601 time with offset' ? '2026-11-22T09:00:00+08:00' : f.type === 'URL' ? 'https://example.org' : f.type.startsWith('array') ? ['x'] : 'x';
      }
      const parsed = actionSchemas[action].safeParse(payload);
      expect(parsed.success, `${action}: ${JSON.stringify(payload)}`).toBe(true);
      // and leaving out any required field fails
      for (const f of fields.filter((x) => x.required)) {
        const { [f.name]: _, ...rest } = payload;
        expect(actionSchemas[action].safeParse(rest).success, `${action} without ${f.name}`).toBe(false);
      }
    }
  });

  it('formats a table and an example', () => {
    const text = formatActionHelp('assess');
    expect(text).toMatch(/^\s+grade\s+optional\s+enum\s+general \| larger \| major \| especiallyMajor$/m);
    expect(text).toMatch(/^\s+by\s+required\s+string\s+not empty$/m);
    expect(text).toContain(`example: act <id> assess --data '{"by":"<by>"}'`);
  });

  it('an unknown action lists the valid ones, with a did-you-mean', () => {
    const msg = unknownActionMessage('asess');
    expect(msg).toContain('"asess" is not a known action. Did you mean "assess"?');
    expect(msg).toContain(`actions: ${ACTIONS.join(', ')}`);
    expect(unknownActionMessage('explode')).not.toContain('Did you mean');
  });
});

describe('people', () => {
  const county = resolvePlan('county-office', 'test/fixtures/plans');

  it('lists each person with role labels and which contacts exist, never their values', () => {
    const p = planPeople(county, 'zh');
    expect(p).toMatchObject({ plan: 'county-office', unit: { id: 'county-office' } });
    expect(p.people.find((x) => x.id === 'zhang.weidong')).toEqual({
      id: 'zhang.weidong', name: '张卫东',
      roles: [{ role: 'principalLeader', label: '主要领导' }, { role: 'leadingGroup', label: '领导小组' }],
      contacts: ['email'],
    });
    const text = formatPeople([p], 'zh');
    expect(text.split('\n')[0]).toMatch(/^county-office@2026\.1\s+某县舆情应急处置领导小组办公室 \(county-office\) · \d+ 人$/);
    expect(text).toMatch(/^\s+编号\s+姓名\s+角色\s+联系方式$/m);
    expect(text).toMatch(/^\s+zhang\.weidong\s+张卫东\s+主要领导、领导小组\s+email$/m);
    expect(text).not.toContain('@county.example.org');
  });

  it('in English with --lang en', () => {
    const text = formatPeople([planPeople(county, 'en')], 'en');
    expect(text).toMatch(/^\s+zhang\.weidong\s+张卫东\s+principal leader, leading group\s+email$/m);
    expect(text).toMatch(/^\s+id\s+name\s+roles\s+contacts$/m);
  });
});
