import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src/cli/args';
import type { Context } from '../../src/cli/commands';
import { errorReport } from '../../src/cli/errors';
import { parseRosterTime, rosterCommand, rosterCommands, type RosterContext } from '../../src/cli/roster';
import { at } from './helpers';

/** Runs `roster …` as the command table would, with a context that keeps what is printed. */
async function run(argv: string[], opts: { now?: string; rostersDir?: string } = {}): Promise<{ out: string; error?: unknown }> {
  const inv = parseCommandLine(['roster', ...argv], rosterCommands);
  let out = '';
  const ctx: RosterContext = {
    inv, now: at(opts.now ?? '2026-03-03T03:00:00+08:00'), plansDir: 'plans', rostersDir: opts.rostersDir ?? 'rosters',
    stdin: () => '', out: async (t) => { out += t; }, err: async () => undefined,
    print: async (value, human) => { out += `${inv.json ? JSON.stringify(value, null, 2) : human()}\n`; },
    settings: () => { throw new Error('no Temporal in roster commands'); },
    client: () => { throw new Error('no Temporal in roster commands'); },
    ledger: () => { throw new Error('no ledger in roster commands'); },
    ledgerIfPresent: async () => undefined,
  } satisfies Context & { rostersDir: string };
  try {
    await rosterCommand.run(ctx);
    return { out };
  } catch (error) {
    return { out, error };
  }
}

describe('roster now / at: who is on duty, in the plan\'s time zone with its offset', () => {
  it('now: every rostered role, A post then B posts, with the shift from–to', async () => {
    const { out, error } = await run(['now', 'county']);
    expect(error).toBeUndefined();
    expect(out).toContain('值班表 county 2026.1（自 2026-01-01 00:00 +08:00 起施行）');
    expect(out).toContain('时间：2026-03-03 03:00 +08:00');
    expect(out).toMatch(/舆情监控人员\s+A岗\s+田欣\s+tian\.xin\s+夜班\s+2026-03-02 17:30 \+08:00\s+2026-03-03 08:30 \+08:00\s+工作日/);
    expect(out).toMatch(/\n\s+B岗\s+刘波\s+liu\.bo\n\s+B岗\s+赵敏\s+zhao\.min\n/);
    expect(out).toMatch(/领导小组办公室\s+A岗\s+王加志\s+wang\.jiazhi\s+夜间总值班/);
  });

  it('at <time> --role, in English, on National Day (the override)', async () => {
    const { out } = await run(['at', 'county', '2026-10-03 12:00', '--role', 'monitor', '--lang', 'en']);
    expect(out).toContain('roster county 2026.1 (in force from 2026-01-01 00:00 +08:00)');
    expect(out).toMatch(/monitor\s+A\s+赵敏\s+zhao\.min\s+国庆值班\s+2026-10-03 08:30 \+08:00\s+2026-10-04 08:30 \+08:00\s+override/);
    expect(out).not.toContain('leading group office');
  });

  it('--json: ids, posts and ISO times with offset; a role not rostered lists the plan\'s holders', async () => {
    const { out } = await run(['at', 'county', '2026-02-14T03:00:00+08:00', '--json']);
    const v = JSON.parse(out);
    expect(v.at).toBe('2026-02-14T03:00:00+08:00');
    expect(v.roster).toMatchObject({ version: '2026.1', file: path.join('rosters', 'county.yaml') });
    expect(v.roles[0]).toMatchObject({
      role: 'monitor', source: 'weekly', version: '2026.1',
      shift: { label: '夜班', from: '2026-02-13T17:30:00+08:00', to: '2026-02-14T08:30:00+08:00', date: '2026-02-13' },
      people: [{ personId: 'tian.xin', name: '田欣', post: 'A', order: 0 }, { personId: 'liu.bo', post: 'B', order: 1 }, { personId: 'zhao.min', post: 'B', order: 2 }],
    });
    const s = JSON.parse((await run(['at', 'county', '2026-02-14T03:00:00+08:00', '--role', 'spokesperson', '--json'])).out);
    expect(s.roles).toEqual([{ role: 'spokesperson', label: '新闻发言人', version: '2026.1', people: [], reason: 'notRostered', planHolders: [{ personId: 'xu.fang', name: '徐芳' }] }]);
  });

  it('a day the holiday data does not cover is said so, never guessed', async () => {
    const { out } = await run(['at', 'jinpenshan-school', '2026-12-30 12:00', '--role', 'monitor']);
    expect(out).toContain('缺少节假日数据（2026-12-30，2027 年放假安排未收录）：不作推测');
  });

  it('times: ISO with offset, local in the plan\'s zone, a date alone; anything else is a usage error', async () => {
    expect(parseRosterTime('2026-10-01T03:00:00Z', 'Asia/Shanghai')).toBe(at('2026-10-01T11:00:00+08:00'));
    expect(parseRosterTime('2026-10-01 03:00', 'Asia/Shanghai')).toBe(at('2026-10-01T03:00:00+08:00'));
    expect(parseRosterTime('2026-10-01T03:00:30', 'Asia/Shanghai')).toBe(at('2026-10-01T03:00:30+08:00'));
    expect(parseRosterTime('2026-10-01', 'Asia/Shanghai')).toBe(at('2026-10-01T00:00:00+08:00'));
    const { error } = await run(['at', 'county', 'tomorrow']);
    expect(errorReport(error)).toMatchObject({ code: 2, kind: 'UsageError' });
    expect((error as Error).message).toMatch(/<time> must be an ISO time with offset/);
  });
});

