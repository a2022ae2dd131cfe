import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** The CLI answers bad input before it needs Temporal, and says plainly when Temporal is unreachable. */
function cli(args: string[], input?: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'client.ts', ...args], {
    input, encoding: 'utf8', timeout: 60_000, env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1' },
  });
}

describe('the CLI without a reachable server', () => {
  it('start: an invalid incident exits 1 listing every failing field, Temporal or not', () => {
    const r = cli(['start', '--file', '-'], JSON.stringify({ plan: 'county-office', id: 'bad id!', title: '', discoveredAt: 'yesterday', discoveredBy: 'nobody' }));
    expect(r.status).toBe(1);
    for (const field of ['id:', 'title:', 'discoveredAt:', 'discoveredBy: "nobody" is not a person in plan county-office']) expect(r.stderr).toContain(field);
  });

  it('start: an unknown plan exits 1 naming the plans there are', () => {
    const r = cli(['start', '--file', '-'], JSON.stringify({ plan: 'nope', id: 'x' }));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('no plan with id "nope"');
    expect(r.stderr).toContain('county-office');
  });

  it('a valid command exits 4 saying Temporal cannot be reached', () => {
    const r = cli(['show', 'some-incident', '--json']);
    expect(r.status).toBe(4);
    expect(JSON.parse(r.stderr.trim().split('\n').pop()!)).toMatchObject({ error: 'Unavailable', message: expect.stringContaining('cannot reach Temporal at 127.0.0.1:1') });
  });

  it('usage errors exit 2', () => {
    expect(cli(['act', 'only-an-id']).status).toBe(2);
    expect(cli(['frobnicate']).status).toBe(2);
  });
});
