import { describe, expect, it } from 'vitest';
import { acceptedActions, prepareAction } from '../../src/machines/commands';
import { HOUR, T0, classified } from './fixtures';

/** "Allowed now" offers only what the incident's category handles (分类处置, 000 篇一 §四(三)). */
describe('allowed now respects the category (000 篇一 §四(三))', () => {
  it.each([
    ['inquiry', ['replyOpinion', 'finishHandling', 'replyResult'], ['publishFacts', 'refer', 'adopt']],
    ['hype', ['publishFacts', 'refer'], ['replyOpinion', 'finishHandling', 'replyResult', 'adopt']],
    ['fabrication', ['publishFacts', 'refer'], ['replyOpinion', 'replyResult', 'adopt']],
    ['constructive', ['adopt'], ['replyOpinion', 'publishFacts', 'refer']],
  ] as const)('a %s incident offers %j and not %j', (category, offered, hidden) => {
    const s = classified(category);
    const now = acceptedActions(s);
    for (const a of offered) expect(now, a).toContain(a);
    for (const a of hidden) expect(now, a).not.toContain(a);
    // what is not offered is refused, naming the category
    const payload = hidden[0] === 'publishFacts' ? { by: 'off', text: '文本', channel: 'website' } : { by: 'off', text: '文本' };
    const r = prepareAction(s, hidden[0], payload, T0 + 3 * HOUR);
    expect(r).toMatchObject({ ok: false });
    expect((r as { errors: string[] }).errors.join('\n')).toContain(`this one is ${category}`);
  });
});
