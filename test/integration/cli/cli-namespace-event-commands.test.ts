import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import type { GoferEvent, Namespace } from '../../../kernel/contracts/model.js';
import { exitOf } from '../../support/cli-runner.js';
import { type CliService, startCliService } from './cli-service.js';

// `gofer namespace ...` and `gofer event ...` against a real service.

describe('the namespace and event commands against a real service', () => {
  let s: CliService;
  before(async () => {
    s = await startCliService();
  });
  after(() => s.stop());

  it('creates, shows, updates, lists and deletes a namespace', async () => {
    const created = await s.cli.run([
      'namespace',
      'create',
      'team-a',
      '--name',
      'Team A',
      '-d',
      'pipelines of team A',
    ]);
    assert.equal(created.code, 0, created.stderr.toString());
    assert.equal(created.stdout.toString(), 'created namespace team-a\n');

    const shown = await s.cli.json<Namespace>(['namespace', 'get', 'team-a']);
    assert.deepEqual(
      [shown.id, shown.name, shown.description],
      ['team-a', 'Team A', 'pipelines of team A'],
    );

    const updated = await s.cli.json<Namespace>(['namespace', 'update', 'team-a', '-d', 'moved']);
    assert.deepEqual([updated.name, updated.description], ['Team A', 'moved']);

    const list = await s.cli.json<Namespace[]>(['namespace', 'list']);
    assert.deepEqual(list.map((n) => n.id).sort(), ['default', 'team-a']);
    const table = await s.cli.run(['namespace', 'list']);
    assert.match(table.stdout.toString(), /team-a[\s\S]*moved|moved[\s\S]*team-a/);

    assert.deepEqual(await s.cli.json(['namespace', 'delete', 'team-a']), { deleted: 'team-a' });
    const gone = await s.cli.run(['namespace', 'get', 'team-a']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr.toString(), /^gofer namespace get: namespace "team-a" not found\n/);
  });

  it('gives the display name the id when no --name is given', async () => {
    const created = await s.cli.json<Namespace>(['namespace', 'create', 'plain']);
    assert.equal(created.name, 'plain');
  });

  it('refuses a client token a namespace change, naming the method', async () => {
    const refused = await s.cli.run(['namespace', 'create', 'team-b', '-t', 'client']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr.toString(), /^gofer namespace create: .*management token/);
    const unknown = await s.cli.run(['namespace', 'list', '-t', 'nobody']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr.toString(), /^gofer namespace list: unknown token/);
  });

  it('lists stored events oldest first, newest first with --reverse, and after an id', async () => {
    const events = await s.cli.json<GoferEvent[]>(['event', 'list']);
    const ids = events.map((e) => e.id);
    assert.ok(ids.length >= 3, 'the namespace events of the test before');
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
    );
    assert.ok(events.some((e) => e.type === 'NAMESPACE_CREATED' && e.namespace === 'team-a'));

    const newest = await s.cli.json<GoferEvent[]>(['event', 'list', '--reverse', '-l', '2']);
    assert.deepEqual(
      newest.map((e) => e.id),
      ids.slice(-2).reverse(),
    );
    const later = await s.cli.json<GoferEvent[]>(['event', 'list', '--after', String(ids[0])]);
    assert.deepEqual(
      later.map((e) => e.id),
      ids.slice(1),
    );

    const one = await s.cli.json<GoferEvent>(['event', 'get', String(ids[0])]);
    assert.deepEqual(one, events[0]);
    const table = await s.cli.run(['event', 'get', String(ids[0])]);
    assert.match(table.stdout.toString(), new RegExp(events[0].type));
  });

  it('shows a client token only the events of the namespaces it holds a grant to', async () => {
    const seen = await s.cli.json<GoferEvent[]>(['event', 'list', '-t', 'client']);
    const all = await s.cli.json<GoferEvent[]>(['event', 'list']);
    assert.ok(all.some((e) => e.namespace === 'plain'));
    assert.deepEqual(
      seen.map((e) => e.id),
      all.filter((e) => e.namespace === 'default').map((e) => e.id),
    );
    const hidden = all.find((e) => e.namespace === 'plain')!;
    const refused = await s.cli.run(['event', 'get', String(hidden.id), '-t', 'client']);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr.toString(),
      new RegExp(`^gofer event get: event ${hidden.id} not found`),
    );
  });

  it('event list --follow prints each new event as one JSON line and stops cleanly on Ctrl-C', async () => {
    const [newest] = await s.cli.json<GoferEvent[]>(['event', 'list', '--reverse', '-l', '1']);
    const follower = s.cli.spawn([
      'event',
      'list',
      '--follow',
      '--after',
      String(newest.id),
      '-o',
      'json',
    ]);
    let out = '';
    let err = '';
    follower.stderr!.on('data', (d: Buffer) => (err += d));
    const lines: GoferEvent[] = [];
    const sawCreated = new Promise<void>((resolve) => {
      follower.stdout!.on('data', (d: Buffer) => {
        out += d;
        const complete = out.split('\n');
        out = complete.pop()!;
        for (const line of complete) lines.push(JSON.parse(line) as GoferEvent);
        if (lines.some((e) => e.type === 'NAMESPACE_CREATED')) resolve();
      });
    });

    // With --after, the event is printed whether it is stored before the follower asks or arrives live.
    await once(follower, 'spawn');
    const created = await s.cli.run(['namespace', 'create', 'followed']);
    assert.equal(created.code, 0, created.stderr.toString());
    await Promise.race([
      sawCreated,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`no event line; stderr: ${err}`)), 30_000),
      ),
    ]);
    follower.kill('SIGINT');
    assert.equal(await exitOf(follower), 0, err);
    assert.deepEqual(
      lines.map((e) => [e.type, e.namespace]),
      [['NAMESPACE_CREATED', 'followed']],
    );
  });
});
