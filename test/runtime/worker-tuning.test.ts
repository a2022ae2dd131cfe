/** The worker's limits from the environment (README, Configuration): unset means the SDK's defaults. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/runtime/connection';
import { workerTuning } from '../../src/runtime/worker';

describe('workerTuning', () => {
  it('leaves every limit to the SDK when nothing is set', () => {
    expect(workerTuning({})).toEqual({});
  });

  it('reads each WORKER_* variable', () => {
    expect(workerTuning({
      WORKER_MAX_WORKFLOW_TASKS: '8', WORKER_MAX_ACTIVITY_TASKS: '50', WORKER_WORKFLOW_POLLERS: '4', WORKER_ACTIVITY_POLLERS: '2',
      WORKER_MAX_CACHED_WORKFLOWS: '0', WORKER_WORKFLOW_THREADS: '2', WORKER_REUSE_V8_CONTEXT: 'false',
    })).toEqual({
      maxConcurrentWorkflowTaskExecutions: 8, maxConcurrentActivityTaskExecutions: 50, workflowTaskPollers: 4, activityTaskPollers: 2,
      maxCachedWorkflows: 0, workflowThreadPoolSize: 2, reuseV8Context: false,
    });
  });

  it('refuses a value that is not a whole number in range, naming the variable', () => {
    expect(() => workerTuning({ WORKER_MAX_WORKFLOW_TASKS: '1' })).toThrow(ConfigError);
    expect(() => workerTuning({ WORKER_WORKFLOW_POLLERS: 'many' })).toThrow(/WORKER_WORKFLOW_POLLERS/);
    expect(() => workerTuning({ WORKER_WORKFLOW_THREADS: '1.5' })).toThrow(/WORKER_WORKFLOW_THREADS/);
    expect(() => workerTuning({ WORKER_REUSE_V8_CONTEXT: 'no' })).toThrow(/WORKER_REUSE_V8_CONTEXT/);
  });
});
