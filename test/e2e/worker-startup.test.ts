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

  it('a delivery config with a missing secret stops start-up, naming the channel and the setting', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'delivery-'));
    const file = path.join(dir, 'delivery.yaml');
    writeFileSync(file, 'channels:\n  - name: duty-dingtalk\n    type: dingtalk\n    accessToken: { fromEnv: DINGTALK_TOKEN_UNSET }\n    members: [mon]\n');
    const r = runWorker({ DELIVERY_CONFIG: file, TEMPORAL_ADDRESS: '127.0.0.1:1', LEDGER_URL: `sqlite:${path.join(dir, 'l.sqlite')}`, DINGTALK_TOKEN_UNSET: '' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('duty-dingtalk');
    expect(r.stderr).toContain('accessToken');
    expect(r.stderr).toContain('DINGTALK_TOKEN_UNSET');
  });

  it('a plan routing notices to a channel that is not configured stops start-up, naming the plan file and the route', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'plans-'));
    const good = readFileSync('test/fixtures/plans/default.yaml', 'utf8');
    const file = path.join(dir, 'routed.yaml');
    writeFileSync(file, `${good}\ndelivery:\n  routes:\n    - channel: duty-sms\n`);
    const config = path.join(mkdtempSync(path.join(tmpdir(), 'delivery-')), 'delivery.yaml');
    writeFileSync(config, 'channels:\n  - name: duty-wecom\n    type: wecom\n    key: k\n    members: [zhang.san]\n');
    const r = runWorker({ PLANS_DIR: dir, ROSTERS_DIR: path.join(dir, 'none'), DELIVERY_CONFIG: config, TEMPORAL_ADDRESS: '127.0.0.1:1', LEDGER_URL: `sqlite:${path.join(dir, 'l.sqlite')}` });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${file}: delivery.routes[0].channel: "duty-sms" is not a configured channel (DELIVERY_CONFIG has: duty-wecom)`);
  });

  it('a bad connection setting is named', () => {
    const r = runWorker({ TEMPORAL_ADDRESS: 'no-port-here' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('TEMPORAL_ADDRESS');
    expect(r.stderr).toContain('host:port');
  });
});
