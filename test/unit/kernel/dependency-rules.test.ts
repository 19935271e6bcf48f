import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RequiredParentStatus } from '../../../sdk/config/pipeline-config.js';
import type { TaskRunStatus } from '../../../kernel/contracts/model.js';
import {
  parentAllows,
  readiness,
  type ParentOutcome,
} from '../../../kernel/runs/dependency-rules.js';

// The table of docs/dependencies.md, cell by cell.
const TABLE: Record<ParentOutcome, Record<RequiredParentStatus, boolean>> = {
  SUCCESSFUL: { ANY: true, SUCCESS: true, FAILURE: false },
  FAILED: { ANY: true, SUCCESS: false, FAILURE: true },
  SKIPPED: { ANY: true, SUCCESS: false, FAILURE: false },
  CANCELLED: { ANY: true, SUCCESS: false, FAILURE: false },
};

describe('dependency rules', () => {
  for (const [parent, row] of Object.entries(TABLE) as [
    ParentOutcome,
    Record<RequiredParentStatus, boolean>,
  ][]) {
    for (const [required, allowed] of Object.entries(row) as [RequiredParentStatus, boolean][]) {
      it(`a child that needs ${required} ${allowed ? 'runs' : 'is skipped'} when its parent ended ${parent}`, () => {
        assert.equal(parentAllows(required, parent), allowed);
        const decision = readiness(
          { p: required },
          new Map<string, TaskRunStatus>([['p', parent]]),
        );
        assert.equal(decision.kind, allowed ? 'run' : 'skip');
        if (decision.kind === 'skip')
          assert.match(decision.reason, new RegExp(`p ended ${parent}, needed ${required}`));
      });
    }
  }

  it('a child waits while any parent is still in progress', () => {
    const decision = readiness({ a: 'SUCCESS', b: 'ANY' }, new Map([['a', 'SUCCESSFUL']]));
    assert.deepEqual(decision, { kind: 'wait' });
  });

  it('a child with no parents runs at once', () => {
    assert.deepEqual(readiness({}, new Map()), { kind: 'run' });
  });

  it('one parent that does not allow it skips the child even when the others do', () => {
    const decision = readiness(
      { a: 'SUCCESS', b: 'SUCCESS' },
      new Map<string, TaskRunStatus>([
        ['a', 'SUCCESSFUL'],
        ['b', 'FAILED'],
      ]),
    );
    assert.equal(decision.kind, 'skip');
    assert.match((decision as { reason: string }).reason, /b ended FAILED, needed SUCCESS/);
    assert.doesNotMatch((decision as { reason: string }).reason, /a ended/);
  });

  it('a diamond join runs when both arms succeeded and is skipped when one arm was skipped', () => {
    const joined = { left: 'SUCCESS', right: 'SUCCESS' } as const;
    assert.equal(
      readiness(
        joined,
        new Map<string, TaskRunStatus>([
          ['left', 'SUCCESSFUL'],
          ['right', 'SUCCESSFUL'],
        ]),
      ).kind,
      'run',
    );
    assert.equal(
      readiness(
        joined,
        new Map<string, TaskRunStatus>([
          ['left', 'SUCCESSFUL'],
          ['right', 'SKIPPED'],
        ]),
      ).kind,
      'skip',
    );
  });

  it('an unknown parent status counts as a failure', () => {
    assert.equal(
      readiness({ p: 'FAILURE' }, new Map<string, TaskRunStatus>([['p', 'UNKNOWN']])).kind,
      'run',
    );
  });
});
