import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GoferClient } from '../../../cli/gofer-client.js';
import type { GoferEvent } from '../../../kernel/contracts/model.js';
import { tokenCheckingSettings } from '../../support/fixed-token-auth-plugin.js';
import { skipWithoutDocker } from '../../support/docker-test-kit.js';
import { startTestKernel, type TestKernel } from '../../support/test-kernel.js';
import { BUSYBOX_IMAGE, ensureTestImages } from '../../support/test-images.js';

// What the API passes through to a real kernel: who started a run, configs as stored, events
// as the token may see them, and task output as the task wrote it. Tokens come from the fixed
// test table (`mgmt`, `client` for namespace default only, `ext`), loaded as an auth plugin.

function clients() {
  const made: GoferClient[] = [];
  return {
    for(t: TestKernel, token = 'mgmt') {
      const client = new GoferClient({ address: t.kernel.address, token, timeoutMs: 10_000 });
      made.push(client);
      return client;
    },
    close: () => made.forEach((c) => c.close()),
  };
}

describe('the API on a real kernel (in-process scheduler)', () => {
  let t: TestKernel;
  const c = clients();
  before(async () => {
    t = await startTestKernel({ scheduler: { engine: 'inprocess' }, ...tokenCheckingSettings() });
    await c.for(t).registerPipeline('default', {
      id: 'demo',
      tasks: [{ id: 'greet', image: 'inprocess', command: ['echo', 'hi'] }],
    });
    await c.for(t).deployPipeline('default', 'demo', 1);
  });
  after(async () => {
    c.close();
    await t.stop();
  });

  it('takes the run initiator from the token, human unless it is an extension', async () => {
    const byClient = await c.for(t, 'client').startRun('default', 'demo', { A: 'x=y' }, 'nightly');
    assert.deepEqual(byClient.initiator, { kind: 'HUMAN', name: 'ci-bot', reason: 'nightly' });
    assert.deepEqual(byClient.variables, { A: 'x=y' });
    const byExtension = await c.for(t, 'ext').startRun('default', 'demo', {});
    assert.deepEqual(byExtension.initiator, { kind: 'EXTENSION', name: 'cron', reason: '' });

    const retried = await c.for(t).retryRun('default', 'demo', byClient.id, 'again');
    assert.deepEqual(retried.initiator, { kind: 'HUMAN', name: 'admin', reason: 'again' });
    const stored = await t.kernel.services.runs.get('default', 'demo', byExtension.id);
    assert.deepEqual(stored.initiator, byExtension.initiator, 'as the kernel stored it');
  });

  it('keeps absent config fields absent and zero values as given, through the kernel and back', async () => {
    const config = {
      id: 'exact',
      parallelism: 0,
      tasks: [
        {
          id: 'first',
          image: 'inprocess',
          command: ['echo', 'a'],
          entrypoint: [],
          retries: 0,
          inject_api_token: false,
          pull_policy: 'never' as const,
        },
        {
          id: 'second',
          image: 'inprocess',
          command: ['echo', 'b'],
          depends_on: { first: 'FAILURE' as const },
          variables: { X: '' },
        },
      ],
    };
    const registered = await c.for(t).registerPipeline('default', config);
    assert.deepEqual(registered.config, config);
    assert.deepEqual((await c.for(t).getConfig('default', 'exact', 1)).config, config);
    const kept = await t.kernel.services.pipelines.getConfig('default', 'exact', 1);
    assert.deepEqual(kept.config, config, 'as the kernel stored it');
  });

  it('shows a caller only the events of namespaces it holds a grant to', async () => {
    await c.for(t).createNamespace({ id: 'secret' });
    await c.for(t).disablePipeline('default', 'demo');
    await c.for(t).enablePipeline('default', 'demo');

    const all: GoferEvent[] = [];
    for await (const event of c.for(t).listEvents()) all.push(event);
    const seen: GoferEvent[] = [];
    for await (const event of c.for(t, 'client').listEvents()) seen.push(event);

    const hidden = all.find((e) => e.namespace === 'secret');
    assert.ok(hidden, 'the management token sees the namespace event');
    assert.deepEqual(
      seen.map((e) => e.id),
      all.filter((e) => e.namespace === 'default').map((e) => e.id),
    );
    assert.equal(seen.at(-1)?.type, 'PIPELINE_ENABLED');
    await assert.rejects(c.for(t, 'client').getEvent(hidden.id), { code: 'NOT_FOUND' });
    assert.deepEqual(await c.for(t).getEvent(hidden.id), hidden);
  });

  it('shows a follower with a grant to one namespace only its live events', async () => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 30_000);
    const seen: GoferEvent[] = [];
    const [newest] = await collect(c.for(t).listEvents({ reverse: true, limit: 1 }));
    const following = (async () => {
      for await (const event of c.for(t, 'client').listEvents({
        afterId: newest.id,
        follow: true,
        signal: controller.signal,
      })) {
        seen.push(event);
        if (event.type === 'RUN_COMPLETED') break;
      }
    })();
    await c.for(t).createNamespace({ id: 'hidden-live' });
    const run = await c.for(t).startRun('default', 'demo', {});
    await following;
    clearTimeout(timer);
    assert.ok(seen.length > 0);
    assert.ok(
      seen.every((e) => e.namespace === 'default'),
      `no event of namespace hidden-live: ${seen.map((e) => e.namespace).join(', ')}`,
    );
    assert.equal(seen.at(-1)?.run, run.id);
  });
});

