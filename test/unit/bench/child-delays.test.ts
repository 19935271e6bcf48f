import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JOIN_TASK, MIDDLE_TASKS, ROOT_TASK } from '../../../bench/bench-pipelines.js';
import { childDelays, type TaskTimes } from '../../../bench/child-delays.js';

/** A DAG run where the root exits at 1000, middle i exits at 2000 + 10 i, and every create and
 * start comes 5 and 50 ms after the moment its task was released. */
function run(cap: number): Map<string, TaskTimes> {
  const times = new Map<string, TaskTimes>([[ROOT_TASK, { create: 0, start: 10, die: 1000 }]]);
  const dies = MIDDLE_TASKS.map((_, i) => 2000 + 10 * i);
  MIDDLE_TASKS.forEach((task, i) => {
    const released = i < cap ? 1000 : dies[i - cap];
    times.set(task, { create: released + 5, start: released + 50, die: dies[i] });
  });
  const last = dies[dies.length - 1];
  times.set(JOIN_TASK, { create: last + 5, start: last + 50, die: last + 100 });
  return times;
}

test('every middle task and the join give one sample each, measured from what released them', () => {
  const delays = childDelays(run(8), 8);
  assert.equal(delays.dispatch.length, MIDDLE_TASKS.length + 1);
  assert.deepEqual(new Set(delays.dispatch), new Set([5]));
  assert.deepEqual(new Set(delays.start), new Set([50]));
});

test('a middle task held back by the cap is measured from the exit that freed its slot', () => {
  // Measured from the root instead, the held-back tasks would show delays of over a second.
  const delays = childDelays(run(3), 3);
  assert.ok(delays.dispatch.every((d) => d === 5));
});

test('a run missing a task time is refused rather than measured', () => {
  const times = run(8);
  times.set(JOIN_TASK, { start: 1, die: 2 });
  assert.throws(() => childDelays(times, 8), /no create time was recorded for task join/);
});