describe('roster week: the rota as a table', () => {
  it('seven days from --from, each shift once with its A and B posts, rest days marked', async () => {
    const { out } = await run(['week', 'county', '--from', '2026-09-28', '--role', 'monitor']);
    expect(out).toContain('值班表 county · 某县重大意识形态舆情事件应急处置工作领导小组 · 2026-09-28 至 2026-10-04 · 时区 Asia/Shanghai（UTC+08:00）');
    expect(out).toMatch(/09-30 周三 班\s+夜班\s+09-30 17:30\s+10-01 08:30\s+田欣 \(tian\.xin\)\s+刘波、赵敏\s+工作日\s+2026\.1/);
    expect(out).toMatch(/10-03 周六 休\s+国庆值班\s+10-03 08:30\s+10-04 08:30\s+赵敏 \(zhao\.min\)\s+刘波、田欣\s+临时调整/);
    const rows = out.split('\n').filter((l) => /^\s+\d\d-\d\d /.test(l));
    expect(rows).toHaveLength(11); // Sunday's shift reaching in, 3×(day, night), 4 National Day days
  });

  it('--json entries end to end; default from is today in the plan\'s zone', async () => {
    const v = JSON.parse((await run(['week', 'jinpenshan-school', '--json'], { now: '2026-03-02T23:30:00+08:00' })).out);
    expect(v.from).toBe('2026-03-02T00:00:00+08:00');
    expect(v.to).toBe('2026-03-09T00:00:00+08:00');
    const office = v.roles.find((r: { role: string }) => r.role === 'office');
    expect(office.entries[0]).toMatchObject({ reason: 'gap', from: '2026-03-02T00:00:00+08:00', to: '2026-03-02T07:30:00+08:00' });
    expect(office.entries[1]).toMatchObject({ people: [{ personId: 'lin.fang', post: 'A' }, { personId: 'huang.wei', post: 'B' }] });
    for (const r of v.roles) for (let i = 1; i < r.entries.length; i++) expect(r.entries[i].from).toBe(r.entries[i - 1].to);
  });

  it('--from must be a date', async () => {
    const { error } = await run(['week', 'county', '--from', '2026-13-01']);
    expect((error as Error).message).toBe('--from must be a date YYYY-MM-DD, not "2026-13-01"');
  });
});

