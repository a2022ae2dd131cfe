import { readFileSync, writeFileSync } from 'node:fs';
import { IncidentError } from '../api/incidents';
import { fileError } from './errors';

/** A file's text, or standard input for "-"; FileError (exit 1, naming the file) when it cannot be read. */
export function readSource(path: string, stdin: () => string): string {
  try {
    return path === '-' ? stdin() : readFileSync(path, 'utf8');
  } catch (err) {
    throw fileError('read', path, err);
  }
}

/** Write a whole file; FileError (exit 1, naming the file) when it cannot be written. */
export function writeTarget(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (err) {
    throw fileError('write', path, err);
  }
}

export function parseJson(label: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new IncidentError('InvalidPayload', `${label}: not valid JSON: ${(err as Error).message}`);
  }
}
