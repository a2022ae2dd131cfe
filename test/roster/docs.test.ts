import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseCommandLine } from '../../src/cli/args';
import { rosterCommands, type RosterContext } from '../../src/cli/roster';
import { checkRoster } from '../../src/roster/roster.check';
import { onDuty } from '../../src/roster/on-duty';
import { validateRoster } from '../../src/roster/roster.schema';
import { at, CAL_2026, county } from './helpers';

const doc = fs.readFileSync('docs/rosters.md', 'utf8');

describe('docs/rosters.md', () => {
  it('the worked example is a valid roster of the county plan, with no coverage error, and means what the text says', () => {
    const yaml = /## The file\n\n```yaml\n([\s\S]*?)```/.exec(doc)![1];
    const r = validateRoster(parse(yaml), county.plan);
    if (!r.ok) throw new Error(r.issues.join('\n'));
    // Tuesday and Thursday have no weekly shift in the example: a 24h monitor is not covered then
    expect(checkRoster(r.roster, county.plan).errors[0]).toMatch(/^roles\.monitor: 24h not covered on working days \(Tue, Thu\)/);
    expect(onDuty(r.roster, 'monitor', at('2026-03-05T20:00:00+08:00'), CAL_2026)).toMatchObject({ source: 'override', people: [{ personId: 'zhao.min', post: 'A' }] });
    expect(onDuty(r.roster, 'monitor', at('2026-10-01T12:00:00+08:00'), CAL_2026)).toMatchObject({ shift: { label: '国庆值班' } });
  });

  it('the sample output is what `roster at` prints', async () => {
    const sample = /\$ client roster at county "2026-10-01 03:00"\n([\s\S]*?)```/.exec(doc)![1];
    let out = '';
    const inv = parseCommandLine(['roster', 'at', 'county', '2026-10-01 03:00'], rosterCommands);
    const ctx = { inv, now: 0, plansDir: 'plans', rostersDir: 'rosters', print: async (_v: unknown, human: () => string) => { out += `${human()}\n`; } } as unknown as RosterContext;
    await rosterCommands[0].run(ctx);
    expect(out).toBe(sample);
  });
});
