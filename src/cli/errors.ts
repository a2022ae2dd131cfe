import { isGrpcServiceError, ServiceError } from '@temporalio/client';
import { IncidentError } from '../api/incidents';
import { PlanError } from '../plan/plan.loader';
import { ConfigError } from '../runtime/connection';

/** Exit status, as README documents it. */
export const EXIT = { ok: 0, refused: 1, usage: 2, notFound: 3, unavailable: 4 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The command line itself is wrong: unknown command or option, missing or extra arguments. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    /** the usage line(s) of the command concerned, printed under the message */
    readonly usage: string,
  ) {
    super(message);
  }
}

/** A file named on the command line cannot be read or written. */
export class FileError extends Error {
  override name = 'FileError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
  }
}

const FS_REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EEXIST: 'already exists',
};

/** "cannot read report.json: no such file or directory" — the file and a plain reason, no stack. */
export function fileError(verb: 'read' | 'write', file: string, err: unknown): FileError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const reason = (code && FS_REASONS[code]) ?? (err as Error | undefined)?.message ?? String(err);
  return new FileError(file, `cannot ${verb} ${file === '-' && verb === 'read' ? 'standard input' : file}: ${reason}`);
}

export interface ErrorReport {
  code: ExitCode;
  /** IncidentError kind or the error's class name */
  kind: string;
  message: string;
  errors: string[];
  usage?: string;
}

const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;

/** Temporal went away in the middle of a command (the first connection is checked in connect()). */
function isUnreachable(err: unknown): boolean {
  const grpc = isGrpcServiceError(err) ? err : err instanceof ServiceError && isGrpcServiceError(err.cause) ? err.cause : undefined;
  return grpc !== undefined && (grpc.code === GRPC_UNAVAILABLE || grpc.code === GRPC_DEADLINE_EXCEEDED);
}

/** The one mapping from an error to an exit status and what is printed. */
export function errorReport(err: unknown): ErrorReport {
  const e = err instanceof Error ? err : new Error(String(err));
  if (err instanceof UsageError) return { code: EXIT.usage, kind: 'UsageError', message: e.message, errors: [e.message], usage: err.usage };
  if (err instanceof FileError) return { code: EXIT.refused, kind: 'FileError', message: e.message, errors: [e.message] };
  if (err instanceof IncidentError) {
    const code = err.kind === 'NotFound' ? EXIT.notFound : err.kind === 'Unavailable' ? EXIT.unavailable : EXIT.refused;
    return { code, kind: err.kind, message: e.message, errors: err.errors };
  }
  if (err instanceof PlanError) return { code: EXIT.refused, kind: (err as Error).name === 'RosterError' ? 'RosterError' : 'PlanError', message: e.message, errors: err.issues.length ? err.issues : [e.message] };
  if (err instanceof ConfigError) return { code: EXIT.refused, kind: 'ConfigError', message: e.message, errors: [e.message] };
  if (isUnreachable(err)) return { code: EXIT.unavailable, kind: 'Unavailable', message: `Temporal did not answer: ${e.message}`, errors: [e.message] };
  return { code: EXIT.refused, kind: e.name || 'Error', message: e.message, errors: [e.message] };
}

/** What goes to stderr: one JSON line with --json, else "error (Kind): message" (plus the usage line). */
export function formatErrorReport(r: ErrorReport, json: boolean): string {
  if (json) return `${JSON.stringify({ error: r.kind, message: r.message, errors: r.errors, ...(r.usage ? { usage: r.usage } : {}) })}\n`;
  if (r.kind === 'UsageError') return `error: ${r.message}\n${r.usage}\n`;
  return `error (${r.kind}): ${r.message}\n`;
}
