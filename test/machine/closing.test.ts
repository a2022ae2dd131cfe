import { describe, expect, it } from 'vitest';
import { prepareAction } from '../../src/machines/commands';
import { DAY, HOUR, MIN, T0, act, obligation, tracking } from './fixtures';

/**
 * Report lines are never moot (rule book, Accountability: "Report lines are never moot"; Endings: "Closing
 * requires every report line to be met (the close is refused, naming the lines)").
 */
describe('closing with report lines unmet (责任追究: Endings)', () => {
  it('is refused naming the unmet lines and their owners; once they are made, the summary closes the incident', () => {
    let s = tracking();
    // a phone report while tracking owes a written report (000 篇三 §四(二)); nobody writes it
    [s] = act(s, 'report', { by: 'mon', to: 'office', mode: 'phone', kind: 'followUp' }, T0 + 80 * MIN);
    [s] = act(s, 'subside', { by: 'off', reason: '平息' }, T0 + 5 * HOUR);
    const written = s.context.obligations.find((o) => o.kind === 'writtenReport' && o.status === 'pending')!;
    expect(written).toBeDefined();
    const refused = prepareAction(s, 'submitSummary', { by: 'off', text: '总结' }, T0 + DAY);
    expect(refused).toMatchObject({ ok: false, kind: 'NotAllowed' });
    expect((refused as { errors: string[] }).errors).toContainEqual(expect.stringContaining(`report lines are unmet: ${written.id} (`));
    // the written report, made late, is 迟报; then the close goes through
    [s] = act(s, 'report', { by: 'mon', to: 'office', mode: 'written', kind: 'followUp' }, T0 + 6 * HOUR);
    expect(obligation(s, written.id).status).toBe('late');
    const closing = prepareAction(s, 'submitSummary', { by: 'off', text: '总结' }, T0 + DAY + MIN);
    expect(closing.ok).toBe(true);
    [s] = act(s, 'submitSummary', { by: 'off', text: '总结' }, T0 + DAY + MIN);
    expect(s.value).toBe('closed');
  });
});
