import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Run } from '../../../kernel/contracts/model.js';
import { renderRun } from '../../../cli/record-views.js';

const run = (over: Partial<Run> = {}): Run => ({
  namespace: 'default',
  pipeline: 'demo',
  id: 3,
  version: 1,
  state: 'COMPLETE',
  status: 'SUCCESSFUL',
  statusReason: { kind: 'NONE', description: '' },
  initiator: { kind: 'HUMAN', name: 'admin', reason: '' },
  variables: {},
  retryOf: 0,
  queued: 0,
  started: 1_700_000_000_000,
  ended: 1_700_000_005_000,
  logsExpired: false,
  objectsExpired: false,
  ...over,
});

/** The value cell of the record row named `name`. */
function row(text: string, name: string): string | undefined {
  const line = text.split('\n').find((l) => l.split('│')[1]?.trim() === name);
  return line?.split('│')[2]?.trim();
}

describe('the run view for people', () => {
  it('says the logs and objects of a run are kept while retention has not reached it', () => {
    const text = renderRun(run(), []);
    assert.equal(row(text, 'logs'), 'kept');
    assert.equal(row(text, 'objects'), 'kept');
    assert.equal(row(text, 'retry of'), '-');
  });

  it('says when retention has removed the logs or the objects of a run', () => {
    const both = renderRun(run({ logsExpired: true, objectsExpired: true }), []);
    assert.equal(row(both, 'logs'), 'expired');
    assert.equal(row(both, 'objects'), 'expired');

    const objectsOnly = renderRun(run({ objectsExpired: true }), []);
    assert.equal(row(objectsOnly, 'logs'), 'kept');
    assert.equal(row(objectsOnly, 'objects'), 'expired');
  });

  it('names the run a retry started from', () => {
    assert.equal(row(renderRun(run({ retryOf: 2 }), []), 'retry of'), '#2');
  });
});
