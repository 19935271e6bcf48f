import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TaskRun, TaskRunStatus } from '../../../kernel/contracts/model.js';
import { runOutcome } from '../../../kernel/runs/run-outcome.js';

function taskRuns(statuses: Record<string, TaskRunStatus>): TaskRun[] {
  return Object.entries(statuses).map(([id, status]) => ({
    namespace: 'default',
    pipeline: 'p',
    run: 1,
    id,
    state: 'COMPLETE',
    status,
    statusReason: { kind: 'NONE', description: '' },
    attempt: 1,
    exitCode: null,
    workloadId: '',
    created: 0,
    started: 0,
    ended: 0,
    logsExpired: false,
  }));
}

describe('run outcome', () => {
  it('is successful when every task succeeded or was skipped', () => {
    assert.equal(
      runOutcome(taskRuns({ a: 'SUCCESSFUL', b: 'SKIPPED' }), { kind: 'normal' }).status,
      'SUCCESSFUL',
    );
  });

  it('is failed when a task failed, and names it', () => {
    const out = runOutcome(taskRuns({ a: 'SUCCESSFUL', b: 'FAILED' }), { kind: 'normal' });
    assert.equal(out.status, 'FAILED');
    assert.match(out.reason.description, /b/);
  });

  it('is cancelled when tasks both failed and were cancelled, whatever their order', () => {
    const one = runOutcome(taskRuns({ a: 'FAILED', b: 'CANCELLED' }), { kind: 'normal' });
    const other = runOutcome(taskRuns({ b: 'CANCELLED', a: 'FAILED' }), { kind: 'normal' });
    assert.equal(one.status, 'CANCELLED');
    assert.deepEqual(one, other);
  });

  it('is cancelled with the user reason when the run itself was cancelled', () => {
    const out = runOutcome(taskRuns({ a: 'SUCCESSFUL' }), { kind: 'cancelled', reason: 'stop it' });
    assert.deepEqual(out, {
      status: 'CANCELLED',
      reason: { kind: 'USER_CANCELLED', description: 'stop it' },
    });
  });

  it('is failed with a timeout reason when the run timed out, even though tasks were cancelled', () => {
    const out = runOutcome(taskRuns({ a: 'CANCELLED' }), { kind: 'timed-out', after: '1s' });
    assert.equal(out.status, 'FAILED');
    assert.equal(out.reason.kind, 'TIMEOUT');
  });
});