describe('the API on a real kernel (Docker)', { skip: skipWithoutDocker }, () => {
  let t: TestKernel;
  const c = clients();
  before(async () => {
    await ensureTestImages();
    t = await startTestKernel({
      scheduler: { engine: 'docker', docker: { network_mode: 'none' } },
    });
  });
  after(async () => {
    c.close();
    await t.stop();
  });

  it('follows task output byte for byte, stored then live, and ends when the task completes', async () => {
    const first = Buffer.from([0x00, 0xff, 0x0a, 0x1b, 0x5b, 0x6d, 0xc3]);
    const script =
      "printf '\\000\\377\\n\\033[m\\303'; sleep 2; printf 'late\\n' >&2; printf 'no newline'";
    await t.deploy({
      id: 'bytes',
      tasks: [{ id: 'noisy', image: BUSYBOX_IMAGE, command: ['sh', '-c', script] }],
    });
    const run = await c.for(t).startRun('default', 'bytes', {});

    // Follow only once the first bytes are stored, so the stream has both a stored and a live part.
    const deadline = Date.now() + 30_000;
    while (
      (await collect(c.for(t).taskRunLogs('default', 'bytes', run.id, 'noisy'))).length === 0
    ) {
      if (Date.now() > deadline) throw new Error('the task printed nothing within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const parts: Record<'stdout' | 'stderr', Buffer[]> = { stdout: [], stderr: [] };
    for await (const chunk of c.for(t).taskRunLogs('default', 'bytes', run.id, 'noisy', {
      follow: true,
    })) {
      assert.equal(chunk.task, 'noisy');
      parts[chunk.stream].push(chunk.data);
    }
    assert.deepEqual(
      Buffer.concat(parts.stdout),
      Buffer.concat([first, Buffer.from('no newline')]),
    );
    assert.deepEqual(Buffer.concat(parts.stderr), Buffer.from('late\n'));

    const { run: done } = await t.waitForRun('bytes', run.id);
    assert.equal(done.status, 'SUCCESSFUL');
    const stored = await collect(c.for(t).taskRunLogs('default', 'bytes', run.id, 'noisy'));
    assert.deepEqual(
      Buffer.concat(stored.filter((s) => s.stream === 'stdout').map((s) => s.data)),
      Buffer.concat(parts.stdout),
      'the stored log matches what was followed',
    );
  });
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
