import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { GoferEvent } from '../../../kernel/contracts/model.js';
import { type ApiFixture, deployDemo, eventually, startApi } from './api-fixture.js';

describe('API streams', () => {
  let api: ApiFixture;
  before(async () => {
    api = await startApi();
    await deployDemo(api.client());
    await api.client().startRun('default', 'demo', {});
  });
  after(() => api.close());

  it('end on the server when the client cancels a follow', async () => {
    const controller = new AbortController();
    const waitingBefore = api.kernel.waiters();
    const seen: GoferEvent[] = [];
    api.kernel.emit({
      type: 'RUN_STARTED',
      namespace: 'default',
      pipeline: 'demo',
      run: 1,
      task: '',
      details: {},
    });
    const done = (async () => {
      for await (const event of api
        .client()
        .listEvents({ follow: true, signal: controller.signal }))
        seen.push(event);
    })();
    await eventually(
      () => seen.length === 1 && api.kernel.waiters() > waitingBefore,
      'the follower to wait',
    );
    controller.abort();
    await done;
    await eventually(
      () => api.kernel.waiters() === waitingBefore,
      'the server side to stop waiting',
    );
    assert.equal(seen[0].type, 'RUN_STARTED');
  });

  it('refuse follow together with reverse', async () => {
    const events = api.client().listEvents({ follow: true, reverse: true });
    await assert.rejects(
      async () => {
        for await (const _ of events) void _;
      },
      { code: 'INVALID_ARGUMENT' },
    );
  });

  it('are ended with UNAVAILABLE when the server stops', async () => {
    const own = await startApi();
    await deployDemo(own.client());
    await own.client().startRun('default', 'demo', {});
    let received = 0;
    const done = (async () => {
      for await (const _ of own.client().runLogs('default', 'demo', 1, { follow: true }))
        received++;
    })();
    // Caught at once: the stream fails while close() is still being awaited.
    const settled = done.then(
      () => 'ended without an error',
      (err: unknown) => err,
    );
    own.kernel.appendLog('default', 'demo', 1, 'test', 'stdout', Buffer.from('x'));
    await eventually(() => received === 1, 'the first chunk');
    await own.close();
    const outcome = await settled;
    assert.equal((outcome as { code?: string }).code, 'UNAVAILABLE');
    assert.match((outcome as Error).message, /shutting down/);
  });
});
