import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoalescingSweeper } from '../../../kernel/runs/coalescing-sweeper.js';

describe('coalescing sweeper', () => {
  it('folds requests made during a sweep into one rerun, and never runs two sweeps of a key at once', async () => {
    const sweeper = new CoalescingSweeper();
    let running = 0;
    let peak = 0;
    let sweeps = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const sweep = async () => {
      running++;
      peak = Math.max(peak, running);
      sweeps++;
      if (sweeps === 1) await gate;
      running--;
    };

    const first = sweeper.request('p', sweep);
    const folded = [1, 2, 3, 4].map(() => sweeper.request('p', sweep));
    release();
    await Promise.all([first, ...folded]);
    assert.equal(sweeps, 2, 'the first sweep and one rerun for the four requests made meanwhile');
    assert.equal(peak, 1);
  });

  it('sweeps different keys independently and reports idle once all are done', async () => {
    const sweeper = new CoalescingSweeper();
    const done: string[] = [];
    void sweeper.request('a', async () => void done.push('a'));
    void sweeper.request('b', async () => void done.push('b'));
    await sweeper.idle();
    assert.deepEqual(done.sort(), ['a', 'b']);
  });

  it('starts afresh after a sweep that failed', async () => {
    const sweeper = new CoalescingSweeper();
    await assert.rejects(sweeper.request('a', async () => Promise.reject(new Error('disk full'))));
    let ran = false;
    await sweeper.request('a', async () => void (ran = true));
    assert.equal(ran, true);
  });
});
