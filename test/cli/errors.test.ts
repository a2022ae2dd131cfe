import { ServiceError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { IncidentError } from '../../src/api/incidents';
import { errorReport, EXIT, FileError, fileError, formatErrorReport, UsageError } from '../../src/cli/errors';
import { PlanError } from '../../src/plan/plan.loader';
import { ConfigError } from '../../src/runtime/connection';

const errno = (code: string) => Object.assign(new Error(`${code}: something, open 'x'`), { code });

describe('exit codes (README: 0 ok, 1 refused/invalid/file, 2 usage, 3 not found, 4 unreachable)', () => {
  it('maps each kind of error to its exit code', () => {
    expect(errorReport(new UsageError('unknown option --x', 'usage: client show <id>')).code).toBe(EXIT.usage);
    expect(errorReport(fileError('read', 'a.json', errno('ENOENT'))).code).toBe(EXIT.refused);
    expect(errorReport(new IncidentError('InvalidPayload', 'bad')).code).toBe(EXIT.refused);
    expect(errorReport(new IncidentError('NotAllowed', 'no')).code).toBe(EXIT.refused);
    expect(errorReport(new IncidentError('AlreadyClosed', 'closed')).code).toBe(EXIT.refused);
    expect(errorReport(new IncidentError('NotFound', 'x not found')).code).toBe(EXIT.notFound);
    expect(errorReport(new IncidentError('Unavailable', 'cannot reach')).code).toBe(EXIT.unavailable);
    expect(errorReport(new PlanError('plans', [], 'no plan with id "x"')).code).toBe(EXIT.refused);
    expect(errorReport(new ConfigError('invalid environment')).code).toBe(EXIT.refused);
    const lost = new ServiceError('lost', { cause: Object.assign(new Error('14 UNAVAILABLE'), { code: 14, details: '', metadata: {} }) });
    expect(errorReport(lost)).toMatchObject({ code: EXIT.unavailable, kind: 'Unavailable' });
    // a plain TypeError is not "Temporal unreachable"
    expect(errorReport(new TypeError('oops')).code).toBe(EXIT.refused);
  });

  it('a file error names the file and says why in plain words, without a stack', () => {
    expect(fileError('read', 'report.json', errno('ENOENT')).message).toBe('cannot read report.json: no such file or directory');
    expect(fileError('write', '/root/x', errno('EACCES')).message).toBe('cannot write /root/x: permission denied');
    expect(fileError('read', 'dir', errno('EISDIR')).message).toBe('cannot read dir: is a directory');
    expect(fileError('read', '-', errno('EAGAIN')).message).toMatch(/^cannot read standard input: /);
    const text = formatErrorReport(errorReport(fileError('read', 'report.json', errno('ENOENT'))), false);
    expect(text).toBe('error (FileError): cannot read report.json: no such file or directory\n');
    expect(fileError('read', 'x', errno('ENOENT'))).toBeInstanceOf(FileError);
  });

  it('a usage error prints the message and the usage line; --json prints one JSON line', () => {
    const r = errorReport(new UsageError('show: missing <id>', 'usage: client show <id> [--json]'));
    expect(formatErrorReport(r, false)).toBe('error: show: missing <id>\nusage: client show <id> [--json]\n');
    expect(JSON.parse(formatErrorReport(r, true))).toEqual({
      error: 'UsageError', message: 'show: missing <id>', errors: ['show: missing <id>'], usage: 'usage: client show <id> [--json]',
    });
    const refused = errorReport(new IncidentError('InvalidPayload', 'invalid:\nto: bad\nmode: bad', ['to: bad', 'mode: bad']));
    expect(JSON.parse(formatErrorReport(refused, true))).toEqual({ error: 'InvalidPayload', message: 'invalid:\nto: bad\nmode: bad', errors: ['to: bad', 'mode: bad'] });
  });
});
