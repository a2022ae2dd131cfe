import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

function runWorker(env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'worker.ts'], {
    env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000,
  });
}

describe('worker start-up', () => {
  it('an invalid plan stops start-up with the file, the path inside it and the reason', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'plans-'));
    const good = readFileSync('test/fixtures/plans/default.yaml', 'utf8');
    const bad = good
      .replace(/^id: default$/m, 'id: broken')
      .replace(/^(\s+)major: 2h(.*)$/m, '$1major: soon$2');
    expect(bad).not.toBe(good);
    const file = path.join(dir, 'broken.yaml');
    writeFileSync(file, bad);
    // an address nobody listens on: the plan check must fail before any connection is tried
    const r = runWorker({ PLANS_DIR: dir, TEMPORAL_ADDRESS: '127.0.0.1:1', LEDGER_URL: `sqlite:${path.join(dir, 'l.sqlite')}` });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toContain('deadlines.firstReport.major');
    expect(r.stderr).toContain('positive duration');
  });

  it('a bad connection setting is named', () => {
    const r = runWorker({ TEMPORAL_ADDRESS: 'no-port-here' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('TEMPORAL_ADDRESS');
    expect(r.stderr).toContain('host:port');
  });
});
