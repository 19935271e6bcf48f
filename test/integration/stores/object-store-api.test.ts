import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { GoferEvent } from '../../../kernel/contracts/model.js';
import { GoferClient } from '../../../cli/gofer-client.js';
import { StoreClient } from '../../../cli/store-client.js';
import type { PipelineConfig } from '../../../sdk/config/pipeline-config.js';
import { startTestKernel, type TestKernel } from '../../support/test-kernel.js';

const pipeline = (id: string): PipelineConfig => ({
  id,
  tasks: [{ id: 'say', image: 'inprocess', command: ['echo', 'hi'] }],
});
const at = (p: string, key: string, run?: number) => ({
  namespace: 'default',
  pipeline: p,
  run,
  key,
});

describe('objects over the API', () => {
  let t: TestKernel;
  let client: StoreClient;
  let api: GoferClient;

  before(async () => {
    t = await startTestKernel({
      scheduler: { engine: 'inprocess' },
      object_store: { pipeline_object_limit: 3, run_object_expiry: 2 },
    });
    client = new StoreClient({ address: t.kernel.address });
    api = new GoferClient({ address: t.kernel.address });
    for (const id of ['objs', 'other', 'limited', 'crowd', 'expiry']) await t.deploy(pipeline(id));
  });
  after(async () => {
    client.close();
    api.close();
    await t.stop();
  });

  it('puts, gets, lists with created times and sizes, and deletes a pipeline object', async () => {
    const put = await client.putObject(at('objs', 'greeting'), Buffer.from('hello'));
    assert.equal(put.info.size, 5);
    const got = await client.getObject(at('objs', 'greeting'));
    assert.equal(got.value.toString(), 'hello');
    const list = await client.listObjects({ namespace: 'default', pipeline: 'objs' });
    assert.deepEqual(
      list.map((o) => [o.key, o.size]),
      [['greeting', 5]],
    );
    assert.ok(list[0].created > 0);
    await client.deleteObject(at('objs', 'greeting'));
    assert.deepEqual(await client.listObjects({ namespace: 'default', pipeline: 'objs' }), []);
  });

  it('refuses to overwrite without force, naming --force, and overwrites with it', async () => {
    await client.putObject(at('objs', 'cfg'), Buffer.from('one'));
    await assert.rejects(client.putObject(at('objs', 'cfg'), Buffer.from('two')), (err: Error) => {
      assert.equal((err as { code?: string }).code, 'ALREADY_EXISTS');
      assert.match(err.message, /"cfg"/);
      assert.match(String((err as { fix?: string }).fix), /--force/);
      return true;
    });
    await client.putObject(at('objs', 'cfg'), Buffer.from('two'), { force: true });
    await client.putObject(at('objs', 'fresh'), Buffer.from('new'), { force: true });
    assert.equal((await client.getObject(at('objs', 'cfg'))).value.toString(), 'two');
    assert.equal((await client.getObject(at('objs', 'fresh'))).value.toString(), 'new');
  });

  it('answers NOT_FOUND naming the key for a missing object', async () => {
    await assert.rejects(client.getObject(at('objs', 'nothing-here')), (err: Error) => {
      assert.equal((err as { code?: string }).code, 'NOT_FOUND');
      assert.match(err.message, /"nothing-here"/);
      return true;
    });
  });

  it('keeps values byte for byte, several MiB included', async () => {
    const big = randomBytes(8 * 1024 * 1024);
    await client.putObject(at('objs', 'big.bin'), big);
    assert.ok((await client.getObject(at('objs', 'big.bin'))).value.equals(big));
    const binary = Buffer.from([0, 255, 10, 13, 0]);
    await client.putObject(at('objs', 'bytes'), binary);
    assert.ok((await client.getObject(at('objs', 'bytes'))).value.equals(binary));
  });

  it('never mixes up objects whose namespace, pipeline, run or key differ', async () => {
    await t.kernel.services.namespaces.create({ id: 'second', name: '', description: '' });
    await t.deploy(pipeline('objs'), 'second');
    const run = (await t.runToEnd('objs')).run.id;
    await client.putObject(at('objs', 'same'), Buffer.from('pipeline default'));
    await client.putObject({ ...at('objs', 'same'), namespace: 'second' }, Buffer.from('second'));
    await client.putObject(at('other', 'same'), Buffer.from('other pipeline'));
    await client.putObject(at('objs', 'same', run), Buffer.from('run object'));
    const read = async (key: ReturnType<typeof at>) =>
      (await client.getObject(key)).value.toString();
    assert.equal(await read(at('objs', 'same')), 'pipeline default');
    assert.equal(await read({ ...at('objs', 'same'), namespace: 'second' }), 'second');
    assert.equal(await read(at('other', 'same')), 'other pipeline');
    assert.equal(await read(at('objs', 'same', run)), 'run object');
    const runKeys = await client.listObjects({ namespace: 'default', pipeline: 'objs', run });
    assert.deepEqual(
      runKeys.map((o) => o.key),
      ['same'],
    );
  });

  it('evicts the oldest key past the pipeline limit, says which, and records an event', async () => {
    for (const key of ['k1', 'k2', 'k3']) {
      assert.deepEqual((await client.putObject(at('limited', key), Buffer.from(key))).evicted, []);
    }
    const fourth = await client.putObject(at('limited', 'k4'), Buffer.from('k4'));
    assert.deepEqual(fourth.evicted, ['k1']);
    const keys = (await client.listObjects({ namespace: 'default', pipeline: 'limited' })).map(
      (o) => o.key,
    );
    assert.deepEqual(keys, ['k2', 'k3', 'k4']);
    await assert.rejects(client.getObject(at('limited', 'k1')), { code: 'NOT_FOUND' });
    const events: GoferEvent[] = [];
    for await (const e of t.kernel.services.events.list({ reverse: true, limit: 50 }))
      events.push(e);
    const evicted = events.find((e) => e.type === 'PIPELINE_OBJECT_EVICTED');
    assert.equal(evicted?.pipeline, 'limited');
    assert.equal(evicted?.details.key, 'k1');
  });

  it('holds the limit under many concurrent puts, reporting every eviction and no errors', async () => {
    const puts = Array.from({ length: 40 }, (_, i) =>
      client.putObject(at('crowd', `key-${i}`), Buffer.from(`value ${i}`)),
    );
    const results = await Promise.all(puts);
    const keys = (await client.listObjects({ namespace: 'default', pipeline: 'crowd' })).map(
      (o) => o.key,
    );
    assert.equal(keys.length, 3);
    const evicted = results.flatMap((r) => r.evicted);
    assert.equal(evicted.length, 37);
    assert.equal(new Set([...evicted, ...keys]).size, 40, 'each key is either kept or evicted');
  });

  it('expires run objects once the run is old enough, and the run says so', async () => {
    const first = (await t.runToEnd('expiry')).run.id;
    await client.putObject(at('expiry', 'artifact', first), Buffer.from('built'));
    await t.runToEnd('expiry');
    assert.equal((await api.getRun('default', 'expiry', first)).objectsExpired, false);
    await t.runToEnd('expiry');
    let run = await api.getRun('default', 'expiry', first);
    for (let i = 0; i < 100 && !run.objectsExpired; i++) {
      await new Promise((r) => setTimeout(r, 20));
      run = await api.getRun('default', 'expiry', first);
    }
    assert.equal(run.objectsExpired, true);
    // Every call on the run says the objects expired, rather than that a key is not there.
    const expired = { code: 'FAILED_PRECONDITION', message: /objects of run \d+ .* have expired/ };
    await assert.rejects(client.getObject(at('expiry', 'artifact', first)), expired);
    await assert.rejects(client.listObjects({ ...at('expiry', 'x', first) }), expired);
    await assert.rejects(client.putObject(at('expiry', 'late', first), Buffer.from('x')), expired);
  });
});
