import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RunQueue } from '../../../kernel/runs/run-queue.js';

function harness(globalLimit: number) {
  const queue = new RunQueue(globalLimit);
  const admitted: string[] = [];
  const add = (key: string, pipeline: string, parallelism: number) =>
    queue.enqueue({ key, pipelineKey: pipeline, parallelism, admit: () => admitted.push(key) });
  return { queue, admitted, add };
}

describe('run queue', () => {
  it('a pipeline with parallelism 1 runs its first run at once and queues the second', () => {
    const { queue, admitted, add } = harness(0);
    add('r1', 'p', 1);
    add('r2', 'p', 1);
    assert.deepEqual(admitted, ['r1']);
    assert.equal(queue.isQueued('r2'), true);
    queue.release('r1');
    assert.deepEqual(admitted, ['r1', 'r2']);
  });

  it('parallelism N allows exactly N runs at once', () => {
    const { admitted, add } = harness(0);
    for (let i = 1; i <= 5; i++) add(`r${i}`, 'p', 3);
    assert.deepEqual(admitted, ['r1', 'r2', 'r3']);
  });

  it('the global limit applies when the pipeline sets none', () => {
    const { admitted, add } = harness(2);
    for (let i = 1; i <= 4; i++) add(`r${i}`, `p${i}`, 0);
    assert.deepEqual(admitted, ['r1', 'r2']);
  });

  it('waiting runs leave in FIFO order as slots free', () => {
    const { queue, admitted, add } = harness(1);
    add('a', 'p', 0);
    add('b', 'q', 0);
    add('c', 'r', 0);
    queue.release('a');
    queue.release('b');
    assert.deepEqual(admitted, ['a', 'b', 'c']);
  });

  it('a run blocked by its own pipeline does not hold back another pipeline', () => {
    const { admitted, add } = harness(0);
    add('p1', 'p', 1);
    add('p2', 'p', 1);
    add('q1', 'q', 1);
    assert.deepEqual(admitted, ['p1', 'q1']);
  });

  it('releasing a queued run takes it out of the queue', () => {
    const { queue, admitted, add } = harness(1);
    add('a', 'p', 0);
    add('b', 'p', 0);
    queue.release('b');
    queue.release('a');
    assert.deepEqual(admitted, ['a']);
    assert.deepEqual(queue.size, { inFlight: 0, queued: 0 });
  });
});
