import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { ObjectStoreError } from '../../../kernel/contracts/object-store.js';
import { SqliteObjectStore } from '../../../plugins/sqlite-object-store/sqlite-object-store.js';

const scope = { namespace: 'default', pipeline: 'p' };
const at = (key: string) => ({ ...scope, key });

describe('the SQLite object store commits puts in groups', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'gofer-objects-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const open = (name: string) =>
    SqliteObjectStore.open({ path: join(dir, `${name}.db`), busyTimeoutMs: 1000 });

  it('answers each put of one group on its own: a refused put leaves the others kept', async () => {
    const store = open('refusal');
    try {
      await store.put(at('taken'), Buffer.from('first'));
      const outcomes = await Promise.allSettled([
        store.put(at('a'), Buffer.from('a')),
        store.put(at('taken'), Buffer.from('second')),
        store.put(at('b'), Buffer.from('b')),
      ]);
      assert.equal(outcomes[0]!.status, 'fulfilled');
      assert.equal(outcomes[2]!.status, 'fulfilled');
      const refused = outcomes[1]!;
      assert.equal(refused.status, 'rejected');
      assert.ok(refused.reason instanceof ObjectStoreError);
      assert.equal(refused.reason.code, 'ALREADY_EXISTS');

      assert.deepEqual(
        (await store.list(scope)).map((o) => o.key),
        ['taken', 'a', 'b'],
      );
      assert.equal((await store.get(at('taken'))).value.toString(), 'first');
    } finally {
      await store.close();
    }
  });

  it('applies the puts of a group in the order they were made', async () => {
    const store = open('order');
    try {
      const results = await Promise.allSettled([
        store.put(at('k'), Buffer.from('one')),
        store.put(at('k'), Buffer.from('two')),
        store.put(at('k'), Buffer.from('three'), { force: true }),
      ]);
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'rejected', 'fulfilled'],
      );
      assert.equal((await store.get(at('k'))).value.toString(), 'three');
    } finally {
      await store.close();
    }
  });

  it('holds the limit inside a group, evicting the oldest keys one put at a time', async () => {
    const store = open('limit');
    try {
      const puts = Array.from({ length: 6 }, (_, i) =>
        store.put(at(`k${i}`), Buffer.from(String(i)), { limit: 3 }),
      );
      const results = await Promise.all(puts);
      assert.deepEqual(
        results.map((r) => r.evicted),
        [[], [], [], ['k0'], ['k1'], ['k2']],
      );
      assert.deepEqual(
        (await store.list(scope)).map((o) => o.key),
        ['k3', 'k4', 'k5'],
      );
    } finally {
      await store.close();
    }
  });

  it('writes a put to the file before answering it, and close keeps the puts still queued', async () => {
    const path = join(dir, 'durable.db');
    const store = SqliteObjectStore.open({ path, busyTimeoutMs: 1000 });
    await store.put(at('answered'), Buffer.from('x'));
    const reader = new Database(path, { readonly: true });
    try {
      const count = () =>
        (reader.prepare('SELECT COUNT(*) AS n FROM objects').get() as { n: number }).n;
      assert.equal(count(), 1);

      const queued = store.put(at('queued'), Buffer.from('y'));
      await store.close();
      await queued;
      assert.equal(count(), 2);
    } finally {
      reader.close();
    }
  });

  it('refuses every put of a group whose transaction cannot be had, and keeps none', async () => {
    const path = join(dir, 'busy.db');
    const store = SqliteObjectStore.open({ path, busyTimeoutMs: 50 });
    const holder = new Database(path);
    try {
      holder.prepare('BEGIN IMMEDIATE').run();
      const outcomes = await Promise.allSettled([
        store.put(at('x'), Buffer.from('x')),
        store.put(at('y'), Buffer.from('y')),
      ]);
      for (const outcome of outcomes) {
        assert.equal(outcome.status, 'rejected');
        assert.match(String(outcome.reason), /locked|busy/i);
      }
      holder.prepare('ROLLBACK').run();
      assert.deepEqual(await store.list(scope), []);
      await store.put(at('x'), Buffer.from('x'));
      assert.equal((await store.get(at('x'))).value.toString(), 'x');
    } finally {
      holder.close();
      await store.close();
    }
  });

  it('refuses a put after close with an error instead of losing it silently', async () => {
    const store = open('closed');
    await store.close();
    await assert.rejects(store.put(at('late'), Buffer.from('x')), /not open/);
  });
});