describe('roster check <file>', () => {
  it('a good roster: coverage per role, exit 0', async () => {
    const { out, error } = await run(['check', 'rosters/jinpenshan-school.yaml']);
    expect(error).toBeUndefined();
    expect(out).toMatch(/rosters\/jinpenshan-school\.yaml: 值班表 jinpenshan-school 2026-spring（自 2026-01-01 00:00 \+08:00 起施行） — 检查通过/);
    expect(out).toMatch(/舆情监控人员 \(monitor\)\s+全天\s+需要\s+3\/2\/7\s+无/);
    expect(out).toMatch(/领导小组办公室 \(office\)\s+部分\s+需要\s+1\/0\/0\s+工作日 00:00–07:30；工作日 17:30–24:00；休息日 00:00–24:00/);
  });

  it('a gap in the 24h watch: printed, then an error (exit 1); a schema error names the file and the field', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-cli-'));
    const f = path.join(dir, 'gap.yaml');
    fs.writeFileSync(f, [
      'plan: county', 'version: "x"', 'effectiveFrom: "2026-01-01T00:00:00+08:00"', 'roles:', '  monitor:',
      '    weekly: [{ days: [mon, tue, wed, thu, fri, sat, sun], start: "08:00", end: "02:00", primary: liu.bo }]', '',
    ].join('\n'));
    const { out, error } = await run(['check', f, '--lang', 'en']);
    expect(out).toContain('— 1 error');
    expect(out).toContain('errors:\n  roles.monitor: 24h not covered on every day between 02:00 and 08:00');
    // a RosterError is a PlanError: errors.ts reports it as one (exit 1, one line per issue)
    expect((error as Error).name).toBe('RosterError');
    expect(errorReport(error)).toMatchObject({ code: 1, kind: 'RosterError', errors: [`${f}: roles.monitor: 24h not covered on every day between 02:00 and 08:00`] });
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('"08:00"', '"8 am"'));
    const bad = await run(['check', f]);
    expect(bad.out).toBe('');
    expect(errorReport(bad.error)).toMatchObject({ code: 1, kind: 'RosterError', errors: [`${f}: roles.monitor.weekly[0].start: must be HH:MM (00:00–23:59)`] });
  });
});

describe('the command line', () => {
  it('one command, roster, with its subcommands; mistakes are usage errors (exit 2)', async () => {
    expect(rosterCommands.map((c) => c.name)).toEqual(['roster']);
    const cases: Array<[string[], RegExp]> = [
      [['chek', 'x'], /unknown subcommand "chek"\. Did you mean "check"\?/],
      [['now'], /roster now: missing <plan>/],
      [['at', 'county'], /roster at: missing <time>/],
      [['now', 'county', '2026-10-01'], /unexpected argument "2026-10-01"/],
      [['now', 'county', '--from', '2026-10-01'], /--from is for week/],
      [['check', 'rosters/county.yaml', '--role', 'monitor'], /--role is for now, at and week/],
      [['now', 'county', '--role', 'boss'], /--role must be one of monitor, office/],
      [['now', 'county', '--lang', 'fr'], /--lang must be one of zh, en/],
    ];
    for (const [argv, message] of cases) {
      const { error } = await run(argv);
      expect(errorReport(error), argv.join(' ')).toMatchObject({ code: 2, kind: 'UsageError' });
      expect((error as Error).message, argv.join(' ')).toMatch(message);
    }
  });

  it('a plan without a roster, and an unknown plan, are refused by name', async () => {
    expect(((await run(['now', 'xuchang-school'])).error as Error).message).toMatch(/no roster for plan "xuchang-school" in rosters/);
    // an unknown plan is the plan loader's refusal
    expect(errorReport((await run(['now', 'nowhere'])).error)).toMatchObject({ code: 1, kind: 'PlanError' });
  });
});
