import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_ENTRY } from './processes';

/**
 * The compiled CLI (`node dist/client.js`, built by vitest's global setup) answers bad input before it
 * needs Temporal, and says plainly when Temporal is unreachable.
 */
function cli(args: string[], input?: string) {
  return spawnSync(process.execPath, [CLI_ENTRY, ...args], {
    input, encoding: 'utf8', timeout: 60_000, env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1', PLANS_DIR: 'test/fixtures/plans' },
  });
}
const explain = (r: ReturnType<typeof cli>) => `exit ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

describe('the CLI without a reachable server', () => {
  it('start: an invalid incident exits 1 listing every failing field, Temporal or not', () => {
    const r = cli(['start', '--file', '-'], JSON.stringify({ plan: 'county-office', id: 'bad id!', title: '', discoveredAt: 'yesterday', discoveredBy: 'nobody' }));
    expect(r.status).toBe(1);
    for (const field of ['id:', 'title:', 'discoveredAt:', 'discoveredBy: "nobody" is not a person in plan county-office']) expect(r.stderr).toContain(field);
  });

  it('start --id replaces the file\'s incident id (an example started again): the new id is checked like any other', () => {
    const r = cli(['start', '--file', 'test/fixtures/examples/county-especially-major.json', '--id', 'not valid!']);
    expect(r.status, explain(r)).toBe(1);
    expect(r.stderr).toContain('id: must be 1–80 letters');
    // a good id passes the checks and only then needs Temporal
    const ok = cli(['start', '--file', 'test/fixtures/examples/county-especially-major.json', '--id', 'demo-1']);
    expect(ok.status, explain(ok)).toBe(4);
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

  it('usage errors exit 2 with a plain message and the usage line, never a stack trace', () => {
    const cases: Array<[string[], string, string]> = [
      [['show', 'x', '--frob'], 'error: unknown option --frob for show', 'usage: client show <id> [--json]'],
      [['start'], 'error: start: missing --file <incident.json | ->', 'usage: client start --file'],
      [['show', 'a', 'b'], 'error: unexpected argument "b" (show takes <id>)', 'usage: client show <id>'],
      [['act', 'only-an-id'], 'error: act: missing <action>', 'usage: client act <id> <action>'],
      [['act', 'x', 'report'], "error: act: give --data '<json>' or --data-file <file | ->", 'usage: client act'],
      [['frobnicate'], 'error: unknown command "frobnicate"', 'usage: client <command>'],
      [['lsit'], 'error: unknown command "lsit". Did you mean "list"?', 'usage: client <command>'],
      [[], 'error: missing command', 'usage: client <command>'],
    ];
    for (const [args, message, usage] of cases) {
      const r = cli(args);
      expect(r.status, explain(r)).toBe(2);
      expect(r.stderr.split('\n')[0], explain(r)).toContain(message);
      expect(r.stderr.split('\n')[1], explain(r)).toContain(usage);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack
    }
  });

  it('file errors exit 1 with a plain message naming the file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cli-offline-'));
    const missing = path.join(dir, 'missing.json');
    for (const args of [['start', '--file', missing], ['act', 'x', 'report', '--data-file', missing], ['metrics', 'x', '--data-file', missing]]) {
      const r = cli(args);
      expect(r.status, explain(r)).toBe(1);
      expect(r.stderr, explain(r)).toBe(`error (FileError): cannot read ${missing}: no such file or directory\n`);
    }
  });

  it('an unknown action exits 1 listing the valid ones with a did-you-mean', () => {
    const r = cli(['act', 'incident-x', 'asess', '--data', '{"by":"zhao.min"}']);
    expect(r.status, explain(r)).toBe(1);
    expect(r.stderr).toContain('"asess" is not a known action. Did you mean "assess"?');
    expect(r.stderr).toContain('actions: report, assess, dispatch');
  });

  it('help <action> lists the payload fields from the schema; help <command> its options', () => {
    const r = cli(['help', 'report']);
    expect(r.status, explain(r)).toBe(0);
    expect(r.stdout).toMatch(/^\s+to\s+required\s+string\s+the recipient: a role of the plan/m);
    expect(r.stdout).toMatch(/^\s+kind\s+optional\s+enum\s+initial \| followUp; default "initial"$/m);
    expect(r.stdout).toMatch(/^\s+at\s+optional\s+ISO-8601 time with offset$/m);
    const act = cli(['act', '--help']);
    expect(act.status, explain(act)).toBe(0);
    expect(act.stdout).toContain("usage: client act <id> <action> (--data '<json>' | --data-file <file | ->) [--json]");
    const overview = cli(['help']);
    expect(overview.status).toBe(0);
    expect(overview.stdout).toContain('exit status: 0 ok, 1 refused, invalid input or a file error, 2 usage, 3 not found, 4 Temporal unreachable');
  });

  it("people lists a plan's people with Chinese role labels (English with --lang en) and which contacts exist", () => {
    const zh = cli(['people', '--plan', 'county-office']);
    expect(zh.status, explain(zh)).toBe(0);
    expect(zh.stdout).toMatch(/^\s+编号\s+姓名\s+角色\s+联系方式$/m);
    expect(zh.stdout).toMatch(/^\s+liu\.bo\s+刘波\s+舆情监控人员\s+email$/m);
    expect(zh.stdout).not.toContain('@county.example.org');
    const en = cli(['people', '--plan', 'test/fixtures/plans/county-office.yaml', '--lang', 'en']);
    expect(en.stdout).toMatch(/^\s+liu\.bo\s+刘波\s+monitor\s+email$/m);
    const all = cli(['people', '--json']);
    expect((JSON.parse(all.stdout) as Array<{ plan: string }>).map((p) => p.plan).sort()).toEqual(['city-archives', 'county-office', 'default', 'school']);
  });
});
