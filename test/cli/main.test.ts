import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { run, write, type Io } from '../../src/cli/main';

/** A stream that takes each write only after `delayMs`, like a pipe whose reader is slow. */
class SlowSink extends Writable {
  text = '';
  constructor(private delayMs = 0) {
    super({ highWaterMark: 16 });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error) => void) {
    setTimeout(() => {
      this.text += chunk.toString('utf8');
      done();
    }, this.delayMs);
  }
}

function io(stdin = ''): Io & { out: SlowSink; errs: SlowSink } {
  const out = new SlowSink(5);
  const errs = new SlowSink();
  // an address nobody listens on: nothing here may need Temporal
  return { stdout: out, stderr: errs, stdin: () => stdin, env: { PLANS_DIR: 'test/fixtures/plans', TEMPORAL_ADDRESS: '127.0.0.1:1' }, now: () => Date.parse('2026-11-22T04:00:00Z'), out, errs };
}

describe('run', () => {
  it('resolves only once the output stream has taken every byte', async () => {
    const sink = new SlowSink(20);
    const big = 'x'.repeat(200_000);
    await write(sink, big);
    expect(sink.text.length).toBe(200_000);
  });

  it('help: exit 0, on stdout', async () => {
    const t = io();
    expect(await run(['help'], t)).toBe(0);
    expect(t.out.text).toMatch(/^usage: client <command>/);
    expect(t.out.text).toContain('exit status: 0 ok, 1 refused, invalid input or a file error, 2 usage, 3 not found, 4 Temporal unreachable');
    expect(t.errs.text).toBe('');
  });

  it('usage errors: exit 2, the message and the usage line on stderr, nothing on stdout', async () => {
    for (const argv of [['show', 'x', '--frob'], ['start'], ['show', 'a', 'b'], ['frobnicate'], [], ['list', '--limit', 'ten'], ['people', '--lang', 'fr']]) {
      const t = io();
      expect(await run(argv, t), argv.join(' ')).toBe(2);
      expect(t.errs.text, argv.join(' ')).toMatch(/^error: .+\nusage: client /);
      expect(t.out.text).toBe('');
    }
  });

  it('file errors: exit 1 naming the file, without a stack', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cli-main-'));
    const missing = path.join(dir, 'missing.json');
    for (const argv of [['start', '--file', missing], ['act', 'x', 'report', '--data-file', missing], ['metrics', 'x', '--data-file', missing], ['start', '--file', dir]]) {
      const t = io();
      expect(await run(argv, t), argv.join(' ')).toBe(1);
      expect(t.errs.text).toMatch(new RegExp(`^error \\(FileError\\): cannot read ${argv[argv.length - 1].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: (no such file or directory|is a directory)\\n$`));
    }
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{oops');
    const t = io();
    expect(await run(['start', '--file', bad], t)).toBe(1);
    expect(t.errs.text).toContain(`${bad}: not valid JSON`);
  });

  it('--json: errors as one JSON line', async () => {
    const t = io();
    expect(await run(['show', '--json'], t)).toBe(2);
    expect(JSON.parse(t.errs.text)).toMatchObject({ error: 'UsageError', message: 'show: missing <id>', usage: 'usage: client show <id> [--json]' });
  });

  it('an unknown action is refused (exit 1) before any connection, with the valid ones', async () => {
    const t = io();
    expect(await run(['act', 'incident-x', 'asess', '--data', '{}'], t)).toBe(1);
    expect(t.errs.text).toContain('"asess" is not a known action. Did you mean "assess"?');
  });

  it('help <action> and people need no server', async () => {
    const a = io();
    expect(await run(['help', 'dismiss', '--json'], a)).toBe(0);
    expect(JSON.parse(a.out.text)).toMatchObject({ action: 'dismiss', fields: expect.arrayContaining([{ name: 'reason', type: 'string', required: true, limits: '1–4000 characters' }]) });
    const p = io();
    expect(await run(['people', '--plan', 'school', '--json'], p)).toBe(0);
    const [plan] = JSON.parse(p.out.text) as Array<{ plan: string; people: Array<{ contacts: string[] }> }>;
    expect(plan.plan).toBe('school');
    expect(plan.people.length).toBeGreaterThan(0);
  });
});
