import { describe, expect, it } from 'vitest';
import { incidentIdFromArg, parseCommandLine, usageLine } from '../../src/cli/args';
import { COMMANDS } from '../../src/cli/commands';
import { UsageError } from '../../src/cli/errors';

const parse = (...argv: string[]) => parseCommandLine(argv, COMMANDS);
const usage = (...argv: string[]): UsageError => {
  try {
    parse(...argv);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return err as UsageError;
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
};
const command = (name: string) => COMMANDS.find((c) => c.name === name)!;

describe('parseCommandLine', () => {
  it('reads positionals by name, options by type, and --json anywhere', () => {
    expect(parse('act', 'c-1', 'report', '--data', '{"by":"x"}', '--json')).toEqual({
      command: 'act', args: { id: 'c-1', action: 'report' }, options: { data: '{"by":"x"}', json: true }, json: true, help: false,
    });
    expect(parse('--json', 'show', 'c-1').json).toBe(true);
    expect(parse('list', '--overdue', '--limit=5').options).toEqual({ overdue: true, limit: '5' });
    expect(parse('start', '--file', '-').options.file).toBe('-');
    expect(parse('act', 'c-1', 'report', '--data-file', '-').options['data-file']).toBe('-');
  });

  it('accepts the workflow id start prints (incident-<id>) wherever an incident id goes, stripping the prefix once', () => {
    for (const cmd of ['show', 'history']) expect(parse(cmd, 'incident-county-1').args.id).toBe('county-1');
    expect(parse('act', 'incident-county-1', 'report', '--data', '{}').args).toEqual({ id: 'county-1', action: 'report' });
    expect(parse('metrics', 'incident-county-1', '--data', '{}').args.id).toBe('county-1');
    expect(parse('show', 'county-1').args.id).toBe('county-1');
    expect(incidentIdFromArg('incident-incident-7')).toBe('incident-7');
    expect(incidentIdFromArg('incident-')).toBe('incident-');
  });

  it('refuses an unknown option, naming the command, with a did-you-mean', () => {
    const e = usage('show', 'c-1', '--jsno');
    expect(e.message).toBe('unknown option --jsno for show. Did you mean "--json"?');
    expect(e.usage).toBe('usage: client show <id> [--json]');
    expect(usage('list', '--frobnicate').message).toMatch(/^unknown option --frobnicate for list\. list takes --stage, --grade, .*--json, --help$/);
    expect(usage('show', 'c-1', '-x').message).toBe('unknown option -x');
    expect(usage('--file', 'x.json', 'start').message).toBe('--file goes after the command (start)');
  });

  it('refuses an unknown or missing command', () => {
    expect(usage('shwo', 'c-1').message).toBe('unknown command "shwo". Did you mean "show"?');
    expect(usage('frobnicate').message).toMatch(/^unknown command "frobnicate"\. Commands: start, act, metrics, show, alert, failures, redrive, reconcile, findings, review, explain, list, history, people, help, roster$/);
    const none = usage();
    expect(none.message).toBe('missing command');
    expect(none.usage).toMatch(/^usage: client <command>/);
  });

  it('refuses extra arguments instead of ignoring them', () => {
    expect(usage('show', 'a', 'b').message).toBe('unexpected argument "b" (show takes <id>)');
    expect(usage('list', 'open').message).toBe('unexpected argument "open" (list takes no arguments)');
    expect(usage('act', 'a', 'report', 'extra', 'more', '--data', '{}').message).toBe('unexpected arguments "extra" "more" (act takes <id> <action>)');
  });

  it('refuses missing arguments and options, an option without a value or given twice', () => {
    expect(usage('act', 'c-1').message).toBe('act: missing <action>');
    expect(usage('act').message).toBe('act: missing <id> <action>');
    expect(usage('start').message).toBe('start: missing --file <incident.json | ->');
    expect(usage('act', 'c-1', 'report').message).toBe("act: give --data '<json>' or --data-file <file | ->");
    expect(usage('act', 'c-1', 'report', '--data', '{}', '--data-file', 'f').message).toBe('act: give only one of --data, --data-file');
    expect(usage('start', '--file').message).toBe('--file needs a value: --file <incident.json | ->');
    expect(usage('start', '--file', '--plan', 'x').message).toBe('--file needs a value: --file <incident.json | ->');
    expect(usage('list', '--limit', '5', '--limit', '6').message).toBe('--limit given twice');
    expect(usage('list', '--all=yes').message).toBe('--all takes no value');
  });

  it('after --, everything is a positional argument', () => {
    expect(parse('show', '--', '--odd-id').args.id).toBe('--odd-id');
  });

  it('--help / -h asks for the command\'s help, even when its arguments are missing; alone it is the overview', () => {
    expect(parse('act', '--help')).toMatchObject({ command: 'act', help: true });
    expect(parse('show', '-h')).toMatchObject({ command: 'show', help: true });
    expect(parse('--help')).toMatchObject({ command: 'help', help: false, args: {} });
    expect(parse('help', 'assess').args).toEqual({ 'command|action': 'assess' });
  });

  it('usage lines come from the table', () => {
    expect(usageLine(command('act'))).toBe("usage: client act <id> <action> (--data '<json>' | --data-file <file | ->) [--json]");
    expect(usageLine(command('start'))).toBe('usage: client start --file <incident.json | -> [--plan <id|path>] [--id <incident id>] [--json]');
    expect(usageLine(command('people'))).toBe('usage: client people [--plan <id|path>] [--lang <zh|en>] [--json]');
  });
});
